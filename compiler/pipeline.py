"""The front half of the pipeline: read → parse → lower → validate → lint, for many files."""

from __future__ import annotations

import bisect

import attrs

from compiler import ir, source
from compiler.diagnostics import Diagnostic
from compiler.lower import Lowering, derive
from compiler.parser import parse
from compiler.syntax import Attrs
from compiler.validate import duplicate_agents, validate


@attrs.frozen
class Analysis:
    """Everything known about a set of declaration files before emitting (diagnostics sorted
    by `Diagnostic.sort_key`)."""

    sources: dict[str, source.Source]
    documents: dict[str, Attrs]
    agents: list[ir.Agent]
    diagnostics: list[Diagnostic]
    unreadable: bool
    _positions: list[tuple[str, int]] = attrs.field(
        init=False,
        eq=False,
        repr=False,
        default=attrs.Factory(lambda a: [(d.span.file, d.span.line) for d in a.diagnostics], True),
    )

    def diagnostics_for(self, agent: ir.Agent) -> list[Diagnostic]:
        """The diagnostics that belong to one agent (its span covers them). They are sorted by
        file and line, so this is two binary searches, not a scan per agent."""
        s = agent.span
        first = bisect.bisect_left(self._positions, (s.file, s.line))
        last = bisect.bisect_right(self._positions, (s.file, s.end_line))
        return self.diagnostics[first:last]

    def errors_for(self, agent: ir.Agent) -> list[Diagnostic]:
        """The error diagnostics that belong to one agent."""
        return [d for d in self.diagnostics_for(agent) if d.is_error]


def analyze(paths: list[str]) -> Analysis:
    """Read, parse, lower and validate every file; collect all diagnostics."""
    sources: dict[str, source.Source] = {}
    documents: dict[str, Attrs] = {}
    agents: list[ir.Agent] = []
    diagnostics: list[Diagnostic] = []
    unreadable = False
    for path in paths:
        src, found = source.read(path)
        diagnostics += found
        if src is None:
            unreadable = unreadable or any(d.name == "unreadable-file" for d in found)
            continue
        sources[path] = src
        tree, found = parse(src.text, path)
        diagnostics += found
        if tree is None:
            continue
        documents[path] = tree
        lowering = Lowering(path)
        lowered = lowering.document(tree)
        diagnostics += lowering.diagnostics
        if found:
            continue
        for agent in lowered:
            agent = derive(agent)
            diagnostics += validate(agent)
            agents.append(agent)
    diagnostics += duplicate_agents(agents)
    diagnostics.sort(key=Diagnostic.sort_key)
    return Analysis(sources, documents, agents, diagnostics, unreadable)
