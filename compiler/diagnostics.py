"""Diagnostics as values: every problem found is one of these, collected, never raised."""

from __future__ import annotations

import enum

import attrs

from compiler.span import Span


class Severity(str, enum.Enum):  # noqa: UP042 - str() and format() of a value stay as they are
    """Diagnostic severities; their values are the SARIF levels."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@attrs.frozen(slots=True)
class Check:
    """A kind of diagnostic the compiler itself reports (input, syntax, validation, emit)."""

    code: str
    name: str
    summary: str
    doc: str
    severity: Severity = Severity.ERROR

    def at(self, span: Span, message: str, help: str = "") -> Diagnostic:
        """A diagnostic of this kind at `span`."""
        return Diagnostic(self.code, self.name, self.severity, message, span, help)


@attrs.frozen(slots=True)
class Diagnostic:
    """One finding: what, where, how bad, and how to fix it."""

    code: str
    name: str
    severity: Severity
    message: str
    span: Span
    help: str = ""

    @property
    def is_error(self) -> bool:
        """Whether this diagnostic makes the run fail."""
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple[str, int, int, str, str]:
        """Order by file, position, then code, so output is deterministic."""
        s = self.span
        return (s.file, s.line, s.column, self.code, self.message)

    def to_json(self) -> dict[str, object]:
        """The JSON shape of DESIGN.md section 3."""
        s = self.span
        return {
            "file": s.file,
            "line": s.line,
            "column": s.column,
            "end_line": s.end_line,
            "end_column": s.end_column,
            "code": self.code,
            "name": self.name,
            "severity": self.severity.value,
            "message": self.message,
            "help": self.help,
        }


def has_errors(diagnostics: list[Diagnostic]) -> bool:
    """Whether any diagnostic is an error."""
    return any(d.is_error for d in diagnostics)
