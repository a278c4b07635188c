"""Healthy, not just running: the declared check (command, http, tcp) decides activation, within
the start period and then a settle window; what it needs of the host is checked in preflight.
Real rootless Podman under the user's own systemd user manager, and the simulated Mac."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import agentc, require_tool
from tests.hosts import IMAGE, DarwinHost, Host, LinuxHost, checks, compile_agent, hidden
from tests.test_real_agents import _free_port, get, logs

pytestmark = pytest.mark.real

HTTPD = '[ "/bin/busybox" "httpd" "-f" "-p" "8080" "-h" "/www" ]'


def site(host: Host) -> None:
    """The page busybox httpd serves (from a read-only volume)."""
    host.write(host.home / "www" / "index.html", "hello\n")


def httpd_agent(host: Host, port: int, health: str, extra: str = "") -> Path:
    """busybox httpd on host port `port` (loopback) with the given `health` set."""
    return compile_agent(
        host.out,
        "web",
        f'image = "{IMAGE}";\ncommand = {HTTPD};\n'
        "podman = { connection = null; requireMachine = false;\n"
        f"  ports = [ {{ container = 8080; host = {port}; }} ];\n"
        '  volumes = [ { source = "$HOME/www"; target = "/www"; readOnly = true; } ];\n'
        "};\n"
        f"health = {health};\n{extra}",
    )


def report(result: subprocess.CompletedProcess) -> dict:
    assert result.stdout.startswith("{"), result.stdout + result.stderr
    return json.loads(result.stdout)


def running_unit(host: LinuxHost) -> str:
    return host.unit("web")["ActiveState"]


# --- the language ------------------------------------------------------------------------

BAD = [
    ('health = { type = "http"; };', "needs `health.url`", "AG"),
    ('health = { type = "tcp"; };', "needs `health.port`", "AG"),
    ('health = { type = "command"; command = "curl -f http://127.0.0.1"; };', "argv list", "AG"),
    ('health = { type = "process"; url = "http://127.0.0.1:1/"; };', "applies to type", "AG"),
    ('health = { type = "process"; command = [ "/bin/true" ]; };', "argv list only", "AG"),
    ('health = { type = "http"; url = "ftp://127.0.0.1/"; };', "not an http:// or https://", "AG"),
    ('health = { type = "tcp"; port = 70000; };', "at most 65535", "AG"),
    ("lifecycle.settleSeconds = -1;", "negative numbers", "AG"),
    ("logs.maxSizeMB = 0;", "at least 1", "AG"),
]


@pytest.mark.parametrize(("field", "message", "_code"), BAD, ids=[b[1] for b in BAD])
def test_a_bad_health_declaration_is_a_located_error(
    tmp_path: Path, field: str, message: str, _code: str
) -> None:
    decl = tmp_path / "a.agent"
    decl.write_text(
        'sourceos.localAgents.a = {\n  runtime = "native"; command = [ "/bin/sleep" "9" ];\n'
        f"  {field}\n}};\n"
    )
    result = agentc("check", str(decl), "--format", "json")
    assert result.returncode == 1, result.stdout
    found = json.loads(result.stdout)["diagnostics"]
    hit = [d for d in found if message in d["message"]]
    assert hit, found
    assert hit[0]["line"] == 3 and hit[0]["column"] > 1, hit[0]


def test_the_health_fields_and_their_defaults_are_in_the_normalized_declaration(
    tmp_path: Path,
) -> None:
    decl = tmp_path / "a.agent"
    decl.write_text(
        'sourceos.localAgents.a = { runtime = "native"; command = [ "/bin/sleep" "9" ];'
        " lifecycle.startupTimeoutSeconds = 40;"
        ' health = { type = "tcp"; port = 8080; }; };\n'
    )
    result = agentc("dump", str(decl))
    assert result.returncode == 0, result.stderr
    agent = json.loads(result.stdout)["sourceos"]["localAgents"]["a"]
    assert agent["health"] | {"command": None} == {
        "type": "tcp", "expected": "running", "command": None, "url": None, "port": 8080,
        "startPeriodSeconds": 40, "intervalSeconds": 30, "timeoutSeconds": 5, "retries": 3,
    }  # fmt: skip
    assert agent["lifecycle"]["settleSeconds"] == 10
    assert (agent["logs"]["maxSizeMB"], agent["logs"]["keep"]) == (10, 5)


# --- activation as the user runs it ----------------------------------------------------------


@pytest.mark.parametrize("platform", ["linux", "darwin"])
def test_an_http_agent_is_healthy_only_when_it_answers_and_a_wrong_port_rolls_back(
    request: pytest.FixtureRequest, platform: str
) -> None:
    """A good generation activates when its page answers; the next one checks a port nothing
    serves: activation fails within its start period, rolls back, and the previous generation
    is back, running and answering (under launchd, which starts it on its bootstrap without
    waiting, within seconds)."""
    host = request.getfixturevalue(platform)
    port, wrong = _free_port(), _free_port()
    site(host)
    good = httpd_agent(
        host, port, f'{{ type = "http"; url = "http://127.0.0.1:{port}/index.html"; }}',
        "lifecycle.settleSeconds = 2;",
    )  # fmt: skip
    result = report(host.activate(good, "--json"))
    assert result["state"] == "running", json.dumps(result) + logs(host)
    assert checks_of(result)["health-tool"]["status"] == "pass"
    assert result["health"]["type"] == "http" and result["health"]["status"] == "pass"
    assert result["health"]["output"] == f"HTTP 200 from http://127.0.0.1:{port}/index.html"
    assert result["health"]["settleSeconds"] == 2
    assert get(port, "index.html") == "hello\n"

    bad = httpd_agent(
        host, port,
        f'{{ type = "http"; url = "http://127.0.0.1:{wrong}/"; startPeriodSeconds = 4; }}',
        'description = "checks the wrong port";',
    )  # fmt: skip
    failed = host.activate(bad, "--json")
    result = report(failed)
    assert failed.returncode == 4, failed.stdout
    health = next(s for s in result["steps"] if s["step"] == "health")
    assert health["status"] == "fail" and "not healthy within 4s" in health["detail"], health
    assert f"127.0.0.1:{wrong}" in health["detail"]
    assert result["health"]["status"] == "fail" and result["health"]["seconds"] >= 4
    # The previous generation is back, running and answering.
    if platform == "linux":
        assert running_unit(host) == "active"
        unit = (host.user_units / "sourceos-agent@web.service").read_text()
        assert "checks the wrong port" not in unit
    else:
        assert "checks the wrong port" not in host.plist_path("org.sourceos.agent.web").read_text()
    assert answers(port, "index.html") == "hello\n"


def checks_of(result: dict) -> dict[str, dict]:
    return {c["id"]: c for c in result["preflight"]}


@pytest.mark.parametrize("platform", ["linux", "darwin"])
def test_an_agent_that_exits_three_seconds_after_start_fails_its_settle_window(
    request: pytest.FixtureRequest, platform: str
) -> None:
    """Running at the first looks, gone three seconds later: with the default settle window
    (10 s) that is a failed activation, rolled back, never `running`; what its logs said is
    kept as the generation's first failure."""
    host = request.getfixturevalue(platform)
    local = "podman = { connection = null; requireMachine = false; };\n" * (platform == "linux")
    agent = compile_agent(
        host.out, "flaky",
        f'image = "{IMAGE}";\ncommand = [ "/bin/sh" "-c" "sleep 3; exit 1" ];\n{local}'
        'lifecycle.restart = "bounded";\nwaivers.raw-shell-launch = "a test agent that dies";\n',
        settle=False,  # the default window
    )  # fmt: skip
    result = host.activate(agent, "--json")
    out = report(result)
    assert (result.returncode, out["state"]) == (4, "absent"), result.stdout
    health = next(s for s in out["steps"] if s["step"] == "health")
    assert "settle window" in health["detail"], health
    if platform == "linux":
        unit = host.manager.show("sourceos-agent@flaky.service", "LoadState")
        assert unit["LoadState"] != "loaded"
    else:
        assert host.loaded() == []
    first = (host.state_dir("flaky") / "first-failure.log").read_text().splitlines()
    assert first[0] == f"generation {out['declarationSha256']}"
    assert "health failed: " in first[1] and "settle window" in first[1], first


