"""Spec section 12's regression cases that exist on Linux, on a real systemd user manager and
real rootful Podman: the states are the tools' own, not canned strings."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from tests.hosts import (
    IMAGE,
    LinuxHost,
    PodmanStore,
    checks,
    compile_agent,
    credential_helper,
    sleeper_agent,
)
from tests.test_activation import GONE, outcome

pytestmark = pytest.mark.real

UNIT = "sourceos-agent@demo.service"


def demo(linux: LinuxHost, extra: str = "", image: str = IMAGE) -> Path:
    return sleeper_agent(linux, extra=extra, image=image)


def unit_file(linux: LinuxHost) -> Path:
    return linux.home / ".config" / "systemd" / "user" / UNIT


def staged_and_untouched(linux: LinuxHost, result) -> dict[str, dict]:
    assert outcome(result) == (3, "staged"), result.stdout + result.stderr
    assert not unit_file(linux).exists()
    assert linux.unit("demo")["ActiveState"] == "inactive"
    return checks(result)


def test_podman_socket_refused(linux: LinuxHost) -> None:
    """A connection whose socket nobody listens on: the remediation names the connection."""
    add = linux.run(
        ["podman", "system", "connection", "add", "gone", f"unix://{linux.home}/none.sock"]
    )
    assert add.returncode == 0, add.stderr
    agent = sleeper_agent(linux, connection='"gone"')
    c = staged_and_untouched(linux, linux.activate(agent, "--json"))
    assert c["podman-socket"]["status"] == "fail"
    assert "gone" in c["podman-socket"]["remediation"]
    assert "podman machine" not in c["podman-socket"]["remediation"]


def test_local_image_missing(linux: LinuxHost) -> None:
    c = staged_and_untouched(linux, linux.activate(demo(linux, image="localhost/none:1"), "--json"))
    assert c["local-image"]["status"] == "fail"


def test_remote_image_tag_present(linux: LinuxHost, store: PodmanStore) -> None:
    remote = "ghcr.io/example/demo:dev"
    store.podman("tag", IMAGE, remote)
    try:
        agent = demo(linux, 'waivers.remote-runtime-image = "section 12";\n', image=remote)
        c = staged_and_untouched(linux, linux.activate(agent, "--json"))
        assert c["image-tag"]["status"] == "fail"
        assert c["image-tag"]["remediation"].startswith(f"podman tag {remote} localhost/")
    finally:
        store.podman("rmi", remote, check=False)


def test_host_docker_config_with_google_credential_helper(linux: LinuxHost) -> None:
    """A helper that fails as a logged-out gcloud does: with ambient credentials allowed, its
    failure stops the activation."""
    helper = credential_helper(linux.bin, "failing")
    docker = linux.home / ".docker"
    docker.mkdir()
    (docker / "config.json").write_text(json.dumps({"credHelpers": {"localhost": helper}}))
    agent = demo(
        linux, 'auth.allowAmbientDockerConfig = true;\nwaivers.ambient-credentials = "x";\n'
    )
    c = staged_and_untouched(linux, linux.activate(agent, "--json"))
    assert c["credential-helper"]["status"] == "fail"
    assert "You do not currently have an active account" in c["credential-helper"]["detail"]


def test_empty_authfile_bypasses_the_same_helper(linux: LinuxHost, store: PodmanStore) -> None:
    helper = credential_helper(linux.bin, "failing")
    docker = linux.home / ".docker"
    docker.mkdir()
    (docker / "config.json").write_text(json.dumps({"credHelpers": {"localhost": helper}}))
    result = linux.activate(demo(linux), "--json")
    assert outcome(result) == (0, "running"), result.stdout
    assert checks(result)["credential-helper"]["status"] == "pass"
    assert store.container_state("demo") == "running"


def test_masked_unit(linux: LinuxHost) -> None:
    """systemd's disabled override: a masked unit name."""
    assert linux.manager.systemctl("mask", UNIT).returncode == 0
    c = staged_and_untouched_masked(linux, linux.activate(demo(linux), "--json"))
    assert c["label-not-disabled"]["status"] == "fail"
    assert c["label-not-disabled"]["remediation"] == f"systemctl --user unmask {UNIT}"


def staged_and_untouched_masked(linux: LinuxHost, result) -> dict[str, dict]:
    assert outcome(result) == (3, "staged"), result.stdout + result.stderr
    assert unit_file(linux).is_symlink()  # the mask, as the operator left it
    return checks(result)


def test_conflicting_unit_file(linux: LinuxHost) -> None:
    """The same unit name defined in another directory the user manager reads (here the
    user's data directory, ~/.local/share/systemd/user): label-not-conflicting names it."""
    other = linux.home / ".local" / "share" / "systemd" / "user" / UNIT
    other.parent.mkdir(parents=True)
    other.write_text("[Service]\nExecStart=/bin/sleep 300\n")
    linux.manager.systemctl("daemon-reload")
    c = staged_and_untouched(linux, linux.activate(demo(linux), "--json"))
    assert c["label-not-conflicting"]["status"] == "fail"
    assert str(other) in c["label-not-conflicting"]["detail"]


def test_container_enters_stopping_for_real(linux: LinuxHost, store: PodmanStore) -> None:
    """Podman 4.3 reports `stopping` while a stop waits on a process that ignores SIGTERM: a
    container that enters it during activation's health check fails it, and the rollback
    leaves no container. The state is Podman's own, not a canned string."""
    import threading

    deaf = "trap '' TERM; while :; do sleep 1; done"
    agent = compile_agent(
        linux.out,
        "demo",
        f'image = "{IMAGE}";\ncommand = [ "/bin/sh" "-c" "{deaf}" ];\n'
        "podman = { connection = null; requireMachine = false; };\n"
        'waivers.raw-shell-launch = "a TERM-deaf process";\n'
        "lifecycle.shutdownTimeoutSeconds = 60;\nlifecycle.startupTimeoutSeconds = 8;\n",
    )
    stoppers: list[subprocess.Popen] = []
    seen: list[str] = []

    def stop_once_running() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not stoppers:
            if store.container_state("demo") == "running":
                stoppers.append(subprocess.Popen(
                    linux.user.argv(["podman", "stop", "-t", "60", "demo"]), env=linux.env,
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))  # fmt: skip
                time.sleep(0.5)
                seen.append(store.container_state("demo") or "absent")
            time.sleep(0.05)

    watcher = threading.Thread(target=stop_once_running)
    watcher.start()
    try:
        result = linux.activate(agent, "--json")
    finally:
        watcher.join()
        for p in stoppers:
            p.kill()
            p.wait()
    assert seen == ["stopping"]
    assert result.returncode == 4, result.stdout
    steps = {s["step"]: s for s in json.loads(result.stdout)["steps"]}
    assert "stopping" in steps["health"]["detail"]
    assert steps["rollback"]["status"] == "pass"
    deadline = time.monotonic() + 30
    while store.container_state("demo") is not None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert store.container_state("demo") is None


def test_nix_store_target_stale(linux: LinuxHost) -> None:
    agent = compile_agent(
        linux.out, "indexer", f'runtime = "nix-app";\ncommand = [ "{GONE}/bin/x" ];'
    )
    result = linux.activate(agent, "--json")
    assert outcome(result) == (3, "staged"), result.stdout
    c = checks(result)["runtime"]
    assert c["status"] == "fail" and "garbage-collected" in c["detail"]
