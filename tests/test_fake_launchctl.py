"""The launchd simulator itself, against the behaviours launchctl(1) documents."""

from __future__ import annotations

import contextlib
import json
import os
import plistlib
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hosts import FAKES

UID = os.getuid()
DOMAIN = f"gui/{UID}"


@pytest.fixture
def launchd(tmp_path: Path) -> Iterator[tuple[Path, dict]]:
    state = tmp_path / "launchd"
    state.mkdir()
    (state / "environment.json").write_text(json.dumps({"PATH": "/usr/bin:/bin"}))
    env = {**os.environ, "FAKE_LAUNCHD_DIR": str(state)}
    try:
        yield tmp_path, env
    finally:
        for record in (state / "jobs").glob("*.json") if (state / "jobs").exists() else []:
            job = json.loads(record.read_text())
            for pid in (job.get("supervisor_pid"), job.get("job_pid")):
                if pid:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, 9)


def launchctl(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(FAKES / "launchctl.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def plist(tmp: Path, label: str, program: list[str], **extra) -> Path:
    path = tmp / f"{label}.plist"
    path.write_bytes(plistlib.dumps({"Label": label, "ProgramArguments": program, **extra}))
    path.chmod(0o644)
    return path


def wait(predicate, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_bootstrap_loads_and_runs_at_load_and_print_shows_it(launchd) -> None:
    tmp, env = launchd
    path = plist(tmp, "t.a", ["/bin/sleep", "30"], RunAtLoad=True)
    assert launchctl(env, "bootstrap", DOMAIN, str(path)).returncode == 0
    assert wait(lambda: "state = running" in launchctl(env, "print", f"{DOMAIN}/t.a").stdout)
    out = launchctl(env, "print", f"{DOMAIN}/t.a").stdout
    assert f"path = {path}" in out and "runs = 1" in out and "pid = " in out


def test_bootstrap_of_a_loaded_job_is_an_io_error(launchd) -> None:
    tmp, env = launchd
    path = plist(tmp, "t.b", ["/bin/sleep", "30"])
    assert launchctl(env, "bootstrap", DOMAIN, str(path)).returncode == 0
    again = launchctl(env, "bootstrap", DOMAIN, str(path))
    assert (again.returncode, again.stderr) == (5, "Bootstrap failed: 5: Input/output error\n")


def test_bootstrap_refuses_invalid_or_writable_plists(launchd) -> None:
    tmp, env = launchd
    bad = tmp / "bad.plist"
    bad.write_text("not a plist")
    assert launchctl(env, "bootstrap", DOMAIN, str(bad)).returncode == 5
    writable = plist(tmp, "t.w", ["/bin/true"])
    writable.chmod(0o666)
    assert launchctl(env, "bootstrap", DOMAIN, str(writable)).returncode == 5


def test_disable_is_persistent_and_blocks_bootstrap_until_enable(launchd) -> None:
    tmp, env = launchd
    path = plist(tmp, "t.c", ["/bin/true"])
    assert launchctl(env, "disable", f"{DOMAIN}/t.c").returncode == 0
    assert '"t.c" => disabled' in launchctl(env, "print-disabled", DOMAIN).stdout
    assert launchctl(env, "bootstrap", DOMAIN, str(path)).returncode == 5
    assert launchctl(env, "enable", f"{DOMAIN}/t.c").returncode == 0
    assert '"t.c" => enabled' in launchctl(env, "print-disabled", DOMAIN).stdout
    assert launchctl(env, "bootstrap", DOMAIN, str(path)).returncode == 0


def test_bootout_stops_the_job_and_unloads_it(launchd) -> None:
    tmp, env = launchd
    path = plist(tmp, "t.d", ["/bin/sleep", "30"], RunAtLoad=True)
    launchctl(env, "bootstrap", DOMAIN, str(path))
    assert wait(lambda: "pid = " in launchctl(env, "print", f"{DOMAIN}/t.d").stdout)
    pid = int(launchctl(env, "print", f"{DOMAIN}/t.d").stdout.split("pid = ")[1].split()[0])
    assert launchctl(env, "bootout", f"{DOMAIN}/t.d").returncode == 0
    # Told, not done: the service lingers in its domain a moment, and a bootstrap of its
    # label fails meanwhile, as launchd's does right after a bootout.
    assert launchctl(env, "print", f"{DOMAIN}/t.d").returncode == 0
    again = launchctl(env, "bootstrap", DOMAIN, str(path))
    assert (again.returncode, again.stderr) == (5, "Bootstrap failed: 5: Input/output error\n")
    assert wait(lambda: not os.path.exists(f"/proc/{pid}"))
    assert wait(lambda: launchctl(env, "print", f"{DOMAIN}/t.d").returncode == 113)
    missing = launchctl(env, "print", f"{DOMAIN}/t.d")
    assert missing.returncode == 113 and "Could not find service" in missing.stderr
    gone = launchctl(env, "bootout", f"{DOMAIN}/t.d")
    assert (gone.returncode, gone.stderr) == (3, "Boot-out failed: 3: No such process\n")


def test_keepalive_successful_exit_false_respawns_failures_only(launchd) -> None:
    tmp, env = launchd
    counter = tmp / "count"
    script = tmp / "fail.sh"
    script.write_text(f'#!/bin/sh\necho x >> "{counter}"\nexit 1\n')
    script.chmod(0o755)
    path = plist(tmp, "t.e", [str(script)], RunAtLoad=True,
                 KeepAlive={"SuccessfulExit": False}, ThrottleInterval=1)  # fmt: skip
    launchctl(env, "bootstrap", DOMAIN, str(path))
    assert wait(lambda: counter.exists() and len(counter.read_text().split()) >= 3, timeout=15)
    launchctl(env, "bootout", f"{DOMAIN}/t.e")
    ok = tmp / "ok.sh"
    ok.write_text(f'#!/bin/sh\necho y >> "{tmp / "ok-count"}"\nexit 0\n')
    ok.chmod(0o755)
    path = plist(tmp, "t.f", [str(ok)], RunAtLoad=True,
                 KeepAlive={"SuccessfulExit": False}, ThrottleInterval=1)  # fmt: skip
    launchctl(env, "bootstrap", DOMAIN, str(path))
    time.sleep(2.5)
    assert (tmp / "ok-count").read_text().split() == ["y"]
    assert "last exit code = 0" in launchctl(env, "print", f"{DOMAIN}/t.f").stdout


def test_kickstart_starts_a_loaded_job_and_refuses_unknown_ones(launchd) -> None:
    tmp, env = launchd
    path = plist(tmp, "t.g", ["/bin/sleep", "30"])
    launchctl(env, "bootstrap", DOMAIN, str(path))
    assert "state = not running" in launchctl(env, "print", f"{DOMAIN}/t.g").stdout
    assert launchctl(env, "kickstart", f"{DOMAIN}/t.g").returncode == 0
    assert wait(lambda: "state = running" in launchctl(env, "print", f"{DOMAIN}/t.g").stdout)
    assert launchctl(env, "kickstart", f"{DOMAIN}/nope").returncode == 113


def test_standard_out_and_environment_variables(launchd) -> None:
    tmp, env = launchd
    out = tmp / "out.log"
    env_vars = {"GREETING": "hi there"}
    path = plist(tmp, "t.h", ["/bin/sh", "-c", 'echo "$GREETING"'], RunAtLoad=True,
                 StandardOutPath=str(out), EnvironmentVariables=env_vars)  # fmt: skip
    launchctl(env, "bootstrap", DOMAIN, str(path))
    assert wait(lambda: out.exists() and out.read_text() == "hi there\n")


def test_unknown_subcommand_is_a_usage_error(launchd) -> None:
    _, env = launchd
    assert launchctl(env, "frobnicate").returncode == 64


def test_domains_are_launchds_own(launchd) -> None:
    """Any other domain string is refused, as launchctl refuses it."""
    tmp, env = launchd
    job = plist(tmp, "t.dom", ["/bin/sleep", "30"])
    for bad in ("gui", "gui/me", "GUI/0", "systems", "user/", "session/1"):
        result = launchctl(env, "bootstrap", bad, str(job))
        assert (result.returncode, result.stderr) == (1, "Unrecognized target specifier.\n"), bad
        assert launchctl(env, "print", f"{bad}/t.dom").returncode == 1, bad
    assert launchctl(env, "print", "system").returncode == 0
    assert launchctl(env, "print", f"login/{UID}").returncode == 0


def test_a_plist_of_another_owner_does_not_load(launchd) -> None:
    """gui/<uid> loads plists owned by that user or root; system only root's."""
    tmp, env = launchd
    job = plist(tmp, "t.own", ["/bin/sleep", "30"])
    os.chown(job, 4321, -1)
    assert launchctl(env, "bootstrap", DOMAIN, str(job)).returncode == 5
    assert launchctl(env, "bootstrap", "system", str(job)).returncode == 5


def test_a_missing_program_loads_and_exits_78_respawned_by_keepalive(launchd) -> None:
    """launchd loads the job; each spawn fails with EX_CONFIG (78), which KeepAlive judges as
    an unsuccessful exit."""
    tmp, env = launchd
    job = plist(tmp, "t.gone", ["/nonexistent/program"], RunAtLoad=True,
                KeepAlive={"SuccessfulExit": False}, ThrottleInterval=1)  # fmt: skip
    assert launchctl(env, "bootstrap", DOMAIN, str(job)).returncode == 0
    assert wait(lambda: "runs = 2" in launchctl(env, "print", f"{DOMAIN}/t.gone").stdout)
    shown = launchctl(env, "print", f"{DOMAIN}/t.gone").stdout
    assert "last exit code = 78" in shown and "state = not running" in shown
