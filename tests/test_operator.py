"""Operator commands: agentctl verbs, `sourceos-agent`, doctor, quarantine and uninstall."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import ROOT, missing
from tests.hosts import IMAGE, DarwinHost, LinuxHost, PodmanStore, compile_agent, sleeper_agent
from tests.test_activation import LABEL, node_commander
from tests.users import LINUX_USER, USER_PYTHON, reachable, user

pytestmark = pytest.mark.real

SECRET = "s3cr3t-Zq9-do-not-leak"


def sourceos_agent(host, *args: str) -> subprocess.CompletedProcess:
    return host.sourceos_agent(*args)


def agentctl(host, agent_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return host.agentctl(agent_dir, *args)


def listing(root: Path, skip: tuple[str, ...] = ()) -> list[str]:
    return sorted(
        str(p.relative_to(root))
        for p in root.rglob("*")
        if not any(str(p.relative_to(root)).startswith(s) for s in skip)
    )


def test_verbs_and_their_json_on_the_simulator(darwin: DarwinHost, store: PodmanStore) -> None:
    agent = node_commander(darwin)
    assert darwin.activate(agent).returncode == 0
    status = json.loads(sourceos_agent(darwin, "status", "node-commander", "--json").stdout)
    assert status["state"] == "running" and status["container"] == "running"
    assert status["logs"]["app"].endswith("Library/Logs/SourceOS/node-commander.log")
    assert "/nix/store" not in json.dumps(status)
    text = sourceos_agent(darwin, "status", "node-commander").stdout
    assert text.startswith(f"node-commander ({LABEL}): running")
    assert "- container node-commander: running" in text

    stopped = json.loads(sourceos_agent(darwin, "stop", "node-commander", "--json").stdout)
    assert stopped["result"] == "stopped" and stopped["state"] == "installed"
    assert darwin.loaded() == []
    started = json.loads(sourceos_agent(darwin, "start", "node-commander", "--json").stdout)
    assert started["state"] == "running", started
    assert len(darwin.loaded()) == 1
    restarted = sourceos_agent(darwin, "restart", "node-commander", "--json")
    assert json.loads(restarted.stdout)["result"] == "restarted"

    pre = json.loads(sourceos_agent(darwin, "preflight", "node-commander", "--json").stdout)
    assert pre["passed"] is True and {c["id"] for c in pre["preflight"]} >= {
        "podman-machine-running"
    }
    logs = sourceos_agent(darwin, "logs", "node-commander", "-n", "5")
    assert logs.returncode == 0 and "starting container node-commander" in logs.stdout
    doctor = sourceos_agent(darwin, "doctor", "node-commander")
    assert doctor.returncode == 0 and "== drift" in doctor.stdout and "unchanged:" in doctor.stdout

    listed = json.loads(sourceos_agent(darwin, "list", "--json").stdout)
    assert listed == {"agents": {"node-commander": "running"}}
    unknown = sourceos_agent(darwin, "status", "nope")
    assert unknown.returncode == 2 and "no registered agent `nope`" in unknown.stderr


def test_start_refuses_while_preflight_fails(darwin: DarwinHost) -> None:
    agent = node_commander(darwin)
    assert darwin.activate(agent).returncode == 0
    sourceos_agent(darwin, "stop", "node-commander")
    darwin.scenario(machines={"podman-machine-default": "stopped"})
    refused = sourceos_agent(darwin, "start", "node-commander")
    assert refused.returncode == 3
    assert "podman-machine-running" in refused.stderr
    assert darwin.loaded() == []
    # Forced past preflight, the start itself meets the stopped machine: Podman's connection
    # is refused, as on a Mac, so the agent never becomes healthy and the start fails.
    forced = sourceos_agent(darwin, "start", "node-commander", "--allow-failed-preflight")
    assert forced.returncode == 4, forced.stdout + forced.stderr
    assert "did not become healthy" in forced.stderr
    assert "did not answer" in forced.stderr or "machine" in forced.stderr, forced.stderr


def test_doctor_local_runtime_over_three_agents(darwin: DarwinHost) -> None:
    running = node_commander(darwin)
    assert darwin.activate(running).returncode == 0
    staged = compile_agent(darwin.out, "staged-one", 'image = "localhost/sourceos/absent:1";')
    assert darwin.activate(staged).returncode == 3
    stopped = compile_agent(
        darwin.out, "stopped-one", f'image = "{IMAGE}";\ncommand = [ "/bin/sleep" "300" ];'
    )
    assert darwin.activate(stopped).returncode == 0
    assert sourceos_agent(darwin, "stop", "stopped-one").returncode == 0
    legacy = darwin.root / "Library" / "LaunchAgents" / "com.socioprophet.node-commander.plist"
    legacy.parent.mkdir(parents=True)
    fixture = Path(__file__).parent / "fixtures" / "incident" / "Library" / "LaunchAgents"
    legacy.write_bytes((fixture / legacy.name).read_bytes())

    result = sourceos_agent(darwin, "doctor", "local-runtime", "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["verdict"] == "findings in local persistence"
    by_name = {a["agent"]: a for a in report["agents"]}
    # Running, but the incident's plist beside it runs the same container: not ok.
    assert by_name["node-commander"]["verdict"] == "problem"
    assert [f.split(":")[0] for f in by_name["node-commander"]["preflightFailures"]] == [
        "service-not-duplicated"
    ]
    assert by_name["node-commander"]["provenance"]["imageId"].startswith("sha256:")
    assert by_name["node-commander"]["authMode"] == "empty-authfile"
    # Provenance (spec section 7) as activation recorded it: the image ID it ran, and since when.
    prov = by_name["node-commander"]["provenance"]
    assert prov["imageId"] == prov["currentImageId"] and prov["pulledAt"].endswith("Z")
    assert by_name["node-commander"]["problems"] == []
    # Who owns it and how to look at it by hand, as declared (spec section 3).
    assert by_name["node-commander"]["owner"] == {
        "project": "SocioProphet", "component": "node-commander", "contact": "platform"
    }  # fmt: skip
    assert by_name["node-commander"]["health"] == {
        "type": "podman-container",
        "command": "podman --connection podman-machine-default ps --filter name=node-commander",
        "check": "container node-commander",
        "status": "healthy",
        "output": "running, as container node-commander",
        "since": "",
    }
    assert by_name["staged-one"]["state"] == "staged"
    assert any("local-image" in f for f in by_name["staged-one"]["preflightFailures"])
    assert by_name["stopped-one"]["state"] == "installed"
    rules = {s["rule"] for s in report["findings"] if s["source"] == "local"}
    assert all(f["source"] == "local" for f in report["findings"])
    assert {"log-in-tmp", "unbounded-keepalive", "user-agent-in-system-dir"} <= rules
    text = sourceos_agent(darwin, "doctor", "local-runtime").stdout
    assert text.startswith("local runtime: findings in local persistence")
    assert "  owner: SocioProphet / node-commander (contact: platform)" in text
    status = darwin.agentctl(running, "status", timeout=60).stdout
    assert "- owner: SocioProphet / node-commander (contact: platform)" in status
    assert "ps --filter name=node-commander" in status
    assert "/nix/store/" not in text.split("finding:")[0]


# --- doctor: signal, not noise ------------------------------------------------------------


def doctor_json(env: dict) -> tuple[int, dict]:
    """`sourceos-agent doctor local-runtime --json` as the normal user whose home `env` names,
    with the system's Python (the test venv's may be out of that user's reach)."""
    who = user(LINUX_USER)
    home = Path(env["HOME"])
    reachable(home)
    who.own(home)
    path = os.pathsep.join([str(ROOT), sysconfig.get_paths()["purelib"]])
    argv = [USER_PYTHON, "-m", "compiler.host.sourceos_agent", "doctor", "local-runtime", "--json"]
    result = subprocess.run(who.argv(argv), env={**env, "PYTHONPATH": path, "USER": who.name},
                            capture_output=True, text=True, timeout=180,
                            stdin=subprocess.DEVNULL)  # fmt: skip
    return result.returncode, json.loads(result.stdout)


