"""Diagnostics → text for people, JSON for tools, SARIF 2.1.0 for code-scanning UIs."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from typing import IO, Any

from compiler import __version__
from compiler.diagnostics import Diagnostic, Severity
from compiler.source import Source

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_COLOURS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.NOTE: "36"}


def use_colour(stream: IO[str]) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (to anything)."""
    return "NO_COLOR" not in os.environ and hasattr(stream, "isatty") and stream.isatty()


def text(
    diagnostics: Iterable[Diagnostic], sources: Mapping[str, Source], colour: bool = False
) -> str:
    """Compiler-style text: location, severity[code/name], source line, caret, help."""
    out: list[str] = []
    for d in diagnostics:
        s = d.span
        sev = d.severity.value
        if colour:
            sev = f"\x1b[1;{_COLOURS[d.severity]}m{sev}\x1b[0m"
        out.append(f"{s.file}:{s.line}:{s.column}: {sev}[{d.code}/{d.name}]: {d.message}")
        src = sources.get(s.file)
        line = src.line(s.line) if src else ""
        if line:
            out.append(f"  {line}")
            pad = "".join(c if c == "\t" else " " for c in line[: s.column - 1])
            end = s.end_column if s.end_line == s.line else len(line) + 1
            width = max(1, min(end, len(line) + 1) - s.column)
            caret = "^" * width
            if colour:
                caret = f"\x1b[1;{_COLOURS[d.severity]}m{caret}\x1b[0m"
            out.append(f"  {pad}{caret}")
        if d.help:
            out.append(f"  help: {d.help}")
    return "\n".join(out) + ("\n" if out else "")


def summary(diagnostics: list[Diagnostic]) -> str:
    """One line counting errors, warnings and notes."""
    counts = {sev: 0 for sev in Severity}
    for d in diagnostics:
        counts[d.severity] += 1
    return (
        f"{counts[Severity.ERROR]} error(s), {counts[Severity.WARNING]} warning(s),"
        f" {counts[Severity.NOTE]} note(s)"
    )


def as_json(diagnostics: Iterable[Diagnostic], **extra: Any) -> str:
    """`{"diagnostics": [...]}` (DESIGN.md section 3), plus any extra keys."""
    doc = {"diagnostics": [d.to_json() for d in diagnostics], **extra}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def sarif(diagnostics: list[Diagnostic], catalog: Mapping[str, Any]) -> str:
    """A SARIF 2.1.0 log with one run; `catalog` maps code → rule metadata."""
    codes = sorted({d.code for d in diagnostics})
    index = {code: i for i, code in enumerate(codes)}
    rules = []
    for code in codes:
        entry = catalog.get(code)
        name = getattr(entry, "name", code)
        summary_text = getattr(entry, "summary", name)
        doc = getattr(entry, "doc", "") or summary_text
        level = getattr(getattr(entry, "severity", None), "value", "error")
        rules.append(
            {
                "id": code,
                "name": name,
                "shortDescription": {"text": summary_text},
                "fullDescription": {"text": doc},
                "help": {"text": doc},
                "defaultConfiguration": {"level": level},
            }
        )
    results = []
    for d in diagnostics:
        s = d.span
        message = d.message + (f" (help: {d.help})" if d.help else "")
        results.append(
            {
                "ruleId": d.code,
                "ruleIndex": index[d.code],
                "level": d.severity.value,
                "message": {"text": message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": _uri(s.file)},
                            "region": {
                                "startLine": s.line,
                                "startColumn": s.column,
                                "endLine": s.end_line,
                                "endColumn": s.end_column,
                            },
                        }
                    }
                ],
            }
        )
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "agentc",
                        "version": __version__,
                        "informationUri": "https://github.com/SourceOS-Linux/sourceos-spec",
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _uri(path: str) -> str:
    """A relative URI reference for a file path (SARIF artifactLocation.uri)."""
    from urllib.parse import quote

    return quote(path.replace(os.sep, "/"))