@pytest.mark.parametrize("netcat", ["nc.openbsd", "nc.traditional"])
def test_a_tcp_check_with_either_netcat(linux: LinuxHost, netcat: str) -> None:
    """The tcp check connects with the host's nc, BSD (OpenBSD's, as macOS's) or the
    traditional one: an open port is healthy, a closed one is not."""
    real = require_tool(netcat)
    (linux.bin / "nc").symlink_to(real)
    port = _free_port()
    site(linux)
    agent = httpd_agent(linux, port, f'{{ type = "tcp"; port = {port}; }}',
                        "lifecycle.settleSeconds = 1;")  # fmt: skip
    result = report(linux.activate(agent, "--json"))
    assert result["state"] == "running", json.dumps(result) + logs(linux)
    assert result["health"]["output"] == f"127.0.0.1:{port} accepts connections"
    closed = _free_port()
    agent = httpd_agent(linux, port,
                        f'{{ type = "tcp"; port = {closed}; startPeriodSeconds = 3; }}',
                        "lifecycle.settleSeconds = 1;")  # fmt: skip
    failed = linux.activate(agent, "--json")
    assert failed.returncode == 4, failed.stdout
    assert f"127.0.0.1:{closed} refused" in report(failed)["health"]["output"]


def test_a_command_check_runs_as_the_user_with_no_stdin_and_a_time_limit(
    linux: LinuxHost,
) -> None:
    ready = linux.home / "ready"
    body = (
        'runtime = "native";\ncommand = [ "/bin/sleep" "300" ];\nlifecycle.settleSeconds = 1;\n'
        'health = {{ type = "command"; startPeriodSeconds = 3; timeoutSeconds = 2;\n'
        '  command = [ "/bin/sh" "-c" {check} ]; }};\n'
    )
    # Not ready: fails, with what the command said.
    linux.write(linux.home / "pw", "hunter2\n", 0o600)
    check = '"test -f $HOME/ready || { echo not ready, password=$(cat $HOME/pw); exit 3; }"'
    agent = compile_agent(linux.out, "cmd", body.format(check=check))
    failed = linux.activate(agent, "--json")
    assert failed.returncode == 4, failed.stdout
    output = report(failed)["health"]["output"]
    assert "exited 3: not ready, password=<redacted>" in output, output
    assert "hunter2" not in failed.stdout
    # Ready, as the user (the file is the user's; the command reads no stdin).
    linux.write(ready, "")
    check = '"test -f $HOME/ready && test \\"$(id -u)\\" = ' + str(linux.uid) + ' && ! read -r x"'
    agent = compile_agent(linux.out, "cmd", body.format(check=check))
    result = report(linux.activate(agent, "--json"))
    assert result["state"] == "running", json.dumps(result)
    # A check that hangs is cut off at its timeout.
    check = '"sleep 30"'
    agent = compile_agent(linux.out, "cmd", body.format(check=check) + 'description = "x";\n')
    hung = linux.activate(agent, "--json")
    assert hung.returncode == 4
    assert "did not finish within 2s" in report(hung)["health"]["output"]


