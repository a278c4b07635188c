"""Syntax → canonical text: `agentc fmt`, the printer of the declaration language.

It prints what the parser accepted, token by token, with comments kept where they were (on
their own line, or after the code on theirs) and at most one blank line between bindings:
one binding per line, two-space indentation, `key = value;`, short lists of plain values on
one line. Attribute paths, strings and numbers are printed as written, so the value (and
what `nix-instantiate` evaluates) never changes, and printing twice changes nothing.
"""

from __future__ import annotations

import re

from compiler import tables

WIDTH = 100
_SCALARS = {"STRING", "INT", "ID"}
_COMMENTS = {"LINE_COMMENT", "BLOCK_COMMENT"}


class _Tok:
    """A token with what came before it: `newlines` in the blank run, 0 when on the same line."""

    __slots__ = ("kind", "newlines", "text")

    def __init__(self, kind: str, text: str, newlines: int) -> None:
        self.kind, self.text, self.newlines = kind, text, newlines


def _tokens(text: str) -> list[_Tok]:
    """Every terminal including comments (the parser skips those), in order."""
    match = re.compile(tables.load().pattern).match
    out: list[_Tok] = []
    pos, newlines = 0, 0
    while pos < len(text):
        m = match(text, pos)
        if m is None or m.end() == pos:  # the parser accepted the text: cannot happen
            raise ValueError(f"no terminal at offset {pos}")
        kind = m.lastgroup or ""
        if kind == "WS":
            newlines += m.group().count("\n")
        else:
            out.append(_Tok(kind, m.group(), newlines))
            newlines = 0
        pos = m.end()
    out.append(_Tok("$END", "", newlines))
    return out


class _Printer:
    def __init__(self, toks: list[_Tok]) -> None:
        self.toks, self.i = toks, 0
        self.lines: list[str] = []

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def emit(self, depth: int, text: str) -> None:
        self.lines.append(("  " * depth + text).rstrip())

    def trailing(self) -> str:
        """Comments that follow on the same line, as text to append."""
        out = ""
        while self.peek().kind in _COMMENTS and self.peek().newlines == 0:
            out += " " + self.take().text.rstrip()
        return out

    def comments(self, depth: int) -> None:
        """Own-line comments (and the blank lines before them, at most one)."""
        while self.peek().kind in _COMMENTS:
            tok = self.take()
            self.blank(tok)
            for n, line in enumerate(tok.text.rstrip().split("\n")):
                self.emit(depth if n == 0 else 0, line)

    def blank(self, tok: _Tok) -> None:
        if (
            tok.newlines > 1
            and self.lines
            and self.lines[-1]
            and not self.lines[-1].endswith(("{", "["))
        ):
            self.lines.append("")

    def bindings(self, depth: int, end: str) -> None:
        while True:
            self.comments(depth)
            if self.peek().kind in (end, "$END"):
                return
            self.blank(self.peek())
            path: list[str] = []
            moved: list[str] = []  # comments inside `a.b =`, moved above the binding
            while self.peek().kind != "EQUALS":
                tok = self.take()
                if tok.kind in _COMMENTS:
                    moved.append(tok.text.rstrip())
                elif tok.kind != "DOT":
                    path.append(tok.text)
            self.take()  # =
            while self.peek().kind in _COMMENTS:
                moved.append(self.take().text.rstrip())
            for text in moved:
                self.emit(depth, text)
            self.value(depth, ".".join(path) + " = ")
            while self.peek().kind in _COMMENTS:  # before the `;`: kept on the value's line
                self.lines[-1] += " " + self.take().text.rstrip()
            self.take()  # ;
            self.lines[-1] += ";" + self.trailing()

    def value(self, depth: int, head: str) -> None:
        """Print a value after `head`, starting a new line."""
        tok = self.take()
        if tok.kind in _SCALARS:
            self.emit(depth, head + tok.text)
        elif tok.kind == "LBRACE":
            start = self.i
            flat = self._flat_set()
            if flat is not None and len("  " * depth + head + flat) + 2 <= WIDTH:
                self.emit(depth, head + flat)
                return
            self.i = start  # too long for one line: print it whole
            self.emit(depth, head + "{" + self.trailing())
            self.bindings(depth + 1, "RBRACE")
            self.take()  # }
            self.emit(depth, "}")
        else:  # [
            start = self.i
            flat = self._flat_list()
            if flat is not None and len("  " * depth + head + flat) + 2 <= WIDTH:
                self.emit(depth, head + flat)
                return
            self.i = start
            self.emit(depth, head + "[" + self.trailing())
            while True:
                self.comments(depth + 1)
                if self.peek().kind == "RBRACK":
                    break
                self.blank(self.peek())
                self.value(depth + 1, "")
                self.lines[-1] += self.trailing()
            self.take()  # ]
            self.emit(depth, "]")

    def _flat_set(self) -> str | None:
        """`{ }`, or `{ a.b = v; }` for one binding of a plain value with no comment (consumed),
        else None (nothing consumed)."""
        j, path = self.i, []
        if self.toks[j].kind == "RBRACE":
            self.i = j + 1
            return "{ }"
        while self.toks[j].kind in ("ID", "STRING", "DOT"):
            path.append(self.toks[j].text)
            j += 1
        kinds = [t.kind for t in self.toks[j : j + 4]]
        if not path or kinds[:1] != ["EQUALS"] or kinds[2:] != ["SEMI", "RBRACE"]:
            return None
        if kinds[1] not in _SCALARS:
            return None
        self.i = j + 4
        return "{ " + "".join(path) + " = " + self.toks[j + 1].text + "; }"

    def _flat_list(self) -> str | None:
        """`[ a b ]` when the list holds only plain values and no comment (consumed), else
        None (nothing consumed)."""
        j, items = self.i, []
        while self.toks[j].kind in _SCALARS:
            items.append(self.toks[j].text)
            j += 1
        if self.toks[j].kind != "RBRACK":
            return None
        self.i = j + 1
        return "[ " + " ".join(items) + " ]" if items else "[ ]"


def format_text(text: str) -> str:
    """The canonical text of a declaration the parser accepts."""
    printer = _Printer(_tokens(text))
    printer.comments(0)
    if printer.peek().kind == "LBRACE":
        printer.take()
        printer.emit(0, "{" + printer.trailing())
        printer.bindings(1, "RBRACE")
        printer.take()
        printer.emit(0, "}" + printer.trailing())
    else:
        printer.bindings(0, "$END")
    printer.comments(0)
    while printer.lines and not printer.lines[-1]:
        printer.lines.pop()
    return "\n".join(printer.lines) + "\n"
