"""The back half of the pipeline: emit each error-free agent and write its tree atomically."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import attrs

from compiler import source
from compiler.diagnostics import Diagnostic
from compiler.emit import Artifact, emit, manifest
from compiler.pipeline import analyze


@attrs.frozen
class CompileResult:
    """What `agentc compile` did: diagnostics, and the directory written per agent."""

    sources: dict[str, source.Source]
    diagnostics: list[Diagnostic]
    written: dict[str, str]
    unreadable: bool
    usage_error: bool = False


def build(paths: list[str]) -> tuple[dict[str, list[Artifact]], CompileResult]:
    """Analyze and emit every agent; return artifacts of agents without errors."""
    analysis = analyze(paths)
    diagnostics = list(analysis.diagnostics)
    trees: dict[str, list[Artifact]] = {}
    for agent in analysis.agents:
        if analysis.errors_for(agent):
            continue
        name = os.path.basename(agent.span.file)
        artifacts, problems = emit(agent, name)
        diagnostics += problems
        if problems:
            continue
        mine = [d for d in analysis.diagnostics if d.span.file == agent.span.file]
        lint = [_portable(d) for d in mine if agent.span.line <= d.span.line <= agent.span.end_line]
        artifacts.append(Artifact("manifest.json", manifest(agent, name, artifacts, lint), 0o644))
        trees[agent.name] = artifacts
    diagnostics.sort(key=Diagnostic.sort_key)
    result = CompileResult(analysis.sources, diagnostics, {}, analysis.unreadable)
    return trees, result


def compile_to(paths: list[str], outdir: str) -> CompileResult:
    """`agentc compile`: write OUT/<name>/ for every agent that compiled cleanly."""
    trees, result = build(paths)
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
        for art in artifacts:
            path = tmp / art.path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(art.data)
            os.chmod(path, art.mode)
        for d in [tmp, *(p for p in tmp.rglob("*") if p.is_dir())]:
            os.chmod(d, 0o755)
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
