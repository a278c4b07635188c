"""Guarded activation: the acceptance criteria, every regression case of spec section 12, fault
injection and ordering — on the launchd simulator (over real Podman) and on real systemd."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.hosts import (
    IMAGE,
    NODE_COMMANDER_IMAGE,
    DarwinHost,
    LinuxHost,
    PodmanStore,
    checks,
    compile_agent,
    credential_helper,
    quick_settle,
)

pytestmark = pytest.mark.real

LABEL = "org.sourceos.agent.node-commander"
CRASHER_LOGS = (
    'logs = { app = "$HOME/logs/c.log"; stdout = "$HOME/logs/c.out";'
    ' stderr = "$HOME/logs/c.err"; };'
)
MUTATING = {"bootstrap", "enable", "kickstart", "bootout", "disable"}


def node_commander(host) -> Path:
    """The bundled example, compiled as a user would."""
    host.out.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "examples" / "node-commander.agent", host.out / "nc.agent")
    quick_settle(host.out / "nc.agent", "node-commander")
    from compiler.pipeline import build, write_tree

    trees, _ = build([str(host.out / "nc.agent")])
    write_tree(host.out / "node-commander", trees["node-commander"])
    return host.out / "node-commander"


def mutating_calls(host: DarwinHost) -> list[list[str]]:
    return [c for c in host.launchctl_calls() if c[0] in MUTATING]


def outcome(result) -> tuple[int, str]:
    """What a person or a script sees of a run: its exit status and the state it reports."""
    return result.returncode, json.loads(result.stdout)["state"]


def assert_nothing_persisted(host: DarwinHost, result) -> None:
    """The acceptance criterion: no plist installed, no bootstrap/enable call ever made."""
    if result.stdout.startswith("{"):
        assert outcome(result) == (3, "staged"), result.stdout + result.stderr
    else:
        assert result.returncode == 3, result.stdout + result.stderr
        assert "- persistence: staged but not enabled" in result.stdout
    assert not host.plist_path(LABEL).exists()
    assert mutating_calls(host) == []
    assert host.loaded() == []
    staged = host.state_dir("node-commander") / "staged"
    assert (staged / "remediation.txt").exists()
    assert (staged / f"{LABEL}.plist").exists()


# --- acceptance criteria ------------------------------------------------------------------


def test_happy_path_on_the_launchd_simulator(darwin: DarwinHost, store: PodmanStore) -> None:
    agent = node_commander(darwin)
    result = darwin.activate(agent, "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    # Preflight's scratch files (the credential probe's home, the container-spec check's state
    # directory) live in the lock directory: released, it leaves nothing behind.
    assert not (darwin.state_dir("node-commander") / "lock").exists()
    doc = json.loads(result.stdout)
    assert doc["state"] == "running"
    assert [s["step"] for s in doc["steps"]] == [
        "evaluate", "lint-wrapper", "lint-service-definition", "preflight", "install", "enable",
        "start", "health", "status",
    ]  # fmt: skip
    assert all(s["status"] == "pass" for s in doc["steps"])
    plist = darwin.plist_path(LABEL).read_text()
    assert "@SOURCEOS_" not in plist and "$HOME" not in plist and "~" not in plist
    assert str(darwin.home) in plist
    assert store.container_state("node-commander") == "running"
    (job,) = darwin.loaded()
    assert job["path"] == str(darwin.plist_path(LABEL))
    auth = darwin.home / ".config" / "containers" / "sourceos-empty-auth.json"
    assert json.loads(auth.read_text()) == {"auths": {}}


def test_stopped_machine_prevents_installation_and_reads_like_the_spec(darwin: DarwinHost) -> None:
    darwin.scenario(machines={"podman-machine-default": "stopped"})
    agent = node_commander(darwin)
    result = darwin.activate(agent)
    assert_nothing_persisted(darwin, result)
    lines = result.stdout.splitlines()
    assert lines[0] == "node-commander preflight: failed"
    assert "- podman machine: exists but not running (stopped)" in lines
    assert "- action: run `podman machine start podman-machine-default`" in lines
    assert any(line.startswith("- persistence: staged but not enabled") for line in lines)
    doc = json.loads(darwin.activate(agent, "--json").stdout)
    assert doc["state"] == "staged"
    assert doc["remediation"] == ["podman machine start podman-machine-default"]


def test_missing_machine_prevents_installation(darwin: DarwinHost) -> None:
    darwin.scenario(machines={})
    result = darwin.activate(node_commander(darwin), "--json")
    assert_nothing_persisted(darwin, result)
    c = checks(result)
    assert c["podman-machine-exists"]["status"] == "fail"
    assert c["podman-machine-exists"]["remediation"] == "podman machine init podman-machine-default"


def service_account_agent(host: DarwinHost, helper_kind: str) -> Path:
    """An agent whose service-account authfile sends its registry to a credential helper."""
    helper = credential_helper(host.bin, helper_kind)
    agent = compile_agent(
        host.out,
        "node-commander",
        f'image = "{IMAGE}";\nauth = {{ mode = "service-account";'
        ' authfile = "$HOME/.config/node-commander/sa-auth.json"; };',
    )
    sa = host.home / ".config" / "node-commander" / "sa-auth.json"
    sa.parent.mkdir(parents=True)
    sa.write_text(json.dumps({"auths": {}, "credHelpers": {"localhost": helper}}))
    return agent


def test_credential_helper_failure_prevents_enablement(darwin: DarwinHost) -> None:
    agent = service_account_agent(darwin, "failing")
    result = darwin.activate(agent, "--json")
    assert_nothing_persisted(darwin, result)
    c = checks(result)["credential-helper"]
    assert c["status"] == "fail" and "without a person" in c["detail"]
    assert "You do not currently have an active account" in c["detail"]


def test_hanging_credential_helper_is_bounded_and_prevents_enablement(darwin: DarwinHost) -> None:
    """A helper that waits for a person (a browser login, a PIN) is cut off, not waited on:
    on the simulated Mac (no timeout(1)) the watcher ends the helper podman started too,
    within the probe's 10 s and its 2 s grace."""
    agent = service_account_agent(darwin, "hanging")
    began = time.monotonic()
    result = darwin.activate(agent, "--json")
    assert time.monotonic() - began < 25
    assert_nothing_persisted(darwin, result)
    c = checks(result)["credential-helper"]
    assert c["status"] == "fail" and "without a person" in c["detail"]
    pids = darwin.bin / "docker-credential-hanging.pids"
    assert pids.exists(), "the helper never ran"
    for pid in pids.read_text().split():
        status = Path(f"/proc/{pid}/status")
        assert not status.exists() or "zombie" in status.read_text(), f"{pid} outlived it"


