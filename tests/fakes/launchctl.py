"""A launchd host simulator behind a fake `launchctl`, following launchctl(1) (launchctl 2 verbs).

State lives under $FAKE_LAUNCHD_DIR: the override database (`enable`/`disable`),
one record per loaded job, and `calls.log` with every invocation (for order
assertions). A loaded job is run by a detached supervisor process that honours
RunAtLoad, KeepAlive (false, or the SuccessfulExit/Crashed dictionary),
ThrottleInterval, ExitTimeOut, StandardOutPath/StandardErrorPath and
EnvironmentVariables, the way launchd does; `bootout` stops it.

Errors mirror what launchd prints: bootstrapping a job that is already loaded,
disabled, or whose plist is invalid, group/world-writable or not owned as
launchctl(1) requires fails with "Bootstrap failed: 5: Input/output error"
(exit 5); booting out a job that is not loaded prints "Boot-out failed: 3: No
such process" (exit 3); printing an unknown service exits 113.

Who may act where, as launchd decides it from the caller (never from an argument):
- launchctl(1): "system: ... requires root privileges to modify"; "gui/<uid>: ... the
  domain for the user's GUI login session"; a user reaches only its own gui/<uid> and
  user/<uid> domains. Anyone else's, or system, as a non-root caller: "<Verb> failed: 1:
  Operation not permitted" (exit 1), as launchctl reports EPERM.
- launchctl(1), `load`: "per-user configuration files (LaunchAgents) must be owned by root
  (if they are located in /Library/LaunchAgents) or the user loading them (if they are
  located in $HOME/Library/LaunchAgents). All system-wide daemons (LaunchDaemons) must be
  owned by root. Configuration files must disallow group and world writes."
- `bootout` returns once launchd has been told, not once the job is gone: the service stays
  in its domain (print shows it, bootstrap of its label fails with 5: Input/output error,
  the error every report of a bootstrap right after a bootout shows) until its process has
  exited and launchd has let go of it. Callers must wait for it, as the product does.
"""

from __future__ import annotations

import json
import os
import plistlib
import signal
import subprocess
import sys
import time
from pathlib import Path

STATE = Path(os.environ.get("FAKE_LAUNCHD_DIR", "/tmp/fake-launchd"))
# What launchd counts as a crash for KeepAlive's Crashed: the program died of one of these
# (a SIGTERM or SIGKILL from outside is not a crash).
CRASH_SIGNALS = {signal.SIGILL, signal.SIGABRT, signal.SIGFPE, signal.SIGBUS, signal.SIGSEGV,
                 signal.SIGSYS, signal.SIGTRAP}  # fmt: skip


# How long a booted-out service stays in its domain after its process exited.
BOOTOUT_LINGER = 0.3


def _jobs() -> Path:
    path = STATE / "jobs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _job_file(domain: str, label: str) -> Path:
    return _jobs() / f"{domain.replace('/', '_')}__{label}.json"


def _read_json(path: Path, default):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return default


def _write_json(path: Path, data) -> None:
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
    os.replace(tmp, path)


def _overrides() -> dict:
    return _read_json(STATE / "overrides.json", {})


def _valid_domain(domain: str) -> bool:
    """launchd's domain targets: system, or gui/, user/ or login/ with a number."""
    if domain == "system":
        return True
    kind, _, number = domain.partition("/")
    return kind in ("gui", "user", "login", "pid") and number.isdigit()


def _permitted(domain: str) -> bool:
    """Whether the caller may change `domain`: root anything, a user only its own domains."""
    caller = os.getuid()
    if caller == 0:
        return True
    kind, _, number = domain.partition("/")
    return kind in ("gui", "user") and number == str(caller)


def _refuse(verb: str) -> int:
    sys.stderr.write(f"{verb} failed: 1: Operation not permitted\n")
    return 1


def _owner_required(domain: str, path: str) -> int:
    """The uid a plist must belong to (see the module docstring): root's for the system domain
    and outside the user's home, the user's in it."""
    if domain == "system":
        return 0
    home = _read_json(STATE / "environment.json", {}).get("HOME") or os.environ.get("HOME", "")
    inside = home and os.path.abspath(path).startswith(home.rstrip("/") + "/")
    return int(domain.partition("/")[2]) if inside else 0


