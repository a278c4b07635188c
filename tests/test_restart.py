"""The restart truth table (docs/restart.md): each row compiled, and the emitted rows driven
with a failing or crashing program through the launchd simulator and a real systemd user
manager, counting how often the program really starts."""

from __future__ import annotations

import plistlib
import time
from pathlib import Path

import pytest

from compiler.pipeline import build
from tests.hosts import DarwinHost, LinuxHost, compile_agent

RESTARTS = 1  # maxRestartsPerHour in every row: the first start and one restart
ENDINGS = {"fails": "exit 1", "crashes": "kill -SEGV $$", "succeeds": "exit 0"}

# id: (keepAlive, restart, how the program ends, its starts within the hour)
LAUNCHD_ROWS = {
    "false-bounded": ("false", "bounded", "fails", 1 + RESTARTS),
    "true-bounded": ("true", "bounded", "fails", 1 + RESTARTS),
    "successful-exit-false": ("{ successfulExit = false; }", "bounded", "fails", 1 + RESTARTS),
    "clean-exit-stays-down": ("{ successfulExit = false; }", "bounded", "succeeds", 1),
    "crashed-true-crash": ("{ crashed = true; }", "supervised", "crashes", 1 + RESTARTS),
    "crashed-true-failure": ("{ crashed = true; }", "supervised", "fails", 1),
    "both-crash": (
        "{ successfulExit = false; crashed = true; }",
        "bounded",
        "crashes",
        1 + RESTARTS,
    ),
    "manual": ("false", "manual", "fails", 1),
}


def _body(program: Path, runs: Path, keep_alive: str, restart: str, ending: str) -> str:
    # Lives two seconds (long enough for activation's health check), then ends as asked.
    program.write_text(f"#!/bin/sh\necho start >>{runs}\nsleep 2\n{ENDINGS[ending]}\n")
    program.chmod(0o755)
    logs = f"$HOME/logs/{program.name}"
    return (
        f'runtime = "native";\ncommand = [ "{program}" ];\n'
        f'lifecycle = {{ keepAlive = {keep_alive}; restart = "{restart}";'
        f" maxRestartsPerHour = {RESTARTS}; restartDelaySeconds = 1;"
        " startupTimeoutSeconds = 10; };\n"
        f'logs = {{ app = "{logs}.log"; stdout = "{logs}.out"; stderr = "{logs}.err"; }};'
    )


def _settled(counts: dict[str, Path], seconds: float) -> dict[str, int]:
    """Program starts per row once nothing has started for `seconds` (at most a minute)."""
    deadline = time.monotonic() + 60
    last, quiet_since = None, time.monotonic()
    while time.monotonic() < deadline:
        now = {k: len(p.read_text().splitlines()) if p.exists() else 0 for k, p in counts.items()}
        if now != last:
            last, quiet_since = now, time.monotonic()
        elif time.monotonic() - quiet_since >= seconds:
            return now
        time.sleep(0.2)
    raise AssertionError(f"still restarting after a minute: {last}")


def _activate_rows(host, rows: dict, tmp: Path) -> dict[str, Path]:
    counts = {}
    for row, (keep_alive, restart, ending, _) in rows.items():
        name = f"r-{row}"
        counts[row] = tmp / f"{name}.runs"
        body = _body(tmp / name, counts[row], keep_alive, restart, ending)
        agent = compile_agent(host.out, name, body)
        result = host.activate(agent)
        assert result.returncode == 0, (row, result.stdout, result.stderr)
    return counts


@pytest.mark.real
def test_each_launchd_row_restarts_as_the_table_says(darwin: DarwinHost, tmp_path: Path) -> None:
    """On the simulator: KeepAlive and the wrapper's breaker allow exactly the first start and
    maxRestartsPerHour restarts, and a row that must not restart never does."""
    counts = _activate_rows(darwin, LAUNCHD_ROWS, tmp_path)
    # Quiet for longer than a run plus the throttle: a restart would have come.
    starts = _settled(counts, seconds=5)
    assert starts == {row: want for row, (*_, want) in LAUNCHD_ROWS.items()}
    for row, (_, _, _, want) in LAUNCHD_ROWS.items():
        log = (darwin.home / "logs" / f"r-{row}.log").read_text()
        assert ("the first start and 1 restarts" in log) == (want > 1), (row, log)


SYSTEMD_ROWS = {
    "on-failure": ("{ successfulExit = false; }", "bounded", "fails", 1 + RESTARTS),
    "on-abnormal-crash": ("{ crashed = true; }", "supervised", "crashes", 1 + RESTARTS),
    "on-abnormal-failure": ("{ crashed = true; }", "supervised", "fails", 1),
    "manual": ("false", "manual", "fails", 1),
}


@pytest.mark.real
def test_each_systemd_row_restarts_as_the_table_says(linux: LinuxHost, tmp_path: Path) -> None:
    """On a real user manager: Restart= and StartLimitBurst = maxRestartsPerHour + 1."""
    counts = _activate_rows(linux, SYSTEMD_ROWS, tmp_path)
    starts = _settled(counts, seconds=5)
    assert starts == {row: want for row, (*_, want) in SYSTEMD_ROWS.items()}
    for row in ("on-failure", "on-abnormal-crash"):
        unit = linux.unit(f"r-{row}")
        assert unit["ActiveState"] == "failed", (row, unit)