def test_preflight_names_the_missing_health_tool_with_its_package(linux: LinuxHost) -> None:
    port = _free_port()
    agent = httpd_agent(linux, port, f'{{ type = "http"; url = "http://127.0.0.1:{port}/"; }}')
    with hidden("curl"):
        result = linux.activate(agent, "--dry-run", "--json")
    c = checks(result)["health-tool"]
    assert c["status"] == "fail" and "needs curl" in c["detail"], c
    assert c["remediation"] == "sudo apt-get install curl"
    assert result.returncode == 3


def answers(port: int, path: str, within: float = 20) -> str:
    """What the agent on `port` serves at `path`, once it answers (within `within` s)."""
    deadline = time.monotonic() + within
    while True:
        try:
            return get(port, path)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_status_and_agentctl_health_run_the_check_now(linux: LinuxHost) -> None:
    """An agent that runs but fails its check is never `running` in status: `running
    (unhealthy since ...: ...)`, and `agentctl health` exits 1 saying why."""
    port = _free_port()
    site(linux)
    agent = httpd_agent(
        linux, port, f'{{ type = "http"; url = "http://127.0.0.1:{port}/index.html"; }}'
    )
    assert report(linux.activate(agent, "--json"))["state"] == "running"
    healthy = linux.agentctl(agent, "health", "--json")
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    assert json.loads(healthy.stdout)["status"] == "healthy"
    status = json.loads(linux.agentctl(agent, "status", "--json").stdout)
    assert (status["state"], status["health"]["status"]) == ("running", "healthy")

    (linux.home / "www" / "index.html").unlink()  # now it answers 404
    sick = linux.agentctl(agent, "health")
    assert sick.returncode == 1
    assert sick.stdout.startswith("web: unhealthy since "), sick.stdout
    assert f"HTTP 404 from http://127.0.0.1:{port}/index.html" in sick.stdout
    text = linux.agentctl(agent, "status").stdout
    first = text.splitlines()[0]
    assert first.startswith("web (org.sourceos.agent.web): running (unhealthy since "), first
    status = json.loads(linux.agentctl(agent, "status", "--json").stdout)
    assert (status["state"], status["health"]["status"]) == ("unhealthy", "unhealthy")
    assert "HTTP 404" in status["health"]["output"]
    doctor = json.loads(linux.sourceos_agent("doctor", "local-runtime", "--json").stdout)
    web = next(a for a in doctor["agents"] if a["agent"] == "web")
    assert web["verdict"] == "problem" and web["state"] == "unhealthy", web
    assert any(p.startswith("unhealthy since ") and "HTTP 404" in p for p in web["problems"])


