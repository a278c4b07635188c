"""What is declared is what the managers do: defaults only where they mean something, values
that cannot be carried as located errors, and nothing fires on a value nobody wrote."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from compiler.pipeline import build
from tests.conftest import agentc

SYSTEM = 'scope = "system";\nwaivers.unjustified-system-scope = "a test of system scope";\n'


def _compile(tmp_path: Path, body: str, name: str = "t"):
    path = tmp_path / f"{name}.agent"
    path.write_text(f"sourceos.localAgents.{name} = {{\n{body}}};\n")
    trees, result = build([str(path)])
    return path, trees, [d for d in result.diagnostics if d.name != "unjustified-system-scope"]


def test_a_system_daemon_without_registry_auth_compiles_clean(tmp_path: Path) -> None:
    """Neither an authfile nor logs under a home it does not have are made up for it."""
    path, trees, found = _compile(
        tmp_path, SYSTEM + 'image = "localhost/t:1";\nauth.mode = "none";\n'
    )
    assert found == [] and "t" in trees
    doc = json.loads(agentc("dump", str(path)).stdout)
    agent = doc["sourceos"]["localAgents"]["t"]
    assert agent["auth"]["authfile"] is None
    assert agent["podman"]["rootless"] is False
    assert doc["effective"]["t"]["systemd"]["logs"] == {
        "app": "/var/log/sourceos/t.log",
        "stdout": "/var/log/sourceos/t.out.log",
        "stderr": "/var/log/sourceos/t.err.log",
    }
    assert doc["effective"]["t"]["launchd"]["logs"]["stdout"] == (
        "/Library/Logs/SourceOS/t.launchd.out.log"
    )
    unit = next(a for a in trees["t"] if a.path.startswith("systemd/")).data.decode()
    assert "StandardOutput=append:/var/log/sourceos/t.out.log" in unit
    assert "$HOME" not in unit and "%h" not in unit


def test_the_empty_authfile_default_is_the_users_for_a_user_agent_only(tmp_path: Path) -> None:
    path, trees, found = _compile(tmp_path, 'image = "localhost/t:1";\n')
    assert "t" in trees and not [d for d in found if d.is_error]
    agent = json.loads(agentc("dump", str(path)).stdout)["sourceos"]["localAgents"]["t"]
    assert agent["auth"]["authfile"] == "$HOME/.config/containers/sourceos-empty-auth.json"
    for mode in ("none", "forbidden-ambient"):
        path.write_text(
            f'sourceos.localAgents.t = {{ image = "localhost/t:1"; auth.mode = "{mode}"; }};\n'
        )
        agent = json.loads(agentc("dump", str(path)).stdout)["sourceos"]["localAgents"]["t"]
        assert agent["auth"]["authfile"] is None, mode


def test_a_service_account_without_its_authfile_is_a_located_error(tmp_path: Path) -> None:
    _, trees, found = _compile(
        tmp_path, 'image = "localhost/t:1";\nauth.mode = "service-account";\n'
    )
    assert trees == {}
    [error] = [d for d in found if d.is_error]
    assert (error.name, error.span.line, error.span.column) == ("missing-required-field", 3, 13)


def test_rootless_is_honoured_or_refused(tmp_path: Path) -> None:
    _, trees, found = _compile(
        tmp_path, SYSTEM + 'image = "localhost/t:1";\npodman.rootless = true;\n'
    )
    assert trees == {}
    [error] = [d for d in found if d.is_error]
    assert (error.name, error.span.line) == ("invalid-value", 5)
    assert "runs as root" in error.message
    _, trees, found = _compile(
        tmp_path, 'image = "localhost/t:1";\npodman = { connection = null; rootless = false; };\n'
    )
    assert trees == {} and [d.name for d in found if d.is_error] == ["invalid-value"]
    _, trees, found = _compile(
        tmp_path,
        'image = "localhost/t:1";\npodman = { connection = "m-root"; rootless = false; };\n',
    )
    assert "t" in trees


def test_a_user_agent_without_logs_gets_each_platforms_place(tmp_path: Path) -> None:
    _, trees, found = _compile(tmp_path, 'runtime = "native";\ncommand = [ "/bin/true" ];\n')
    assert found == []
    files = {a.path: a.data.decode() for a in trees["t"]}
    unit = files["systemd/sourceos-agent@t.service"]
    assert "StandardOutput=append:%h/.local/state/sourceos/logs/t.out.log" in unit
    assert "Library" not in unit
    plist = files["launchd/org.sourceos.agent.t.plist"]
    assert "@SOURCEOS_HOME@/Library/Logs/SourceOS/t.launchd.out.log" in plist
    assert ".local/state" not in plist


def _native_without_logs(host, name: str) -> Path:
    from tests.hosts import compile_agent

    return compile_agent(
        host.out,
        name,
        'runtime = "native";\ncommand = [ "/bin/sh" "-c" "echo to-stdout; echo to-stderr >&2;'
        ' exec sleep 300" ];\nwaivers.raw-shell-launch = "a test program";\n',
    )


def _logs_of(host, agent: Path) -> str:

    result = host.agentctl(agent, "logs", "-n", "50", timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.real
def test_linux_logs_go_where_linux_users_look_on_real_systemd(linux) -> None:
    """Under ~/.local/state (XDG state), not ~/Library; `agentctl logs` reads them."""
    agent = _native_without_logs(linux, "lx")
    result = linux.activate(agent)
    assert result.returncode == 0, result.stdout + result.stderr
    logs = linux.home / ".local" / "state" / "sourceos" / "logs"
    assert "starting" in (logs / "lx.log").read_text()
    assert (logs / "lx.out.log").read_text() == "to-stdout\n"
    assert (logs / "lx.err.log").read_text().endswith("to-stderr\n")  # after the wrapper's
    assert not (linux.home / "Library").exists()
    shown = _logs_of(linux, agent)
    assert "to-stdout" in shown and "to-stderr" in shown and "starting" in shown


@pytest.mark.real
def test_macos_logs_go_to_library_logs_on_the_simulator(darwin) -> None:
    agent = _native_without_logs(darwin, "mac")
    result = darwin.activate(agent)
    assert result.returncode == 0, result.stdout + result.stderr
    logs = darwin.home / "Library" / "Logs" / "SourceOS"
    assert "starting" in (logs / "mac.log").read_text()
    assert (logs / "mac.launchd.out.log").read_text() == "to-stdout\n"
    assert not (darwin.home / ".local" / "state" / "sourceos" / "logs").exists()
    assert "to-stdout" in _logs_of(darwin, agent)


NASTY = ["~/x", "$PATH `date`", "a'b", "\\\\", "'", "\\\\'", "!", "#x", "*", "\\t", "", "~"]


@pytest.mark.real
@pytest.mark.parametrize("runtime", ["native", "podman"])
def test_any_literal_value_compiles_and_is_clean_under_plain_shellcheck(
    tmp_path: Path, runtime: str
) -> None:
    """Correctly quoted literals (a `~/`, a `$`, a backslash) are neither an error nor a note
    at shellcheck's default severity: the build never fails because of a value."""
    import subprocess

    from compiler.pipeline import write_tree
    from tests.conftest import require_tool

    shellcheck = require_tool("shellcheck")
    words = " ".join(f'"{w}"' for w in NASTY)
    # (an environment value with a control character is refused: systemd's Environment= and
    # launchd's plist would each carry it differently)
    env = " ".join(f'E{i} = "{w}";' for i, w in enumerate(NASTY) if w != "\\t")
    first = '"/usr/bin/env" ' if runtime == "native" else ""
    image = 'image = "localhost/t:1";\n' if runtime == "podman" else ""
    path = tmp_path / "t.agent"
    path.write_text(
        f'sourceos.localAgents.t = {{\nruntime = "{runtime}";\n{image}'
        f"command = [ {first}{words} ];\nenvironment = {{ {env} }};\n"
        'description = "it\'s \\"$x\\" ~/ \\\\";\n};\n'
    )
    trees, result = build([str(path)], tools=True, required=("shellcheck",))
    assert result.diagnostics == []
    write_tree(tmp_path / "t", trees["t"])
    for script in sorted((tmp_path / "t" / "bin").iterdir()):
        plain = subprocess.run(
            [shellcheck, "-s", "sh", str(script)], capture_output=True, text=True
        )
        assert plain.returncode == 0, plain.stdout