@pytest.mark.parametrize(
    ("image", "asked"),
    [("registry.example/team/app:1", "mirror.example"), ("team/app:1", "quay.example")],
    ids=["mirror", "short-name"],
)
def test_the_credential_probe_asks_every_registry_a_pull_would(
    darwin: DarwinHost, image: str, asked: str
) -> None:
    """Podman asks a registry's mirrors before the registry, and resolves a short name through
    the unqualified-search-registries: a helper that fails for any of them fails preflight,
    naming that registry (not only the one the image names)."""
    helper = credential_helper(darwin.bin, "failing")
    conf = darwin.home / ".config" / "containers" / "registries.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text(
        'unqualified-search-registries = [\n  "quay.example",\n]\n\n'
        '[[registry]]\nlocation = "registry.example"\n\n'
        '[[registry.mirror]]\nlocation = "mirror.example/cache"  # the team cache\n'
    )
    sa = darwin.home / ".config" / "node-commander" / "sa-auth.json"
    sa.parent.mkdir(parents=True)
    sa.write_text(json.dumps({"auths": {}, "credHelpers": {asked: helper}}))
    agent = compile_agent(
        darwin.out,
        "node-commander",
        f'image = "{image}";\nauth = {{ mode = "service-account";'
        ' authfile = "$HOME/.config/node-commander/sa-auth.json"; };\n'
        'waivers.remote-runtime-image = "a test of the credential probe";\n',
    )
    result = darwin.activate(agent, "--json")
    assert_nothing_persisted(darwin, result)
    c = checks(result)["credential-helper"]
    assert c["status"] == "fail", c
    assert c["detail"].startswith(f"the credential path for {asked} fails without a person"), c


def test_failed_preflight_stages_with_clear_remediation(darwin: DarwinHost) -> None:
    darwin.scenario(machines={"podman-machine-default": "stopped"})
    agent = node_commander(darwin)
    darwin.activate(agent)
    text = (darwin.state_dir("node-commander") / "staged" / "remediation.txt").read_text()
    assert "podman-machine-running: exists but not running" in text
    assert "- podman machine start podman-machine-default" in text
    assert f"Then run: {agent}/bin/activate" in text
    status = json.loads((darwin.state_dir("node-commander") / "status.json").read_text())
    assert status["state"] == "staged"


def test_no_half_enabled_respawn_loop_on_the_simulator(darwin: DarwinHost) -> None:
    agent = compile_agent(
        darwin.out,
        "crasher",
        'runtime = "native";\ncommand = [ "/bin/false" ];\n'
        'lifecycle = { restart = "bounded"; maxRestartsPerHour = 3; restartDelaySeconds = 1;'
        " startupTimeoutSeconds = 4; };\n" + CRASHER_LOGS,
    )
    result = darwin.activate(agent, "--json")
    assert result.returncode == 4, result.stdout
    doc = json.loads(result.stdout)
    assert doc["state"] == "absent"
    assert {s["step"]: s["status"] for s in doc["steps"]}["rollback"] == "pass"
    assert darwin.loaded() == []
    assert not (
        darwin.home / "Library" / "LaunchAgents" / "org.sourceos.agent.crasher.plist"
    ).exists()
    assert "enabled" not in json.dumps(darwin.overrides())
    calls = [c[0] for c in mutating_calls(darwin)]
    assert calls[-1] == "bootout"


