"""The table-driven LALR(1) lexer and parser that runs the grammar's tables (see tables.py).

It reproduces what Lark's LALR parser with its basic lexer does for this grammar: one
alternation of the terminals in Lark's order, `_rule` children spliced into their parent,
`?rule` with one child passed through, and a transformer callback per rule alias run as the
parser reduces. A test holds it equal to Lark on the examples and on generated text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

END = "$END"


class Tables(NamedTuple):
    """One grammar's lexer and LALR tables, states numbered canonically."""

    pattern: str  # (?P<TERMINAL>...) alternatives in Lark's order
    ignore: frozenset[str]
    newline: frozenset[str]  # terminals whose text may hold a newline
    actions: tuple[dict[str, int], ...]  # state → terminal → shift to n (n >= 0) or reduce ~n
    goto: tuple[dict[str, int], ...]  # state → rule name → state
    rules: tuple[tuple[str, int, str, tuple[int, ...], bool], ...]  # origin, size, callback,
    # positions of `_rule` children to splice, `?rule`
    start: int
    accept: int


class Token:
    """A lexed terminal with its 1-based start and end positions (end column is exclusive)."""

    __slots__ = (
        "column",
        "end_column",
        "end_line",
        "end_pos",
        "line",
        "start_pos",
        "type",
        "value",
    )

    def __init__(
        self,
        type: str,
        value: str,
        start_pos: int,
        line: int,
        column: int,
        end_line: int,
        end_column: int,
        end_pos: int,
    ) -> None:
        self.type = type
        self.value = value
        self.start_pos = start_pos
        self.line = line
        self.column = column
        self.end_line = end_line
        self.end_column = end_column
        self.end_pos = end_pos

    def __repr__(self) -> str:
        return f"Token({self.type!r}, {self.value!r}, {self.line}:{self.column})"


class ParseError(Exception):
    """Input the grammar does not accept; `pos_in_stream` is the offset where it stopped."""

    pos_in_stream: int


class LexError(ParseError):
    """No terminal matches at this position."""

    def __init__(self, pos: int, line: int, column: int) -> None:
        super().__init__(f"no terminal matches at line {line}, column {column}")
        self.pos_in_stream, self.line, self.column = pos, line, column


class TokenError(ParseError):
    """A terminal the parser cannot take here; `expected` are the ones it could."""

    def __init__(self, token: Token, expected: frozenset[str]) -> None:
        super().__init__(f"unexpected {token!r}")
        self.token, self.expected, self.pos_in_stream = token, expected, token.start_pos


class Parser:
    """Lexes and parses text with `tables`, calling `transformer`'s methods as rules reduce."""

    def __init__(self, tables: Tables, transformer: object) -> None:
        self.tables = tables
        self._match = re.compile(tables.pattern).match
        self._reductions: list[tuple[str, int, tuple[int, ...], bool, Callable | None]] = []
        for origin, size, name, splice, expand1 in tables.rules:
            callback = getattr(transformer, name, None)
            if callback is None and not origin.startswith("_") and not expand1:
                raise TypeError(f"{type(transformer).__name__} has no method for rule `{name}`")
            self._reductions.append((origin, size, splice, expand1, callback))

    def tokens(self, text: str) -> Iterator[Token]:
        """The terminals of `text`, ignored ones skipped, then the end marker at the last one's
        position (as Lark places it); raises LexError where no terminal matches."""
        ignore, newline, match = self.tables.ignore, self.tables.newline, self._match
        pos, line, line_start, size = 0, 1, 0, len(text)
        last = Token(END, "", 0, 1, 1, 1, 1, 0)
        while pos < size:
            m = match(text, pos)
            if m is None:
                raise LexError(pos, line, pos - line_start + 1)
            kind = m.lastgroup
            end = m.end()
            column = pos - line_start + 1
            if kind in newline:
                value = m.group()
                count = value.count("\n")
                if count:
                    first = line
                    line += count
                    line_start = pos + value.rindex("\n") + 1
                    if kind not in ignore:
                        end_column = end - line_start + 1
                        last = Token(kind, value, pos, first, column, line, end_column, end)
                        yield last
                elif kind not in ignore:
                    last = Token(kind, value, pos, line, column, line, column + end - pos, end)
                    yield last
            elif kind not in ignore:
                last = Token(kind, m.group(), pos, line, column, line, column + end - pos, end)
                yield last
            pos = end
        yield Token(END, "", last.start_pos, last.line, last.column, last.end_line,
                    last.end_column, last.end_pos)  # fmt: skip

    def parse(self, text: str) -> Any:
        """The transformer's value for the start rule; raises LexError or TokenError."""
        actions, goto, reductions = self.tables.actions, self.tables.goto, self._reductions
        accept = self.tables.accept
        states, values = [self.tables.start], []
        for token in self.tokens(text):
            kind = token.type
            while True:
                action = actions[states[-1]].get(kind)
                if action is None:
                    raise TokenError(token, frozenset(actions[states[-1]]))
                if action >= 0:  # shift (never the end marker: it is accepted below)
                    states.append(action)
                    values.append(token)
                    break
                origin, size, splice, expand1, callback = reductions[~action]
                if size:
                    children = values[-size:]
                    del values[-size:]
                    del states[-size:]
                else:
                    children = []
                if splice:
                    children = _splice(children, splice)
                if expand1 and len(children) == 1:
                    value = children[0]
                elif callback is None:  # a `_rule`: its children go to the parent
                    value = children
                else:
                    value = callback(children)
                state = goto[states[-1]][origin]
                if state == accept:
                    return value
                states.append(state)
                values.append(value)
        raise AssertionError("the end marker is always accepted or rejected")


def _splice(children: list, splice: tuple[int, ...]) -> list:
    """Children with each `_rule` child's own children in its place (the left one reused)."""
    if splice[0] == 0:
        out, first = children[0], 1
    else:
        out, first = [], 0
    for i in range(first, len(children)):
        if i in splice:
            out.extend(children[i])
        else:
            out.append(children[i])
    return out
