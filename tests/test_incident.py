"""The incident, end to end: its real leftovers under their real names are caught by content,
nothing foreign is touched (spec sections 1, 12 and 14)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.hosts import IMAGE, DarwinHost, LinuxHost, compile_agent, sleeper_agent
from tests.test_activation import (
    LABEL,
    assert_nothing_persisted,
    checks,
    mutating_calls,
    node_commander,
)

pytestmark = pytest.mark.real

INCIDENT = ROOT / "tests" / "fixtures" / "incident" / "Library" / "LaunchAgents"
INCIDENT_LABEL = "com.socioprophet.node-commander"


def _incident_plist(darwin: DarwinHost) -> Path:
    """The incident's plist where it really was: /Library/LaunchAgents, under its own name."""
    legacy = darwin.root / "Library" / "LaunchAgents" / f"{INCIDENT_LABEL}.plist"
    legacy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(INCIDENT / f"{INCIDENT_LABEL}.plist", legacy)
    return legacy


@pytest.mark.parametrize("loaded", [False, True], ids=["unloaded", "loaded"])
def test_the_incidents_own_plist_fails_preflight_by_content(
    darwin: DarwinHost, loaded: bool
) -> None:
    """Another label, another file name, the same container name and registry image: preflight
    names it and its migration, nothing is installed, and the legacy job is left as it was."""
    legacy = _incident_plist(darwin)
    before = legacy.read_bytes()
    if loaded:
        boot = darwin.run(["launchctl", "bootstrap", f"gui/{darwin.uid}", str(legacy)])
        assert boot.returncode == 0, boot.stderr
        (darwin.launchd / "calls.log").unlink()  # the legacy host's own call, before ours
    result = darwin.activate(node_commander(darwin), "--json")
    assert (result.returncode, json.loads(result.stdout)["state"]) == (3, "staged")
    assert not darwin.plist_path(LABEL).exists()
    c = checks(result)
    assert c["label-not-conflicting"]["status"] == "pass"  # not our label: caught by content
    dup = c["service-not-duplicated"]
    assert dup["status"] == "fail"
    assert INCIDENT_LABEL in dup["detail"] and str(legacy) in dup["detail"]
    assert "container node-commander" in dup["detail"]
    assert "an old system-wide plist" in dup["detail"]
    assert dup["remediation"].startswith(
        f"sudo launchctl bootout gui/{darwin.uid}/{INCIDENT_LABEL}"
    )
    assert "spec section 14" in dup["remediation"]
    assert legacy.read_bytes() == before
    assert mutating_calls(darwin) == []  # nothing booted out, disabled or enabled
    loaded_now = [j["label"] for j in darwin.loaded()]
    assert loaded_now == ([INCIDENT_LABEL] if loaded else [])
    text = darwin.activate(node_commander(darwin)).stdout.splitlines()
    assert f"- legacy service: {dup['detail']}" in text
    assert f"- action: run `{dup['remediation']}`" in text


@pytest.mark.parametrize("kept", [True, False], ids=["file-elsewhere", "file-deleted"])
def test_a_job_loaded_from_outside_the_launchd_directories_is_a_duplicate(
    darwin: DarwinHost, kept: bool
) -> None:
    """The incident's job as `launchctl bootstrap` left it from a download directory (its plist
    still there, or deleted since): no launchd directory holds it, launchd runs it all the
    same. Preflight finds it among the loaded jobs, by content, and leaves it loaded."""
    elsewhere = darwin.home / "Downloads" / f"{INCIDENT_LABEL}.plist"
    darwin.write(elsewhere, (INCIDENT / f"{INCIDENT_LABEL}.plist").read_text())
    boot = darwin.run(["launchctl", "bootstrap", f"gui/{darwin.uid}", str(elsewhere)])
    assert boot.returncode == 0, boot.stderr
    (darwin.launchd / "calls.log").unlink()
    if not kept:
        elsewhere.unlink()
    result = darwin.activate(node_commander(darwin), "--json")
    assert (result.returncode, json.loads(result.stdout)["state"]) == (3, "staged")
    assert not darwin.plist_path(LABEL).exists()
    dup = checks(result)["service-not-duplicated"]
    assert dup["status"] == "fail", dup
    assert dup["detail"] == (
        f"a job loaded in launchd's gui/{darwin.uid} domain (from {elsewhere}) runs the same"
        f" container node-commander under another label, {INCIDENT_LABEL}"
    )
    fix = f"launchctl bootout gui/{darwin.uid}/{INCIDENT_LABEL}"
    if kept:
        fix += f"; mv {elsewhere} ~/Desktop/"
    assert dup["remediation"] == fix + " (spec section 14, step 1: retire the legacy agent)"
    assert mutating_calls(darwin) == []
    assert [j["label"] for j in darwin.loaded()] == [INCIDENT_LABEL]


