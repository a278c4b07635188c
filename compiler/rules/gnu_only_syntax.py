"""Bash-only syntax or GNU-only tool flags in a generated POSIX sh script."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from compiler import ir, shlib
from compiler.rules.base import Finding, Rule
from compiler.span import Span

if TYPE_CHECKING:
    from compiler.emit import Artifact

# (what, pattern) — matched on lines outside comments; kept simple enough that the
# generated activation script can apply the same list with `grep -E`. Bracketed characters
# (`[$]'`, `<<[<]`) keep the list, as bin/activate embeds it, from matching itself.
PATTERNS: tuple[tuple[str, str], ...] = (
    (
        "`sed -i` without a backup suffix (GNU-only)",
        r"(^|[;&|[:space:]])sed[[:space:]]+(-[A-Za-z]*i|--in-place)([[:space:]]|$)",
    ),
    ("`readlink -f` (GNU-only)", r"readlink[[:space:]]+-[A-Za-z]*f"),
    ("`date -d` (GNU-only)", r"(^|[;&|[:space:]$(])date[[:space:]]+(-[A-Za-z]*d|--date)"),
    ("`stat -c` (GNU-only)", r"(^|[;&|[:space:]$(])stat[[:space:]]+-[A-Za-z]*c"),
    ("`grep -P` (GNU-only)", r"grep[[:space:]]+-[A-Za-z]*P"),
    ("`echo -e` (not POSIX)", r"(^|[;&|[:space:]])echo[[:space:]]+-e"),
    ("`[[ ... ]]` (bash/ksh)", r"(^|[;&|[:space:]])\[\[[[:space:]]"),
    ("arrays (bash/ksh)", r"(^|[;&|[:space:]])[A-Za-z_][A-Za-z0-9_]*=\("),
    ("`$'...'` strings (not POSIX before 2024)", r"[$]'"),
    ("`<<<` here-strings (bash/ksh/zsh)", r"<<[<]"),
    (
        "`function` keyword (not POSIX)",
        r"(^[[:space:]]*|[;&|][[:space:]]*)function[[:space:]]+[A-Za-z_]",
    ),
    ("`source` (use `.`)", r"(^[[:space:]]*|[;&|][[:space:]]*)source[[:space:]]"),
    ("`&>` redirection (bash)", r"&[>]"),
    ("`|&` pipe (bash)", r"[|]&"),
    ("`${var:offset}` substrings (bash)", r"\$\{[A-Za-z_][A-Za-z0-9_]*:( -)?[0-9]"),
    ("case conversion `${var,,}`/`${var^^}` (bash 4)", r"\$\{[A-Za-z_][A-Za-z0-9_]*(,,|\^\^)"),
    (
        "`declare`/`typeset`/`mapfile`/`readarray` (bash)",
        r"(^[[:space:]]*|[;&|][[:space:]]*)(declare|typeset|mapfile|readarray)[[:space:]]",
    ),
)
# The same checks for Python, each led by a literal so the regex engine can skip ahead; the
# context a command word needs before it is checked after the match (`_after_command_start`).
_WORD, _COMMAND = "word", "command"
_FAST: tuple[tuple[str, re.Pattern[str], str | None], ...] = tuple(
    (what, re.compile(fast, re.MULTILINE), context)
    for what, fast, context in (
        (PATTERNS[0][0], r"sed[ \t]+(?:-[A-Za-z]*i|--in-place)(?:[ \t]|$)", _WORD),
        (PATTERNS[1][0], r"readlink[ \t]+-[A-Za-z]*f", None),
        (PATTERNS[2][0], r"date[ \t]+(?:-[A-Za-z]*d|--date)", _WORD),
        (PATTERNS[3][0], r"stat[ \t]+-[A-Za-z]*c", _WORD),
        (PATTERNS[4][0], r"grep[ \t]+-[A-Za-z]*P", None),
        (PATTERNS[5][0], r"echo[ \t]+-e", _WORD),
        (PATTERNS[6][0], r"\[\[[ \t]", _WORD),
        (PATTERNS[7][0], r"=\(", None),
        (PATTERNS[8][0], r"\$'", None),
        (PATTERNS[9][0], r"<<<", None),
        (PATTERNS[10][0], r"function[ \t]+[A-Za-z_]", _COMMAND),
        (PATTERNS[11][0], r"source[ \t]", _COMMAND),
        (PATTERNS[12][0], r"&>", None),
        (PATTERNS[13][0], r"\|&", None),
        (PATTERNS[14][0], r"\$\{[A-Za-z_][A-Za-z0-9_]*:(?: -)?[0-9]", None),
        (PATTERNS[15][0], r"\$\{[A-Za-z_][A-Za-z0-9_]*(?:,,|\^\^)", None),
        (PATTERNS[16][0], r"(?:declare|typeset|mapfile|readarray)[ \t]", _COMMAND),
    )
)
_ARRAY_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _in_context(code: str, offset: int, context: str | None) -> bool:
    """The context the ERE demands before the match: a word boundary (start, blank, `;&|`,
    and for `date`/`stat` also `$(`), or a command start (line start or `;&|`, then blanks)."""
    if context is None:
        return True
    before = code[offset - 1] if offset else "\n"
    if context == _WORD:
        return before in "\n \t;&|$("
    i = offset - 1
    while i >= 0 and code[i] in " \t":
        i -= 1
    return i < 0 or code[i] in "\n;&|"


def findings_in_script(path: str, text: str, first_line: int = 1) -> Iterable[Finding]:
    """Non-portable constructs in one script (or the part of it from line `first_line` on),
    located by line and column (first per line)."""
    hits = [(what, m, context) for what, regex, context in _FAST for m in regex.finditer(text)]
    if not hits:  # the usual case: no need to find the script's quotes and comments
        return []
    line_starts = [0, *(m.end() for m in _NEWLINE.finditer(text))]
    found: dict[int, Finding] = {}
    hidden: tuple[list[int], list[int]] | None = None
    for what, m, context in hits:
        offset = m.start()
        if what == PATTERNS[7][0]:  # arrays: a name must stand before `=(`
            name = _ARRAY_NAME.search(text, 0, offset)
            if name is None or not _in_context(text, name.start(), _WORD):
                continue
            offset = name.start()
        elif not _in_context(text, offset, context):
            continue
        if hidden is None:  # only now: most candidates fail their context
            hidden = _hidden(text)
        starts, ends = hidden
        i = bisect.bisect_right(starts, m.start()) - 1
        if i >= 0 and m.start() < ends[i]:  # inside single quotes or a comment
            continue
        line = bisect.bisect_right(line_starts, offset)
        col = offset - line_starts[line - 1] + 1
        if line in found and found[line].span.column <= col:
            continue
        at = line + first_line - 1
        found[line] = Finding(
            Span(path, at, col, at, col + (m.end() - offset)),
            f"{what} in a generated POSIX sh script",
            "generated scripts must run under dash, busybox, posh, mksh, yash, zsh"
            " and macOS's bash 3.2 in sh mode",
        )
    return [found[line] for line in sorted(found)]


_NEWLINE = re.compile(r"\n")
# Each match: code the shell reads (plain text, double-quoted strings, escapes, quotes that
# never close), then the next single-quoted string or `#...` run if any; the tail is optional,
# so a match never fails and never backtracks. Iterating hidden regions, not every token,
# keeps the work in the regex engine.
_NEXT_HIDDEN = re.compile(
    r"""(?:[^'"#\\]+|"(?:[^"\\]|\\[\s\S])*"|\\[\s\S]|["\\]|'(?![^']*'))*"""
    r"""(?:('[^']*')|(#[^\n]*))?"""
)


def _hidden(text: str) -> tuple[list[int], list[int]]:
    """Where the shell sees no code: single-quoted text and comments, as sorted start and end
    offsets. Double-quoted strings and escapes are skipped over, so a `'` or `#` in them
    starts nothing; a `#` inside a word is no comment (and the rest of its line is skipped)."""
    starts, ends = [], []
    for m in _NEXT_HIDDEN.finditer(text):
        if m.lastindex is None:
            if m.end() >= len(text):
                break
            continue
        start = m.start(m.lastindex)
        if m.lastindex == 1:
            starts.append(start + 1)
            ends.append(m.end() - 1)
        elif start == 0 or text[start - 1] in " \t;\n":
            starts.append(start)
            ends.append(m.end())
    return starts, ends


class GnuOnlySyntax(Rule):
    """A generated script uses GNU-only flags or bash-only syntax.

    Anti-pattern: the wrapper runs under macOS's /bin/sh (bash 3.2 in POSIX
    mode) and BSD tools, where these fail at the first start — and a service
    manager restarts the failure:

        target=$(readlink -f "$0")
        sed -i "s/a/b/" file
        [[ -n $x ]] && echo -e "..."

    Better: POSIX sh and POSIX tool flags:

        sed "s/a/b/" file >file.tmp && mv file.tmp file
        [ -n "$x" ] && printf '%s\\n' "..."
    """

    code = "AG115"
    name = "gnu-only-syntax"
    waivable = False

    def check_artifacts(self, agent: ir.Agent, artifacts: list[Artifact]) -> Iterable[Finding]:
        for art in artifacts:
            if not art.path.startswith("bin/"):
                continue
            # Escaped values cannot add syntax, so a script whose shape (its text with every
            # value replaced) was already found clean is clean too.
            key = art.shape
            if key is not None and key in _CLEAN_SHAPES:
                continue
            # The verified library was scanned once for this version (compiler.generate).
            text, first_line = art.linted(whole=not shlib.verified())
            found = list(findings_in_script(f"{agent.name}/{art.path}", text.decode(), first_line))
            if not found and key is not None:
                _CLEAN_SHAPES.add(key)
            yield from found


_CLEAN_SHAPES: set[bytes] = set()