def _domain_of(target: str) -> str:
    if not _valid_domain(target):
        sys.stderr.write("Unrecognized target specifier.\n")
        raise SystemExit(1)
    return target


def _split_target(target: str) -> tuple[str, str]:
    domain, _, label = target.rpartition("/")
    if not label or not _valid_domain(domain):
        sys.stderr.write("Unrecognized target specifier.\n")
        raise SystemExit(1)
    return domain, label


def _usage(message: str) -> int:
    sys.stderr.write(f"{message}\nUsage: launchctl <subcommand> ... | help [subcommand]\n")
    return 64


def _alive(pid: int | None) -> bool:
    """Whether a process runs: a zombie (exited, not yet reaped, as a supervisor whose parent
    was an init that does not reap) is gone."""
    if not pid:
        return False
    try:
        with open(f"/proc/{pid}/stat") as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _disabled(domain: str, label: str) -> bool:
    return _overrides().get(domain, {}).get(label) == "disabled"


def cmd_bootstrap(args: list[str]) -> int:
    if len(args) < 2:
        return _usage("Usage: launchctl bootstrap <domain-target> <path> ...")
    domain, paths = _domain_of(args[0]), args[1:]
    if not _permitted(domain):
        return _refuse("Bootstrap")
    for path in paths:
        try:
            st = os.stat(path)
            mode = st.st_mode
            with open(path, "rb") as fh:
                job = plistlib.load(fh)
            label = job["Label"]
            args_ = job.get("ProgramArguments") or [job["Program"]]
        except (OSError, KeyError, ValueError, plistlib.InvalidFileException, TypeError):
            sys.stderr.write("Bootstrap failed: 5: Input/output error\n")
            return 5
        bad_owner = st.st_uid != _owner_required(domain, path)
        record = _read_json(_job_file(domain, label), None)
        if record or _disabled(domain, label) or mode & 0o022 or bad_owner:
            sys.stderr.write("Bootstrap failed: 5: Input/output error\n")
            return 5
        record = {"path": os.path.abspath(path), "label": label, "domain": domain, "runs": 0,
                  "last_exit": None, "state": "not running", "job_pid": None,
                  "program": job.get("Program", args_[0]), "arguments": args_}  # fmt: skip
        _write_json(_job_file(domain, label), record)
        log = open(STATE / f"supervisor-{label}.log", "ab")  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, __file__, "--supervise", domain, label],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        record["supervisor_pid"] = proc.pid
        _write_json(_job_file(domain, label), record)
        ready = _job_file(domain, label).with_suffix(".ready")
        deadline = time.monotonic() + 5
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        ready.unlink(missing_ok=True)
        if _runs_at_load(job):
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                if _read_json(_job_file(domain, label), {}).get("runs", 0) > 0:
                    break
                time.sleep(0.02)
    return 0


def cmd_bootout(args: list[str]) -> int:
    if not args:
        return _usage("Usage: launchctl bootout <service-target> | <domain-target> <path>")
    if len(args) >= 2:
        domain = args[0]
        try:
            with open(args[1], "rb") as fh:
                label = plistlib.load(fh)["Label"]
        except (OSError, KeyError, ValueError, plistlib.InvalidFileException):
            sys.stderr.write("Boot-out failed: 5: Input/output error\n")
            return 5
    else:
        domain, label = _split_target(args[0])
    if not _permitted(domain):
        return _refuse("Boot-out")
    path = _job_file(domain, label)
    record = _read_json(path, None)
    if record is None:
        sys.stderr.write("Boot-out failed: 3: No such process\n")
        return 3
    pid = record.get("supervisor_pid")
    if _alive(pid):
        # Told, not done: the supervisor stops the job, lingers, then unloads it.
        os.kill(pid, signal.SIGTERM)
    else:
        path.unlink(missing_ok=True)
    return 0


def cmd_enable_disable(verb: str, args: list[str]) -> int:
    if len(args) != 1:
        return _usage(f"Usage: launchctl {verb} <service-target>")
    domain, label = _split_target(args[0])
    if not _permitted(domain):
        return _refuse(verb.capitalize())
    overrides = _overrides()
    overrides.setdefault(domain, {})[label] = "enabled" if verb == "enable" else "disabled"
    _write_json(STATE / "overrides.json", overrides)
    return 0


