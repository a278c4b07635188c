"""Source locations: 1-based lines and columns counted in characters."""

from __future__ import annotations

import attrs


@attrs.frozen(slots=True)
class Span:
    """A range in a source file; `end_column` is exclusive."""

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
