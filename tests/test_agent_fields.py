"""Ports, volumes, networks, secrets, limits and hardening (DESIGN 2a): located errors for bad
values, and what each manager and the wrapper are given."""

from __future__ import annotations

import json
import plistlib
import subprocess
from pathlib import Path

import pytest

from compiler.pipeline import build
from tests.conftest import agentc, require_tool


def _check(tmp_path: Path, body: str, name: str = "a") -> list[dict]:
    decl = tmp_path / "a.agent"
    decl.write_text(body if body.startswith("sourceos") else
                    f"sourceos.localAgents.{name} = {{\n{body}\n}};\n")  # fmt: skip
    result = agentc("check", "--no-tools", "--format", "json", str(decl))
    return json.loads(result.stdout)["diagnostics"]


def _where(diagnostics: list[dict]) -> list[tuple[str, int, int]]:
    return [(d["name"], d["line"], d["column"]) for d in diagnostics]


IMAGE = '  image = "localhost/a:1";\n'


@pytest.mark.parametrize(
    ("body", "name", "line", "column", "words"),
    [
        ("  podman.ports = [ { container = 70000; } ];", "value-out-of-range", 3, 34, "65535"),
        ("  podman.ports = [ { container = 0; } ];", "value-out-of-range", 3, 34, "at least 1"),
        ("  podman.ports = [ { host = 80; } ];", "missing-required-field", 3, 20, "container"),
        ('  podman.ports = [ { container = 1; address = "lan"; } ];', "invalid-value", 3, 47,
         "not an IP address"),
        ('  podman.volumes = [ { source = "data/x"; target = "/d"; } ];', "invalid-path", 3, 33,
         "relative"),
        ('  podman.volumes = [ { source = "$HOME/$X"; target = "/d"; } ];', "invalid-path", 3, 33,
         "`$`"),
        ('  podman.volumes = [ { source = "v"; target = "d"; } ];', "invalid-path", 3, 47,
         "absolute"),
        ('  podman.volumes = [ { source = "v"; target = "/d"; } { source = "w"; target = "/d"; }'
         " ];", "invalid-value", 3, 80, "two things at /d"),
        ('  secrets.TOKEN.target = "/run/t";', "missing-required-field", 3, 11, "source"),
        ('  secrets.TOKEN.source = "/x";', "invalid-path", 3, 11, "a container needs one"),
        ('  podman.network = "none";\n  podman.ports = [ { container = 1; } ];', "invalid-value",
         3, 20, "nothing would be published"),
        ('  resources.cpus = "1/2";', "value-out-of-range", 3, 20, "positive number"),
        ('  podman.capabilities.add = [ "net_admin" ];', "invalid-value", 3, 29,
         "not a capability"),
    ],
)  # fmt: skip
def test_a_bad_value_is_a_located_error(
    tmp_path: Path, body: str, name: str, line: int, column: int, words: str
) -> None:
    found = _check(tmp_path, IMAGE + body)
    assert [(d["name"], d["line"], d["column"]) for d in found if d["severity"] == "error"] == [
        (name, line, column)
    ], found
    assert words in found[0]["message"]


def test_two_agents_publishing_one_host_port_on_one_address_do_not_compile(tmp_path: Path) -> None:
    found = _check(
        tmp_path,
        """sourceos.localAgents.a = {
  image = "localhost/a:1";
  podman.ports = [ { container = 80; host = 8080; } ];
};
sourceos.localAgents.b = {
  image = "localhost/b:1";
  podman.ports = [ { container = 8080; } { container = 53; host = 8080; protocol = "udp"; } ];
};
sourceos.localAgents.c = {
  image = "localhost/c:1";
  podman.ports = [ { container = 8080; address = "127.0.0.2"; } ];
};
""",
    )
    assert _where(found) == [("duplicate-agent", 7, 20)]
    assert "already published by agent `a`" in found[0]["message"]


def test_podman_fields_on_a_native_agent_are_errors_not_ignored(tmp_path: Path) -> None:
    found = _check(
        tmp_path,
        '  runtime = "native";\n  command = [ "/bin/true" ];\n'
        "  podman.ports = [ { container = 1; } ];\n"
        '  secrets.T = { source = "/x"; target = "/y"; };',
    )
    assert _where(found) == [("invalid-value", 4, 18), ("invalid-value", 5, 41)]


def _artifacts(tmp_path: Path, body: str) -> dict[str, bytes]:
    decl = tmp_path / "a.agent"
    decl.write_text(f"sourceos.localAgents.a = {{\n{body}\n}};\n")
    trees, result = build([str(decl)])
    assert "a" in trees, [d.message for d in result.diagnostics]
    return {art.path: art.data for art in trees["a"]}


