"""Source locations: 1-based lines and columns counted in characters."""

from __future__ import annotations

from typing import NamedTuple


class Span(NamedTuple):
    """A range in a source file; `end_column` is exclusive. An immutable value, made for every
    token and value parsed: a named tuple costs half what a frozen attrs class does."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def point(cls, file: str, line: int = 1, column: int = 1) -> Span:
        """A one-character span at a position."""
        return cls(file, line, column, line, column + 1)

    def to(self, other: Span) -> Span:
        """The span from the start of this one to the end of `other`."""
        return Span(self.file, self.line, self.column, other.end_line, other.end_column)
