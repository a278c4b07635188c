"""Hosts as they are: the host's own values (HOME, the XDG directories, the state directory)
reach plists, units, shell and JSON only through the escaper for that format, and activation
works under homes named /home/o'brien, rate%home, x"y, ü, ..."""

from __future__ import annotations

import json
import plistlib
import re
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT, require_tool
from tests.hosts import IMAGE, DarwinHost, LinuxHost, PodmanStore, compile_agent, sleeper_agent

pytestmark = pytest.mark.real

LIB = (ROOT / "shell" / "lib.sh").read_text()


def shell_function(*names: str) -> str:
    """The named functions (and the CTRL table they use) from the static library."""
    parts = [re.search(r"^ *(CTRL=.*)$", LIB, re.M).group(1)]  # type: ignore[union-attr]
    for name in names:
        m = re.search(rf"^{name}\(\) {{\n.*?^}}\n", LIB, re.M | re.S)
        assert m, name
        parts.append(m.group())
    return "\n".join(parts)


def run_dash(code: str, value: str) -> str:
    dash = require_tool("dash")
    out = subprocess.run([dash, "-c", code, "sh", value], capture_output=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return out.stdout.decode()


HOST_TEXT = st.text(st.characters(blacklist_characters="\0", blacklist_categories=("Cs",)))


@settings(max_examples=150, deadline=None)
@given(value=HOST_TEXT)
def test_the_shell_json_escaper_agrees_with_python(value: str) -> None:
    """Every string, control characters included, reads back exactly (nothing dropped)."""
    code = shell_function("json_str") + '\njson_str "$1"'
    assert json.loads(run_dash(code, value)) == value


@settings(max_examples=150, deadline=None)
@given(value=HOST_TEXT.filter(lambda v: not re.search(r"[\x00-\x1f\x7f]", v)))
def test_the_shell_plist_escaper_agrees_with_plistlib(value: str) -> None:
    """What activation writes into a plist for a host path is what plistlib writes for it."""
    code = shell_function("xml_escape") + '\nxml_escape "$1"; printf %s "$XML"'
    ours = run_dash(code, value)
    theirs = plistlib.dumps(value, fmt=plistlib.FMT_XML).decode()
    inner = theirs.split("<string>", 1)[1].rsplit("</string>", 1)[0]
    assert ours == inner


@settings(max_examples=150, deadline=None)
@given(value=HOST_TEXT.filter(lambda v: not re.search(r"[\x00-\x1f\x7f-\x9f]", v)))
def test_the_shell_unit_escaper_agrees_with_python(value: str) -> None:
    """The state directory written into a unit at activation is escaped by the rules of the
    compile-time escaper: ExecStart= words and Environment= assignments."""
    from compiler import escape

    code = shell_function("sd_escape") + '\nsd_escape "$1" "$2"; printf %s "$SD"'
    dash = require_tool("dash")
    for mode in ("exec", "env"):
        out = subprocess.run([dash, "-c", code, "sh", value, mode], capture_output=True, timeout=30)
        ours = out.stdout.decode()
        if mode == "exec":
            assert f'"{ours}"' == escape.sd_exec_word(value) or value == ";"
        else:
            assert f'"A={ours}"' == escape.sd_env("A", value)


@settings(max_examples=150, deadline=None)
@given(value=HOST_TEXT)
def test_the_shell_word_escaper_agrees_with_python(value: str) -> None:
    """A host path in a command a remediation asks a person to run is one sh word, written
    as compiler/escape.py's sh writes it, and a shell reads it back exactly."""
    from compiler import escape

    code = shell_function("sh_quote") + '\nsh_quote "$1"; printf %s "$SHQ"'
    ours = run_dash(code, value)
    assert ours == escape.sh(value)
    assert run_dash(f"printf %s {ours}", "") == value


# Homes as people have them: each character that has bitten a quoting layer somewhere.
HOMES = ["a b", "o'brien", 'x"y', "back\\slash", "rate%home", "dollar$HOME", "tick`id`",
         "semi;colon", "star*", "ü-unicode", "-leading"]  # fmt: skip


def running_demo(host, env: dict) -> Path:
    """A Podman agent compiled and activated on `host` with `env`: it must reach running."""
    agent = sleeper_agent(host)
    result = host.activate(agent, "--json", env=env)
    doc = json.loads(result.stdout)
    assert (result.returncode, doc["state"]) == (0, "running"), result.stdout + result.stderr
    return agent


def _plist_of(host: DarwinHost, label: str) -> dict:
    return plistlib.loads(host.plist_path(label).read_bytes())


@pytest.mark.parametrize("home", HOMES)
def test_activation_under_a_hostile_home_on_the_simulator(
    home: str, tmp_path: Path, mac_store: PodmanStore
) -> None:
    """HOME and each XDG directory named alike: activation reaches running, and the plist
    plistlib reads back holds the exact paths; status, logs, quarantine and uninstall work."""
    host = DarwinHost(tmp_path, mac_store, home=home)
    try:
        state = tmp_path / f"{home}-state"
        xdg = {"XDG_STATE_HOME": str(state), "XDG_CONFIG_HOME": str(tmp_path / f"{home}-cfg")}
        agent = running_demo(host, xdg)
        job = _plist_of(host, "org.sourceos.agent.demo")
        state_dir = f"{state}/sourceos/agents/demo"
        assert job["ProgramArguments"] == [f"{state_dir}/bin/sourceos-agent-demo"]
        assert job["EnvironmentVariables"]["SOURCEOS_AGENT_STATE_DIR"] == state_dir
        logs = f"{host.home}/Library/Logs/SourceOS"
        assert job["StandardOutPath"] == f"{logs}/demo.launchd.out.log"
        assert Path(f"{logs}/demo.log").is_file()  # the wrapper wrote its app log there
        status = json.loads(agentctl(host, agent, xdg, "status", "--json").stdout)
        assert status["state"] == "running" and status["logs"]["app"] == f"{logs}/demo.log"
        shown = agentctl(host, agent, xdg, "logs", "-n", "5")
        assert shown.returncode == 0 and "starting container demo" in shown.stdout
        q = agentctl(host, agent, xdg, "quarantine", "--output-dir", str(tmp_path / "q"), "--json")
        assert q.returncode == 0, q.stdout + q.stderr
        assert host.loaded() == [] and mac_store.container_state("demo") is None
        gone = agentctl(host, agent, xdg, "uninstall", "--json")
        assert gone.returncode == 0 and not host.plist_path("org.sourceos.agent.demo").exists()
    finally:
        host.cleanup()
        mac_store.cleanup()


def agentctl(host, agent: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    return host.agentctl(agent, *args, env=env)


def test_a_home_no_service_definition_can_hold_fails_preflight(
    tmp_path: Path, mac_store: PodmanStore
) -> None:
    host = DarwinHost(tmp_path, mac_store, home="new\nline")
    try:
        agent = compile_agent(
            host.out, "demo",
            f'image = "{IMAGE}";\npodman = {{ connection = null; requireMachine = false; }};',
        )  # fmt: skip
        result = host.activate(agent, "--json")
        doc = json.loads(result.stdout)
        assert (result.returncode, doc["state"]) == (3, "staged"), result.stdout
        (check,) = [c for c in doc["preflight"] if c["id"] == "host-paths"]
        assert check["status"] == "fail" and "control character" in check["detail"]
        assert "HOME" in check["detail"]
        assert host.loaded() == [] and not host.plist_path("org.sourceos.agent.demo").exists()
    finally:
        host.cleanup()
        mac_store.cleanup()


# On real systemd: the unit names host paths by specifier (%h, %S) and runs the wrapper
# through /bin/sh, so systemd never sees the home's name in an executable path.
SYSTEMD_HOMES = ["o'brien", "rate%home", "a b", 'x"y', "ü"]


@pytest.mark.parametrize("home", SYSTEMD_HOMES)
def test_activation_under_a_hostile_home_on_real_systemd(
    home: str, tmp_path: Path, user_store: PodmanStore
) -> None:
    host = LinuxHost(tmp_path, user_store, home=home)
    try:
        agent = running_demo(host, {})
        unit = host.unit("demo")
        assert (unit["ActiveState"], unit["SubState"]) == ("active", "running")
        installed = host.home / ".config" / "systemd" / "user" / "sourceos-agent@demo.service"
        verify = subprocess.run(
            [require_tool("systemd-analyze"), "--user", "verify", str(installed)],
            env=host.manager.env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert verify.returncode == 0 and verify.stderr == "", verify.stderr
        logs = host.home / ".local" / "state" / "sourceos" / "logs"
        assert (logs / "demo.log").is_file() and (logs / "demo.out.log").exists()
        assert "starting container demo" in (logs / "demo.log").read_text()
        status = json.loads(agentctl(host, agent, {}, "status", "--json").stdout)
        assert status["state"] == "running" and status["logs"]["app"] == str(logs / "demo.log")
        shown = agentctl(host, agent, {}, "logs", "-n", "5")
        assert shown.returncode == 0 and "starting container demo" in shown.stdout
        out = tmp_path / "quarantine"
        q = agentctl(host, agent, {}, "quarantine", "--output-dir", str(out), "--json")
        assert q.returncode == 0, q.stdout + q.stderr
        assert host.unit("demo")["ActiveState"] != "active"
        assert user_store.container_state("demo") is None
        gone = agentctl(host, agent, {}, "uninstall", "--json")
        assert gone.returncode == 0 and not installed.exists()
    finally:
        host.cleanup()
        user_store.cleanup()


def test_a_state_directory_away_from_home_is_written_into_the_unit_escaped(
    tmp_path: Path, user_store: PodmanStore
) -> None:
    """XDG_STATE_HOME elsewhere, named with a quote and a %: the unit carries it through the
    unit escaper, verifies, and the agent runs from there."""
    host = LinuxHost(tmp_path, user_store)
    try:
        state = tmp_path / "st'a%te \\x"
        env = {"XDG_STATE_HOME": str(state)}
        running_demo(host, env)
        installed = host.home / ".config" / "systemd" / "user" / "sourceos-agent@demo.service"
        text = installed.read_text()
        assert 'ExecStart=/bin/sh "' + str(tmp_path) + "/st'a%%te \\\\x/sourceos" in text
        shown = host.manager.show("sourceos-agent@demo.service", "ExecStart", "MainPID")
        assert f"{state}/sourceos/agents/demo/bin/sourceos-agent-demo" in shown["ExecStart"]
        verify = subprocess.run(
            [require_tool("systemd-analyze"), "--user", "verify", str(installed)],
            env=host.manager.env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert verify.returncode == 0 and verify.stderr == "", verify.stderr
    finally:
        host.cleanup()
        user_store.cleanup()


def test_a_system_wrapper_runs_in_the_environment_a_system_manager_gives(
    tmp_path: Path, store: PodmanStore
) -> None:
    """systemd's system manager gives a unit without User= no HOME: its PATH, the unit's own
    Environment= and nothing else. The wrapper must still get as far as creating its
    container (the probe), not die on an unset HOME."""
    from tests import systemd_unquote

    out = tmp_path / "out"
    agent = compile_agent(
        out, "sysd",
        f'scope = "system";\nimage = "{IMAGE}";\ncommand = [ "/bin/sleep" "300" ];\n'
        f'auth.authfile = "{tmp_path}/etc/empty-auth.json";\n'
        "podman = { connection = null; requireMachine = false; rootless = false; };\n"
        # (the probe writes no log)
        'logs = { app = "/var/log/sourceos/sysd.log"; stdout = "/var/log/sourceos/sysd.out.log";'
        ' stderr = "/var/log/sourceos/sysd.err.log"; };\n'
        'waivers.unjustified-system-scope = "testing the system manager environment";',
    )  # fmt: skip
    unit = (agent / "systemd" / "sourceos-agent@sysd.service").read_text()
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
    for line in unit.splitlines():
        if line.startswith("Environment="):
            for key, value in systemd_unquote.environment(line[len("Environment=") :]).items():
                env[key] = value.replace("/var/lib/", f"{tmp_path}/var/lib/")
    env.update(store.env)  # the test's private Podman store, as containers.conf would say
    assert "HOME" not in env
    result = subprocess.run(
        ["/bin/sh", str(agent / "bin" / "sourceos-agent-sysd"), "--check-create"],
        env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "parameter not set" not in result.stderr


@pytest.mark.real
def test_an_agent_named_like_a_command_compiles_shellcheck_clean(tmp_path: Path) -> None:
    """`AGENT=git` in the facts is a name, not a command: shellcheck's SC2209 (`var=git`)
    once failed the build of an agent named git, delta or sudo."""
    from tests.conftest import agentc

    require_tool("shellcheck")
    decl = tmp_path / "names.agent"
    decl.write_text("".join(
        f'sourceos.localAgents.{n} = {{ runtime = "native"; command = [ "/bin/true" ]; }};\n'
        for n in ("git", "delta", "sudo", "grep")
    ))  # fmt: skip
    result = agentc("compile", str(decl), "-o", str(tmp_path / "out"))
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["delta", "git", "grep", "sudo"]
