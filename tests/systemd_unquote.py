"""An independent reading of systemd's unit-file quoting, for property tests.

Follows systemd's extract_first_word() with EXTRACT_UNQUOTE | EXTRACT_CUNESCAPE
(src/basic/extract-word.c) and then specifier (`%%`) and, for command lines,
`$$` unescaping, as systemd.service(5) and systemd.unit(5) describe.
"""

from __future__ import annotations

WHITESPACE = " \t\n\r"
SIMPLE = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
          "\\": "\\", '"': '"', "'": "'", "s": " "}  # fmt: skip


def _cunescape_one(text: str, i: int) -> tuple[str, int]:
    """Decode the escape starting after a backslash at text[i]; return (char, next index)."""
    c = text[i]
    if c in SIMPLE:
        return SIMPLE[c], i + 1
    if c == "x":
        return chr(int(text[i + 1 : i + 3], 16)), i + 3
    if c == "u":
        return chr(int(text[i + 1 : i + 5], 16)), i + 5
    if c == "U":
        return chr(int(text[i + 1 : i + 9], 16)), i + 9
    if c in "01234567":
        return chr(int(text[i : i + 3], 8)), i + 3
    raise ValueError(f"invalid escape \\{c}")


def split_words(text: str) -> list[str]:
    """Split a setting's value into words the way systemd does."""
    words: list[str] = []
    i, n = 0, len(text)
    while True:
        while i < n and text[i] in WHITESPACE:
            i += 1
        if i >= n:
            return words
        word: list[str] = []
        quote = ""
        while i < n:
            c = text[i]
            if c == "\\":
                ch, i = _cunescape_one(text, i + 1)
                word.append(ch)
                continue
            if quote:
                if c == quote:
                    quote = ""
                else:
                    word.append(c)
                i += 1
                continue
            if c in "'\"":
                quote = c
                i += 1
                continue
            if c in WHITESPACE:
                break
            word.append(c)
            i += 1
        if quote:
            raise ValueError("unterminated quote")
        words.append("".join(word))


def _unpair(word: str, char: str, what: str) -> str:
    """`cc` is a literal `c`; a lone `c` would start an expansion systemd performs."""
    out, i = [], 0
    while i < len(word):
        if word[i] == char:
            if word[i + 1 : i + 2] != char:
                raise ValueError(f"unexpected {what} in {word!r}")
            out.append(char)
            i += 2
        else:
            out.append(word[i])
            i += 1
    return "".join(out)


def unspecify(word: str) -> str:
    """Undo specifier escaping: `%%` is `%` (any other specifier is not expected here)."""
    return _unpair(word, "%", "specifier")


def exec_argv(value: str) -> list[str]:
    """The argv systemd runs for an `ExecStart=` value (no prefixes, no variables)."""
    if value.split() and value.split()[0] == ";":
        raise ValueError("lone ; separates commands")
    words = []
    for raw in _split_exec_raw(value):
        if raw == "\\;":
            words.append(";")
            continue
        (word,) = split_words(raw)
        words.append(_undollar(unspecify(word)))
    return words


def _undollar(word: str) -> str:
    """`$$` is a literal `$`; a lone `$` would start a variable expansion."""
    return _unpair(word, "$", "variable expansion")


def _split_exec_raw(value: str) -> list[str]:
    """Raw (still quoted) words of a command line, to spot the lone `\\;` escape."""
    out, i, n = [], 0, len(value)
    while i < n:
        while i < n and value[i] in WHITESPACE:
            i += 1
        if i >= n:
            break
        start, quote = i, ""
        while i < n:
            c = value[i]
            if c == "\\":
                i += 2
                continue
            if quote:
                quote = "" if c == quote else quote
            elif c in "'\"":
                quote = c
            elif c in WHITESPACE:
                break
            i += 1
        out.append(value[start:i])
    return out


def environment(value: str) -> dict[str, str]:
    """The variables an `Environment=` value assigns."""
    env = {}
    for word in split_words(value):
        word = unspecify(word)
        name, sep, val = word.partition("=")
        if sep:
            env[name] = val
    return env