def test_an_agent_unhealthy_after_activation_is_restarted_within_its_limit_then_stays_down(
    linux: LinuxHost,
) -> None:
    """The wrapper's watch: after activation the check runs every interval; `retries`
    failures in a row end the run (the container killed), which the restart policy restarts
    and the breaker counts: the first start and `maxRestartsPerHour` restarts, then it stays
    down with the breaker's reason in status."""
    port = _free_port()
    site(linux)
    agent = httpd_agent(
        linux, port,
        f'{{ type = "http"; url = "http://127.0.0.1:{port}/index.html"; intervalSeconds = 1;'
        " retries = 2; startPeriodSeconds = 3; }",
        'lifecycle = { restart = "bounded"; maxRestartsPerHour = 2; restartDelaySeconds = 1; };',
    )  # fmt: skip
    assert report(linux.activate(agent, "--json"))["state"] == "running"
    (linux.home / "www" / "index.html").unlink()
    app_log = linux.home / ".local" / "state" / "sourceos" / "logs" / "web.log"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        text = app_log.read_text() if app_log.exists() else ""
        if text.count("ending this run") == 3 and linux.unit("web")["ActiveState"] == "failed":
            break
        time.sleep(1)
    else:
        raise AssertionError(app_log.read_text() + logs(linux))
    assert text.count("starting container web") == 3, text  # 1 + maxRestartsPerHour
    assert text.count("unhealthy: 2 checks in a row failed") == 3, text
    time.sleep(3)  # it stays down
    assert linux.unit("web")["ActiveState"] in ("failed", "inactive"), linux.unit("web")
    status = linux.agentctl(agent, "status").stdout
    assert status.splitlines()[0] == "web (org.sourceos.agent.web): enabled", status
    assert "unhealthy: 2 checks in a row failed since" in status, status
    assert "- restart limit reached: the first start and 2 restarts within the hour" in status
    # The first failure's output is kept apart from the logs' rotation.
    assert "- first failure of this generation: " in status and "unhealthy: HTTP 404" in status
    first = (linux.state_dir("web") / "first-failure.log").read_text()
    assert first.splitlines()[1].endswith(
        f"unhealthy: HTTP 404 from http://127.0.0.1:{port}/index.html"
    )
    assert "==== the last 50 lines of" in first and "starting container web" in first
    assert json.loads(linux.agentctl(agent, "status", "--json").stdout)["restartLimitReached"]


# --- bounded logs -----------------------------------------------------------------------

WRITER = (
    '[ "/usr/bin/awk" "BEGIN { for (i = 1; i <= LINES; i++) printf \\"%07d %s\\\\n\\", i,'
    ' \\"PAD\\"; fflush(); system(\\"exec sleep 300\\") }" ]'
)


