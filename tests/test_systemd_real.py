"""Generated units on a real `systemd --user` manager: started, bounded, failing closed."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from compiler.pipeline import build
from tests.conftest import missing, nix_string
from tests.realhost import UserManager, have_systemd

pytestmark = pytest.mark.real


@pytest.fixture
def manager(tmp_path: Path) -> Iterator[UserManager]:
    if not have_systemd():
        missing("systemd is not installed")
    home = tmp_path / "home"
    home.mkdir()
    mgr = UserManager(tmp_path, home)
    try:
        mgr.start()
        yield mgr
    finally:
        mgr.stop()


def install(mgr: UserManager, name: str, body: str) -> Path:
    """Compile a declaration and install its unit and wrapper the way activation does."""
    decl = mgr.workdir / f"{name}.agent"
    decl.write_text(f"sourceos.localAgents.{name} = {{\n{body}\n}};\n")
    trees, result = build([str(decl)])
    assert name in trees, result.diagnostics
    state = mgr.home / ".local" / "state" / "sourceos" / "agents" / name
    (state / "bin").mkdir(parents=True)
    for art in trees[name]:
        if art.path.startswith("bin/"):
            target = state / art.path
            target.write_bytes(art.data)
            target.chmod(0o755)
        if art.path.startswith("systemd/"):
            unit = mgr.config_home / "systemd" / "user" / Path(art.path).name
            unit.write_bytes(art.data)  # the default state directory: installed as compiled
    (mgr.home / "logs").mkdir(exist_ok=True)  # activation creates the log directory
    mgr.systemctl("daemon-reload")
    return state


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not reached in time")


LOGS = """
logs.app = "$HOME/logs/{n}.log";
logs.stdout = "$HOME/logs/{n}.out.log";
logs.stderr = "$HOME/logs/{n}.err.log";
auth.mode = "none";
auth.authfile = null;
"""

HOSTILE_ENV = {
    "QUOTES": 'it\'s "quoted" \\ back',
    "DOLLARS": "$HOME $$ ${X} $(touch x)",
    "PERCENT": "100% %h %n",
    "SEMI": ";",
    "UNICODE": "héllo ✓",
    "SPACES": "  two  spaces  ",
}


def test_unit_starts_and_runs_with_exact_environment(manager: UserManager, tmp_path: Path) -> None:
    prog = tmp_path / "prog"
    prog.write_text('#!/bin/sh\nenv > "$HOME/env.txt"\nexec sleep 300\n')
    prog.chmod(0o755)
    env = " ".join(f"{k} = {nix_string(v)};" for k, v in HOSTILE_ENV.items())
    install(
        manager,
        "sleeper",
        f'runtime = "native";\ncommand = [ "{prog}" ];\nenvironment = {{ {env} }};'
        + LOGS.format(n="sleeper"),
    )
    unit = "sourceos-agent@sleeper.service"
    manager.systemctl("start", unit)
    props = wait_for(
        lambda: (p := manager.show(unit, "ActiveState", "SubState", "MainPID"))["SubState"]
        == "running"
        and p
    )
    assert props["ActiveState"] == "active"
    seen = wait_for(lambda: (manager.home / "env.txt").exists() and (manager.home / "env.txt"))
    lines = wait_for(lambda: seen.read_text().splitlines())
    got = dict(line.split("=", 1) for line in lines if "=" in line)
    for key, value in HOSTILE_ENV.items():
        assert got[key] == value, key
    assert got["SOURCEOS_AGENT_MANAGER"] == "systemd"
    cmdline = Path(f"/proc/{props['MainPID']}/cmdline").read_bytes().split(b"\0")
    assert cmdline[:2] == [b"sleep", b"300"]
    assert "starting" in (manager.home / "logs" / "sleeper.log").read_text()
    manager.systemctl("stop", unit)


def test_failing_agent_is_stopped_by_the_start_limit(manager: UserManager) -> None:
    install(
        manager,
        "crasher",
        'runtime = "native";\ncommand = [ "/bin/false" ];\nlifecycle.restart = "bounded";\n'
        "lifecycle.maxRestartsPerHour = 3;\nlifecycle.restartDelaySeconds = 1;"
        + LOGS.format(n="crasher"),
    )
    unit = "sourceos-agent@crasher.service"
    manager.systemctl("start", unit, check=False)
    wait_for(lambda: manager.show(unit, "ActiveState")["ActiveState"] == "failed")
    log = manager.home / "logs" / "crasher.log"
    starts = log.read_text().count("starting /bin/false")
    assert starts == 4  # the first start and maxRestartsPerHour = 3 restarts
    time.sleep(2.5)  # more than two RestartSec: nothing restarts it any more
    props = manager.show(unit, "ActiveState", "SubState", "NRestarts")
    # systemd counts the fourth restart, which the start limit (StartLimitBurst=4) refused.
    assert props == {"ActiveState": "failed", "SubState": "failed", "NRestarts": "4"}
    assert log.read_text().count("starting /bin/false") == 4


def test_missing_dependency_fails_closed_without_restarts(manager: UserManager) -> None:
    install(
        manager,
        "missing",
        'runtime = "native";\ncommand = [ "/nonexistent/agent" ];\nlifecycle.restart = "bounded";\n'
        "lifecycle.startupTimeoutSeconds = 1;\nlifecycle.restartDelaySeconds = 1;"
        + LOGS.format(n="missing"),
    )
    unit = "sourceos-agent@missing.service"
    manager.systemctl("start", unit, check=False)
    wait_for(lambda: manager.show(unit, "ActiveState")["ActiveState"] == "failed")
    time.sleep(1.5)
    props = manager.show(unit, "ActiveState", "NRestarts", "ExecMainStatus")
    assert props == {"ActiveState": "failed", "NRestarts": "0", "ExecMainStatus": "78"}
    log = (manager.home / "logs" / "missing.log").read_text()
    assert log.count("fail-closed") == 1
    assert "/nonexistent/agent does not exist or is not executable" in log