HOSTILE = 'it\'s `touch /tmp/pwned` "q" ;|& * ~ \\n'
QUOTED = HOSTILE.replace("\\", "\\\\").replace('"', '\\"')  # as a declaration string


@pytest.mark.real  # runs dash
def test_the_wrapper_passes_every_value_through_the_sh_escaper(tmp_path: Path) -> None:
    """A hostile volume directory and user reach Podman as one word each, unexpanded."""
    arts = _artifacts(
        tmp_path,
        IMAGE + f"""  podman = {{
    connection = null;
    volumes = [ {{ source = "$HOME/{QUOTED}"; target = "/d"; }} ];
    workingDir = "/app dir";
    ports = [ {{ container = 80; host = 8080; address = "::1"; }} ];
  }};""",
    )
    wrapper = arts["bin/sourceos-agent-a"].decode()
    start = wrapper.index("host_sources() {")
    body = wrapper[start : wrapper.index("\n}\n", wrapper.index("with_run_options() {"))]
    # Run the generated functions with stand-ins: print each word Podman would be given.
    script = (
        "volume_source() { VOLUME_SOURCE=$1; }\nsecret_source() { SECRET_SOURCE=$1; }\n"
        + body + "\n}\nHOME=/home/u\nhost_sources\nwith_run_options printf '<%s>\\n'\n"
    )  # fmt: skip
    dash = require_tool("dash")
    out = subprocess.run([dash, "-c", script], capture_output=True, text=True, check=True)
    words = out.stdout.splitlines()
    assert f"</home/u/{HOSTILE}:/d>" in words  # one word: source:target
    assert "<--publish>" in words and "<[::1]:8080:80/tcp>" in words
    assert "</app dir>" in words and "<no-new-privileges>" in words
    assert not Path("/tmp/pwned").exists()


def test_limits_and_secrets_reach_the_unit_and_the_plist_of_a_native_agent(
    tmp_path: Path,
) -> None:
    arts = _artifacts(
        tmp_path,
        """  runtime = "native";
  command = [ "/bin/true" ];
  resources = { memoryMB = 128; cpus = "0.5"; pids = 64; openFiles = 512; };
  secrets.API_TOKEN.source = "$HOME/.config/a/token";""",
    )
    unit = arts["systemd/sourceos-agent@a.service"].decode()
    for line in ("MemoryMax=128M", "CPUQuota=50%", "TasksMax=64", "LimitNOFILE=512",
                 "LoadCredential=API_TOKEN:%h/.config/a/token",
                 "Environment=API_TOKEN_FILE=%d/API_TOKEN"):  # fmt: skip
        assert f"\n{line}\n" in unit, line
    job = plistlib.loads(arts["launchd/org.sourceos.agent.a.plist"])
    limits = {"NumberOfFiles": 512, "NumberOfProcesses": 64}
    assert job["SoftResourceLimits"] == job["HardResourceLimits"] == limits
    assert job["EnvironmentVariables"]["API_TOKEN_FILE"] == "@SOURCEOS_HOME@/.config/a/token"


def test_a_podman_agents_limits_are_podmans_not_the_units(tmp_path: Path) -> None:
    arts = _artifacts(tmp_path, IMAGE + "  resources = { memoryMB = 64; pids = 10; };")
    unit = arts["systemd/sourceos-agent@a.service"].decode()
    assert "MemoryMax" not in unit and "TasksMax" not in unit  # podman run itself needs threads
    wrapper = arts["bin/sourceos-agent-a"].decode()
    assert "--memory 64m" in wrapper and "--pids-limit 10" in wrapper
    assert "--network none" in wrapper  # no port published: no network


def test_the_new_fields_are_in_the_schema_the_docs_and_dump(tmp_path: Path) -> None:
    decl = tmp_path / "a.agent"
    decl.write_text(
        f"sourceos.localAgents.a = {{\n{IMAGE}  podman.ports = [ {{ container = 80; }} ];\n}};\n"
    )
    agent = json.loads(agentc("dump", str(decl)).stdout)["sourceos"]["localAgents"]["a"]
    assert agent["podman"]["ports"] == [
        {"address": "127.0.0.1", "container": 80, "host": 80, "protocol": "tcp"}
    ]
    assert agent["podman"]["network"] is None and agent["podman"]["capabilities"]["drop"] == ["ALL"]
    assert agent["resources"] == dict.fromkeys(("cpus", "memoryMB", "openFiles", "pids"))