@pytest.mark.parametrize("platform", ["linux", "darwin"])
def test_logs_stay_within_their_bound_and_no_line_is_lost_across_rotations(
    request: pytest.FixtureRequest, platform: str
) -> None:
    """A native agent writes 120,000 lines of 100 bytes (11.4 MB) as fast as it can; with
    logs.maxSizeMB = 1 every file stays within 1 MB, and the lines in the file and its
    rotated copies are every line, once, in order. With keep = 3 only three copies stay."""
    host = request.getfixturevalue(platform)
    lines, pad = 120_000, "x" * 91
    command = WRITER.replace("LINES", str(lines)).replace("PAD", pad)
    agent = compile_agent(
        host.out, "chatty",
        f'runtime = "native";\ncommand = {command};\nlogs = {{ maxSizeMB = 1; keep = 20; }};\n',
    )  # fmt: skip
    result = host.activate(agent, "--json")
    assert report(result)["state"] == "running", result.stdout
    out = Path(report(host.agentctl(agent, "status", "--json"))["logs"]["stdout"])
    files = [out, *(out.with_name(f"{out.name}.{i}") for i in range(1, 21))]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        text = b"".join(f.read_bytes() for f in reversed(files) if f.exists())
        if text.count(b"\n") >= lines:
            break
        time.sleep(1)
    numbers = [int(line.split()[0]) for line in text.decode().splitlines()]
    assert numbers == list(range(1, lines + 1)), (len(numbers), numbers[:3], numbers[-3:])
    sizes = [f.stat().st_size for f in files if f.exists()]
    assert len(sizes) == 12 and max(sizes) <= 1024 * 1024, sizes
    host.agentctl(agent, "uninstall")

    agent = compile_agent(
        host.out, "chatty",
        f'runtime = "native";\ncommand = {command};\nlogs = {{ maxSizeMB = 1; keep = 3; }};\n',
    )  # fmt: skip
    for f in files:
        f.unlink(missing_ok=True)
    assert report(host.activate(agent, "--json"))["state"] == "running"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not out.with_name(f"{out.name}.3").exists():
        time.sleep(1)
    time.sleep(3)
    present = sorted(f.name for f in files if f.exists())
    assert present == sorted([out.name, *(f"{out.name}.{i}" for i in (1, 2, 3))]), present
    assert all(f.stat().st_size <= 1024 * 1024 for f in files if f.exists())


def test_on_the_simulated_mac_an_unhealthy_agent_is_restarted_within_its_limit(
    darwin: DarwinHost,
) -> None:
    """The wrapper's watch under launchd: the container killed after `retries` failed checks,
    KeepAlive restarts it, the breaker stops it after the first start and
    `maxRestartsPerHour` restarts."""
    port = _free_port()
    site(darwin)
    agent = httpd_agent(
        darwin, port,
        f'{{ type = "http"; url = "http://127.0.0.1:{port}/index.html"; intervalSeconds = 1;'
        " retries = 2; startPeriodSeconds = 3; }",
        'lifecycle = { restart = "bounded"; maxRestartsPerHour = 2; restartDelaySeconds = 1; };',
    )  # fmt: skip
    assert report(darwin.activate(agent, "--json"))["state"] == "running"
    (darwin.home / "www" / "index.html").unlink()
    app_log = darwin.home / "Library" / "Logs" / "SourceOS" / "web.log"
    deadline = time.monotonic() + 120
    text = ""
    while time.monotonic() < deadline:
        text = app_log.read_text() if app_log.exists() else ""
        if "fail-closed: started 3 times in the last hour" in text:
            break
        time.sleep(1)
    else:
        raise AssertionError(text)
    assert text.count("starting container web") == 3, text
    assert text.count("unhealthy: 2 checks in a row failed") == 3, text
    status = darwin.agentctl(agent, "status").stdout
    assert "fail-closed: started 3 times in the last hour" in status, status
    # Quarantine captures the first failure's output beside the logs.
    bundle_dir = darwin.tmp / "bundles"
    darwin.write(bundle_dir / ".keep", "")
    darwin.agentctl(agent, "quarantine", "--output-dir", str(bundle_dir), "--json")
    kept = list(bundle_dir.glob("web-*/first-failure.log"))
    assert len(kept) == 1 and "unhealthy: HTTP 404" in kept[0].read_text(), kept
