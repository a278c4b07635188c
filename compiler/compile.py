"""The back half of the pipeline: emit each error-free agent and write its tree atomically."""

from __future__ import annotations

import gc
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import attrs

from compiler import pipeline, source
from compiler.diagnostics import Diagnostic, has_errors
from compiler.emit import Artifact, emit, manifest, normalized
from compiler.ir import Agent
from compiler.lint import policy
from compiler.validate import container_key
from compiler.workers import fork_map, processes_for


@attrs.frozen
class CompileResult:
    """What `agentc compile` did: diagnostics, and the directory written per agent."""

    sources: dict[str, source.Source]
    diagnostics: list[Diagnostic]
    written: dict[str, str]
    unreadable: bool
    usage_error: bool = False
    # Everything analyzed, kept with the result: freeing it object by object costs a tenth of
    # a second per 1,000 agents, which the command line, exiting without teardown, never pays.
    analysis: pipeline.Analysis | None = attrs.field(default=None, eq=False, repr=False)


def build(
    paths: list[str],
    tools: bool = False,
    required: Sequence[str] = (),
    manifests: bool = True,
) -> tuple[dict[str, list[Artifact]], CompileResult]:
    """Analyze, lint and emit every agent; return the artifacts of agents without errors.
    With `tools`, the lint tools run where installed; a `required` one missing is an error.
    Without `manifests` (`agentc check`, which writes nothing), no manifest.json is made."""
    # The pipeline's values are acyclic, so the cyclic collector only re-scans the growing
    # set of live agents: paused for the batch, it is 15-25% faster on 1,000 agents. The
    # few cycles json and plistlib leave are collected once it runs again.
    paused = gc.isenabled()
    gc.disable()
    try:
        return _build(paths, tools, required, manifests)
    finally:
        if paused:
            gc.enable()


def _build(
    paths: list[str], tools: bool, required: Sequence[str], manifests: bool
) -> tuple[dict[str, list[Artifact]], CompileResult]:
    files = pipeline.read(paths)
    done = _by_piece(paths, files, manifests)
    analysis = None
    if done is None:
        analysis = pipeline.analyze(paths, files)
        done = _by_file(analysis, manifests)
    trees, diagnostics = done
    if tools:
        from compiler.toollint import tool_lints  # subprocess only when tools run

        found = tool_lints(trees, required)
        diagnostics += found
        for bad in {d.span.file.split("/", 1)[0] for d in found if d.is_error}:
            trees.pop(bad, None)
    diagnostics.sort(key=Diagnostic.sort_key)
    return trees, CompileResult(files.texts, diagnostics, {}, files.unreadable, analysis=analysis)


Built = tuple[dict[str, list[Artifact]], list[Diagnostic]]


def _by_file(analysis: pipeline.Analysis, manifests: bool) -> Built:
    """Every agent analyzed together, then each emitted (a large batch on every core)."""
    diagnostics = list(analysis.diagnostics)
    trees: dict[str, list[Artifact]] = {}

    def one(agent: Agent) -> tuple[list[Diagnostic], list[Artifact] | None]:
        return _back_half(agent, analysis.diagnostics_for(agent), manifests)

    for agent, (found, artifacts) in zip(
        analysis.agents, fork_map(one, analysis.agents), strict=True
    ):
        diagnostics += found
        if artifacts is not None:
            trees[agent.name] = artifacts
    return trees, diagnostics


def _by_piece(paths: list[str], files: pipeline.Sources, manifests: bool) -> Built | None:
    """A large batch of files that hold one binding per agent, cut into one piece per agent and
    compiled on every core from parsing on, piece by piece; the same answer as `_by_file`.
    None where the batch is too small to share out, or where a piece is not exactly one clean
    agent binding or two agents share a label (cases `_by_file` answers in full)."""
    found = pipeline.pieces(paths, files)
    if found is None or processes_for(len(found)) <= 1:
        return None

    given_up = False  # in each process, at its first piece that is not one clean binding

    def one(piece: pipeline.Piece) -> tuple[str, tuple, list[Diagnostic], list | None] | None:
        nonlocal given_up
        analyzed = None if given_up else pipeline.analyze_piece(piece)
        if analyzed is None:
            given_up = True  # the batch is compiled whole: the rest of this share is waste
            return None
        agent, diagnostics = analyzed
        if agent is None:
            return "", (), diagnostics, None
        diagnostics.sort(key=Diagnostic.sort_key)
        more, artifacts = _back_half(agent, pipeline.own(diagnostics, agent), manifests)
        keys = (("label", agent.label), ("container", container_key(agent)))
        return agent.name, keys, diagnostics + more, artifacts

    results = fork_map(one, found)
    keys = [k for r in results if r is not None for k in r[1] if k[1] is not None]
    if None in results or len(set(keys)) != len(keys):
        return None
    diagnostics = list(files.diagnostics)
    trees: dict[str, list[Artifact]] = {}
    for name, _, more, artifacts in results:  # type: ignore[misc]
        diagnostics += more
        if artifacts is not None:
            trees[name] = artifacts
    return trees, diagnostics


def _back_half(
    agent: Agent, own: list[Diagnostic], manifests: bool
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
