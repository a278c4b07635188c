"""The incident, end to end: its real leftovers under their real names are caught by content,
nothing foreign is touched (spec sections 1, 12 and 14)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.hosts import IMAGE, DarwinHost, LinuxHost, compile_agent
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
        boot = subprocess.run(
            ["launchctl", "bootstrap", f"gui/{os.getuid()}", str(legacy)],
            env=darwin.env, capture_output=True, text=True, timeout=30,
        )  # fmt: skip
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
        f"sudo launchctl bootout gui/{os.getuid()}/{INCIDENT_LABEL}"
    )
    assert "spec section 14" in dup["remediation"]
    assert legacy.read_bytes() == before
    assert mutating_calls(darwin) == []  # nothing booted out, disabled or enabled
    loaded_now = [j["label"] for j in darwin.loaded()]
    assert loaded_now == ([INCIDENT_LABEL] if loaded else [])
    text = darwin.activate(node_commander(darwin)).stdout.splitlines()
    assert f"- legacy service: {dup['detail']}" in text
    assert f"- action: run `{dup['remediation']}`" in text


def test_the_same_image_under_another_name_is_a_duplicate(darwin: DarwinHost) -> None:
    """Content, not names: a plist of any label running the agent's registry image."""
    other = darwin.home / "Library" / "LaunchAgents" / "com.example.puller.plist"
    other.parent.mkdir(parents=True)
    source = "us-central1-docker.pkg.dev/socioprophet-web/node-commander/node-commander:dev-boot"
    other.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">\n<dict>\n'
        "\t<key>Label</key>\n\t<string>com.example.puller</string>\n"
        "\t<key>ProgramArguments</key>\n\t<array>\n\t\t<string>/usr/local/bin/podman</string>\n"
        f"\t\t<string>run</string>\n\t\t<string>{source}</string>\n\t</array>\n</dict>\n</plist>\n"
    )
    result = darwin.activate(node_commander(darwin), "--json")
    assert_nothing_persisted(darwin, result)
    dup = checks(result)["service-not-duplicated"]
    assert dup["status"] == "fail" and f"image {source}" in dup["detail"]
    # In the user's own directory: no sudo.
    assert dup["remediation"].startswith(f"launchctl bootout gui/{os.getuid()}/com.example.puller")


def test_a_duplicate_label_in_the_users_own_directory_is_named_as_such(
    darwin: DarwinHost,
) -> None:
    other = darwin.home / "Library" / "LaunchAgents" / "com.example.other.plist"
    other.parent.mkdir(parents=True)
    other.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict>'
        f"<key>Label</key><string>{LABEL}</string></dict></plist>\n"
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
    units = linux.home / ".config" / "systemd" / "user"
    units.mkdir(parents=True, exist_ok=True)
    foreign = units / "legacy-demo.service"
    foreign.write_text(
        "[Service]\nExecStart=/usr/bin/podman run --rm --name demo "
        f"{IMAGE} /bin/sleep 300\nRestart=always\n"
    )
    agent = compile_agent(
        linux.out,
        "demo",
        f'image = "{IMAGE}";\ncommand = [ "/bin/sleep" "300" ];\n'
        "podman = { connection = null; requireMachine = false; };\n",
    )
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
    return subprocess.run(
        [str(agent / "bin" / "agentctl"), *args],
        env=host.env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip


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
    failing = [c["id"] for c in doc["preflight"] if c["status"] == "fail"]
    assert failing == ["podman-machine-running"]
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
    staged.mkdir(parents=True)
    (staged / "remediation.txt").write_text("an earlier run's advice\n")
    result = linux.activate(agent)
    lines = result.stdout.splitlines()
    assert result.returncode == 4, result.stdout + result.stderr
    [health] = [line for line in lines if line.startswith("- health failed:")]
    assert "the wrapper said: environment file" in health and "needy.env" in health
    assert f"- action: run `{agent}/bin/agentctl logs -n 50`" in lines
    assert not any("action: run `health failed" in line for line in lines)
    assert "remediation.txt" not in result.stdout
    assert not staged.exists()
