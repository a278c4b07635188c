"""The pipeline, stage by stage: read → parse → lower → validate (`analyze`), then per agent
emit → lint (`build`), then write each agent's tree atomically (`compile_to`)."""

from __future__ import annotations

import bisect
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import attrs

from compiler import ir, source
from compiler.diagnostics import Diagnostic, has_errors
from compiler.emit import Artifact, emit, manifest, normalized
from compiler.lint import policy
from compiler.lower import Lowering, derive
from compiler.parser import parse
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


@attrs.frozen
class CompileResult:
    """What `agentc compile` did: diagnostics, and the directory written per agent."""

    sources: dict[str, source.Source]
    diagnostics: list[Diagnostic]
    written: dict[str, str]
    unreadable: bool
    usage_error: bool = False


def build(
    paths: list[str],
    tools: bool = False,
    required: Sequence[str] = (),
    manifests: bool = True,
) -> tuple[dict[str, list[Artifact]], CompileResult]:
    """Analyze, lint and emit every agent; return the artifacts of agents without errors.
    With `tools`, the lint tools run where installed; a `required` one missing is an error.
    Without `manifests` (`agentc check`, which writes nothing), no manifest.json is made."""
    files = read(paths)
    analysis = analyze(paths, files)
    diagnostics = list(analysis.diagnostics)
    trees: dict[str, list[Artifact]] = {}
    for agent in analysis.agents:
        found, artifacts = _back_half(agent, analysis.diagnostics_for(agent), manifests)
        diagnostics += found
        if artifacts is not None:
            trees[agent.name] = artifacts
    if tools:
        from compiler.toollint import tool_lints  # subprocess only when tools run

        found = tool_lints(trees, required)
        diagnostics += found
        for bad in {d.span.file.split("/", 1)[0] for d in found if d.is_error}:
            trees.pop(bad, None)
    diagnostics.sort(key=Diagnostic.sort_key)
    return trees, CompileResult(files.texts, diagnostics, {}, files.unreadable)


def _back_half(
    agent: ir.Agent, own: list[Diagnostic], manifests: bool
) -> tuple[list[Diagnostic], list[Artifact] | None]:
    """One agent's emit, policy lint and manifest, given the diagnostics it has so far: what
    they find, and its artifacts where it compiled cleanly."""
    if has_errors(own):
        return policy(agent, None), None
    name = os.path.basename(agent.span.file)
    declared = normalized(agent)
    artifacts, problems = emit(agent, name, declared)
    lint = policy(agent, None if problems else artifacts)
    if problems or has_errors(lint):
        return problems + lint, None
    if manifests:
        report = [_portable(d) for d in sorted(own + lint, key=Diagnostic.sort_key)]
        data = manifest(agent, name, artifacts, report, declared)
        artifacts.append(Artifact("manifest.json", data, 0o644))
    return problems + lint, artifacts


def compile_to(
    paths: list[str], outdir: str, tools: bool = True, required: Sequence[str] = ()
) -> CompileResult:
    """`agentc compile`: write OUT/<name>/ for every agent that compiled cleanly."""
    trees, result = build(paths, tools, required)
    written: dict[str, str] = {}
    out = Path(outdir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, artifacts in sorted(trees.items()):
            write_tree(out / name, artifacts)
            written[name] = str(out / name)
    except OSError as err:
        import sys

        sys.stderr.write(f"agentc compile: cannot write to {outdir}: {err}\n")
        return attrs.evolve(result, written=written, usage_error=True)
    return attrs.evolve(result, written=written)


def write_tree(target: Path, artifacts: list[Artifact]) -> None:
    """Write one agent's files into a temporary sibling, then rename it into place."""
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        os.chmod(tmp, 0o755)
        made = {str(tmp)}
        for art in artifacts:
            path = os.path.join(tmp, art.path)
            parent = os.path.dirname(path)
            if parent not in made:
                os.makedirs(parent, mode=0o755, exist_ok=True)
                os.chmod(parent, 0o755)  # whatever the umask
                made.add(parent)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, art.mode)
            with os.fdopen(fd, "wb") as fh:
                fh.writelines(art.parts)
            os.chmod(path, art.mode)  # whatever the umask
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
            os.rename(target, old / target.name)
            os.rename(tmp, target)
            shutil.rmtree(old)
        else:
            os.rename(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _portable(d: Diagnostic) -> dict[str, object]:
    """A diagnostic for the manifest: the file by base name, so no build path leaks in."""
    doc = d.to_json()
    doc["file"] = os.path.basename(d.span.file)
    return doc


def _on_lines(
    diagnostics: list[Diagnostic], positions: list[tuple[str, int]], span: Span
) -> list[Diagnostic]:
    """The diagnostics on the lines of `span` (its file's), by two binary searches over their
    sorted (file, line) `positions`."""
    first = bisect.bisect_left(positions, (span.file, span.line))
    last = bisect.bisect_right(positions, (span.file, span.end_line))
    return diagnostics[first:last]
