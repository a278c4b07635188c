"""Test hosts for activation, run as their users run them: a simulated macOS (fake launchctl +
podman machine shim over real rootless Podman, as uid 501) and a real Linux (the user's own
systemd user manager and rootless Podman, as a normal user; root for system scope). All
cleaned up by PID."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from compiler.pipeline import build, write_tree
from tests.conftest import ROOT, require_tool
from tests.realhost import UserManager
from tests.users import USER_PYTHON, User, reachable

FAKES = Path(__file__).parent / "fakes"
IMAGE = "localhost/sourceos/demo:dev"
NODE_COMMANDER_IMAGE = "localhost/socioprophet/node-commander:dev-boot"

# tmp_dir fixed: Podman records it in its database and refuses a store opened with another
# (each host's XDG_RUNTIME_DIR would give another), and a rootless store's pause process (the
# user namespace every call joins) records its PID there: one per store, ended with it.
# network_config_dir: rootless Podman's is ~/.config/cni, made at its first call in whatever
# home it is given; a test host's home holds only what the user and the product put there.
CONTAINERS_CONF = """[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "{root}/libpod-tmp"
[network]
network_config_dir = "{root}/cni"
"""


class PodmanStore:
    """Real Podman with a private store and a busybox image, no registry: rootful, or rootless
    as `user` (the store is then the user's own)."""

    def __init__(self, root: Path, user: User | None = None) -> None:
        self.root = root
        self.user = user
        root.mkdir(parents=True, exist_ok=True)
        (root / "containers.conf").write_text(CONTAINERS_CONF.format(root=root))
        # Rootless Podman ignores graphroot and keeps its store under the caller's HOME, which
        # every test host has of its own: rootless_storage_path makes it this one.
        (root / "storage.conf").write_text(
            f'[storage]\ndriver = "vfs"\ngraphroot = "{root}/store"\nrunroot = "{root}/run"\n'
            f'rootless_storage_path = "{root}/store"\n'
        )
        self.env = {
            "CONTAINERS_CONF": str(root / "containers.conf"),
            "CONTAINERS_STORAGE_CONF": str(root / "storage.conf"),
        }
        self.own_env = {**os.environ, **self.env}
        if user is not None:
            reachable(root)
            (root / "home").mkdir(exist_ok=True)
            (root / "xdg-run").mkdir(mode=0o700, exist_ok=True)
            user.own(root)
            self.own_env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(root / "home"),
                "USER": user.name, "XDG_RUNTIME_DIR": str(root / "xdg-run"), "LANG": "C",
                **self.env,
            }  # fmt: skip

    def argv(self, *args: str) -> list[str]:
        argv = [require_tool("podman"), *args]
        return self.user.argv(argv) if self.user else argv

    def podman(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run the real podman against this store, as its user."""
        return subprocess.run(
            self.argv(*args),
            env=self.own_env,
            capture_output=True,
            text=True,
            check=check,
            timeout=120,
        )

    def load_image(self, name: str = IMAGE) -> None:
        """Import a busybox root filesystem as `name`."""
        busybox = require_tool("busybox")
        rootfs = self.root / "rootfs"
        if not rootfs.exists():
            (rootfs / "bin").mkdir(parents=True)
            target = rootfs / "bin" / "busybox"
            target.write_bytes(Path(busybox).read_bytes())
            target.chmod(0o755)
            for tool in ("sh", "sleep", "echo", "true", "false"):
                (rootfs / "bin" / tool).symlink_to("busybox")
        tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
        subprocess.run(
            self.argv("import", "--change", 'CMD ["/bin/sleep", "3600"]', "-", name),
            stdin=tar.stdout,
            env=self.own_env,
            capture_output=True,
            check=True,
            timeout=120,
        )
        tar.wait()

    def remove_image(self, name: str = IMAGE) -> None:
        self.podman("rmi", "-f", name, check=False)

    def container_state(self, name: str) -> str | None:
        """The container's state, or None when Podman says there is no such container; any
        other failure of Podman is an error, never taken for "absent"."""
        out = self.podman(
            "container", "inspect", "--format", "{{.State.Status}}", name, check=False
        )
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.strip()
        if out.returncode != 0 and "no such container" in out.stderr:
            return None
        raise RuntimeError(f"podman container inspect {name}: exit {out.returncode}: {out.stderr}")

    def cleanup(self, final: bool = False) -> None:
        """Remove every container of this store; a run that was still starting one when its
        host was torn down can create it late, so look again until none is left."""
        for _ in range(5):
            ids = self.podman("ps", "-aq", check=False).stdout.split()
            if not ids:
                break
            self.podman("rm", "-f", "-t", "0", *ids, check=False)
            time.sleep(0.3)
        self._kill_port_forwarders()
        if final:
            self._kill_strays()
            if self.user is not None:
                self.user.kill_all()  # the pause process, and anything a test left behind

    def _kill_port_forwarders(self) -> None:
        """rootlessport, by PID, once every container of this store is gone: a `podman run` a
        test's teardown killed (as a simulated launchd job is) leaves its port forwarder
        holding the published port, which the next test's preflight would rightly report."""
        if self.user is None:
            return
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                if proc.stat().st_uid != self.user.uid:
                    continue
                name = (proc / "comm").read_text().strip()
            except OSError:
                continue
            if name.startswith("rootlessport"):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(int(proc.name), signal.SIGKILL)

    def _kill_strays(self) -> None:
        """Last resort at the end of the session: any conmon still serving this store, by PID."""
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if (
                cmdline
                and cmdline[0].endswith(b"conmon")
                and str(self.root).encode() in b" ".join(cmdline)
            ):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(int(proc.name), signal.SIGKILL)


def checks(result: subprocess.CompletedProcess) -> dict[str, dict]:
    """The preflight checks of an activation's (or a verb's) JSON report, by id."""
    return {c["id"]: c for c in json.loads(result.stdout)["preflight"]}


@contextlib.contextmanager
def hidden(*programs: str) -> Iterator[None]:
    """Programs absent from this host: an empty, non-executable file bound over each in this
    test process's own mount namespace (the product searches the standard directories itself,
    whatever PATH it is given); what it starts from now on sees them absent too."""
    _private_mount_namespace()
    blank = Path(tempfile.mkdtemp(prefix="agentc-hidden-")) / "absent"
    blank.write_bytes(b"")
    done: list[str] = []
    try:
        for program in programs:
            path = os.path.realpath(f"/usr/bin/{program}")
            subprocess.run(["mount", "--bind", str(blank), path], check=True)
            done.append(path)
        yield
    finally:
        for path in reversed(done):
            subprocess.run(["umount", path], check=True)
        shutil.rmtree(blank.parent, ignore_errors=True)


# The tests' agents settle for one second (two looks a second apart) instead of the default
# ten: the suite activates a few hundred. A test of the settle window itself says so.
QUICK_SETTLE = "lifecycle.settleSeconds = 1;"


def quick_settle(declaration: Path, name: str) -> Path:
    """Give agent `name` in `declaration` (an example's copy) the tests' settle window."""
    with declaration.open("a") as f:
        f.write(f"sourceos.localAgents.{name}.{QUICK_SETTLE}\n")
    return declaration


def compile_agent(out: Path, name: str, body: str, settle: bool = True) -> Path:
    """Compile `sourceos.localAgents.<name> = { body };` into out/<name>/ (with the tests'
    settle window unless `settle` is false or the body sets one)."""
    decl = out / f"{name}.agent"
    out.mkdir(parents=True, exist_ok=True)
    if settle and "settleSeconds" not in body:
        body = f"{body}\n{QUICK_SETTLE}"
    decl.write_text(f"sourceos.localAgents.{name} = {{\n{body}\n}};\n")
    trees, result = build([str(decl)])
    errors = [d for d in result.diagnostics if d.is_error]
    assert name in trees, errors
    write_tree(out / name, trees[name])
    return out / name


def sleeper_agent(
    host: Host, name: str = "demo", extra: str = "", connection: str = "null", image: str = IMAGE
) -> Path:
    """A Podman agent running `/bin/sleep 300` in the test image, with no Podman machine:
    local, or through the named `connection` (a Nix string: `"svc"`); `extra` adds fields."""
    return compile_agent(
        host.out,
        name,
        f'image = "{image}";\ncommand = [ "/bin/sleep" "300" ];\n'
        f"podman = {{ connection = {connection}; requireMachine = false; }};\n{extra}",
    )


def _executable(path: Path, target: Path) -> None:
    path.write_text(f'#!/bin/sh\nexec "{USER_PYTHON}" "{target}" "$@"\n')
    path.chmod(0o755)


# Credential helpers speaking the docker-credential protocol (`docker-credential-NAME get`, the
# server URL on stdin, an error on stdout with exit 1): one that fails the way a logged-out
# cloud SDK does, one that waits for a person who never comes (it records its PID so the test
# can end it).
CREDENTIAL_HELPERS = {
    "failing": (
        "#!/bin/sh\ncat >/dev/null\n"
        "echo 'ERROR: (gcloud.auth.docker-helper) You do not currently have an active account"
        " selected.'\nexit 1\n"
    ),
    "hanging": '#!/bin/sh\necho $$ >>"$0.pids"\nexec sleep 120\n',
}


def credential_helper(bin_dir: Path, kind: str) -> str:
    """Write `docker-credential-<kind>` into bin_dir; returns the helper's name for configs."""
    path = bin_dir / f"docker-credential-{kind}"
    path.write_text(CREDENTIAL_HELPERS[kind])
    path.chmod(0o755)
    return kind


def kill_credential_helpers(bin_dir: Path) -> None:
    """End every hanging helper a test started, by the PIDs it recorded."""
    for pids in bin_dir.glob("docker-credential-*.pids"):
        for pid in pids.read_text().split():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(int(pid), signal.SIGKILL)


# What a Linux host has and macOS does not: GNU coreutils' and util-linux's own programs.
# The simulated Mac hides them (see MacUserland), so the scripts' macOS code paths run.
NOT_ON_MACOS = (
    "timeout", "sha1sum", "sha224sum", "sha256sum", "sha384sum", "sha512sum", "md5sum",
    "b2sum", "base32", "nproc", "tac", "stdbuf", "getent", "flock", "setsid", "runuser",
    "unshare", "nsenter", "systemctl", "journalctl", "systemd-analyze", "loginctl",
)  # fmt: skip
CLONE_NEWNS = 0x00020000


@functools.cache
def _private_mount_namespace() -> None:
    """Move this test process (and what it starts from now on) into a mount namespace of its
    own, whose mounts never propagate back to the machine."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNS) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNS) for the simulated Mac")
    subprocess.run(["mount", "--make-rprivate", "/"], check=True, capture_output=True)


class MacUserland:
    """The simulated Mac's tools: while active, the programs in NOT_ON_MACOS are covered by
    an empty, non-executable file (bind mounts in this process's private mount namespace),
    so `command -v timeout` fails as on macOS, whatever PATH a script builds."""

    def __init__(self) -> None:
        self.mounted: list[str] = []
        self.blank: Path | None = None

    def __enter__(self) -> MacUserland:
        _private_mount_namespace()
        blank = self.blank = Path(tempfile.mkdtemp(prefix="agentc-mac-")) / "absent"
        blank.write_bytes(b"")
        blank.chmod(0o644)
        targets = []
        for tool in NOT_ON_MACOS:
            for d in ("/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"):
                path = os.path.realpath(os.path.join(d, tool))
                if os.path.isfile(path) and path not in targets:
                    targets.append(path)
        try:
            for path in targets:
                subprocess.run(["mount", "--bind", str(blank), path], check=True,
                               capture_output=True)  # fmt: skip
                self.mounted.append(path)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        for path in reversed(self.mounted):
            subprocess.run(["umount", path], capture_output=True)
        self.mounted.clear()
        if self.blank is not None:
            shutil.rmtree(self.blank.parent, ignore_errors=True)
            self.blank = None


class Host:
    """What activation sees: a HOME, PATH, platform and tools, and the user it runs as (the
    store's: a normal user for user agents, root for system scope)."""

    platform = "linux"

    def __init__(self, tmp: Path, store: PodmanStore, home: str = "home") -> None:
        self.tmp = tmp
        self.store = store
        self.user = store.user
        self.home = tmp / home
        self.home.mkdir(parents=True, exist_ok=True)
        # The host's system-wide directories (SOURCEOS_AGENT_ROOT): root's, as on a real host.
        self.root = tmp / "root"
        self.root.mkdir(exist_ok=True)
        self.out = tmp / "out"
        # Paths in the home a test means to leave root's (a plist launchd must refuse).
        self.root_owned: set[Path] = set()
        if self.user is not None:
            reachable(tmp)
            self.user.own(tmp, *(p for p in self.home.parents if tmp in p.parents), self.home)

    @property
    def uid(self) -> int:
        """The uid activation runs as: what `id -u` says to it, and its launchd domain."""
        return self.user.uid if self.user else os.geteuid()

    def run(self, argv: list[str], env: dict | None = None, timeout: float = 120, **kwargs):
        """Run a command on this host as its user, with the host's environment."""
        self.settle_ownership()
        options = {"capture_output": True, "text": True, "stdin": subprocess.DEVNULL, **kwargs}
        if "input" in options:
            options.pop("stdin")
        return subprocess.run(
            self.user.argv(argv) if self.user else argv,
            env={**self.env, **(env or {})},
            timeout=timeout,
            **options,
        )

    def popen(self, argv: list[str], env: dict | None = None, **kwargs) -> subprocess.Popen:
        """Start a command on this host as its user, with the host's environment."""
        self.settle_ownership()
        return subprocess.Popen(
            self.user.argv(argv) if self.user else argv, env={**self.env, **(env or {})}, **kwargs
        )

    def settle_ownership(self) -> None:
        """What the test put into the user's home (as root) is the user's, as a person's own
        files are, except what `root_owned` names."""
        if self.user is None:
            return
        for path in self.home.rglob("*"):
            # A file gone meanwhile, or on a read-only mount a test made, stays as it is.
            with contextlib.suppress(OSError):
                if path.lstat().st_uid == 0 and path not in self.root_owned:
                    os.chown(path, self.user.uid, self.user.gid, follow_symlinks=False)

    def agentctl(self, agent_dir: Path, *args: str, timeout: float = 180, env: dict | None = None):
        """An operator verb, as the agent's user runs it."""
        return self.run([str(agent_dir / "bin" / "agentctl"), *args], env=env, timeout=timeout)

    def python(self, module: str, *args: str, env: dict | None = None, timeout: float = 180):
        """`python -m module`, as the host's user runs agentc's programs: for a user who cannot
        reach the test venv's interpreter (under root's home), the system's Python with this
        checkout and the venv's packages on its path."""
        if self.user is None:
            return self.run([sys.executable, "-m", module, *args], env=env, timeout=timeout)
        path = os.pathsep.join([str(ROOT), sysconfig.get_paths()["purelib"]])
        env = {"PYTHONPATH": path, **(env or {})}
        return self.run([USER_PYTHON, "-m", module, *args], env=env, timeout=timeout)

    def sourceos_agent(self, *args: str, env: dict | None = None, timeout: float = 180):
        """The host-side `sourceos-agent` tool, as the host's user runs it."""
        return self.python("compiler.host.sourceos_agent", *args, env=env, timeout=timeout)

    def write(self, path: Path, text: str, mode: int | None = None) -> Path:
        """Write a file the host's user made (and the directories to it, below the test's)."""
        missing = [d for d in [path.parent, *path.parent.parents] if not d.exists()]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        if mode is not None:
            path.chmod(mode)
        if self.user is not None:
            self.user.own(*missing, path)
        return path

    @property
    def env(self) -> dict[str, str]:
        raise NotImplementedError

    def state_dir(self, name: str) -> Path:
        return self.home / ".local" / "state" / "sourceos" / "agents" / name

    def activate(self, agent_dir: Path, *args: str, env: dict | None = None, timeout: float = 120):
        """Run the generated bin/activate as the agent's user would."""
        return self.run([str(agent_dir / "bin" / "activate"), *args], env=env, timeout=timeout)

    def status(self, agent_dir: Path) -> dict:
        result = self.activate(agent_dir, "--json")
        return json.loads(result.stdout)


class DarwinHost(Host):
    """macOS simulated: fake launchctl, podman machine shim, real Podman underneath, and a
    userland without the GNU-only tools (MacUserland)."""

    platform = "darwin"

    def __init__(self, tmp: Path, store: PodmanStore, home: str = "home") -> None:
        super().__init__(tmp, store, home)
        self.bin = tmp / "bin"
        self.bin.mkdir(exist_ok=True)
        self.launchd = tmp / "launchd"
        self.launchd.mkdir(exist_ok=True)
        _executable(self.bin / "launchctl", FAKES / "launchctl.py")
        _executable(self.bin / "podman", FAKES / "podman.py")
        self.scenario_file = tmp / "podman-scenario.json"
        if self.user is not None:
            self.user.own(self.bin, self.launchd)  # the simulator's state is the caller's
        self.scenario(machines={"podman-machine-default": "running"},
                      connections={"podman-machine-default": "ok"},
                      default_connection="podman-machine-default")  # fmt: skip
        # What launchd gives a job: a minimal environment, plus the test's Podman store.
        self.write(
            self.launchd / "environment.json",
            json.dumps(
                {
                    "HOME": str(self.home),
                    "PATH": f"{self.bin}:/usr/bin:/bin:/usr/sbin:/sbin",
                    "FAKE_PODMAN_SCENARIO": str(self.scenario_file),
                    "REAL_PODMAN": require_tool("podman"),
                    **store.env,
                }
            ),
        )
        self.userland = MacUserland().__enter__()

    def scenario(self, **values) -> None:
        current = {}
        if self.scenario_file.exists():
            current = json.loads(self.scenario_file.read_text())
        current.update(values)
        self.write(self.scenario_file, json.dumps(current))

    @property
    def env(self) -> dict[str, str]:
        return {
            "HOME": str(self.home),
            "PATH": f"{self.bin}:/usr/bin:/bin:/usr/sbin:/sbin",
            "SOURCEOS_AGENT_PLATFORM": "darwin",
            "SOURCEOS_AGENT_ROOT": str(self.root),
            "FAKE_LAUNCHD_DIR": str(self.launchd),
            "FAKE_PODMAN_SCENARIO": str(self.scenario_file),
            "REAL_PODMAN": require_tool("podman"),
            "LANG": "C",
            **self.store.env,
        }

    def launchctl_calls(self) -> list[list[str]]:
        log = self.launchd / "calls.log"
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text().splitlines()]

    def overrides(self) -> dict:
        path = self.launchd / "overrides.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def loaded(self) -> list[dict]:
        jobs = self.launchd / "jobs"
        return (
            [json.loads(p.read_text()) for p in sorted(jobs.glob("*.json"))]
            if jobs.exists()
            else []
        )

    def plist_path(self, label: str) -> Path:
        return self.home / "Library" / "LaunchAgents" / f"{label}.plist"

    def cleanup(self) -> None:
        """Stop every simulated job (supervisor and job, by PID) and any credential helper."""
        kill_credential_helpers(self.bin)
        for job in self.loaded():
            with contextlib.suppress(ProcessLookupError, PermissionError, TypeError):
                os.kill(job.get("supervisor_pid"), signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError, PermissionError, TypeError):
                os.killpg(job.get("job_pid"), signal.SIGKILL)
        time.sleep(0.05)
        self.userland.__exit__()


class LinuxHost(Host):
    """Linux for real: a private systemd user manager and real rootful Podman."""

    platform = "linux"

    def __init__(self, tmp: Path, store: PodmanStore, home: str = "home") -> None:
        super().__init__(tmp, store, home)
        self.bin = tmp / "bin"
        self.bin.mkdir(exist_ok=True)
        if self.user is not None:
            self.user.own(self.bin)
        self.manager = UserManager(tmp, self.home, self.user)
        try:
            self.manager.start()
            self.manager.systemctl(
                "set-environment", *(f"{k}={v}" for k, v in store.env.items()),
                f"PATH={self.bin}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            )  # fmt: skip
        except BaseException:
            self.manager.stop()
            raise

    @property
    def env(self) -> dict[str, str]:
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "SOURCEOS_"))},
            "PATH": f"{self.bin}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": str(self.home),
            "XDG_RUNTIME_DIR": str(self.manager.runtime_dir),
            "XDG_CONFIG_HOME": str(self.manager.config_home),
            "SOURCEOS_AGENT_PLATFORM": "linux",
            "SOURCEOS_AGENT_ROOT": str(self.root),
            "LANG": "C",
            **({"USER": self.user.name, "LOGNAME": self.user.name} if self.user else {}),
            **self.store.env,
        }

    @property
    def user_units(self) -> Path:
        """The user manager's unit directory, as this host's HOME has it."""
        return self.home / ".config" / "systemd" / "user"

    def user_unit(self, name: str, text: str) -> Path:
        """Write a unit file of the host's own (not agentc's) into the user unit directory."""
        return self.write(self.user_units / name, text)

    def unit(self, name: str) -> dict[str, str]:
        return self.manager.show(
            f"sourceos-agent@{name}.service",
            "ActiveState",
            "SubState",
            "UnitFileState",
            "LoadState",
        )

    def cleanup(self) -> None:
        kill_credential_helpers(self.bin)
        self.manager.stop()


def sweep_supervisors(base: Path) -> list[int]:
    """Kill the simulator's supervisors whose launchd directory lies under `base`, and their
    jobs' process groups; returns the PIDs it killed."""
    killed = []
    marker = str(FAKES / "launchctl.py").encode()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            environ = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if marker not in cmdline or b"--supervise" not in cmdline:
            continue
        launchd = next((e[len(b"FAKE_LAUNCHD_DIR="):] for e in environ
                        if e.startswith(b"FAKE_LAUNCHD_DIR=")), b"")  # fmt: skip
        if not launchd.startswith(str(base).encode()):
            continue
        pid = int(proc.name)
        jobs = Path(launchd.decode()) / "jobs"
        for job in jobs.glob("*.json") if jobs.exists() else ():
            with contextlib.suppress(ValueError, OSError):
                record = json.loads(job.read_text())
                if record.get("supervisor_pid") == pid and record.get("job_pid"):
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.killpg(record["job_pid"], signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGTERM)  # a supervisor ends its job's process group on TERM
            killed.append(pid)
    if killed:
        time.sleep(0.5)
    for pid in killed:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    return killed