UNBOUNDED_ROWS = {
    "successful-exit-true": ("{ successfulExit = true; }", "bounded", 3, "unbounded-keepalive"),
    "crashed-false": ("{ crashed = false; }", "bounded", 3, "keepalive-crashed-false"),
    "true-manual": ("true", "manual", 3, "unbounded-keepalive"),
    "successful-exit-false-manual": (
        "{ successfulExit = false; }",
        "manual",
        3,
        "unbounded-keepalive",
    ),
    "crashed-true-manual": ("{ crashed = true; }", "manual", 3, "unbounded-keepalive"),
    "no-limit": ("{ successfulExit = false; }", "bounded", "null", "unbounded-restart"),
    "true-no-limit": ("true", "supervised", "null", "unbounded-keepalive"),
}


@pytest.mark.parametrize("row", sorted(UNBOUNDED_ROWS))
def test_a_row_that_can_restart_without_bound_does_not_compile(row: str, tmp_path: Path) -> None:
    keep_alive, restart, limit, rule = UNBOUNDED_ROWS[row]
    path = tmp_path / "t.agent"
    path.write_text(
        'sourceos.localAgents.t = {\n  image = "localhost/t:1";\n'
        f'  lifecycle = {{ keepAlive = {keep_alive}; restart = "{restart}";'
        f" maxRestartsPerHour = {limit}; }};\n}};\n"
    )
    trees, result = build([str(path)])
    assert trees == {}
    assert rule in {d.name for d in result.diagnostics if d.is_error}


# A waiver accepts the risk of a row; what is emitted is the row as declared, with the breaker.
WAIVED_ROWS = {
    "true-manual": ("true", "manual", True, "always"),
    "successful-exit-true": ("{ successfulExit = true; }", "bounded", {"SuccessfulExit": True},
                             "always"),
    "successful-exit-false-manual": ("{ successfulExit = false; }", "manual",
                                     {"SuccessfulExit": False}, "on-failure"),
    "crashed-true-manual": ("{ crashed = true; }", "manual", {"Crashed": True}, "on-abnormal"),
}  # fmt: skip


@pytest.mark.parametrize("row", sorted(WAIVED_ROWS))
def test_a_waived_keepalive_row_is_emitted_as_declared_and_keeps_the_breaker(
    row: str, tmp_path: Path
) -> None:
    keep_alive, restart, plist_keep_alive, systemd_restart = WAIVED_ROWS[row]
    path = tmp_path / "t.agent"
    path.write_text(
        'sourceos.localAgents.t = {\n  image = "localhost/t:1";\n'
        f'  lifecycle = {{ keepAlive = {keep_alive}; restart = "{restart}"; }};\n'
        '  waivers.unbounded-keepalive = "a test of a waived row";\n};\n'
    )
    trees, result = build([str(path)])
    assert [d for d in result.diagnostics if d.is_error] == []
    files = {a.path: a.data for a in trees["t"]}
    plist = plistlib.loads(files["launchd/org.sourceos.agent.t.plist"])
    assert plist["KeepAlive"] == plist_keep_alive
    unit = files["systemd/sourceos-agent@t.service"].decode()
    assert f"Restart={systemd_restart}\n" in unit
    assert "StartLimitIntervalSec=3600\nStartLimitBurst=4\n" in unit
    assert "\nBREAKER_MAX=3\n" in files["bin/sourceos-agent-t"].decode()


def test_unbounded_restart_cannot_be_waived(tmp_path: Path) -> None:
    """Spec 4.2: a unit that restarts carries a start limit; launchd's only bound is the
    breaker. A waiver cannot take them away."""
    path = tmp_path / "t.agent"
    path.write_text(
        'sourceos.localAgents.t = {\n  image = "localhost/t:1";\n'
        '  lifecycle = { restart = "bounded"; maxRestartsPerHour = null; };\n'
        '  waivers.unbounded-restart = "we accept it";\n};\n'
    )
    trees, result = build([str(path)])
    assert trees == {}
    errors = {(d.name, d.message) for d in result.diagnostics if d.is_error}
    assert ("bad-waiver", "`unbounded-restart` cannot be waived") in errors, errors
    assert "unbounded-restart" in {name for name, _ in errors}


def test_run_at_load_false_with_automatic_restarts_is_an_error(tmp_path: Path) -> None:
    """launchd's SuccessfulExit implies RunAtLoad: the declaration cannot be carried."""
    path = tmp_path / "t.agent"
    path.write_text(
        'sourceos.localAgents.t = {\n  image = "localhost/t:1";\n'
        '  lifecycle = { runAtLoad = false; restart = "bounded"; };\n};\n'
    )
    trees, result = build([str(path)])
    assert trees == {}
    [error] = [d for d in result.diagnostics if d.is_error]
    assert (error.name, error.span.line, error.span.column) == ("invalid-value", 3, 29)
    assert "implies RunAtLoad" in error.message
