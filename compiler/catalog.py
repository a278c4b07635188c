"""Every diagnostic kind by code and name: the compiler's own checks and the policy rules."""

from __future__ import annotations

import functools
import textwrap
from typing import Any

from compiler import checks


@functools.lru_cache(maxsize=1)
def catalog() -> dict[str, Any]:
    """Code → check or rule, for SARIF rule metadata and `explain`."""
    entries: dict[str, Any] = {c.code: c for c in checks.ALL}
    try:
        from compiler.rules import REGISTRY
    except ImportError:  # pragma: no cover - rules arrive with the policy issue
        return entries
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