def stock_env(tmp_path: Path) -> dict:
    """This machine as it is (its real /etc/systemd), for a user with an empty home."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "SOURCEOS_"))}
    return {**keep, "HOME": str(home), "SOURCEOS_AGENT_PLATFORM": "linux"}


def test_doctor_calls_a_stock_host_healthy(tmp_path: Path) -> None:
    """Debian's own units (enablement symlinks into /lib/systemd, such as timesyncd's
    Restart=always) and unchanged package files are not findings."""
    code, report = doctor_json(stock_env(tmp_path))
    assert (code, report["verdict"]) == (0, "healthy"), report
    # Debian's own units are observations, not findings: a healthy verdict has no errors.
    assert report["findings"] == [] and report["cannotInspect"] == []
    assert report["observations"], "this machine's systemd ships Restart=always units"
    assert all(o["source"] in ("vendor", "package") for o in report["observations"])
    assert all("severity" not in o for o in report["observations"])


def test_doctor_reports_exactly_a_users_restart_always_tmp_logging_unit(tmp_path: Path) -> None:
    env = stock_env(tmp_path)
    units = tmp_path / "home" / ".config" / "systemd" / "user"
    units.mkdir(parents=True)
    unit = units / "updater.service"
    unit.write_text(
        "[Unit]\nDescription=an updater\n\n[Service]\nExecStart=/usr/bin/sleep 100\n"
        "Restart=always\nStandardOutput=append:/tmp/updater.log\n"
        "StandardError=append:/tmp/updater.err\n\n[Install]\nWantedBy=default.target\n"
    )
    code, report = doctor_json(env)
    assert (code, report["verdict"]) == (1, "findings in local persistence"), report
    local = [f for f in report["findings"] if f["source"] == "local"]
    assert {f["file"] for f in local} == {str(unit)}
    assert {f["rule"] for f in local} == {"log-in-tmp", "unbounded-keepalive"}, local
    (keepalive,) = [f for f in local if f["rule"] == "unbounded-keepalive"]
    # Not "unbounded": the manager's default start limit applies, and the doctor says which.
    assert "default start limit" in keepalive["message"]
    assert "at most 5 starts in 10 s" in keepalive["message"]


def test_doctor_reports_exactly_the_incident_plist_on_a_simulated_mac(tmp_path: Path) -> None:
    root = tmp_path / "root"
    legacy = root / "Library" / "LaunchAgents" / "com.socioprophet.node-commander.plist"
    legacy.parent.mkdir(parents=True)
    fixture = Path(__file__).parent / "fixtures" / "incident" / "Library" / "LaunchAgents"
    legacy.write_bytes((fixture / legacy.name).read_bytes())
    env = {**stock_env(tmp_path), "SOURCEOS_AGENT_PLATFORM": "darwin",
           "SOURCEOS_AGENT_ROOT": str(root)}  # fmt: skip
    code, report = doctor_json(env)
    assert (code, report["verdict"]) == (1, "findings in local persistence"), report
    assert {f["file"] for f in report["findings"]} == {str(legacy)}
    assert all(f["source"] == "local" for f in report["findings"])
    rules = {f["rule"] for f in report["findings"]}
    assert {"log-in-tmp", "unbounded-keepalive", "user-agent-in-system-dir"} <= rules


def test_doctor_tells_vendor_symlinks_and_what_it_cannot_inspect(tmp_path: Path) -> None:
    vendor = Path("/lib/systemd/system/console-getty.service")  # Debian's, Restart=always
    if not vendor.exists():
        missing(f"{vendor} is not installed (Debian's systemd package ships it)")
    root = tmp_path / "root"
    system = root / "etc" / "systemd" / "system"
    system.mkdir(parents=True)
    (system / "console-getty.service").symlink_to(vendor)
    env = {**stock_env(tmp_path), "SOURCEOS_AGENT_ROOT": str(root)}
    code, report = doctor_json(env)
    assert (code, report["verdict"]) == (0, "healthy"), report
    assert report["findings"] == []
    assert {o["source"] for o in report["observations"]} == {"vendor"}
    # A registered agent whose agentctl cannot answer: the doctor cannot inspect it, and says so.
    broken = tmp_path / "home" / ".local" / "state" / "sourceos" / "agents" / "broken"
    (broken / "bin").mkdir(parents=True)
    (broken / "bin" / "agentctl").write_text("#!/bin/sh\necho 'agentctl: damaged' >&2\nexit 1\n")
    (broken / "bin" / "agentctl").chmod(0o755)
    code, report = doctor_json(env)
    assert (code, report["verdict"]) == (2, "cannot inspect"), report
    assert any("broken" in r for r in report["cannotInspect"]), report["cannotInspect"]


def test_quarantine_a_running_agent(darwin: DarwinHost, store: PodmanStore, tmp_path: Path) -> None:
    agent = compile_agent(
        darwin.out,
        "node-commander",
        f'image = "{IMAGE}";\ncommand = [ "/bin/sleep" "300" ];\n'
        'auth = { mode = "service-account"; authfile = "$HOME/.config/nc/auth.json"; };',
    )
    auth = darwin.home / ".config" / "nc" / "auth.json"
    auth.parent.mkdir(parents=True)
    basic = base64.b64encode(f"robot:{SECRET}".encode()).decode()
    auth.write_text(json.dumps({"auths": {"localhost": {"auth": basic, "identitytoken": SECRET}}}))
    docker = darwin.home / ".docker"
    docker.mkdir()
    (docker / "config.json").write_text(json.dumps({"auths": {"x.io": {"password": SECRET}}}))
    assert darwin.activate(agent).returncode == 0
    out = tmp_path / "q"
    result = sourceos_agent(
        darwin, "quarantine", "node-commander", "--output-dir", str(out), "--json"
    )
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    qdir = Path(doc["directory"])
    assert qdir.parent == out and qdir.name.startswith("node-commander-")
    assert doc["state"] == "absent"
    assert darwin.loaded() == [] and not darwin.plist_path(LABEL).exists()
    assert darwin.overrides()[f"gui/{darwin.uid}"][LABEL] == "disabled"
    assert store.container_state("node-commander") is None
    names = {p.name for p in qdir.iterdir()}
    assert {
        "manifest.json", "remediation.md", "service.plist.disabled", "service-status.txt",
        "podman-machine.json", "podman-info.json", "container-inspect.json",
        "image-inspect.json", "auth-redacted.json", "node-commander.log",
    } <= names  # fmt: skip
    manifest = json.loads((qdir / "manifest.json").read_text())
    from hashlib import sha256

    for item in manifest["items"]:
        if item["sha256"]:
            assert sha256((qdir / item["name"]).read_bytes()).hexdigest() == item["sha256"]
    captured = {i["name"] for i in manifest["items"] if i["status"] == "captured"}
    assert names - {"manifest.json"} <= captured
    for path in qdir.rglob("*"):
        text = path.read_text(errors="replace")
        assert SECRET not in text and basic not in text, path
    assert "<redacted>" in (qdir / "auth-redacted.json").read_text()
    status = json.loads(sourceos_agent(darwin, "status", "node-commander", "--json").stdout)
    assert status["quarantined"] == str(qdir)


def test_quarantine_of_a_half_installed_agent_leaves_nothing_enabled(
    darwin: DarwinHost, tmp_path: Path
) -> None:
    agent = node_commander(darwin)
    killed = darwin.activate(agent, env={"SOURCEOS_AGENT_TEST_KILL_AT": "start"})
    assert killed.returncode == -9
    result = agentctl(darwin, agent, "quarantine", "--output-dir", str(tmp_path / "q"))
    assert result.returncode == 0, result.stderr
    assert darwin.loaded() == [] and not darwin.plist_path(LABEL).exists()


def test_uninstall_leaves_no_trace(darwin: DarwinHost, store: PodmanStore) -> None:
    """But the agent's data: its volume, which only --purge-data removes."""
    before = listing(darwin.home)
    agent = node_commander(darwin)
    assert darwin.activate(agent).returncode == 0
    result = sourceos_agent(darwin, "uninstall", "node-commander", "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    data = darwin.home / ".local" / "share" / "node-commander"
    assert doc["kept"] == f"data {data} (agentctl uninstall --purge-data removes it)"
    assert doc["state"] == "absent" and data.is_dir()
    after = listing(darwin.home, skip=("Library/Logs",))
    leftovers = [p for p in after if p not in before]
    # Empty parent directories that install created may stay; no file of the agent does.
    assert [p for p in leftovers if (darwin.home / p).is_file()] == []
    assert not darwin.state_dir("node-commander").exists()
    assert darwin.loaded() == [] and store.container_state("node-commander") is None
    assert json.loads(sourceos_agent(darwin, "list", "--json").stdout) == {"agents": {}}


def test_uninstall_keeps_a_file_the_user_changed(darwin: DarwinHost) -> None:
    agent = node_commander(darwin)
    assert darwin.activate(agent).returncode == 0
    plist = darwin.plist_path(LABEL)
    plist.write_text(plist.read_text() + "<!-- local edit -->\n")
    result = agentctl(darwin, agent, "uninstall")
    assert f"- kept {plist} (changed since install)" in result.stdout
    assert plist.exists()


def test_verbs_on_real_systemd(linux: LinuxHost, store: PodmanStore) -> None:
    agent = sleeper_agent(
        linux,
        extra='logs = { app = "$HOME/logs/d.log"; stdout = "$HOME/logs/d.out";'
        ' stderr = "$HOME/logs/d.err"; };',
    )
    before = listing(linux.home, skip=("logs", ".config/systemd/user/default.target.wants"))
    assert linux.activate(agent).returncode == 0
    status = json.loads(sourceos_agent(linux, "status", "demo", "--json").stdout)
    assert status["state"] == "running" and status["serviceManager"] == "running"
    assert json.loads(sourceos_agent(linux, "stop", "demo", "--json").stdout)["state"] == "enabled"
    assert linux.unit("demo")["ActiveState"] == "inactive"
    assert sourceos_agent(linux, "restart", "demo").returncode == 0
    assert linux.unit("demo")["ActiveState"] == "active"
    uninstall = json.loads(sourceos_agent(linux, "uninstall", "demo", "--json").stdout)
    assert uninstall["state"] == "absent"
    unit = linux.unit("demo")
    assert unit["LoadState"] == "not-found" and unit["ActiveState"] == "inactive"
    after = listing(linux.home, skip=("logs", ".config/systemd/user/default.target.wants"))
    assert [p for p in after if p not in before and (linux.home / p).is_file()] == []
    assert store.container_state("demo") is None


def test_doctor_reports_excessive_restarts(darwin: DarwinHost, tmp_path: Path) -> None:
    """launchd's run count, less the first run, above maxRestartsPerHour is a problem (spec
    sections 4.1 and 11), even with the breaker holding it since."""
    program = tmp_path / "flaky"
    program.write_text("#!/bin/sh\nsleep 2\nexit 1\n")
    program.chmod(0o755)
    agent = compile_agent(
        darwin.out,
        "flaky",
        f'runtime = "native";\ncommand = [ "{program}" ];\nlifecycle = {{ restart = "bounded";'
        " maxRestartsPerHour = 1; restartDelaySeconds = 1; keepAlive = true; };\n",
    )
    assert darwin.activate(agent).returncode == 0
    import time

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the first run, one restart, the breaker's run
        job = next(j for j in darwin.loaded() if j["label"] == "org.sourceos.agent.flaky")
        if job.get("runs", 0) >= 3 and not job.get("job_pid"):
            break
        time.sleep(0.2)
    report = json.loads(sourceos_agent(darwin, "doctor", "local-runtime", "--json").stdout)
    [flaky] = [a for a in report["agents"] if a["agent"] == "flaky"]
    assert flaky["verdict"] == "problem"
    assert flaky["problems"] == [
        "excessive restarts: 2 since it was loaded, more than the 1 an hour its declaration allows"
    ]
    text = sourceos_agent(darwin, "doctor", "local-runtime").stdout
    assert "  problem: excessive restarts: 2" in text
    # status answers from one look at launchd: runs, no PID, the last exit and the breaker's
    # fail-closed word from the app log.
    status = json.loads(agentctl(darwin, agent, "status", "--json").stdout)
    assert status["restarts"] == str(job["runs"]) and status["pid"] == "", status
    assert status["lastExit"].startswith(f"exit code {job['last_exit']};"), status
    assert "fail-closed" in status["lastExit"], status
    text = agentctl(darwin, agent, "status").stdout
    assert f"- restarts/runs: {job['runs']}; last exit: exit code {job['last_exit']};" in text


def test_doctor_reports_a_foreign_service_in_a_respawn_loop(darwin: DarwinHost) -> None:
    """A loaded plist agentc did not write, restarted over and over (launchd's runs): an
    excessive-restarts finding in local persistence."""
    import time

    loop = darwin.home / "Library" / "LaunchAgents" / "com.example.loop.plist"
    loop.parent.mkdir(parents=True)
    loop.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">\n<dict>\n'
        "\t<key>Label</key>\n\t<string>com.example.loop</string>\n"
        "\t<key>ProgramArguments</key>\n\t<array>\n\t\t<string>/bin/false</string>\n\t</array>\n"
        "\t<key>RunAtLoad</key>\n\t<true/>\n\t<key>KeepAlive</key>\n\t<true/>\n"
        "\t<key>ThrottleInterval</key>\n\t<integer>0</integer>\n</dict>\n</plist>\n"
    )
    darwin.run(["launchctl", "bootstrap", f"gui/{darwin.uid}", str(loop)], check=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job = next(j for j in darwin.loaded() if j["label"] == "com.example.loop")
        if job.get("runs", 0) > 12:
            break
        time.sleep(0.2)
    doctor = darwin.sourceos_agent("doctor", "local-runtime", "--json")
    code, report = doctor.returncode, json.loads(doctor.stdout)
    assert code == 1 and report["verdict"] == "findings in local persistence"
    [loop_finding] = [f for f in report["findings"] if f["rule"] == "excessive-restarts"]
    assert loop_finding["file"] == str(loop) and loop_finding["source"] == "local"
    assert "com.example.loop: restarted" in loop_finding["message"]
    # `agentc audit` of the file counts the runs of the job loaded from it; of a copy, none.
    audited = darwin.python("compiler", "audit", str(loop), env={"NO_COLOR": "1"})
    assert f"{loop}:1:1: warning[A407/excessive-restarts]: com.example.loop was restarted" in (
        audited.stderr
    )
    copy = darwin.tmp / "copy" / "com.example.loop.plist"
    copy.parent.mkdir()
    copy.write_bytes(loop.read_bytes())
    audited = darwin.python("compiler", "audit", str(copy))
    assert "excessive-restarts" not in audited.stdout + audited.stderr


def test_audit_counts_the_restarts_of_a_unit_in_a_respawn_loop_on_real_systemd(
    linux: LinuxHost,
) -> None:
    """systemd's NRestarts for the unit loaded from the audited file."""
    import time

    loop = linux.user_unit(
        "legacy-loop.service",
        "[Unit]\nStartLimitIntervalSec=0\n[Service]\nExecStart=/bin/false\n"
        "Restart=always\nRestartSec=50ms\n",
    )
    linux.manager.systemctl("daemon-reload")
    linux.manager.systemctl("start", "legacy-loop.service", check=False)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if int(linux.manager.show("legacy-loop.service", "NRestarts")["NRestarts"] or 0) > 12:
            break
        time.sleep(0.2)
    audited = linux.python("compiler", "audit", str(loop), env={"NO_COLOR": "1"})
    linux.manager.systemctl("stop", "legacy-loop.service", check=False)
    out = audited.stderr
    assert f"{loop}:1:1: warning[A407/excessive-restarts]: legacy-loop.service was restarted" in (
        out
    ), out
