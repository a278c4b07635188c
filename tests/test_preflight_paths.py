"""Every preflight check's failure path, and every operator verb, as the agent's user meets
them: on real systemd with rootless Podman, or on the simulated Mac as uid 501."""

from __future__ import annotations

import contextlib
import json
import subprocess
import time
from pathlib import Path

import pytest

from tests.hosts import DarwinHost, LinuxHost, checks, compile_agent, hidden, sleeper_agent

pytestmark = pytest.mark.real


def staged(host, result: subprocess.CompletedProcess) -> None:
    """Preflight failed: staged, nothing installed, exit 3."""
    doc = json.loads(result.stdout)
    assert (result.returncode, doc["state"]) == (3, "staged"), result.stdout
    assert (host.state_dir("demo") / "staged" / "remediation.txt").exists()


def test_an_unsupported_platform_fails_host_platform(linux: LinuxHost) -> None:
    result = linux.activate(sleeper_agent(linux), "--json", env={"SOURCEOS_AGENT_PLATFORM": "aix"})
    c = checks(result)["host-platform"]
    assert (c["status"], c["remediation"]) == ("fail", "run on macOS or Linux"), c
    assert result.returncode == 3


def test_a_user_manager_that_does_not_answer_fails_service_manager(linux: LinuxHost) -> None:
    """Logged out, without lingering: no user manager behind XDG_RUNTIME_DIR."""
    gone = linux.tmp / "no-manager"
    gone.mkdir(mode=0o700)
    linux.user.own(gone)
    result = linux.activate(sleeper_agent(linux), "--json", env={"XDG_RUNTIME_DIR": str(gone)})
    staged(linux, result)
    c = checks(result)["service-manager"]
    assert c["status"] == "fail" and "user manager does not answer" in c["detail"]
    assert c["remediation"] == f"loginctl enable-linger {linux.user.name}"


def test_a_mac_without_launchctl_fails_service_manager(darwin: DarwinHost) -> None:
    (darwin.bin / "launchctl").unlink()
    with hidden("launchctl") if Path("/usr/bin/launchctl").exists() else contextlib.nullcontext():
        result = darwin.activate(sleeper_agent(darwin), "--json")
    c = checks(result)["service-manager"]
    assert c["status"] == "fail" and c["detail"] == "launchctl not found", c
    assert result.returncode == 3


def test_no_podman_fails_podman_binary_with_the_install_command(linux: LinuxHost) -> None:
    with hidden("podman"):
        result = linux.activate(sleeper_agent(linux), "--json")
    staged(linux, result)
    c = checks(result)
    assert c["podman-binary"]["status"] == "fail"
    assert c["podman-binary"]["remediation"] == "sudo apt-get install podman"
    assert c["podman-version"]["status"] == "skip"


def test_a_podman_older_than_4_fails_podman_version(linux: LinuxHost) -> None:
    """Podman 3 (Ubuntu 22.04's) in front of the real one: it answers --version only."""
    old = linux.bin / "podman"
    real = subprocess.run(["which", "podman"], capture_output=True, text=True).stdout.strip()
    version = '[ "$1" = --version ] && { echo "podman version 3.4.4"; exit 0; }'
    linux.write(old, f'#!/bin/sh\n{version}\nexec {real} "$@"\n', mode=0o755)
    result = linux.activate(sleeper_agent(linux), "--json")
    staged(linux, result)
    c = checks(result)["podman-version"]
    assert (c["status"], c["detail"]) == ("fail", "3.4.4 is older than 4.0"), c
    assert c["remediation"] == "upgrade Podman to 4.0 or newer"


def test_an_empty_authfile_that_holds_credentials_fails_authfile(darwin: DarwinHost) -> None:
    auth = darwin.home / ".config" / "containers" / "sourceos-empty-auth.json"
    darwin.write(auth, json.dumps({"auths": {"localhost": {"auth": "cm9ib3Q6c2VjcmV0"}}}))
    result = darwin.activate(sleeper_agent(darwin), "--json")
    c = checks(result)["authfile"]
    assert c["status"] == "fail" and "holds credentials" in c["detail"], c
    assert "'{\"auths\":{}}'" in c["remediation"]
    assert result.returncode == 3 and darwin.loaded() == []


def test_a_missing_service_account_authfile_fails_authfile(linux: LinuxHost) -> None:
    agent = sleeper_agent(
        linux, extra='auth = { mode = "service-account"; authfile = "$HOME/.config/sa.json"; };'
    )
    result = linux.activate(agent, "--json")
    staged(linux, result)
    c = checks(result)["authfile"]
    assert c["status"] == "fail" and "is missing or not an auth file" in c["detail"], c
    assert c["remediation"].startswith("write the service account's auth file to ")
    assert linux.unit("demo")["LoadState"] == "not-found"


# --- verbs ---------------------------------------------------------------------------------


def ctl(host, agent: Path, *args: str) -> tuple[int, dict]:
    result = host.agentctl(agent, *args, "--json")
    return result.returncode, json.loads(result.stdout)


@pytest.mark.parametrize("platform", ["linux", "darwin"])
def test_stage_install_activate_as_verbs(request: pytest.FixtureRequest, platform: str) -> None:
    """`stage` copies the artifacts and enables nothing; `install` and `activate` are the guarded
    activation (bin/activate): installed, enabled, running; again after a stop."""
    host = request.getfixturevalue(platform)
    agent = sleeper_agent(host)
    code, doc = ctl(host, agent, "stage")
    assert (code, doc["state"]) == (0, "staged"), doc
    assert (host.state_dir("demo") / "staged" / "manifest.json").exists()
    assert host.store.container_state("demo") is None
    code, doc = ctl(host, agent, "install")
    assert (code, doc["state"]) == (0, "running"), doc
    assert host.store.container_state("demo") == "running"
    code, doc = ctl(host, agent, "stop")
    assert code == 0 and doc["state"] in ("installed", "enabled"), doc
    code, doc = ctl(host, agent, "activate")
    assert (code, doc["state"]) == (0, "running"), doc
    assert host.store.container_state("demo") == "running"


def test_logs_follow_shows_what_is_written_while_it_runs(linux: LinuxHost) -> None:
    loop = 'i=0\nwhile :; do i=$((i+1)); echo "tick $i"; sleep 0.2; done\n'
    prog = linux.write(linux.tmp / "ticker", f"#!/bin/sh\n{loop}", mode=0o755)
    agent = compile_agent(linux.out, "ticker", f'runtime = "native";\ncommand = [ "{prog}" ];')
    assert linux.activate(agent).returncode == 0
    follow = linux.popen([str(agent / "bin" / "agentctl"), "logs", "-f"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        time.sleep(2)
    finally:
        follow.terminate()
    out, _ = follow.communicate(timeout=10)
    ticks = [int(line.split()[-1]) for line in out.splitlines() if line.startswith("tick ")]
    assert len(ticks) >= 3 and ticks == sorted(ticks), out
    assert ticks[-1] - ticks[0] >= 3  # new lines arrived while it followed
