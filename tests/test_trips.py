"""What a user would trip on where the spec and the code disagreed: each case as the user meets
it (issue 27, items 1-11)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import agentc
from tests.hosts import IMAGE, DarwinHost, LinuxHost, checks, compile_agent

SIMPLEST = f'image = "{IMAGE}";\ncommand = [ "/bin/sleep" "300" ];'


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


# --- 4. the wrapper's own environment is not the declaration's to move -----------------------


@pytest.mark.parametrize("name", ["HOME", "PATH", "XDG_CONFIG_HOME", "XDG_RUNTIME_DIR",
                                  "DOCKER_CONFIG", "SOURCEOS_AGENT_STATE_DIR"])  # fmt: skip
def test_environment_that_would_move_the_wrappers_state_is_a_located_error(
    name: str, tmp_path: Path
) -> None:
    decl = tmp_path / "t.agent"
    decl.write_text(
        'sourceos.localAgents.t = {\n  image = "localhost/t:1";\n'
        f'  environment = {{ NODE_ENV = "x"; {name} = "/elsewhere"; }};\n}};\n'
    )
    result = agentc("check", "--format", "json", str(decl))
    assert result.returncode == 1
    (d,) = json.loads(result.stdout)["diagnostics"]
    assert (d["name"], d["line"], d["column"]) == ("reserved-environment", 3, 35)
    assert d["end_column"] == 35 + len(name)
    assert f"environment.{name}" in d["message"]


# --- 7. a credential helper named in environment is found at compile time --------------------


def test_a_gcloud_docker_helper_in_environment_does_not_compile(tmp_path: Path) -> None:
    decl = tmp_path / "t.agent"
    decl.write_text(
        'sourceos.localAgents.t = {\n  image = "localhost/t:1";\n'
        '  environment.DOCKER_CREDENTIAL_HELPER = "gcloud.auth.docker-helper";\n};\n'
    )
    result = agentc("check", "--format", "json", str(decl))
    assert result.returncode == 1
    names = {d["name"] for d in json.loads(result.stdout)["diagnostics"]}
    assert names == {"interactive-credential-helper"}


# --- 11. what else a user trips on -------------------------------------------------------------


def _many(tmp_path: Path, bodies: dict[str, str]) -> Path:
    decl = tmp_path / "many.agent"
    decl.write_text(
        "".join(f"sourceos.localAgents.{n} = {{\n{b}\n}};\n" for n, b in bodies.items())
    )
    return decl


@pytest.mark.parametrize("count", [2, 40])
def test_two_agents_with_one_container_name_do_not_compile(tmp_path: Path, count: int) -> None:
    bodies = {f"a{i}": f'  image = "{IMAGE}";' for i in range(count)}
    bodies["b"] = f'  image = "{IMAGE}";\n  containerName = "a0";'
    result = agentc("check", "--format", "json", str(_many(tmp_path, bodies)))
    assert result.returncode == 1
    (d,) = json.loads(result.stdout)["diagnostics"]
    assert d["name"] == "duplicate-agent" and "already used by agent `a0`" in d["message"]
    assert d["line"] == 3 * count + 3 and d["column"] == 19


def test_a_system_and_a_user_agent_may_share_a_container_name(tmp_path: Path) -> None:
    """Rootful and rootless Podman keep separate containers."""
    bodies = {
        "a": f'  image = "{IMAGE}";',
        "b": f'  image = "{IMAGE}";\n  containerName = "a";\n  scope = "system";\n'
        '  waivers.unjustified-system-scope = "a test";\n  auth.mode = "none";',
    }
    result = agentc("check", str(_many(tmp_path, bodies)))
    assert result.returncode == 0, result.stderr.decode()


def test_explain_lists_every_rule_and_diagnostic() -> None:
    from compiler.catalog import catalog
    from compiler.rules import REGISTRY

    listed = agentc("explain", "--list")
    assert listed.returncode == 0
    lines = listed.stdout.decode().splitlines()
    assert len(lines) == len(catalog())
    by_code = {line.split()[0]: line for line in lines}
    for rule in REGISTRY:
        line = by_code[rule.code]
        assert rule.name in line and ("not waivable" in line) is (not rule.waivable), line
    neither = agentc("explain")
    assert neither.returncode == 2 and b"--list" in neither.stderr


def test_audit_of_a_missing_path_says_so_and_never_ok(tmp_path: Path) -> None:
    result = agentc("audit", str(tmp_path / "nope.plist"))
    assert result.returncode == 2
    err = result.stderr.decode()
    assert "nope.plist: no such file or directory" in err and "ok:" not in err


@pytest.mark.real
def test_pull_explicit_still_needs_the_image_here(linux: LinuxHost) -> None:
    """`explicit` pulls only when an operator says so: the wrapper runs --pull=never, so a
    missing image fails preflight as under `never`."""
    agent = compile_agent(
        linux.out, "explicit",
        'image = "localhost/sourceos/absent:1";\npodman.pull = "explicit";',
    )  # fmt: skip
    result = linux.activate(agent, "--json")
    assert result.returncode == 3, result.stdout
    c = checks(result)["local-image"]
    assert c["status"] == "fail" and "(pull = explicit)" in c["detail"], c


@pytest.mark.parametrize(
    "image, good",
    [
        ("localhost/sourceos/demo:dev", True),
        (
            "us-central1-docker.pkg.dev/socioprophet-web/node-commander/node-commander:dev-boot",
            True,
        ),
        ("127.0.0.1:5055/team/app:1", True),
        ("busybox", True),
        ("localhost/x@sha256:" + "a" * 64, True),
        ("localhost/Sourceos/demo:dev", False),
        ("localhost/sourceos/demo:", False),
        ("localhost/sourceos demo:1", False),
        ("localhost//demo:1", False),
        ("-rm/demo:1", False),
        ("localhost/demo:1@sha256:abc", False),
    ],
)
def test_the_image_reference_is_validated_where_it_is_written(
    tmp_path: Path, image: str, good: bool
) -> None:
    decl = tmp_path / "t.agent"
    decl.write_text(f'sourceos.localAgents.t = {{\n  image = "{image}";\n}};\n')
    result = agentc("check", "--format", "json", str(decl))
    found = [d for d in json.loads(result.stdout)["diagnostics"] if d["name"] == "invalid-value"]
    if good:
        assert found == [], found
    else:
        (d,) = found
        assert (d["line"], d["column"]) == (2, 11) and image in d["message"]


@pytest.mark.parametrize(
    "args",
    [
        ["status", "nope", "--json"],
        ["frobnicate", "--json"],
        ["quarantine", "--foreign", "com.example.none", "--json"],
        ["quarantine", "--foreign", "--json", "--output-dir"],
    ],
)
def test_sourceos_agent_refusals_are_json_with_json(tmp_path: Path, args: list[str]) -> None:
    import subprocess
    import sys

    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "SOURCEOS_AGENT_ROOT": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "compiler.host.sourceos_agent", *args], env=env,
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode == 2, result
    doc = json.loads(result.stdout)
    assert doc["result"] == "refused" and doc["reason"], doc


def test_every_error_of_an_agent_comes_at_once(tmp_path: Path) -> None:
    """A wrong type in one field does not hide the agent's other errors (no rounds), and a
    field that took its default because its value was wrong is not blamed again."""
    decl = tmp_path / "t.agent"
    decl.write_text(
        "sourceos.localAgents.t = {\n"
        '  lifecycle.startupTimeoutSeconds = "20";\n'
        '  image = "localhost/Bad Image";\n'
        '  logs.app = "relative/t.log";\n'
        '  environment.HOME = "/x";\n'
        "  runtime = 3;\n"
        "};\n"
    )
    result = agentc("check", "--format", "json", str(decl))
    assert result.returncode == 1
    found = [(d["name"], d["line"]) for d in json.loads(result.stdout)["diagnostics"]]
    assert found == [
        ("wrong-type", 2),
        ("invalid-value", 3),
        ("invalid-path", 4),
        ("reserved-environment", 5),
        ("wrong-type", 6),
    ], found


# --- 8. provenance: one record, every field, the pull's own time -------------------------------


@pytest.mark.real
def test_provenance_is_one_whole_record_with_the_pulls_time(linux: LinuxHost) -> None:
    import time

    agent = compile_agent(
        linux.out, "prov", SIMPLEST + '\nsourceImage = "registry.example.com/team/demo:dev";'
    )
    tagged = linux.store.podman("image", "inspect", "--format", "{{.Id}}", IMAGE).stdout.strip()
    time.sleep(1.1)  # the image came before this activation, a second apart at least
    before = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    assert linux.activate(agent).returncode == 0
    record = json.loads((linux.state_dir("prov") / "provenance.json").read_text())
    assert set(record) == {"agent", "runtimeImage", "sourceImage", "imageId", "pulledAt",
                           "firstSeenAt", "runtimeAuth", "pullAuth"}  # fmt: skip
    assert record["imageId"] == f"sha256:{tagged}"
    assert record["sourceImage"] == "registry.example.com/team/demo:dev"
    assert (record["runtimeAuth"], record["pullAuth"]) == (
        "empty-authfile",
        "interactive-or-service-account",
    )
    assert record["pulledAt"] < before <= record["firstSeenAt"], record
    manifest = json.loads((agent / "manifest.json").read_text())["provenance"]
    assert {k: record[k] for k in manifest} == manifest  # the declaration's part, the same
    # Stopped and activated again (a full run, not the unchanged one): the same image, the same
    # record, and Podman's event log not read again (the real podman, each call logged).
    assert linux.agentctl(agent, "stop").returncode == 0
    real = subprocess.run(["which", "podman"], capture_output=True, text=True).stdout.strip()
    calls = linux.tmp / "podman.calls"
    linux.write(linux.bin / "podman", f'#!/bin/sh\necho "$*" >>"{calls}"\nexec {real} "$@"\n',
                mode=0o755)  # fmt: skip
    assert linux.activate(agent).returncode == 0
    again = json.loads((linux.state_dir("prov") / "provenance.json").read_text())
    assert again == record
    logged = calls.read_text().splitlines()
    assert "image inspect --format {{.Id}} localhost/sourceos/demo:dev" in logged, logged
    assert not [c for c in logged if c.startswith("events")], logged
    status = linux.agentctl(agent, "status").stdout
    assert f"(pulled {record['pulledAt']}, run here since {record['firstSeenAt']})" in status


@pytest.mark.parametrize(
    "change, problem",
    [
        ({"KeepAlive": True}, "KeepAlive is a bare true"),
        ({"KeepAlive": {"OnDemand": True}}, "KeepAlive has unknown keys ['OnDemand']"),
        ({"StandardOutPath": "logs/out.log"}, "StandardOutPath is not absolute: logs/out.log"),
        ({"Sockets": {}}, "unknown key Sockets"),
        ({"RunAtLoad": "yes"}, "RunAtLoad is a str"),
    ],
)
def test_the_plist_schema_lint_refuses_what_launchd_would_misread(
    tmp_path: Path, change: dict, problem: str
) -> None:
    """The compiler's own check of every plist it emits (plist-schema, A401), given a plist
    with one thing wrong."""
    import attrs

    from compiler.lint import plist_schema
    from compiler.pipeline import analyze, build

    decl = tmp_path / "t.agent"
    decl.write_text(f'sourceos.localAgents.t = {{\n  image = "{IMAGE}";\n}};\n')
    (agent,) = analyze([str(decl)]).agents
    trees, _ = build([str(decl)])
    (plist,) = [a for a in trees["t"] if a.path.startswith("launchd/")]
    assert plist_schema(agent, [plist]) == []
    bad = attrs.evolve(plist, document={**plist.document, **change})
    (d,) = plist_schema(agent, [bad])
    assert (d.name, d.message, d.span.file) == ("plist-schema", problem, f"t/{plist.path}")
