"""The users the tests run the product as: user agents as a normal user with rootless Podman
under that user's own `systemd --user`, the simulated Mac as uid 501. `scripts/setup.sh`
creates them; root remains for system scope only."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import time
from dataclasses import dataclass
from pathlib import Path

# The normal Linux user, the Mac's first user (uid 501), and one without subordinate ids.
LINUX_USER = "agentc-user"
MAC_USER = "agentc-mac"
NO_SUBID_USER = "agentc-nosubid"
# Stdlib-only helpers (the launchd simulator, the Podman shim) run under this interpreter: the
# test venv's may sit under root's home (mode 0700), where no other user can reach it.
USER_PYTHON = "/usr/bin/python3"


@dataclass(frozen=True)
class User:
    """A local account the product runs as."""

    name: str
    uid: int
    gid: int

    @property
    def home(self) -> Path:
        return Path(pwd.getpwuid(self.uid).pw_dir)

    def argv(self, argv: list[str]) -> list[str]:
        """`argv` run as this user with the user's groups; the environment is the caller's."""
        if os.geteuid() == self.uid:
            return list(argv)
        return [
            "setpriv", "--reuid", str(self.uid), "--regid", str(self.gid), "--init-groups",
            "--", *argv,
        ]  # fmt: skip

    def own(self, *paths: Path) -> None:
        """Give paths (and, for a directory, everything in it) to this user."""
        for path in paths:
            os.chown(path, self.uid, self.gid, follow_symlinks=False)
            if path.is_dir() and not path.is_symlink():
                for sub in path.rglob("*"):
                    os.chown(sub, self.uid, self.gid, follow_symlinks=False)

    def kill_all(self) -> list[int]:
        """End every process of this user, by PID (the test users run nothing of their own:
        what is left is what a test started, such as rootless Podman's pause process)."""
        killed = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit() or int(proc.name) == os.getpid():
                continue
            try:
                if proc.stat().st_uid != self.uid:
                    continue
                os.kill(int(proc.name), signal.SIGKILL)
                killed.append(int(proc.name))
            except (OSError, ProcessLookupError):
                continue
        if killed:
            time.sleep(0.1)
        return killed


def user(name: str) -> User:
    """The test user `name`; skips (fails in CI) where setup.sh has not made it."""
    from tests.conftest import missing

    problem = None
    if os.geteuid() != 0:
        problem = "the tests switch to their users from root"
    elif shutil.which("setpriv") is None:
        problem = "setpriv (util-linux) is not installed"
    else:
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            problem = f"test user {name} does not exist"
        else:
            return User(name, entry.pw_uid, entry.pw_gid)
    missing(f"{problem}: run scripts/setup.sh as root")


def reachable(path: Path) -> None:
    """Let other users traverse to `path` (a test's temporary directory): search permission
    on each ancestor, nothing more (no listing, no reading). All three search bits: rootless
    Podman otherwise chmods each ancestor of its store for the container's mapped root."""
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if mode & 0o111 != 0o111:
            parent.chmod((mode & 0o7777) | 0o111)