def test_no_half_enabled_respawn_loop_on_real_systemd(linux: LinuxHost) -> None:
    agent = compile_agent(
        linux.out,
        "crasher",
        'runtime = "native";\ncommand = [ "/bin/false" ];\n'
        'lifecycle = { restart = "bounded"; maxRestartsPerHour = 3; restartDelaySeconds = 1;'
        " startupTimeoutSeconds = 5; };\n" + CRASHER_LOGS,
    )
    result = linux.activate(agent, "--json")
    assert result.returncode == 4, result.stdout + result.stderr
    unit = linux.unit("crasher")
    assert unit["ActiveState"] in ("inactive", "failed") and unit["ActiveState"] != "active"
    assert unit.get("UnitFileState", "") in ("", "disabled") or unit["LoadState"] == "not-found"
    assert not (
        linux.home / ".config" / "systemd" / "user" / "sourceos-agent@crasher.service"
    ).exists()
    starts = (linux.home / "logs" / "c.log").read_text().count("starting /bin/false")
    assert 1 <= starts <= 4  # the first start and at most maxRestartsPerHour = 3 restarts
    time.sleep(2)
    assert (linux.home / "logs" / "c.log").read_text().count("starting /bin/false") == starts


def _demo_agent(host, name: str = "demo") -> Path:
    return compile_agent(
        host.out,
        name,
        f'image = "{IMAGE}";\ncommand = [ "/bin/sleep" "300" ];\npodman = {{ connection = null;'
        " requireMachine = false; };\n" + CRASHER_LOGS.replace("/c.", "/d."),
    )


def test_missing_init_binary_fails_preflight_on_real_systemd(
    linux: LinuxHost, store: PodmanStore
) -> None:
    """Debian's podman only recommends catatonit: a host without it (here Podman's init_path
    pointed where there is none: a mount would not hide it, rootless Podman works in the
    mount namespace of its own pause process) fails preflight by name, instead of rolling
    back a start."""
    agent = _demo_agent(linux)
    conf = linux.write(
        linux.tmp / "containers-no-init.conf",
        Path(store.env["CONTAINERS_CONF"])
        .read_text()
        .replace(
            "[containers]\n", '[containers]\ninit_path = "/usr/libexec/podman/catatonit.gone"\n'
        ),
    )
    result = linux.activate(agent, "--json", env={"CONTAINERS_CONF": str(conf)})
    assert outcome(result) == (3, "staged"), result.stdout + result.stderr
    c = checks(result)["container-spec"]
    assert c["status"] == "fail" and "catatonit" in c["detail"], c
    assert c["remediation"] == "sudo apt-get install catatonit"
    assert linux.unit("demo")["LoadState"] == "not-found"
    assert not (
        linux.home / ".config" / "systemd" / "user" / "sourceos-agent@demo.service"
    ).exists()
    assert store.podman("ps", "-aq").stdout.split() == []
    # The same host with the binary in place passes the check.
    result = linux.activate(agent, "--dry-run", "--json")
    assert checks(result)["container-spec"]["status"] == "pass", result.stdout


def test_missing_init_binary_fails_preflight_on_the_simulator(
    darwin: DarwinHost, store: PodmanStore
) -> None:
    conf = darwin.tmp / "containers-no-init.conf"
    conf.write_text(
        Path(store.env["CONTAINERS_CONF"])
        .read_text()
        .replace("[containers]\n", '[containers]\ninit_path = "/nonexistent/catatonit"\n')
    )
    result = darwin.activate(node_commander(darwin), "--json", env={"CONTAINERS_CONF": str(conf)})
    assert_nothing_persisted(darwin, result)
    c = checks(result)["container-spec"]
    assert c["status"] == "fail" and "/nonexistent/catatonit" in c["detail"], c
    assert c["remediation"].endswith("install catatonit")
    assert store.podman("ps", "-aq").stdout.split() == []


