"""The front half of the pipeline: read → parse → lower → validate → lint, for many files."""

from __future__ import annotations

import bisect
import re

import attrs

from compiler import ir, source
from compiler.diagnostics import Diagnostic
from compiler.lower import Lowering, derive
from compiler.parser import parse, parse_clean
from compiler.span import Span
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
        return _on_lines(self.diagnostics, self._positions, agent.span)

    def errors_for(self, agent: ir.Agent) -> list[Diagnostic]:
        """The error diagnostics that belong to one agent."""
        return [d for d in self.diagnostics_for(agent) if d.is_error]


@attrs.frozen
class Sources:
    """The declaration files read: their text, what reading said, whether one was unreadable."""

    texts: dict[str, source.Source]
    diagnostics: list[Diagnostic]
    unreadable: bool


def read(paths: list[str]) -> Sources:
    """Read every file (`-` is standard input)."""
    texts: dict[str, source.Source] = {}
    diagnostics: list[Diagnostic] = []
    unreadable = False
    for path in paths:
        src, found = source.read(path)
        diagnostics += found
        if src is None:
            unreadable = unreadable or any(d.name == "unreadable-file" for d in found)
            continue
        texts[path] = src
    return Sources(texts, diagnostics, unreadable)


def analyze(paths: list[str], files: Sources | None = None) -> Analysis:
    """Read, parse, lower and validate every file; collect all diagnostics. `files`: the
    files already read (`read(paths)`)."""
    files = read(paths) if files is None else files
    documents: dict[str, Attrs] = {}
    agents: list[ir.Agent] = []
    diagnostics = list(files.diagnostics)
    for path in paths:
        src = files.texts.get(path)
        if src is None:
            continue
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
            diagnostics += checked(agent, lowering.diagnostics)
            agents.append(agent)
    diagnostics += duplicate_agents(agents)
    diagnostics.sort(key=Diagnostic.sort_key)
    return Analysis(files.texts, documents, agents, diagnostics, files.unreadable)


# Where a file of many agents may be cut: a line that starts a top-level agent binding (found
# by str.find, ten times faster than a multi-line regex over a large file).
_AGENT_PREFIX = "sourceos.localAgents."
_AGENT_LINE = re.compile(r"sourceos\.localAgents\.([A-Za-z_][A-Za-z0-9_-]*)")


def _agent_lines(text: str) -> list[tuple[int, str]]:
    """Each line of `text` that starts `sourceos.localAgents.<name>`: its offset, and the name."""
    found = []
    # Each `find(...) + 1` is the next such line's offset, or 0 where there is none: -1 then.
    at = 0 if text.startswith(_AGENT_PREFIX) else text.find("\n" + _AGENT_PREFIX) + 1 or -1
    while at >= 0:
        m = _AGENT_LINE.match(text, at)
        if m:
            found.append((at, m.group(1)))
        at = text.find("\n" + _AGENT_PREFIX, at) + 1 or -1
    return found


@attrs.frozen
class Piece:
    """The lines of a file from one that starts `sourceos.localAgents.<name>` to the next such
    line (the first piece also holds what comes before): one agent, analyzed on its own."""

    file: str
    text: str
    first_line: int
    name: str


def pieces(paths: list[str], files: Sources) -> list[Piece] | None:
    """Every file cut into one piece per agent, in order; None where a name starts two pieces
    (an agent declared in parts, or twice). Each piece is checked as it is analyzed."""
    out: list[Piece] = []
    names: set[str] = set()
    for path in paths:
        src = files.texts.get(path)
        if src is None:
            continue
        text = src.text
        found = _agent_lines(text)
        if not found:
            return None
        starts = [0] + [start for start, _ in found[1:]] + [len(text)]
        line = 1
        for i, (_, name) in enumerate(found):
            if name in names:
                return None
            names.add(name)
            out.append(Piece(path, text[starts[i] : starts[i + 1]], line, name))
            line += text.count("\n", starts[i], starts[i + 1])
    return out


def analyze_piece(piece: Piece) -> tuple[ir.Agent | None, list[Diagnostic]] | None:
    """One piece's agent (None where it cannot be lowered) and its diagnostics, as `analyze`
    finds them in the whole file; None where the piece is not exactly one clean binding of
    agent `piece.name` (bindings cut apart, a syntax the fast path leaves, anything else)."""
    tree = parse_clean(piece.text, piece.file, piece.first_line)
    if tree is None or not _only(tree, piece.name):
        return None
    lowering = Lowering(piece.file)
    lowered = lowering.document(tree)
    agent = derive(lowered[0]) if lowered else None
    return agent, lowering.diagnostics + (
        checked(agent, lowering.diagnostics) if agent is not None else []
    )


def checked(agent: ir.Agent, lowering: list[Diagnostic]) -> list[Diagnostic]:
    """`validate(agent)`; for an agent with a value that could not be lowered (and so has its
    default), less what validation pins on the agent itself, where a defaulted field's
    problem lands: a follow-on of the error already reported, not the user's."""
    found = validate(agent)
    span = agent.span
    if any(d.is_error and span.line <= d.span.line <= span.end_line for d in lowering
           if d.span.file == span.file):  # fmt: skip
        found = [d for d in found if d.span != span]
    return found


def _only(doc: Attrs, name: str) -> bool:
    """Whether `doc` is `sourceos.localAgents.<name> = ...` and nothing else: implied sets,
    which merge with the other pieces' as they do in the whole file."""
    node = doc
    for key in ("sourceos", "localAgents"):
        entry = node.entries.get(key)
        if len(node.entries) != 1 or entry is None:
            return False
        if not isinstance(entry.value, Attrs) or not entry.value.implicit:
            return False
        node = entry.value
    return len(node.entries) == 1 and name in node.entries


def own(diagnostics: list[Diagnostic], agent: ir.Agent) -> list[Diagnostic]:
    """Of diagnostics sorted by `Diagnostic.sort_key`, those that belong to `agent`."""
    return _on_lines(diagnostics, [(d.span.file, d.span.line) for d in diagnostics], agent.span)


def _on_lines(
    diagnostics: list[Diagnostic], positions: list[tuple[str, int]], span: Span
) -> list[Diagnostic]:
    """The diagnostics on the lines of `span` (its file's), by two binary searches over their
    sorted (file, line) `positions`."""
    first = bisect.bisect_left(positions, (span.file, span.line))
    last = bisect.bisect_right(positions, (span.file, span.end_line))
    return diagnostics[first:last]