def test_the_same_image_under_another_name_is_a_duplicate(darwin: DarwinHost) -> None:
    """Content, not names: a plist of any label running the agent's registry image."""
    other = darwin.home / "Library" / "LaunchAgents" / "com.example.puller.plist"
    source = "us-central1-docker.pkg.dev/socioprophet-web/node-commander/node-commander:dev-boot"
    darwin.write(
        other,
        '<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">\n<dict>\n'
        "\t<key>Label</key>\n\t<string>com.example.puller</string>\n"
        "\t<key>ProgramArguments</key>\n\t<array>\n\t\t<string>/usr/local/bin/podman</string>\n"
        f"\t\t<string>run</string>\n\t\t<string>{source}</string>\n\t</array>\n</dict>\n</plist>\n",
    )
    result = darwin.activate(node_commander(darwin), "--json")
    assert_nothing_persisted(darwin, result)
    dup = checks(result)["service-not-duplicated"]
    assert dup["status"] == "fail" and f"image {source}" in dup["detail"]
    # In the user's own directory: no sudo.
    assert dup["remediation"].startswith(f"launchctl bootout gui/{darwin.uid}/com.example.puller")


def test_a_duplicate_label_in_the_users_own_directory_is_named_as_such(
    darwin: DarwinHost,
) -> None:
    other = darwin.home / "Library" / "LaunchAgents" / "com.example.other.plist"
    darwin.write(
        other,
        '<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict>'
        f"<key>Label</key><string>{LABEL}</string></dict></plist>\n",
    )
    result = darwin.activate(node_commander(darwin), "--json")
    assert_nothing_persisted(darwin, result)
    c = checks(result)["label-not-conflicting"]
    assert c["detail"] == f"a plist in your LaunchAgents for {LABEL}: {other}"
    assert not c["remediation"].startswith("sudo") and "sudo" not in c["remediation"]


def test_a_foreign_unit_running_the_container_fails_preflight_on_real_systemd(
    linux: LinuxHost,
) -> None:
    """On Linux too: a hand-written user unit that runs `podman run --name demo ...`."""
    units = linux.user_units
    foreign = linux.user_unit(
        "legacy-demo.service",
        "[Service]\nExecStart=/usr/bin/podman run --rm --name demo "
        f"{IMAGE} /bin/sleep 300\nRestart=always\n",
    )
    agent = sleeper_agent(linux)
    result = linux.activate(agent, "--json")
    assert result.returncode == 3, result.stdout + result.stderr
    assert json.loads(result.stdout)["state"] == "staged"
    dup = checks(result)["service-not-duplicated"]
    assert dup["status"] == "fail" and "legacy-demo.service" in dup["detail"]
    assert "container demo" in dup["detail"]
    assert dup["remediation"].startswith("systemctl --user disable --now legacy-demo.service")
    assert not (units / "sourceos-agent@demo.service").exists()
    assert foreign.exists()


# --- failure texts that say what happened ---------------------------------------------


def _agentctl(host, agent: Path, *args: str) -> subprocess.CompletedProcess:
    return host.agentctl(agent, *args, timeout=120)


def test_json_is_always_json(darwin: DarwinHost) -> None:
    """A refused start and a doctor print one JSON document with --json, as everything else."""
    agent = node_commander(darwin)
    refused = _agentctl(darwin, agent, "start", "--json")
    assert refused.returncode == 1
    doc = json.loads(refused.stdout)
    assert (doc["result"], doc["state"]) == ("refused", "absent")
    assert "not installed" in doc["reason"]
    assert darwin.activate(agent).returncode == 0
    darwin.scenario(machines={"podman-machine-default": "stopped"})
    refused = _agentctl(darwin, agent, "restart", "--json")
    assert refused.returncode == 3
    doc = json.loads(refused.stdout)
    assert doc["result"] == "refused" and "podman-machine-running" in doc["reason"]
    # A stopped machine's connection is refused: the socket cannot answer, nor the image look.
    failing = [c["id"] for c in doc["preflight"] if c["status"] == "fail"]
    assert failing == ["podman-machine-running", "podman-socket", "local-image"]
    doctor = _agentctl(darwin, agent, "doctor", "--json")
    assert doctor.returncode == 1
    report = json.loads(doctor.stdout)
    assert report["status"]["agent"] == "node-commander"
    assert report["preflight"]["passed"] is False
    assert {d["state"] for d in report["drift"]} == {"unchanged"}