def test_happy_path_on_real_systemd_and_podman(linux: LinuxHost, store: PodmanStore) -> None:
    agent = compile_agent(
        linux.out,
        "demo",
        f'image = "{IMAGE}";\ncommand = [ "/bin/sleep" "300" ];\npodman = {{ connection = null;'
        " requireMachine = false; };\n"
        'lifecycle = { restart = "bounded"; maxRestartsPerHour = 3; restartDelaySeconds = 2; };\n'
        + CRASHER_LOGS.replace("/c.", "/d."),
    )
    started = time.monotonic()
    result = linux.activate(agent, "--json")
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["state"] == "running"
    steps = {s["step"]: s for s in json.loads(result.stdout)["steps"]}
    # systemd-analyze verified the unit, a copy in the lock directory, gone with the lock.
    assert steps["lint-service-definition"]["detail"] == "sourceos-agent@demo.service verified"
    assert not (linux.state_dir("demo") / "lock").exists()
    unit = linux.unit("demo")
    assert unit["ActiveState"] == "active" and unit["SubState"] == "running"
    assert unit["UnitFileState"] == "enabled"
    assert store.container_state("demo") == "running"
    print(f"full activation on real systemd + Podman: {elapsed:.2f} s")
    again = linux.activate(agent, "--json")
    assert again.returncode == 0
    steps = {s["step"]: s for s in json.loads(again.stdout)["steps"]}
    assert steps["install"]["status"] == "skip" and "unchanged" in steps["install"]["detail"]


def test_a_read_only_unit_directory_takes_a_runtime_unit_on_real_systemd(
    linux: LinuxHost,
) -> None:
    """NixOS's /etc/systemd/system is in the Nix store: where the unit directory cannot be
    written, activation installs into the manager's runtime directory and enables the unit
    --runtime, and uninstall takes it out again. (Here the user manager's directory, made
    read-only by a read-only bind mount in this test's own mount namespace.)"""
    from tests.hosts import _private_mount_namespace

    units = linux.home / ".config" / "systemd" / "user"
    units.mkdir(parents=True, exist_ok=True)
    _private_mount_namespace()
    subprocess.run(["mount", "--bind", str(units), str(units)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(units)], check=True)
        agent = compile_agent(
            linux.out, "demo", 'runtime = "native";\ncommand = [ "/bin/sleep" "300" ];\n'
        )
        result = linux.activate(agent, "--json")
        assert outcome(result) == (0, "running"), result.stdout + result.stderr
        steps = {s["step"]: s for s in json.loads(result.stdout)["steps"]}
        assert steps["enable"]["detail"] == (
            "systemctl --user enable --runtime sourceos-agent@demo.service"
        )
        runtime = linux.manager.runtime_dir / "systemd" / "user"
        assert (runtime / "sourceos-agent@demo.service").is_file()
        assert list(units.iterdir()) == []
        unit = linux.unit("demo")
        assert (unit["ActiveState"], unit["UnitFileState"]) == ("active", "enabled-runtime")
        gone = linux.run([str(agent / "bin" / "agentctl"), "uninstall", "--json"])
        assert gone.returncode == 0, gone.stdout + gone.stderr
        assert not (runtime / "sourceos-agent@demo.service").exists()
        assert linux.unit("demo")["LoadState"] == "not-found"
    finally:
        subprocess.run(["umount", str(units)], check=False)


# --- spec section 12 regression cases ----------------------------------------------------


def test_podman_machine_missing(darwin: DarwinHost) -> None:
    darwin.scenario(machines={})
    result = darwin.activate(node_commander(darwin), "--json")
    assert_nothing_persisted(darwin, result)
    assert checks(result)["podman-machine-exists"]["status"] == "fail"


def test_podman_machine_stopped(darwin: DarwinHost) -> None:
    darwin.scenario(machines={"podman-machine-default": "stopped"})
    result = darwin.activate(node_commander(darwin), "--json")
    assert_nothing_persisted(darwin, result)
    assert checks(result)["podman-machine-running"]["status"] == "fail"


def test_podman_socket_refused(darwin: DarwinHost) -> None:
    darwin.scenario(connections={"podman-machine-default": "refused"})
    result = darwin.activate(node_commander(darwin), "--json")
    assert_nothing_persisted(darwin, result)
    c = checks(result)
    assert (
        c["podman-socket"]["status"] == "fail"
        and "connection refused" in c["podman-socket"]["detail"]
    )


def test_local_image_missing(darwin: DarwinHost) -> None:
    agent = compile_agent(darwin.out, "node-commander", 'image = "localhost/sourceos/absent:1";')
    result = darwin.activate(agent, "--json")
    assert_nothing_persisted(darwin, result)
    assert checks(result)["local-image"]["status"] == "fail"


def test_local_image_present(darwin: DarwinHost) -> None:
    result = darwin.activate(node_commander(darwin), "--json")
    assert outcome(result) == (0, "running"), result.stdout
    c = checks(result)["local-image"]
    assert c["status"] == "pass" and NODE_COMMANDER_IMAGE in c["detail"]


def test_remote_image_tag_present(darwin: DarwinHost) -> None:
    agent = compile_agent(
        darwin.out,
        "node-commander",
        'image = "us-central1-docker.pkg.dev/p/r/node-commander:dev-boot";\n'
        'waivers.remote-runtime-image = "testing the preflight";\n'
        "podman.requireLocalImage = false;",
    )
    result = darwin.activate(agent, "--json")
    assert_nothing_persisted(darwin, result)
    assert checks(result)["image-tag"]["status"] == "fail"


