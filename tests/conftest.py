"""Shared fixtures: running the real `agentc`, finding real tools, example files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest

if TYPE_CHECKING:
    from tests.hosts import DarwinHost, LinuxHost, PodmanStore

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.agent"))
IN_CI = os.environ.get("CI", "").strip().lower() not in ("", "false", "0")


def missing(message: str) -> NoReturn:
    """Something real a test needs is not on this machine: skip locally, fail in CI."""
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def require_tool(name: str) -> str:
    """The path of a real tool; skip without it locally, fail without it in CI."""
    path = shutil.which(name)
    if path is None:
        missing(f"real tool `{name}` is not installed (scripts/setup.sh installs it)")
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


def _session_store(tmp_path_factory, user_name: str | None) -> Iterator[PodmanStore]:
    from tests.hosts import IMAGE, NODE_COMMANDER_IMAGE, PodmanStore
    from tests.users import reachable, user

    require_tool("podman")
    owner = user(user_name) if user_name else None
    if owner is not None:
        # The users run the simulators and agentc's host tool from this checkout: let them
        # reach it, wherever it was cloned (search permission on its directories only).
        reachable(ROOT)
    s = PodmanStore(tmp_path_factory.mktemp(f"podman-{user_name or 'root'}"), owner)
    try:
        s.load_image(IMAGE)
        s.load_image(NODE_COMMANDER_IMAGE)
        yield s
    finally:
        s.cleanup(final=True)


@pytest.fixture(scope="session")
def root_store(tmp_path_factory) -> Iterator[PodmanStore]:
    """Real rootful Podman with a private store holding the test images: system scope."""
    yield from _session_store(tmp_path_factory, None)


@pytest.fixture(scope="session")
def user_store(tmp_path_factory) -> Iterator[PodmanStore]:
    """Real rootless Podman of the normal Linux test user, with the test images."""
    from tests.users import LINUX_USER

    yield from _session_store(tmp_path_factory, LINUX_USER)


@pytest.fixture(scope="session")
def mac_store(tmp_path_factory) -> Iterator[PodmanStore]:
    """Real rootless Podman of the simulated Mac's user (uid 501), under the machine shim."""
    from tests.users import MAC_USER

    yield from _session_store(tmp_path_factory, MAC_USER)


@pytest.fixture
def store(request: pytest.FixtureRequest) -> PodmanStore:
    """The Podman store of the host this test uses: the simulated Mac's, the Linux user's, or
    root's for a test without a host."""
    names = request.fixturenames
    if "darwin" in names or "mac_store" in names:
        return request.getfixturevalue("mac_store")
    if "linux" in names or "user_store" in names:
        return request.getfixturevalue("user_store")
    return request.getfixturevalue("root_store")


@pytest.fixture
def darwin(tmp_path: Path, mac_store: PodmanStore) -> Iterator[DarwinHost]:
    """A simulated macOS host as uid 501: fake launchctl, podman machine shim, real rootless
    Podman."""
    from tests.hosts import DarwinHost

    host = None
    try:
        host = DarwinHost(tmp_path, mac_store)
        yield host
    finally:
        if host is not None:
            host.cleanup()
        mac_store.cleanup()


@pytest.fixture
def linux(tmp_path: Path, user_store: PodmanStore) -> Iterator[LinuxHost]:
    """A real Linux host as a normal user: that user's own systemd user manager and rootless
    Podman."""
    from tests.hosts import LinuxHost
    from tests.realhost import have_systemd

    if not have_systemd():
        missing("systemd is not installed")
    host = None
    try:
        host = LinuxHost(tmp_path, user_store)  # stops its own manager if it fails to start
        yield host
    finally:
        if host is not None:
            host.cleanup()
        user_store.cleanup()


@pytest.fixture(scope="session", autouse=True)
def sweep_simulated_launchd(tmp_path_factory) -> Iterator[None]:
    """At session end, end every launchd-simulator supervisor (and its job's process group)
    that this session started and a test left behind, by PID."""
    yield
    from tests.hosts import sweep_supervisors

    sweep_supervisors(tmp_path_factory.getbasetemp())


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI a skipped test is a failed run: a green run must mean every test ran."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    if IN_CI and skipped and exitstatus == pytest.ExitCode.OK:
        names = ", ".join(sorted({r.nodeid for r in skipped})[:10])
        reporter.write_line(
            f"CI: {len(skipped)} skipped, which CI counts as a failure: {names}", red=True
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