def test_a_rollback_names_the_wrappers_reason_and_no_fake_action(linux: LinuxHost) -> None:
    """The health failure quotes the wrapper's fail-closed line (it names the cause: here a
    missing environment file), and the action offered is a command to run, not the failure
    again; an earlier run's staged remediation.txt is neither offered nor kept."""
    agent = compile_agent(
        linux.out,
        "needy",
        'runtime = "native";\ncommand = [ "/bin/sleep" "300" ];\n'
        'environmentFile = "$HOME/needy.env";\nlifecycle.startupTimeoutSeconds = 3;\n',
    )
    staged = linux.state_dir("needy") / "staged"
    linux.write(staged / "remediation.txt", "an earlier run's advice\n")
    result = linux.activate(agent)
    lines = result.stdout.splitlines()
    assert result.returncode == 4, result.stdout + result.stderr
    [health] = [line for line in lines if line.startswith("- health failed:")]
    assert "the wrapper said: environment file" in health and "needy.env" in health
    assert f"- action: run `{agent}/bin/agentctl logs -n 50`" in lines
    assert not any("action: run `health failed" in line for line in lines)
    assert "remediation.txt" not in result.stdout
    assert not staged.exists()


# --- quarantine of a service agentc did not install (spec section 9) --------------------


def _sourceos_agent(host, *args: str) -> subprocess.CompletedProcess:
    return host.sourceos_agent(*args, timeout=120)


@pytest.mark.parametrize("where", ["system-dir", "own-dir"])
def test_quarantine_foreign_takes_the_incidents_agent_through_section_9(
    darwin: DarwinHost, tmp_path: Path, where: str
) -> None:
    """As the user it ran for: stopped, disabled, evidence captured. The incident's own plist
    in /Library/LaunchAgents is root's, which the user cannot move: that step fails, a copy is
    kept, and what to run as its owner is said; one in the user's own directory is moved."""
    if where == "system-dir":
        legacy = _incident_plist(darwin)
    else:
        legacy = darwin.write(
            darwin.home / "Library" / "LaunchAgents" / f"{INCIDENT_LABEL}.plist",
            (INCIDENT / f"{INCIDENT_LABEL}.plist").read_text(),
        )
    before = legacy.read_bytes()
    darwin.write(
        darwin.home / ".docker" / "config.json",
        '{"auths": {"us-central1-docker.pkg.dev": {"auth": "c2VjcmV0"}},'
        ' "credHelpers": {"us-central1-docker.pkg.dev": "gcloud"}}\n',
    )
    uid = darwin.uid
    boot = darwin.run(["launchctl", "bootstrap", f"gui/{uid}", str(legacy)])
    assert boot.returncode == 0, boot.stderr
    out = tmp_path / "q"
    result = _sourceos_agent(darwin, "quarantine", "--foreign", INCIDENT_LABEL,
                             "--output-dir", str(out), "--json")  # fmt: skip
    report = json.loads(result.stdout)
    directory = Path(report["directory"])
    items = {i["name"]: i for i in report["items"]}
    # 1 stop, 2 disable, 3 moved aside, 4 logs, 5 status, 9 auth, 10 manifest, 11 remediation
    assert items["stop"]["status"] == "ok" and items["disable"]["status"] == "ok"
    assert items["service-status.txt"]["status"] == "captured"
    assert items["auth-redacted.json"]["status"] == "captured"
    assert items["remediation.md"]["status"] == "captured"
    remediation = (directory / "remediation.md").read_text()
    moved = items["service.plist.disabled"]
    if where == "system-dir":
        assert (result.returncode, report["ok"]) == (1, False), result.stdout + result.stderr
        assert moved["status"] == "failed" and "Permission denied" in moved["detail"]
        sudo = f"sudo mv {legacy} {directory}/service.plist.disabled"
        assert sudo in moved["detail"] and f"`{sudo}`" in remediation
        assert legacy.read_bytes() == before
        assert (directory / "service.definition.copy").read_bytes() == before
    else:
        assert (result.returncode, report["ok"]) == (0, True), result.stdout + result.stderr
        assert moved["status"] == "captured" and not legacy.exists()
        assert (directory / "service.plist.disabled").read_bytes() == before
        assert "Not done" not in remediation
    assert darwin.loaded() == []
    assert darwin.overrides()[f"gui/{uid}"][INCIDENT_LABEL] == "disabled"
    auth = (directory / "auth-redacted.json").read_text()
    assert "c2VjcmV0" not in auth and "<redacted>" in auth and "gcloud" in auth
    manifest = json.loads((directory / "manifest.json").read_text())
    assert manifest["foreign"] is True and manifest["ok"] is report["ok"]
    assert all(i["sha256"] for i in manifest["items"] if i["status"] == "captured")
    assert "spec section 14" in remediation and f"launchctl enable gui/{uid}/" in remediation


