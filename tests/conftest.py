"""Shared fixtures: running the real `agentc`, finding real tools, example files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.agent"))
IN_CI = os.environ.get("CI") == "true"


def require_tool(name: str) -> str:
    """The path of a real tool; skip without it locally, fail without it in CI."""
    path = shutil.which(name)
    if path is None:
        message = f"real tool `{name}` is not installed (scripts/setup.sh installs it)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


def agentc(*args: str, cwd: Path | None = None, env: dict | None = None, stdin: bytes = b""):
    """Run the agentc command line as a user would, in a fresh process."""
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "compiler", *args],
        input=stdin,
        capture_output=True,
        cwd=cwd or ROOT,
        env=full_env,
        timeout=120,
    )


def nix_string(value: str) -> str:
    """A Nix double-quoted string literal that evaluates to exactly `value`."""
    out = value.replace("\\", "\\\\").replace('"', '\\"').replace("${", "\\${")
    return f'"{out}"'


@pytest.fixture(params=EXAMPLES, ids=[p.stem for p in EXAMPLES])
def example(request: pytest.FixtureRequest) -> Path:
    """Each bundled example declaration."""
    return request.param