@pytest.mark.real
@pytest.mark.parametrize("platform", ["linux", "darwin"])
def test_enable_false_makes_activation_remove_the_agent(request, platform: str) -> None:
    """The next generation of an agent that is now `enable = false` is absent: stopped,
    disabled, its service definition, wrapper and state gone; and on a host without it,
    activation leaves nothing behind."""
    from tests.hosts import compile_agent

    host = request.getfixturevalue(platform)
    body = 'runtime = "native";\ncommand = [ "/bin/sleep" "300" ];\n'
    agent = compile_agent(host.out, "off", body)
    assert host.activate(agent).returncode == 0
    service = (
        host.plist_path("org.sourceos.agent.off")
        if platform == "darwin"
        else host.home / ".config" / "systemd" / "user" / "sourceos-agent@off.service"
    )
    assert service.exists()
    agent = compile_agent(host.out, "off", body + "enable = false;\n")
    result = host.activate(agent, "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    doc = json.loads(result.stdout)
    assert doc["state"] == "absent"
    steps = {s["step"]: s for s in doc["steps"]}
    assert steps["uninstall"]["status"] == "pass" and str(service) in steps["uninstall"]["detail"]
    assert steps["install"]["status"] == "skip"
    assert not service.exists() and not host.state_dir("off").exists()
    if platform == "darwin":
        assert host.loaded() == []
    else:
        assert host.unit("off")["ActiveState"] in ("inactive", "failed")
    again = host.activate(agent, "--json")
    assert json.loads(again.stdout)["state"] == "absent"
    assert {s["step"]: s["detail"] for s in json.loads(again.stdout)["steps"]}["uninstall"] == (
        "nothing was installed"
    )
    assert not host.state_dir("off").exists()


def _podman_agent(host, name: str, auth: str) -> Path:
    from tests.hosts import sleeper_agent

    return sleeper_agent(host, name, f"{auth}\n")


def _preflight(result) -> dict[str, dict]:
    return {c["id"]: c for c in json.loads(result.stdout)["preflight"]}


@pytest.mark.real
def test_forbidden_ambient_fails_preflight_while_a_host_credential_could_reach_the_runtime(
    darwin,
) -> None:
    """`forbidden-ambient` is `none` plus a promise: activation fails while a source the
    wrapper cannot isolate (a system registries.conf drop-in's credential-helpers) exists,
    naming it. The ones it isolates (~/.dockercfg, the user's drop-ins) are named as
    isolated, and the agent runs."""
    agent = _podman_agent(darwin, "fa", 'auth.mode = "forbidden-ambient";')
    dockercfg = darwin.home / ".dockercfg"
    dockercfg.write_text('{"localhost": {"auth": "dTpw"}}\n')
    user_dropins = darwin.home / ".config" / "containers" / "registries.conf.d"
    user_dropins.mkdir(parents=True)
    (user_dropins / "50-gcloud.conf").write_text('credential-helpers = [\n  "gcloud",\n]\n')
    system_dropins = darwin.root / "etc" / "containers" / "registries.conf.d"
    system_dropins.mkdir(parents=True)
    (system_dropins / "60-ecr.conf").write_text('credential-helpers = [ "ecr-login" ]\n')
    result = darwin.activate(agent, "--json")
    assert (result.returncode, json.loads(result.stdout)["state"]) == (3, "staged")
    check = _preflight(result)["host-auth-isolation"]
    assert check["status"] == "fail"
    assert check["detail"] == (
        "auth.mode = forbidden-ambient, but host credentials could reach the runtime:"
        f" {system_dropins / '60-ecr.conf'} (credential-helpers)"
    )
    assert darwin.loaded() == []
    (system_dropins / "60-ecr.conf").unlink()
    result = darwin.activate(agent, "--json")
    assert (result.returncode, json.loads(result.stdout)["state"]) == (0, "running"), result.stdout
    check = _preflight(result)["host-auth-isolation"]
    assert check["status"] == "pass"
    assert (
        f"isolated from {user_dropins / '50-gcloud.conf'} (credential-helpers)" in check["detail"]
        and str(dockercfg) in check["detail"]
    )


def test_forbidden_ambient_with_ambient_docker_config_allowed_is_a_contradiction(
    tmp_path: Path,
) -> None:
    _, trees, found = _compile(
        tmp_path,
        'image = "localhost/t:1";\n'
        'auth = { mode = "forbidden-ambient"; allowAmbientDockerConfig = true; };\n'
        'waivers.ambient-credentials = "a test";\n',
    )
    assert trees == {}
    assert "invalid-value" in [d.name for d in found if d.is_error]


@pytest.mark.real
def test_the_runtime_reads_the_users_registries_conf_without_its_credential_helpers(
    darwin,
) -> None:
    """Podman finds ~/.config/containers/registries.conf through HOME, not XDG_CONFIG_HOME, and
    consults its `credential-helpers` (here the host's real gcloud helper, logged out): the
    wrapper and the credential-helper preflight give it a copy without them."""
    containers = darwin.home / ".config" / "containers"
    containers.mkdir(parents=True)
    (containers / "registries.conf").write_text(
        'unqualified-search-registries = ["localhost"]\n'
        'credential-helpers = [\n  "gcloud",\n  "containers-auth.json",\n]\n'
        '[[registry]]\nlocation = "localhost"\ninsecure = true\n'
    )
    agent = _podman_agent(darwin, "rc", "")
    result = darwin.activate(agent, "--json")
    assert (result.returncode, json.loads(result.stdout)["state"]) == (0, "running"), result.stdout
    isolated = darwin.state_dir("rc") / "isolated" / "registries.conf"
    assert isolated.read_text() == (
        'unqualified-search-registries = ["localhost"]\n'
        '[[registry]]\nlocation = "localhost"\ninsecure = true\n'
    )


def _wait(predicate, seconds: float = 30) -> bool:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


@pytest.mark.real
def test_podman_under_systemd_leaves_no_container_however_the_unit_ends(linux, store) -> None:
    """Type=notify with conmon in the unit's cgroup, ExecStop= within the declared timeout and
    ExecStopPost= removing the container by its ID: a stop, a kill -9 of the main process
    and a rollback each leave no container behind."""
    import os
    import signal
    import subprocess

    agent = _podman_agent(linux, "pod", "")
    assert linux.activate(agent).returncode == 0
    unit = "sourceos-agent@pod.service"
    props = linux.manager.show(unit, "Type", "ActiveState", "MainPID", "TimeoutStopUSec")
    assert (props["Type"], props["ActiveState"]) == ("notify", "active")
    assert props["TimeoutStopUSec"] == "25s"  # shutdownTimeoutSeconds 10 + Podman's margin
    cmdline = Path(f"/proc/{props['MainPID']}/cmdline").read_bytes()
    assert cmdline.startswith(b"/usr/bin/conmon") or b"conmon" in cmdline.split(b"\0")[0]
    assert store.container_state("pod") == "running"

    def ctl(*args: str) -> subprocess.CompletedProcess:
        return linux.agentctl(agent, *args, timeout=120)

    assert ctl("stop").returncode == 0
    assert store.container_state("pod") is None
    assert ctl("start").returncode == 0, ctl("status").stdout
    assert _wait(lambda: store.container_state("pod") == "running")
    main = int(linux.manager.show(unit, "MainPID")["MainPID"])
    os.kill(main, signal.SIGKILL)
    assert _wait(lambda: store.container_state("pod") is None), "kill -9 left the container"
    assert linux.manager.show(unit, "ActiveState")["ActiveState"] in ("failed", "inactive")


@pytest.mark.real
def test_a_rolled_back_podman_start_leaves_no_container_on_real_systemd(linux, store) -> None:
    from tests.hosts import IMAGE, compile_agent

    agent = compile_agent(
        linux.out,
        "gone",
        f'image = "{IMAGE}";\ncommand = [ "/bin/sh" "-c" "exit 1" ];\n'
        "podman = { connection = null; requireMachine = false; };\n"
        'lifecycle.startupTimeoutSeconds = 4;\nwaivers.raw-shell-launch = "a test";\n',
    )
    result = linux.activate(agent, "--json")
    assert result.returncode == 4, result.stdout + result.stderr
    assert {s["step"]: s["status"] for s in json.loads(result.stdout)["steps"]}[
        "rollback"
    ] == "pass"
    assert _wait(lambda: store.container_state("gone") is None)


@pytest.mark.real
@pytest.mark.parametrize("platform", ["linux", "darwin"])
def test_run_at_load_false_is_started_by_activation_but_not_at_login(request, platform) -> None:
    """systemd: no [Install] section, so `enable` makes it start at no target (is-enabled says
    `static`); launchd: RunAtLoad false. Activation still starts it, and status says so."""
    from tests.hosts import compile_agent

    host = request.getfixturevalue(platform)
    agent = compile_agent(
        host.out, "lazy", 'runtime = "native";\ncommand = [ "/bin/sleep" "300" ];\n'
        "lifecycle.runAtLoad = false;\n",
    )  # fmt: skip
    result = host.activate(agent, "--json")
    assert (result.returncode, json.loads(result.stdout)["state"]) == (0, "running"), result.stdout
    if platform == "linux":
        unit = host.home / ".config" / "systemd" / "user" / "sourceos-agent@lazy.service"
        assert "\n[Install]\n" not in unit.read_text()
        enabled = host.manager.systemctl("is-enabled", "sourceos-agent@lazy.service", check=False)
        assert enabled.stdout.strip() == "static"
        assert not (host.home / ".config" / "systemd" / "user" / "default.target.wants").exists()
    else:
        import plistlib

        job = plistlib.loads(host.plist_path("org.sourceos.agent.lazy").read_bytes())
        assert job["RunAtLoad"] is False and job["KeepAlive"] is False
    again = host.activate(agent, "--json")  # unchanged: already installed, enabled, healthy
    assert {s["step"]: s["status"] for s in json.loads(again.stdout)["steps"]}["install"] == "skip"


@pytest.mark.real
def test_a_system_unit_is_verified_for_the_system_manager(tmp_path: Path, monkeypatch) -> None:
    """`systemd-analyze verify` checks a system unit in system mode (offline, no manager
    booted) and a user unit with --user, in one build; both examples are clean."""
    import subprocess

    from compiler import toollint
    from tests.conftest import ROOT, require_tool

    require_tool("systemd-analyze")
    monkeypatch.setenv("AGENTC_LINT_CACHE", "off")
    runs: list[list[str]] = []

    class Recording(subprocess.Popen):
        def __init__(self, argv, *args, **kwargs) -> None:
            runs.append(list(argv))
            super().__init__(argv, *args, **kwargs)

    monkeypatch.setattr(toollint.subprocess, "Popen", Recording)
    examples = [
        ROOT / "examples" / f for f in ("system-metrics-daemon.agent", "node-commander.agent")
    ]
    trees, result = build([str(p) for p in examples], tools=True, required=("systemd-analyze",))
    assert {"metrics-exporter", "node-commander"} <= set(trees)
    assert [d for d in result.diagnostics if d.name == "unit-verify"] == []
    verified = {
        ("--user" in argv, Path(argv[-1]).name)
        for argv in runs
        if argv[0].endswith("systemd-analyze")
    }
    assert verified == {
        (False, "sourceos-agent@metrics-exporter.service"),
        (True, "sourceos-agent@node-commander.service"),
    }


def _activation_path(tmp: Path) -> str:
    """The PATH a NixOS activation script runs with (nixpkgs' activation-script.nix: coreutils,
    gnugrep, findutils, getent, glibc, shadow, nettools, util-linux), made of this machine's
    same packages: no awk, no sed, no systemctl, no podman."""
    import subprocess

    bin_dir = tmp / "activation-path"
    bin_dir.mkdir()
    listed = subprocess.run(
        ["dpkg", "-L", "coreutils", "grep", "findutils", "util-linux", "passwd", "libc-bin"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    for path in listed:
        p = Path(path)
        tool = p.parent.name in ("bin", "sbin") and p.is_file() and os.access(p, os.X_OK)
        if tool and not (bin_dir / p.name).exists():
            (bin_dir / p.name).symlink_to(p)
    for absent in ("awk", "sed", "systemctl", "podman", "shellcheck"):
        assert not (bin_dir / absent).exists()
    return str(bin_dir)


@pytest.mark.real
def test_activation_under_a_nixos_activation_path_is_as_under_a_full_one(
    linux, store, tmp_path: Path
) -> None:
    """bin/activate finds the tools it runs itself (the caller's PATH first, then the
    platforms' system profiles and standard directories): the same outcome either way."""
    agent = _podman_agent(linux, "np", "")
    minimal = _activation_path(tmp_path)

    def checks_of(result) -> dict[str, tuple[str, str]]:
        return {c["id"]: (c["status"], c["detail"]) for c in json.loads(result.stdout)["preflight"]}

    # The same dry run (nothing written) under each PATH: the same checks, the same details.
    dry_full = linux.activate(agent, "--dry-run", "--json")
    dry_narrow = linux.activate(agent, "--dry-run", "--json", env={"PATH": minimal})
    assert dry_narrow.returncode == dry_full.returncode == 0, dry_narrow.stdout
    assert checks_of(dry_narrow) == checks_of(dry_full)
    narrow = linux.activate(agent, "--json", env={"PATH": minimal})
    assert narrow.returncode == 0, narrow.stdout + narrow.stderr
    assert json.loads(narrow.stdout)["state"] == "running"
    assert store.container_state("np") == "running"


@pytest.mark.real
def test_through_a_connection_a_killed_wrapper_leaves_no_container(
    linux, store, tmp_path: Path
) -> None:
    """Through a connection conmon runs inside the Podman service, not this unit: the run
    stays in the foreground of a Type=simple unit, and ExecStopPost= removes the agent's own
    container by name when the main process is killed."""
    import signal
    import subprocess

    from tests.hosts import sleeper_agent

    sock = tmp_path / "podman.sock"
    service = subprocess.Popen(
        linux.user.argv(["podman", "system", "service", "--time=0", f"unix://{sock}"]),
        env=linux.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert _wait(sock.exists, 20)
        added = linux.run(["podman", "system", "connection", "add", "svc", f"unix://{sock}"])
        assert added.returncode == 0, added.stderr
        agent = sleeper_agent(linux, "remote", connection='"svc"')
        result = linux.activate(agent)
        assert result.returncode == 0, result.stdout + result.stderr
        unit = "sourceos-agent@remote.service"
        assert linux.manager.show(unit, "Type")["Type"] == "simple"
        assert store.container_state("remote") == "running"
        os.kill(int(linux.manager.show(unit, "MainPID")["MainPID"]), signal.SIGKILL)
        assert _wait(lambda: store.container_state("remote") is None), "left the container"
    finally:
        service.send_signal(signal.SIGTERM)
        try:
            service.wait(timeout=20)
        except subprocess.TimeoutExpired:
            service.kill()
            service.wait()


@pytest.mark.real
def test_a_credential_source_isolation_cannot_move_is_a_warning_in_other_modes(darwin) -> None:
    """The system's drop-ins are read whatever Podman is told: preflight warns, naming the
    file (forbidden-ambient makes it fail); the agent runs."""
    dropins = darwin.root / "etc" / "containers" / "registries.conf.d"
    dropins.mkdir(parents=True)
    (dropins / "60-ecr.conf").write_text('credential-helpers = [ "ecr-login" ]\n')
    result = darwin.activate(_podman_agent(darwin, "dc", ""), "--json")
    assert json.loads(result.stdout)["state"] == "running", result.stdout
    check = {c["id"]: c for c in json.loads(result.stdout)["preflight"]}["host-auth-isolation"]
    assert check["status"] == "warn" and str(dropins / "60-ecr.conf") in check["detail"]


class _Registry:
    """A registry on loopback that wants credentials: it answers every request 401 with a
    Basic challenge and records the path and Authorization header of each."""

    def __init__(self) -> None:
        import http.server
        import threading

        seen = self.seen = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                seen.append((self.path, self.headers.get("Authorization")))
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="test"')
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_HEAD = do_GET

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.address = f"127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.real
def test_podman_under_the_wrapper_never_sends_the_hosts_home_credentials(
    tmp_path: Path, store
) -> None:
    """Podman 4 reads ~/.dockercfg and the user's registries.conf.d whatever --authfile says:
    a plain `podman pull` sends the legacy credentials to the registry. The wrapper's pull
    reaches the same registry (the drop-in that makes it reachable is kept) and sends none,
    and no credential helper a drop-in names is run."""
    import base64
    import subprocess

    from tests.conftest import require_tool
    from tests.hosts import compile_agent

    podman = require_tool("podman")
    registry = _Registry()
    try:
        home = tmp_path / "home"
        dropins = home / ".config" / "containers" / "registries.conf.d"
        dropins.mkdir(parents=True)
        (dropins / "50-local.conf").write_text(
            f'credential-helpers = [ "containers-auth.json", "leak" ]\n'
            f'[[registry]]\nlocation = "{registry.address}"\ninsecure = true\n'
        )
        legacy = base64.b64encode(b"legacy:secret").decode()
        (home / ".dockercfg").write_text(json.dumps({registry.address: {"auth": legacy}}))
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir()
        helper = bin_dir / "docker-credential-leak"
        helper.write_text(f"#!/bin/sh\ntouch \"{tmp_path}/helper-ran\"\necho '{{}}'\n")
        helper.chmod(0o755)
        env = {
            "HOME": str(home), "PATH": f"{bin_dir}:{os.path.dirname(podman)}:/usr/bin:/bin",
            "SOURCEOS_AGENT_MANAGER": "launchd", **store.env,
        }  # fmt: skip
        image = f"{registry.address}/team/app:1"
        plain = subprocess.run([podman, "pull", image], env=env, capture_output=True, text=True,
                               timeout=60, stdin=subprocess.DEVNULL)  # fmt: skip
        assert plain.returncode != 0
        assert ("/v2/team/app/manifests/1", f"Basic {legacy}") in registry.seen, registry.seen
        registry.seen.clear()
        (tmp_path / "helper-ran").unlink(missing_ok=True)

        agent = compile_agent(
            tmp_path / "out", "pulls",
            f'image = "{image}";\npodman = {{ connection = null; requireMachine = false;'
            ' pull = "always"; };\n'
            'waivers.remote-runtime-image = "a test of credential isolation";\n',
        )  # fmt: skip
        run = subprocess.run([str(agent / "bin" / "sourceos-agent-pulls")], env=env,
                             capture_output=True, text=True, timeout=60,
                             stdin=subprocess.DEVNULL)  # fmt: skip
        assert run.returncode != 0, run.stderr
        # Under a service manager the wrapper's stderr reaches its log through the rotator.
        err_log = home / "Library" / "Logs" / "SourceOS" / "pulls.launchd.err.log"
        deadline = time.monotonic() + 10
        while "unauthorized" not in (said := err_log.read_text() if err_log.exists() else ""):
            assert time.monotonic() < deadline, said
            time.sleep(0.2)
        # It asked for the image; whatever it sent carried no credentials (Podman answers a
        # Basic challenge with an empty user and password when it has none: "Basic Og==").
        assert "/v2/team/app/manifests/1" in [path for path, _ in registry.seen], run.stderr
        sent = [base64.b64decode(auth.split(" ", 1)[1]) for _, auth in registry.seen if auth]
        assert set(sent) <= {b":"}, sent
        assert not (tmp_path / "helper-ran").exists()
    finally:
        registry.close()
