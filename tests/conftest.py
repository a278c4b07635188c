"""Shared fixtures: running the real `agentc`, finding real tools, example files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.hosts import DarwinHost, LinuxHost, PodmanStore

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.agent"))
IN_CI = os.environ.get("CI", "").strip().lower() not in ("", "false", "0")


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


# --- activation hosts (real Podman; simulated launchd or real systemd) ---------------------


@pytest.fixture(scope="session")
def store(tmp_path_factory) -> Iterator[PodmanStore]:
    """Real Podman with a private store holding the test images, for the whole session."""
    from tests.hosts import IMAGE, NODE_COMMANDER_IMAGE, PodmanStore

    require_tool("podman")
    s = PodmanStore(tmp_path_factory.mktemp("podman"))
    s.load_image(IMAGE)
    s.load_image(NODE_COMMANDER_IMAGE)
    try:
        yield s
    finally:
        s.cleanup(final=True)


@pytest.fixture
def darwin(tmp_path: Path, store: PodmanStore) -> Iterator[DarwinHost]:
    """A simulated macOS host: fake launchctl, podman machine shim, real Podman."""
    from tests.hosts import DarwinHost

    host = None
    try:
        host = DarwinHost(tmp_path, store)
        yield host
    finally:
        if host is not None:
            host.cleanup()
        store.cleanup()


@pytest.fixture
def linux(tmp_path: Path, store: PodmanStore) -> Iterator[LinuxHost]:
    """A real Linux host: a private systemd user manager and real Podman."""
    from tests.hosts import LinuxHost
    from tests.realhost import have_systemd

    if not have_systemd():
        if IN_CI:
            pytest.fail("systemd is not installed")
        pytest.skip("systemd is not installed")
    host = None
    try:
        host = LinuxHost(tmp_path, store)  # stops its own manager if it fails to start
        yield host
    finally:
        if host is not None:
            host.cleanup()
        store.cleanup()


@pytest.fixture(scope="session", autouse=True)
def sweep_simulated_launchd(tmp_path_factory) -> Iterator[None]:
    """At session end, end every launchd-simulator supervisor (and its job's process group)
    that this session started and a test left behind, by PID."""
    yield
    from tests.hosts import sweep_supervisors

    sweep_supervisors(tmp_path_factory.getbasetemp())