def test_quarantine_foreign_of_a_unit_on_real_systemd(linux: LinuxHost, tmp_path: Path) -> None:
    units = linux.user_units
    log = linux.home / "legacy.log"
    legacy = linux.user_unit(
        "legacy.service",
        f"[Service]\nExecStart=/bin/sleep 300\nStandardOutput=append:{log}\n"
        "[Install]\nWantedBy=default.target\n",
    )
    linux.manager.systemctl("daemon-reload")
    linux.manager.systemctl("enable", "--now", "legacy.service")
    assert linux.manager.show("legacy.service", "ActiveState")["ActiveState"] == "active"
    result = _sourceos_agent(linux, "quarantine", "--foreign", str(legacy),
                             "--output-dir", str(tmp_path / "q"), "--json")  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    items = {i["name"]: i["status"] for i in report["items"]}
    assert items["stop"] == items["disable"] == "ok"
    assert items["service.unit.disabled"] == "captured"
    assert not legacy.exists()
    assert not (units / "default.target.wants" / "legacy.service").exists()
    props = linux.manager.show("legacy.service", "ActiveState", "LoadState")
    assert props["ActiveState"] == "inactive"
    assert (Path(report["directory"]) / "service.unit.disabled").exists()


def test_quarantine_foreign_reports_a_failed_step_in_its_exit_status(
    darwin: DarwinHost, tmp_path: Path
) -> None:
    """A step that fails (here the stop: launchctl refuses the bootout) is recorded and makes
    the exit status 1; the rest is still done and captured."""
    legacy = _incident_plist(darwin)
    darwin.run(["launchctl", "bootstrap", f"gui/{darwin.uid}", str(legacy)], check=True)
    refusing = darwin.bin / "launchctl"
    real = refusing.read_text()
    # launchd refusing the bootout, as it does a root-owned job for a user (EPERM)
    refuse = (
        'case "$1" in bootout) echo "Boot-out failed: 1: Operation not permitted" >&2; exit 1;;'
    )
    refusing.write_text(real.replace("exec ", refuse + " esac\nexec ", 1))
    result = _sourceos_agent(darwin, "quarantine", "--foreign", INCIDENT_LABEL,
                             "--output-dir", str(tmp_path / "q"), "--json")  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    report = json.loads(result.stdout)
    stop = next(i for i in report["items"] if i["name"] == "stop")
    assert stop["status"] == "failed" and "Operation not permitted" in stop["detail"]
    assert report["ok"] is False


def test_agentctl_quarantine_fails_when_the_service_does_not_stop(
    darwin: DarwinHost, tmp_path: Path
) -> None:
    agent = node_commander(darwin)
    assert darwin.activate(agent).returncode == 0
    refusing = darwin.bin / "launchctl"
    refuse = (
        'case "$1" in bootout) echo "Boot-out failed: 1: Operation not permitted" >&2; exit 1;;'
    )
    refusing.write_text(refusing.read_text().replace("exec ", refuse + " esac\nexec ", 1))
    result = _agentctl(darwin, agent, "quarantine", "--output-dir", str(tmp_path / "q"), "--json")
    assert result.returncode == 1, result.stdout + result.stderr
    assert json.loads(result.stdout)["ok"] is False
    manifest = json.loads(next((tmp_path / "q").glob("*/manifest.json")).read_text())
    stop = next(i for i in manifest["items"] if i["name"] == "stop")
    assert stop["status"] == "failed" and "Operation not permitted" in stop["detail"]