def test_host_docker_config_with_google_credential_helper(darwin: DarwinHost) -> None:
    helper = credential_helper(darwin.bin, "failing")
    docker = darwin.home / ".docker"
    docker.mkdir()
    (docker / "config.json").write_text(json.dumps({"credHelpers": {"localhost": helper}}))
    agent = compile_agent(
        darwin.out,
        "node-commander",
        f'image = "{IMAGE}";\nauth.allowAmbientDockerConfig = true;\n'
        'waivers.ambient-credentials = "testing the preflight";',
    )
    result = darwin.activate(agent, "--json")
    assert_nothing_persisted(darwin, result)
    c = checks(result)
    assert c["credential-helper"]["status"] == "fail"
    assert "You do not currently have an active account" in c["credential-helper"]["detail"]
    assert c["host-auth-isolation"]["status"] == "fail"


def test_empty_authfile_bypasses_ambient_credentials(
    darwin: DarwinHost, store: PodmanStore
) -> None:
    helper = credential_helper(darwin.bin, "failing")
    docker = darwin.home / ".docker"
    docker.mkdir()
    (docker / "config.json").write_text(json.dumps({"credHelpers": {"localhost": helper}}))
    containers = darwin.home / ".config" / "containers"
    containers.mkdir(parents=True)
    (containers / "auth.json").write_text(json.dumps({"credHelpers": {"localhost": helper}}))
    result = darwin.activate(node_commander(darwin), "--json")
    assert outcome(result) == (0, "running"), result.stdout
    c = checks(result)
    assert c["credential-helper"]["status"] == "pass"
    assert c["host-auth-isolation"]["status"] == "pass"
    assert store.container_state("node-commander") == "running"


def test_launchd_disabled_override(darwin: DarwinHost) -> None:
    darwin.run(["launchctl", "disable", f"gui/{darwin.uid}/{LABEL}"], check=True)
    (darwin.launchd / "calls.log").unlink()  # the operator's own call, before activation
    result = darwin.activate(node_commander(darwin), "--json")
    assert_nothing_persisted(darwin, result)
    c = checks(result)["label-not-disabled"]
    assert c["status"] == "fail"
    assert c["remediation"] == f"launchctl enable gui/{darwin.uid}/{LABEL}"


def test_old_system_wide_plist(darwin: DarwinHost) -> None:
    legacy = darwin.root / "Library" / "LaunchAgents" / f"{LABEL}.plist"
    legacy.parent.mkdir(parents=True)
    shutil.copy(ROOT / "tests" / "fixtures" / "incident" / "Library" / "LaunchAgents"
                / "com.socioprophet.node-commander.plist", legacy)  # fmt: skip
    result = darwin.activate(node_commander(darwin), "--json")
    assert_nothing_persisted(darwin, result)
    c = checks(result)["label-not-conflicting"]
    assert c["status"] == "fail"
    assert "old system-wide plist" in c["detail"]
    assert "spec section 14" in c["remediation"]


def test_container_enters_stopping(darwin: DarwinHost) -> None:
    darwin.scenario(container_states={"node-commander": "stopping"})
    agent = node_commander(darwin)
    # The shim reports the container as Stopping only once it is started.
    darwin.scenario(container_states={})
    stopper = threading.Timer(
        1.0, lambda: darwin.scenario(container_states={"node-commander": "stopping"})
    )
    stopper.start()
    try:
        result = darwin.activate(agent, "--json")
    finally:
        stopper.cancel()
    assert outcome(result) == (4, "absent"), result.stdout
    steps = {s["step"]: s for s in json.loads(result.stdout)["steps"]}
    assert "stopping" in steps["health"]["detail"]
    assert darwin.loaded() == [] and not darwin.plist_path(LABEL).exists()


