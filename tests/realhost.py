"""Real tools for tests: a private `systemd --user` manager (never `--system`), started and
stopped by PID, following ../shared/recipes/real-host.md."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from tests.conftest import require_tool
from tests.users import User

CGROUP = Path("/sys/fs/cgroup")


def cgroup_hierarchies(root: Path = CGROUP) -> list[Path]:
    """Where a delegated cgroup for a user manager goes: the one cgroup2 tree on a pure v2
    host (stock Debian 12), or the named systemd tree plus the unified one on a hybrid host."""
    if (root / "cgroup.controllers").exists():
        return [root]
    hierarchies = [root / h for h in ("systemd", "unified") if (root / h).is_dir()]
    if not hierarchies or hierarchies[0].name != "systemd":
        raise RuntimeError(
            f"no cgroup hierarchy systemd can run under at {root}: mount cgroup2 there"
            " (pure v2) or the named `systemd` hierarchy (hybrid)"
        )
    return hierarchies


class UserManager:
    """A real systemd user manager in a private mount namespace and delegated cgroup, run as
    `user` (root when None), as that user's login would run it."""

    def __init__(self, workdir: Path, home: Path, user: User | None = None) -> None:
        self.workdir = workdir
        self.home = home
        self.user = user
        self.runtime_dir = workdir / "xdg-run"
        self.config_home = home / ".config"
        self.cgroup = f"agentc-test-{os.getpid()}-{time.monotonic_ns()}"
        self.proc: subprocess.Popen | None = None
        self.hierarchies: list[Path] = []

    @property
    def env(self) -> dict[str, str]:
        """What a client (systemctl) needs to reach this manager."""
        return {
            **os.environ,
            "XDG_RUNTIME_DIR": str(self.runtime_dir),
            "XDG_CONFIG_HOME": str(self.config_home),
            "HOME": str(self.home),
        }

    SYSTEMD = Path("/lib/systemd/systemd")

    def start(self) -> None:
        """Boot the manager and wait until it reports `running`; on any failure, stop what was
        started (process and cgroups) before raising."""
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        if os.geteuid() != 0:
            raise RuntimeError(
                "a private systemd user manager needs root here: it makes a delegated cgroup"
                " and mounts a tmpfs on /run/systemd in its own mount namespace"
            )
        systemd = self.SYSTEMD
        if not systemd.exists():
            require_tool("systemd")
        require_tool("unshare")
        (self.config_home / "systemd" / "user").mkdir(parents=True, exist_ok=True)
        self.runtime_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.hierarchies = cgroup_hierarchies()
        for hierarchy in self.hierarchies:
            (hierarchy / self.cgroup).mkdir(parents=True, exist_ok=True)
        name, as_user = "root", []
        if self.user is not None:
            # The user's own: its runtime directory, its config, and the delegated cgroup (as
            # logind delegates user@UID.service's subtree to the user).
            self.user.own(self.runtime_dir, self.config_home,
                          *(h / self.cgroup for h in self.hierarchies))  # fmt: skip
            name, as_user = self.user.name, self.user.argv([])
        # Each value travels as its own argv word (no shell quoting), so a home named
        # o'brien, rate%home or x"y reaches the manager exactly.
        procs = [str(h / self.cgroup / "cgroup.procs") for h in self.hierarchies]
        join = (
            'for f in "$@"; do [ "$f" = -- ] && break; echo $$ >"$f"; shift; done; shift; exec "$@"'
        )
        mount = 'mount -t tmpfs tmpfs /run/systemd && mkdir /run/systemd/system && exec "$@"'
        argv = [
            "sh", "-c", join, "sh", *procs, "--",
            "unshare", "--mount", "--propagation", "private", "sh", "-c", mount, "sh", *as_user,
            "env", "-i", f"HOME={self.home}", f"USER={name}", f"LOGNAME={name}",
            f"XDG_RUNTIME_DIR={self.runtime_dir}", f"XDG_CONFIG_HOME={self.config_home}",
            "PATH=/usr/sbin:/usr/bin:/sbin:/bin", str(systemd), "--user",
        ]  # fmt: skip
        log = open(self.workdir / "manager.log", "wb")  # noqa: SIM115 - closed with the manager
        self.proc = subprocess.Popen(argv, stdout=log, stderr=log)
        log.close()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError((self.workdir / "manager.log").read_text())
            state = self.systemctl("show", "-p", "SystemState", "--value", check=False)
            if state.stdout.strip() == "running":
                return
            time.sleep(0.05)
        raise RuntimeError("systemd --user did not reach `running` in 15 s")

    def systemctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run `systemctl --user` against this manager."""
        argv = ["systemctl", "--user", *args]
        return subprocess.run(
            self.user.argv(argv) if self.user else argv,
            env=self.env,
            capture_output=True,
            text=True,
            check=check,
            timeout=60,
        )

    def show(self, unit: str, *props: str) -> dict[str, str]:
        """Properties of a unit."""
        out = self.systemctl("show", unit, *[f"-p{p}" for p in props]).stdout
        return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)

    def stop(self) -> None:
        """Stop the manager (by PID if it does not exit) and remove its cgroups."""
        if self.proc is not None and self.proc.poll() is None:
            self.systemctl("exit", check=False)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.send_signal(signal.SIGKILL)
                self.proc.wait(timeout=10)
        for hierarchy in self.hierarchies:
            root = hierarchy / self.cgroup
            if root.exists():
                self._kill_cgroup(root)
                for d in sorted(root.rglob("*"), key=lambda p: -len(p.parts)):
                    if d.is_dir():
                        d.rmdir()
                root.rmdir()

    @staticmethod
    def _kill_cgroup(root: Path) -> None:
        """Kill anything a test left in the manager's cgroup, by PID."""
        for procs in root.rglob("cgroup.procs"):
            for pid in procs.read_text().split():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid), signal.SIGKILL)
        time.sleep(0.05)


def have_systemd() -> bool:
    """Whether this machine can run a real user manager at all."""
    return Path("/lib/systemd/systemd").exists() and shutil.which("systemctl") is not None
