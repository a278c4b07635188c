"""What a user would trip on where the spec and the code disagreed: each case as the user meets
it (issue 27, items 1-11)."""

from __future__ import annotations

import json

import pytest

from tests.hosts import IMAGE, DarwinHost, LinuxHost, compile_agent

SIMPLEST = f'image = "{IMAGE}";\ncommand = [ "/bin/sleep" "300" ];'


def checks(result) -> dict[str, dict]:
    return {c["id"]: c for c in json.loads(result.stdout)["preflight"]}


# --- 1. a Podman machine is macOS's default only ---------------------------------------------


@pytest.mark.real
def test_the_simplest_podman_agent_runs_on_linux_without_a_machine(linux: LinuxHost) -> None:
    agent = compile_agent(linux.out, "simple", SIMPLEST)
    result = linux.activate(agent, "--json")
    assert (result.returncode, json.loads(result.stdout)["state"]) == (0, "running"), result.stdout
    c = checks(result)
    assert c["podman-machine-exists"]["status"] == "skip"
    assert "podman machine init" not in result.stdout
    unit = (agent / "systemd" / "sourceos-agent@simple.service").read_text()
    assert "Type=notify" in unit  # local Podman: conmon notifies this unit


@pytest.mark.real
def test_the_simplest_podman_agent_needs_the_machine_on_macos(darwin: DarwinHost) -> None:
    agent = compile_agent(darwin.out, "simple", SIMPLEST)
    darwin.scenario(machines={})
    result = darwin.activate(agent, "--json")
    assert result.returncode == 3, result.stdout
    c = checks(result)["podman-machine-exists"]
    assert (
        c["status"] == "fail" and c["remediation"] == "podman machine init podman-machine-default"
    )
    darwin.scenario(machines={"podman-machine-default": "running"})
    result = darwin.activate(agent, "--json")
    assert (result.returncode, json.loads(result.stdout)["state"]) == (0, "running"), result.stdout
    calls = (darwin.scenario_file.parent / "podman-scenario.json.calls").read_text()
    assert '"--connection", "podman-machine-default", "run"' in calls


@pytest.mark.real
def test_a_declared_connection_is_kept_on_linux(linux: LinuxHost) -> None:
    """What the declaration says is honoured on both: only defaults differ by platform."""
    agent = compile_agent(
        linux.out, "remote", SIMPLEST + '\npodman.connection = "podman-machine-default";'
    )
    result = linux.activate(agent, "--dry-run", "--json")
    c = checks(result)
    # The connection is used (this host has none of that name); a machine is macOS's default.
    assert c["podman-socket"]["status"] == "fail", c["podman-socket"]
    assert "podman-machine-default" in c["podman-socket"]["detail"]
    assert c["podman-machine-exists"]["status"] == "skip"
    unit = (agent / "systemd" / "sourceos-agent@remote.service").read_text()
    assert "Type=simple" in unit
