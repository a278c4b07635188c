"""As users run it: user agents activate as a normal user with rootless Podman under that user's
own systemd user manager (on the simulated Mac as uid 501), and preflight names what rootless
Podman needs of the host before any start."""

from __future__ import annotations

import contextlib
import json
import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hosts import (
    IMAGE,
    DarwinHost,
    LinuxHost,
    _private_mount_namespace,
    checks,
    compile_agent,
    hidden,
    sleeper_agent,
)
from tests.users import MAC_USER, NO_SUBID_USER, reachable, user

pytestmark = pytest.mark.real


def uid_of(pid: int) -> int:
    return os.stat(f"/proc/{pid}").st_uid


def test_a_user_agent_runs_as_its_user_with_rootless_podman_on_real_systemd(
    linux: LinuxHost,
) -> None:
    agent = sleeper_agent(linux)
    result = linux.activate(agent, "--json")
    assert (result.returncode, json.loads(result.stdout)["state"]) == (0, "running"), result.stdout
    assert linux.user is not None and linux.uid != 0
    # The user's own manager runs the unit; the container's processes are the user's.
    manager = linux.manager.proc
    assert manager is not None
    main = int(linux.manager.show("sourceos-agent@demo.service", "MainPID")["MainPID"])
    assert main != 0 and uid_of(main) == linux.uid
    info = linux.run(["podman", "info", "--format", "{{.Host.Security.Rootless}}"])
    assert info.stdout.strip() == "true", info.stderr
    pid = linux.store.podman("container", "inspect", "--format", "{{.State.Pid}}", "demo")
    assert uid_of(int(pid.stdout)) == linux.uid
    c = checks(linux.activate(agent, "--dry-run", "--json"))
    assert [c[i]["status"] for i in ("rootless-subids", "rootless-uidmap", "rootless-network")] == [
        "pass",
        "pass",
        "pass",
    ]


def test_the_simulated_mac_is_uid_501_in_its_own_gui_domain(darwin: DarwinHost) -> None:
    assert darwin.user == user(MAC_USER) and darwin.uid == 501
    agent = sleeper_agent(darwin)
    result = darwin.activate(agent, "--json")
    assert result.returncode == 0, result.stdout
    (job,) = darwin.loaded()
    assert job["domain"] == "gui/501" and uid_of(job["job_pid"]) == 501
    assert darwin.plist_path("org.sourceos.agent.demo").stat().st_uid == 501
    # Rootless checks are Linux's: on a Mac the containers run in the Podman machine.
    c = checks(result)["rootless-network"]
    assert c["status"] == "skip" and "Podman machine" in c["detail"]
    # Another user's domain and the system domain are not the caller's to change.
    other = darwin.run(["launchctl", "bootout", "gui/502/org.sourceos.agent.demo"])
    assert (other.returncode, other.stderr) == (1, "Boot-out failed: 1: Operation not permitted\n")
    system = darwin.run(["launchctl", "bootstrap", "system", str(darwin.plist_path(job["label"]))])
    assert system.returncode == 1 and "Operation not permitted" in system.stderr


@contextlib.contextmanager
def tun_closed(tmp: Path) -> Iterator[None]:
    """/dev/net/tun as a fresh machine of this kind has it, 0600 root's, in this test's own mount
    namespace (a device node of the same numbers bound over it): nothing outside changes."""
    _private_mount_namespace()
    real = os.stat("/dev/net/tun")
    node = tmp / "tun-0600"
    os.mknod(node, 0o600 | stat.S_IFCHR, real.st_rdev)
    subprocess.run(["mount", "--bind", str(node), "/dev/net/tun"], check=True)
    try:
        yield
    finally:
        subprocess.run(["umount", "/dev/net/tun"], check=True)


def test_a_tun_device_the_user_cannot_open_fails_preflight_with_the_fix(
    linux: LinuxHost,
) -> None:
    """The start would fail ("slirp4netns failed: open /dev/net/tun: Permission denied") and roll
    back: preflight says so first, and nothing is installed."""
    agent = sleeper_agent(linux)
    with tun_closed(linux.tmp):
        result = linux.activate(agent, "--json")
        text = linux.activate(agent).stdout.splitlines()
    assert (result.returncode, json.loads(result.stdout)["state"]) == (3, "staged"), result.stdout
    c = checks(result)["rootless-network"]
    assert c["status"] == "fail" and "cannot open /dev/net/tun" in c["detail"], c
    assert c["remediation"].startswith("sudo chmod 0666 /dev/net/tun")
    assert linux.unit("demo")["LoadState"] == "not-found"
    assert linux.store.podman("ps", "-aq").stdout.split() == []
    assert any(line.startswith("- rootless podman: agentc-user cannot open") for line in text), text
    # The same host once the device is usable: the agent runs.
    result = linux.activate(agent, "--json")
    assert (result.returncode, json.loads(result.stdout)["state"]) == (0, "running"), result.stdout