def cmd_print(args: list[str]) -> int:
    if len(args) != 1:
        return _usage("Usage: launchctl print <domain-target> | <service-target>")
    target = args[0]
    if _valid_domain(target):
        # launchd lists the domain's services as `PID  last-exit  label` ("-" for none).
        lines = [f"{target} = {{", f"\ttype = {'system' if target == 'system' else 'login'}",
                 "\tservices = {"]  # fmt: skip
        for path in sorted(_jobs().glob("*.json")):
            job = _read_json(path, {})
            if job.get("domain") != target:
                continue
            pid = job.get("job_pid") if _alive(job.get("job_pid")) else 0
            last = job.get("last_exit")
            lines.append(f"\t\t{pid:>8} {'-' if last is None else last:>6} \t{job['label']}")
        print("\n".join([*lines, "\t}", "}"]))
        return 0
    domain, label = _split_target(target)
    record = _read_json(_job_file(domain, label), None)
    if record is None:
        sys.stderr.write(f'Could not find service "{label}" in domain for {domain}\n')
        return 113
    running = _alive(record.get("job_pid"))
    lines = [
        f"{domain}/{label} = {{",
        "\tactive count = " + ("1" if running else "0"),
        f"\tpath = {record['path']}",
        "\tstate = " + ("running" if running else "not running"),
        f"\tprogram = {record['program']}",
        "\targuments = {",
        *(f"\t\t{a}" for a in record.get("arguments", [record["program"]])),
        "\t}",
        f"\truns = {record['runs']}",
    ]
    if running:
        lines.append(f"\tpid = {record['job_pid']}")
    if record.get("last_exit") is not None:
        lines.append(f"\tlast exit code = {record['last_exit']}")
    lines.append("}")
    print("\n".join(lines))
    return 0


def cmd_print_disabled(args: list[str]) -> int:
    if len(args) != 1:
        return _usage("Usage: launchctl print-disabled <domain-target>")
    entries = _overrides().get(_domain_of(args[0]), {})
    print("disabled services = {")
    for label in sorted(entries):
        print(f'\t"{label}" => {entries[label]}')
    print("}")
    return 0


def cmd_kickstart(args: list[str]) -> int:
    kill = "-k" in args
    targets = [a for a in args if not a.startswith("-")]
    if len(targets) != 1:
        return _usage("Usage: launchctl kickstart [-kp] <service-target>")
    domain, label = _split_target(targets[0])
    if not _permitted(domain):
        return _refuse("Kickstart")
    record = _read_json(_job_file(domain, label), None)
    if record is None:
        sys.stderr.write(f'Could not find service "{label}" in domain for {domain}\n')
        return 113
    if _alive(record.get("job_pid")) and not kill:
        return 0
    os.kill(record["supervisor_pid"], signal.SIGUSR2 if kill else signal.SIGUSR1)
    return 0


def cmd_kill(args: list[str]) -> int:
    if len(args) != 2:
        return _usage("Usage: launchctl kill <signal-name|number> <service-target>")
    domain, label = _split_target(args[1])
    if not _permitted(domain):
        return _refuse("Kill")
    record = _read_json(_job_file(domain, label), None)
    if record is None or not _alive(record.get("job_pid")):
        sys.stderr.write("Kill failed: 3: No such process\n")
        return 3
    signame = args[0].upper().removeprefix("SIG")
    sig = int(signame) if signame.isdigit() else getattr(signal, f"SIG{signame}")
    os.kill(record["job_pid"], sig)
    return 0


def _keeps_alive(ka, code: int) -> bool:
    """Whether KeepAlive restarts a job that ended with `code` (negative: killed by a signal)."""
    if ka is True:
        return True
    if not isinstance(ka, dict):
        return False
    crashed = code < 0 and -code in CRASH_SIGNALS
    return ("SuccessfulExit" in ka and (code == 0) == ka["SuccessfulExit"]) or (
        "Crashed" in ka and crashed == ka["Crashed"]
    )


def _runs_at_load(job: dict) -> bool:
    """RunAtLoad, which a SuccessfulExit condition implies (launchd.plist(5): the job must run
    once before there is an exit status to keep it alive on)."""
    ka = job.get("KeepAlive")
    return bool(job.get("RunAtLoad")) or (isinstance(ka, dict) and "SuccessfulExit" in ka)


# --- the supervisor: one per loaded job --------------------------------------------


