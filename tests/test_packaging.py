"""The wheel carries the grammar, the templates and their generated start-up caches, so an
installed agentc works anywhere and starts as fast as a checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT


def _tracked_copy(target: Path) -> Path:
    """The checkout's tracked files only: a stale build/ directory must not reach the wheel."""
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    for name in filter(None, tracked.split("\0")):
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    return target


@pytest.mark.real  # a real tool or a file outside the package source
def test_wheel_ships_grammar_templates_and_caches_and_runs_from_elsewhere(tmp_path: Path) -> None:
    source = _tracked_copy(tmp_path / "src")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "-w", str(tmp_path / "dist"), str(source)],
        capture_output=True,
        timeout=300,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr.decode()
    (wheel,) = (tmp_path / "dist").glob("agentc-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "compiler/grammar/agent.lark" in names
    templates = sorted(p.name for p in (ROOT / "templates").glob("*.j2"))
    for name in templates:
        assert f"compiler/templates/{name}" in names
    assert "compiler/_generated/agent_tables.py" in names
    modules = {n for n in names if n.startswith("compiler/") and n.endswith(".py")}
    assert modules == {
        p.relative_to(source).as_posix() for p in (source / "compiler").rglob("*.py")
    }
    assert "compiler/_generated/templates/sources.json" in names
    for script in sorted((ROOT / "shell").glob("*.sh")):
        assert f"compiler/shell/{script.name}" in names
    assert "compiler/_generated/shell.json" in names
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
         str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )  # fmt: skip
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    example = ROOT / "examples" / "node-commander.agent"
    result = subprocess.run(
        [sys.executable, "-c", "import compiler, sys; print(compiler.__file__);"
         " from compiler.cli import main; sys.exit(main(sys.argv[1:]))", "check", str(example)],
        capture_output=True,
        cwd=elsewhere,
        env={**os.environ, "PYTHONPATH": str(target)},
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().startswith(str(target))
    caches = subprocess.run(
        [sys.executable, "-c", "from compiler import emit, tables;"
         " from compiler._generated import agent_tables;"
         " assert tables.load() is agent_tables.TABLES, 'tables';"
         " assert emit._compiled_templates_current(), 'templates';"
         " from compiler import shlib; assert shlib.verified(), 'shell library'"],
        capture_output=True,
        cwd=elsewhere,
        env={**os.environ, "PYTHONPATH": str(target)},
        timeout=60,
    )  # fmt: skip
    assert caches.returncode == 0, caches.stderr.decode()


@pytest.mark.real  # runs git, and the suite again
def test_the_nix_check_phase_passes_in_an_exported_tree(tmp_path: Path) -> None:
    """nix/package.nix runs `pytest -m "not real"` in the source tree Nix copies: no .git, no
    ../shared beside it, and only the tools of the build's PATH (Python and a POSIX shell, no
    shells of the suite's, no Podman, systemd, shellcheck or Nix). Every test it selects must
    pass there; one that would need more must be marked `real`, never skip."""
    source = _tracked_copy(tmp_path / "src")
    assert not (source / ".git").exists() and not (source.parent / "shared").exists()
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    for tool in ("sh", "env", "cat", "cp", "mkdir", "rm", "mv", "ls", "chmod", "sed", "grep",
                 "tr", "date", "id", "uname", "sort", "head", "tail", "printf", "wc"):  # fmt: skip
        found = shutil.which(tool, path="/usr/bin:/bin")
        if found:
            (bin_ / tool).symlink_to(found)
    env = {"PATH": f"{Path(sys.executable).parent}:{bin_}", "HOME": str(tmp_path / "home"),
           "PYTHONPATH": str(source), "LANG": "C"}  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-m", "not real", "-p", "no:cacheprovider", "-q",
         "-rs"],
        cwd=source, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    tail = result.stdout[-3000:]
    assert result.returncode == 0, tail
    assert " passed" in tail and "skipped" not in tail and "failed" not in tail, tail