def test_missing_newuidmap_fails_preflight_with_the_package(linux: LinuxHost) -> None:
    """uidmap not installed (Podman only recommends it): hidden here under an empty,
    non-executable file in this test's own mount namespace."""
    with hidden("newuidmap", "newgidmap"):
        result = linux.activate(sleeper_agent(linux), "--dry-run", "--json")
    c = checks(result)["rootless-uidmap"]
    assert c == {
        "id": "rootless-uidmap",
        "status": "fail",
        "detail": "not found: newuidmap newgidmap (rootless Podman maps ids with them)",
        "remediation": "sudo apt-get install uidmap",
    }
    assert result.returncode == 3


def test_a_user_without_subordinate_ids_fails_preflight_with_a_free_range(
    tmp_path: Path, user_store
) -> None:
    """A real account without /etc/subuid and /etc/subgid entries (setup.sh makes one)."""
    nosub = user(NO_SUBID_USER)
    reachable(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    nosub.own(tmp_path, home)
    agent = compile_agent(
        tmp_path / "out", "demo",
        f'image = "{IMAGE}";\npodman = {{ connection = null; requireMachine = false; }};',
    )  # fmt: skip
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "SOURCEOS_AGENT_PLATFORM": "linux",
           "LANG": "C", **user_store.env}  # fmt: skip
    result = subprocess.run(nosub.argv([str(agent / "bin" / "activate"), "--dry-run", "--json"]),
                            env=env, capture_output=True, text=True, timeout=120,
                            stdin=subprocess.DEVNULL)  # fmt: skip
    c = checks(result)["rootless-subids"]
    assert c["status"] == "fail" and f"{NO_SUBID_USER} has no subordinate id range" in c["detail"]
    start, end = c["remediation"].split(" ")[3].split("-")
    assert int(end) - int(start) == 65535
    taken = [
        (int(a), int(a) + int(n))
        for line in Path("/etc/subuid").read_text().splitlines()
        for _, a, n in [line.split(":")]
    ]
    assert all(int(start) >= hi or int(end) < lo for lo, hi in taken), (start, taken)
    assert c["remediation"].endswith(f"{NO_SUBID_USER} && podman system migrate")
    nosub.kill_all()


def test_system_scope_runs_as_root_and_skips_the_rootless_checks(
    tmp_path: Path, root_store
) -> None:
    agent = compile_agent(
        tmp_path / "out", "sys",
        'scope = "system";\nwaivers.unjustified-system-scope = "a test of system scope";\n'
        f'image = "{IMAGE}";\nauth.mode = "none";\n'
        "podman = { connection = null; requireMachine = false; };",
    )  # fmt: skip
    env = {**os.environ, "SOURCEOS_AGENT_PLATFORM": "linux", "HOME": str(tmp_path),
           "SOURCEOS_AGENT_ROOT": str(tmp_path / "root"), **root_store.env}  # fmt: skip
    result = subprocess.run([str(agent / "bin" / "activate"), "--dry-run", "--json"], env=env,
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    c = checks(result)
    assert {c[i]["detail"] for i in ("rootless-subids", "rootless-uidmap", "rootless-network")} == {
        "root runs Podman rootful"
    }


def test_launchd_loads_a_users_plist_only_when_the_user_owns_it(darwin: DarwinHost) -> None:
    """launchctl(1): per-user LaunchAgents "must be owned by ... the user loading them" and
    "must disallow group and world writes"; launchd answers 5: Input/output error."""
    plist = darwin.home / "Library" / "LaunchAgents" / "com.example.owned.plist"
    darwin.write(
        plist,
        '<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict>'
        "<key>Label</key><string>com.example.owned</string><key>ProgramArguments</key>"
        "<array><string>/bin/sleep</string><string>60</string></array></dict></plist>\n",
    )
    boot = ["launchctl", "bootstrap", f"gui/{darwin.uid}", str(plist)]
    darwin.root_owned.add(plist)
    os.chown(plist, 0, 0)
    refused = darwin.run(boot)
    assert (refused.returncode, refused.stderr) == (5, "Bootstrap failed: 5: Input/output error\n")
    darwin.root_owned.discard(plist)
    darwin.user.own(plist)
    plist.chmod(0o664)
    assert darwin.run(boot).returncode == 5
    plist.chmod(0o644)
    assert darwin.run(boot).returncode == 0
    assert [j["label"] for j in darwin.loaded()] == ["com.example.owned"]
