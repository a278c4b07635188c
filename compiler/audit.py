"""`agentc audit`: the policy rules over service definitions already on a host."""

from __future__ import annotations

import os

import attrs

from compiler import checks, service
from compiler.diagnostics import Diagnostic
from compiler.rules import REGISTRY
from compiler.source import Source

SUFFIXES = (".plist", ".service")


@attrs.frozen
class AuditResult:
    """Findings over every service definition found, and what was read."""

    diagnostics: list[Diagnostic]
    sources: dict[str, Source]
    files: list[str]
    missing: list[str]


def definitions(paths: list[str]) -> tuple[list[str], list[str]]:
    """The plist and unit files named or contained (one level) in `paths`; and missing paths."""
    files, missing = [], []
    for path in paths:
        if os.path.isdir(path):
            files += sorted(os.path.join(path, n) for n in os.listdir(path) if n.endswith(SUFFIXES))
        elif os.path.exists(path):
            files.append(path)
        else:
            missing.append(path)
    return files, missing


def audit(paths: list[str]) -> AuditResult:
    """Run every rule's audit over every definition; unreadable files are findings."""
    files, missing = definitions(paths)
    out: list[Diagnostic] = []
    sources: dict[str, Source] = {}
    for path in files:
        try:
            svc = service.read(path)
        except service.Unreadable as err:
            out.append(checks.UNREADABLE_SERVICE.at(err.span, err.reason))
            continue
        sources[path] = Source(path, svc.text)
        for rule in REGISTRY:
            for f in rule.audit(svc):
                out.append(
                    Diagnostic(rule.code, rule.name, rule.severity, f.message, f.span, f.help)
                )
    out.sort(key=Diagnostic.sort_key)
    return AuditResult(out, sources, files, missing)