def supervise(domain: str, label: str) -> None:
    path = _job_file(domain, label)
    record = _read_json(path, {})
    with open(record["path"], "rb") as fh:
        job = plistlib.load(fh)
    child: subprocess.Popen | None = None
    last_start = 0.0
    stopping = False
    start_requested = _runs_at_load(job)
    restart_requested = False

    def on_term(signum, frame):
        nonlocal stopping
        stopping = True

    def on_start(signum, frame):
        nonlocal start_requested, last_start
        start_requested = True
        last_start = 0.0  # an explicit kickstart is not throttled

    def on_restart(signum, frame):
        nonlocal restart_requested
        restart_requested = True

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGUSR1, on_start)
    signal.signal(signal.SIGUSR2, on_restart)
    # Ready for kickstart and bootout: bootstrap returns only now (a signal sent before the
    # handlers exist would kill the supervisor, which launchd has no equivalent of).
    path.with_suffix(".ready").touch()
    base = _read_json(STATE / "environment.json", {})
    env = {**base, **job.get("EnvironmentVariables", {})}
    throttle = job.get("ThrottleInterval", 10)

    def update(**changes):
        current = _read_json(path, None)
        if current is None:
            return
        current.update(changes)
        _write_json(path, current)

    while not stopping:
        if child is None and start_requested:
            wait = last_start + throttle - time.monotonic()
            if wait > 0:
                time.sleep(min(wait, 0.05))
                continue
            start_requested = False
            last_start = time.monotonic()
            try:
                out = open(job.get("StandardOutPath", os.devnull), "ab")  # noqa: SIM115
                err = open(job.get("StandardErrorPath", os.devnull), "ab")  # noqa: SIM115
            except OSError:
                # A log launchd cannot open fails the spawn (78, EX_CONFIG), judged like any
                # exit: the job stays loaded.
                update(last_exit=78, runs=_read_json(path, {}).get("runs", 0) + 1)
                start_requested = _keeps_alive(job.get("KeepAlive", False), 78)
                continue
            try:
                child = subprocess.Popen(
                    job.get("ProgramArguments") or [job["Program"]],
                    stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env,
                    cwd=job.get("WorkingDirectory", "/"), start_new_session=True,
                )  # fmt: skip
            except OSError:
                # launchd's spawn of a missing or non-executable program: the job stays loaded
                # and exits 78 (EX_CONFIG), which KeepAlive then judges like any exit.
                out.close()
                err.close()
                update(last_exit=78, runs=_read_json(path, {}).get("runs", 0) + 1)
                start_requested = _keeps_alive(job.get("KeepAlive", False), 78)
                continue
            out.close()
            err.close()
            update(job_pid=child.pid, runs=_read_json(path, {}).get("runs", 0) + 1)
        if child is not None:
            if restart_requested:
                restart_requested = False
                child.terminate()
                child.wait()
                child = None
                start_requested = True
                last_start = 0.0
                continue
            code = child.poll()
            if code is not None:
                child = None
                update(job_pid=None, last_exit=code)
                start_requested = _keeps_alive(job.get("KeepAlive", False), code)
                continue
        time.sleep(0.02)
    if child is not None and child.poll() is None:
        os.killpg(child.pid, signal.SIGTERM)
        try:
            child.wait(timeout=job.get("ExitTimeOut", 20))
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
    update(job_pid=None)
    if stopping:
        # Booted out: launchd lets go of the service a moment after its process is gone.
        time.sleep(BOOTOUT_LINGER)
        path.unlink(missing_ok=True)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--supervise"]:
        supervise(argv[1], argv[2])
        return 0
    STATE.mkdir(parents=True, exist_ok=True)
    with open(STATE / "calls.log", "a") as log:
        log.write(json.dumps(argv) + "\n")
    if not argv:
        return _usage("no subcommand")
    verb, args = argv[0], argv[1:]
    if verb == "bootstrap":
        return cmd_bootstrap(args)
    if verb == "bootout":
        return cmd_bootout(args)
    if verb in ("enable", "disable"):
        return cmd_enable_disable(verb, args)
    if verb == "print":
        return cmd_print(args)
    if verb == "print-disabled":
        return cmd_print_disabled(args)
    if verb == "kickstart":
        return cmd_kickstart(args)
    if verb == "kill":
        return cmd_kill(args)
    return _usage(f"Unrecognized subcommand: {verb}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
