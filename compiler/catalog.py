"""Every diagnostic kind by code and name: the compiler's own checks and the policy rules."""

from __future__ import annotations

import functools
import textwrap
from typing import Any

from compiler import checks


@functools.lru_cache(maxsize=1)
def catalog() -> dict[str, Any]:
    """Code → check or rule, for SARIF rule metadata and `explain`."""
    from compiler.rules import REGISTRY

    entries: dict[str, Any] = {c.code: c for c in checks.ALL}
    for rule in REGISTRY:
        entries[rule.code] = rule
    return entries


def explain(key: str) -> str | None:
    """The documentation of a rule or check, looked up by code or name."""
    for entry in catalog().values():
        if key in (entry.code, entry.name):
            doc = textwrap.dedent(entry.doc).strip()
            head = f"{entry.code} {entry.name} ({entry.severity.value})"
            extra = ""
            if hasattr(entry, "waivable"):
                extra = "\nwaivable: " + ("yes" if entry.waivable else "no")
            return f"{head}\n{entry.summary}{extra}\n\n{doc}\n"
    return None


def listing() -> str:
    """Every rule and diagnostic, one a line: code, name, default severity, whether a waiver
    can accept it (rules only), and what it is about."""
    lines = []
    for code, entry in sorted(catalog().items()):
        waivable = ""
        if hasattr(entry, "waivable"):
            waivable = "waivable" if entry.waivable else "not waivable"
        lines.append(
            f"{code:<6} {entry.name:<32} {entry.severity.value:<8} {waivable:<13} {entry.summary}"
        )
    return "\n".join(lines) + "\n"