def test_wrapper_with_gnu_only_syntax(darwin: DarwinHost) -> None:
    agent = node_commander(darwin)
    wrapper = agent / "bin" / "sourceos-agent-node-commander"
    wrapper.write_text(
        wrapper.read_text().replace("set -u\n", 'set -u\nself=$(readlink -f "$0")\n', 1)
    )
    manifest = json.loads((agent / "manifest.json").read_text())
    from hashlib import sha256

    manifest["artifacts"]["bin/sourceos-agent-node-commander"]["sha256"] = sha256(
        wrapper.read_bytes()
    ).hexdigest()
    (agent / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    result = darwin.activate(agent, "--json")
    assert outcome(result) == (1, "absent"), result.stdout
    steps = {s["step"]: s for s in json.loads(result.stdout)["steps"]}
    assert steps["lint-wrapper"]["status"] == "fail"
    assert mutating_calls(darwin) == [] and not darwin.plist_path(LABEL).exists()


def _rewritten(agent: Path, path: str, old: str, new: str) -> None:
    """An artifact changed as another tool would have written it, its manifest hash to match:
    evaluate passes, and the lint of what is in the file must catch it."""
    from hashlib import sha256

    target = agent / path
    text = target.read_text()
    assert old in text, (path, old)
    target.write_text(text.replace(old, new, 1))
    manifest = json.loads((agent / "manifest.json").read_text())
    manifest["artifacts"][path]["sha256"] = sha256(target.read_bytes()).hexdigest()
    (agent / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def test_a_plist_that_keeps_alive_forever_fails_the_service_definition_lint(
    darwin: DarwinHost,
) -> None:
    agent = node_commander(darwin)
    _rewritten(agent, f"launchd/{LABEL}.plist", "<key>KeepAlive</key>\n\t<dict>",
               "<key>KeepAlive</key>\n\t<true/>\n\t<key>Old</key>\n\t<dict>")  # fmt: skip
    result = darwin.activate(agent, "--json")
    assert outcome(result) == (1, "absent"), result.stdout
    steps = {s["step"]: s for s in json.loads(result.stdout)["steps"]}
    assert steps["lint-service-definition"]["status"] == "fail"
    assert checks(result)["service-definition-lint"]["detail"] == "KeepAlive is a bare true"
    assert mutating_calls(darwin) == [] and not darwin.plist_path(LABEL).exists()


@pytest.mark.parametrize(
    "old, new, detail",
    [
        ("Restart=on-failure", "Restart=always", "Restart=always"),
        ("StartLimitBurst=4\n", "", "restarts without StartLimitBurst"),
        ("[Service]\n", "[Service]\nStartLimitBurst=9\n", "StartLimitBurst=9 outside [Unit]"),
    ],
    ids=["restart-always", "no-burst", "limit-in-service"],
)
def test_a_unit_that_restarts_without_bound_fails_the_service_definition_lint(
    linux: LinuxHost, old: str, new: str, detail: str
) -> None:
    agent = compile_agent(
        linux.out, "demo",
        'runtime = "native";\ncommand = [ "/bin/sleep" "300" ];\n'
        'lifecycle = { restart = "bounded"; maxRestartsPerHour = 3; };',
    )  # fmt: skip
    _rewritten(agent, "systemd/sourceos-agent@demo.service", old, new)
    result = linux.activate(agent, "--json")
    assert outcome(result) == (1, "absent"), result.stdout
    c = checks(result)["service-definition-lint"]
    assert c["status"] == "fail" and detail in c["detail"], c
    assert linux.unit("demo")["LoadState"] == "not-found"


def test_a_waived_keepalive_row_activates_as_declared(darwin: DarwinHost) -> None:
    """The waiver accepted KeepAlive = true: activation installs what was compiled, breaker
    included, and its lint does not refuse what the declaration waived."""
    agent = compile_agent(
        darwin.out, "kept",
        'runtime = "native";\ncommand = [ "/bin/sleep" "300" ];\n'
        'lifecycle = { keepAlive = true; restart = "manual"; };\n'
        'waivers.unbounded-keepalive = "a test of a waived row";',
    )  # fmt: skip
    result = darwin.activate(agent, "--json")
    assert outcome(result) == (0, "running"), result.stdout
    import plistlib

    job = plistlib.loads(darwin.plist_path("org.sourceos.agent.kept").read_bytes())
    assert job["KeepAlive"] is True


def test_tampered_artifact_fails_evaluate(darwin: DarwinHost) -> None:
    agent = node_commander(darwin)
    plist = agent / "launchd" / f"{LABEL}.plist"
    plist.write_text(plist.read_text().replace("<false/>", "<true/>"))
    result = darwin.activate(agent, "--json")
    assert outcome(result) == (1, "absent"), result.stdout
    steps = {s["step"]: s for s in json.loads(result.stdout)["steps"]}
    assert steps["evaluate"]["status"] == "fail" and "changed" in steps["evaluate"]["detail"]
    assert mutating_calls(darwin) == [] and not darwin.plist_path(LABEL).exists()


def test_log_directory_missing_is_created(darwin: DarwinHost) -> None:
    result = darwin.activate(node_commander(darwin), "--json")
    assert outcome(result) == (0, "running"), result.stdout
    assert checks(result)["log-directory"]["status"] == "warn"
    assert (darwin.home / "Library" / "Logs" / "SourceOS").is_dir()


def test_log_directory_not_writable(darwin: DarwinHost, tmp_path: Path) -> None:
    logs = darwin.home / "Library" / "Logs" / "SourceOS"
    logs.mkdir(parents=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,ro", "tmpfs", str(logs)], check=True)
    try:
        result = darwin.activate(node_commander(darwin), "--json")
        assert_nothing_persisted(darwin, result)
        assert checks(result)["log-directory"]["status"] == "fail"
    finally:
        subprocess.run(["umount", str(logs)], check=True)


GONE = "/nix/store/0000000000000000000000000000000-gone"


def test_nix_store_target_stale_or_garbage_collected(darwin: DarwinHost) -> None:
    agent = compile_agent(
        darwin.out,
        "indexer",
        f'runtime = "nix-app";\ncommand = [ "{GONE}/bin/x" ];',
    )
    result = darwin.activate(agent, "--json")
    assert outcome(result) == (3, "staged"), result.stdout
    c = checks(result)["runtime"]
    assert c["status"] == "fail" and "garbage-collected" in c["detail"]
    link = darwin.home / ".nix-profile" / "bin" / "indexer"
    link.parent.mkdir(parents=True)
    link.symlink_to(f"{GONE}/bin/indexer")
    agent = compile_agent(darwin.out, "indexer", f'runtime = "nix-app";\ncommand = [ "{link}" ];')
    result = darwin.activate(agent, "--json")
    assert outcome(result) == (3, "staged"), result.stdout
    c = checks(result)["runtime"]
    assert c["status"] == "fail" and "dangling link" in c["detail"]


# --- modes, locking, faults, ordering --------------------------------------------------------


def test_dry_run_writes_nothing(darwin: DarwinHost) -> None:
    agent = node_commander(darwin)
    before = sorted(str(p) for p in darwin.home.rglob("*"))
    result = darwin.activate(agent, "--dry-run", "--json")
    assert result.returncode == 0, result.stdout
    assert sorted(str(p) for p in darwin.home.rglob("*")) == before
    assert mutating_calls(darwin) == []


def test_stage_only(darwin: DarwinHost) -> None:
    result = darwin.activate(node_commander(darwin), "--stage-only", "--json")
    assert result.returncode == 0
    assert json.loads(result.stdout)["state"] == "staged"
    assert mutating_calls(darwin) == [] and not darwin.plist_path(LABEL).exists()


def test_allow_failed_preflight_is_explicit_and_recorded(darwin: DarwinHost) -> None:
    darwin.scenario(machines={"podman-machine-default": "stopped"})
    result = darwin.activate(node_commander(darwin), "--allow-failed-preflight", "--json")
    doc = json.loads(result.stdout)
    assert doc["allowFailedPreflight"] is True
    assert {s["step"]: s["status"] for s in doc["steps"]}["install"] == "pass"


def test_concurrent_activations_one_waits_out(darwin: DarwinHost) -> None:
    agent = node_commander(darwin)
    first = darwin.popen([str(agent / "bin" / "activate"), "--json"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    lock = darwin.state_dir("node-commander") / "lock"
    deadline = time.monotonic() + 10
    while not lock.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    second = darwin.activate(agent, "--json")
    out, _ = first.communicate(timeout=120)
    assert second.returncode == 5, second.stdout
    assert "holds" in json.loads(second.stdout)["steps"][0]["detail"]
    assert first.returncode == 0, out


def test_stale_lock_is_recovered(darwin: DarwinHost) -> None:
    agent = node_commander(darwin)
    lock = darwin.state_dir("node-commander") / "lock"
    lock.mkdir(parents=True)
    dead = subprocess.Popen(["true"])
    dead.wait()
    (lock / "pid").write_text(f"{dead.pid}\n")
    result = darwin.activate(agent)
    assert result.returncode == 0, result.stdout
    assert f"recovered a stale lock left by process {dead.pid}" in result.stdout


@pytest.mark.parametrize(
    "kill_at", ["evaluate", "preflight", "install", "enable", "start", "health"]
)
def test_killed_at_any_step_is_repaired_by_the_next_run(
    darwin: DarwinHost, store: PodmanStore, kill_at: str
) -> None:
    agent = node_commander(darwin)
    killed = darwin.activate(agent, env={"SOURCEOS_AGENT_TEST_KILL_AT": kill_at})
    assert killed.returncode == -9
    result = darwin.activate(agent, "--json")
    assert result.returncode == 0, result.stdout
    assert json.loads(result.stdout)["state"] == "running"
    assert len(darwin.loaded()) == 1
    assert store.container_state("node-commander") == "running"


def test_full_target_directory_keeps_the_previous_generation(darwin: DarwinHost) -> None:
    agent = node_commander(darwin)
    assert darwin.activate(agent).returncode == 0
    plist = darwin.plist_path(LABEL)
    previous = plist.read_bytes()
    # A new generation, into a directory that is now full.
    (darwin.out / "nc.agent").write_text(
        (darwin.out / "nc.agent").read_text().replace("4317", "4318")
    )
    from compiler.pipeline import build, write_tree

    trees, _ = build([str(darwin.out / "nc.agent")])
    write_tree(agent, trees["node-commander"])
    saved = darwin.tmp / "saved"
    shutil.copytree(plist.parent, saved)
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=12k", "tmpfs", str(plist.parent)], check=True
    )
    try:
        shutil.copy(saved / plist.name, plist)
        filler = plist.parent / "filler"
        try:
            with open(filler, "wb") as fh:
                while True:
                    fh.write(b"x" * 1024)
                    fh.flush()
        except OSError:
            pass  # full
        result = darwin.activate(agent, "--json")
        assert result.returncode == 4, result.stdout
        assert plist.read_bytes() == previous
        assert not [p for p in plist.parent.iterdir() if p.name.startswith(".")]
        assert json.loads(result.stdout)["state"] == "running"
    finally:
        subprocess.run(["umount", str(plist.parent)], check=True)


def test_order_no_persistence_before_preflight_and_start_after_enable(darwin: DarwinHost) -> None:
    agent = node_commander(darwin)
    assert darwin.activate(agent).returncode == 0
    calls = darwin.launchctl_calls()
    verbs = [c[0] for c in calls]
    last_query = max(i for i, v in enumerate(verbs) if v == "print-disabled")
    first_mutation = min(i for i, v in enumerate(verbs) if v in MUTATING)
    assert last_query < first_mutation
    assert verbs.index("bootstrap") < verbs.index("kickstart")
    podman_calls = (darwin.scenario_file.parent / "podman-scenario.json.calls").read_text()
    assert "machine" in podman_calls


def test_argv_with_shell_text_passes_the_wrapper_lint_and_runs(darwin: DarwinHost) -> None:
    """Quoted values are data: `$(...)`, quotes and `$HOME` in argv must not fail lint-wrapper."""
    prog = darwin.tmp / "prog"
    prog.write_text('#!/bin/sh\nprintf "%s\\n" "$@" > "$HOME/args"\nexec sleep 300\n')
    prog.chmod(0o755)
    agent = compile_agent(
        darwin.out,
        "argv",
        f'runtime = "native";\ncommand = [ "{prog}" "$(touch pwned)" "it\'s" "\\$x" "`id`" ];',
    )
    result = darwin.activate(agent, "--json")
    assert result.returncode == 0, result.stdout
    steps = {s["step"]: s["status"] for s in json.loads(result.stdout)["steps"]}
    assert steps["lint-wrapper"] == "pass"
    assert (darwin.home / "args").read_text().splitlines() == [
        "$(touch pwned)",
        "it's",
        "$x",
        "`id`",
    ]
    assert not list(darwin.tmp.rglob("pwned"))


# --- a foreign container of the agent's name is never touched --------------------------------


def _foreign(store: PodmanStore, name: str) -> str:
    """A container started by hand (no agent's label), as another service would run it."""
    return store.podman("run", "-d", "--name", name, IMAGE, "/bin/sleep", "300").stdout.strip()


def test_a_foreign_container_of_the_agents_name_fails_preflight_on_real_systemd(
    linux: LinuxHost, store: PodmanStore
) -> None:
    foreign = _foreign(store, "demo")
    agent = _demo_agent(linux)
    result = linux.activate(agent, "--json")
    assert outcome(result) == (3, "staged"), result.stdout + result.stderr
    c = checks(result)["container-name"]
    assert c["status"] == "fail" and "did not create" in c["detail"], c
    assert linux.unit("demo")["LoadState"] == "not-found"
    inspect = store.podman("container", "inspect", "--format", "{{.Id}} {{.State.Status}}", "demo")
    assert inspect.stdout.split() == [foreign, "running"]
    # The wrapper itself refuses too, should anything start it: it fails closed, untouched.
    wrapper = linux.run([str(agent / "bin" / "sourceos-agent-demo")], timeout=60)
    assert wrapper.returncode == 78 and "did not create" in wrapper.stderr
    assert store.container_state("demo") == "running"
    assert store.podman("container", "inspect", "--format", "{{.Id}}", "demo").stdout.strip() == (
        foreign
    )


def test_a_foreign_container_fails_preflight_on_the_simulator(
    darwin: DarwinHost, store: PodmanStore
) -> None:
    foreign = _foreign(store, "node-commander")
    result = darwin.activate(node_commander(darwin), "--json")
    assert_nothing_persisted(darwin, result)
    assert checks(result)["container-name"]["status"] == "fail"
    assert (
        store.podman("container", "inspect", "--format", "{{.Id}}", "node-commander").stdout.strip()
        == foreign
    )


def test_the_agents_own_container_is_recognised(darwin: DarwinHost, store: PodmanStore) -> None:
    """What the agent created carries its label, so preflight lets the wrapper replace it."""
    agent = node_commander(darwin)
    assert darwin.activate(agent).returncode == 0
    labels = store.podman(
        "container", "inspect", "--format", '{{index .Config.Labels "org.sourceos.agent"}}',
        "node-commander",
    )  # fmt: skip
    assert labels.stdout.strip() == "node-commander"
    darwin.cleanup()  # the simulated launchd goes away; the container stays
    result = darwin.activate(agent, "--dry-run", "--json")
    c = checks(result)["container-name"]
    assert c["status"] == "warn" and "created by this agent" in c["detail"], c
    assert result.returncode == 0, result.stdout
