"""The `sourceos-agent` command: dispatch operator verbs to registered agents, and
`doctor local-runtime` over all of them (spec section 8)."""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compiler import __version__

if TYPE_CHECKING:
    from compiler.host.service import StartLimits

VERBS = (
    "install", "stage", "start", "stop", "restart", "status", "logs", "doctor", "preflight",
    "quarantine", "uninstall", "activate", "health",
)  # fmt: skip
USAGE = """usage: sourceos-agent VERB NAME [options]   (VERB: {verbs})
       sourceos-agent activate NAME NAME... [--json]   (side by side, reports in order)
       sourceos-agent list [--json]
       sourceos-agent doctor local-runtime [--json]
       sourceos-agent quarantine --foreign LABEL|PATH [--output-dir DIR] [--json]
       sourceos-agent --version"""


def host_platform() -> str:
    """darwin or linux, as the generated scripts decide it."""
    chosen = os.environ.get("SOURCEOS_AGENT_PLATFORM")
    if chosen:
        return chosen
    return {"Darwin": "darwin", "Linux": "linux"}.get(platform.system(), "unknown")


def registries() -> list[Path]:
    """Where activation registers agents: the user's state directory, then the system's."""
    home = Path(os.environ.get("HOME", "~")).expanduser()
    state = Path(os.environ.get("XDG_STATE_HOME") or home / ".local" / "state")
    root = os.environ.get("SOURCEOS_AGENT_ROOT", "").rstrip("/")
    if host_platform() == "darwin":
        system = Path(f"{root}/Library/Application Support/SourceOS/agents")
    else:
        system = Path(f"{root}/var/lib/sourceos/agents")
    return [state / "sourceos" / "agents", system]


def registered() -> dict[str, Path]:
    """Agent name → its registered agentctl."""
    found: dict[str, Path] = {}
    for base in registries():
        if not base.is_dir():
            continue
        for entry in sorted(base.iterdir()):
            agentctl = entry / "bin" / "agentctl"
            if agentctl.is_file() and entry.name not in found:
                found[entry.name] = agentctl
    return found


def _json_of(agentctl: Path, *args: str) -> dict[str, Any]:
    try:
        result = subprocess.run(
            [str(agentctl), *args, "--json"],
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
        return json.loads(result.stdout)
    except (OSError, ValueError, subprocess.TimeoutExpired) as err:
        return {"error": f"{agentctl} {' '.join(args)}: {err}"}


def _together(calls: list[tuple[Path, str]]) -> list[dict[str, Any]]:
    """`_json_of` for each (agentctl, verb), run side by side (each mostly waits for the
    service manager and Podman), in the order given."""
    if len(calls) < 2:
        return [_json_of(agentctl, verb) for agentctl, verb in calls]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(16, len(calls))) as pool:
        return list(pool.map(lambda call: _json_of(*call), calls))


def _activate_many(names: list[str], rest: list[str]) -> int:
    """`activate` of several agents side by side: each report printed whole, in the order
    named (with --json, a list of the reports); the exit status is the worst."""
    from concurrent.futures import ThreadPoolExecutor

    agents = registered()
    missing = [n for n in names if n not in agents]
    if missing:
        return _refuse(["activate", *names, *rest], f"no registered agent `{missing[0]}`")

    def run(name: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(agents[name]), "activate", *rest], capture_output=True,
                              text=True, stdin=subprocess.DEVNULL)  # fmt: skip

    with ThreadPoolExecutor(max_workers=min(16, len(names))) as pool:
        results = list(pool.map(run, names))
    if "--json" in rest:
        docs = []
        for result in results:
            try:
                docs.append(json.loads(result.stdout))
            except ValueError:
                docs.append({"result": "failed", "output": result.stdout + result.stderr})
        print(json.dumps(docs, indent=2, sort_keys=True))
    else:
        for result in results:
            sys.stdout.write(result.stdout)
            sys.stderr.write(result.stderr)
    return max(r.returncode for r in results)


def _image_id(image: str | None) -> str | None:
    podman = shutil.which("podman")
    if not image or podman is None:
        return None
    try:
        out = subprocess.run(
            [podman, "image", "inspect", "--format", "{{.Id}}", image],
            capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    return f"sha256:{out.stdout.strip()}" if out.returncode == 0 and out.stdout.strip() else None


def _excessive_restarts(dirs: list[tuple[str, str]], origins: dict[str, str]) -> list[dict]:
    """Loaded local services (not agentc's: those are judged by their declaration above) that
    their manager restarted more than EXCESSIVE_RESTARTS times: launchd's runs less the
    first, systemd's NRestarts (spec sections 4.1 and 11)."""
    from compiler.host.audit import EXCESSIVE_RESTARTS, manager_restarts, origin
    from compiler.host.service import Unreadable, read

    out = []
    for directory, _scope in dirs:
        for entry in sorted(os.listdir(directory)):
            path = os.path.join(directory, entry)
            if entry.startswith(("org.sourceos.agent.", "sourceos-agent@")):
                continue
            if not entry.endswith((".plist", ".service")) or not os.path.isfile(path):
                continue
            if path not in origins:
                origins[path] = origin(path)
            if origins[path] != "local":
                continue
            try:
                service = read(path)
            except Unreadable:
                continue
            restarts = manager_restarts(service)
            if restarts is not None and restarts > EXCESSIVE_RESTARTS:
                out.append({
                    "file": path, "line": 1, "rule": "excessive-restarts", "severity": "warning",
                    "message": f"{service.label or entry}: restarted {restarts} times since it"
                    f" was loaded (more than {EXCESSIVE_RESTARTS}: a respawn loop?)",
                    "source": "local",
                })  # fmt: skip
    return out


def _restarts(status: dict[str, Any]) -> int | None:
    """Automatic restarts the service manager counted: systemd's NRestarts, or launchd's runs
    less the first."""
    try:
        count = int(status.get("restarts") or 0)
    except ValueError:
        return None
    return max(count - 1, 0) if status.get("platform") == "darwin" else count


def _mdm_state() -> str:
    if host_platform() != "darwin":
        return "not applicable (not macOS)"
    profiles = shutil.which("profiles")
    if profiles is None:
        return "unknown (profiles(1) not available)"
    out = subprocess.run([profiles, "status", "-type", "enrollment"], capture_output=True,
                         text=True, timeout=20, stdin=subprocess.DEVNULL)  # fmt: skip
    return " ".join(out.stdout.split()) or "unknown"


def service_dirs() -> list[tuple[str, str]]:
    """The standard launchd and systemd directories where persistence hides, each with the
    scope of the manager that reads it (`user` or `system`)."""
    home = Path(os.environ.get("HOME", "~")).expanduser()
    root = os.environ.get("SOURCEOS_AGENT_ROOT", "").rstrip("/")
    if host_platform() == "darwin":
        dirs = [(home / "Library/LaunchAgents", "user"),
                (Path(f"{root}/Library/LaunchAgents"), "user"),
                (Path(f"{root}/Library/LaunchDaemons"), "system")]  # fmt: skip
    else:
        config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
        dirs = [(config / "systemd/user", "user"), (Path(f"{root}/etc/systemd/system"), "system"),
                (Path(f"{root}/etc/systemd/user"), "user")]  # fmt: skip
    return [(str(d), scope) for d, scope in dirs if d.is_dir()]


def host_start_limits(scope: str) -> StartLimits:
    """The start limit a systemd manager gives a unit that sets none: asked of the running
    manager, else read from its configuration, else systemd's built-in values."""
    from compiler.host.service import BUILTIN_START_LIMITS, StartLimits, parse_duration

    flag = ["--user"] if scope == "user" else []
    systemctl = shutil.which("systemctl")
    if systemctl:
        try:
            out = subprocess.run(
                [systemctl, *flag, "show", "-p", "DefaultStartLimitBurst",
                 "-p", "DefaultStartLimitIntervalUSec"],
                capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL,
            )  # fmt: skip
            props = dict(line.split("=", 1) for line in out.stdout.splitlines() if "=" in line)
            if out.returncode == 0 and props.get("DefaultStartLimitBurst", "").isdigit():
                return StartLimits(
                    int(props["DefaultStartLimitBurst"]),
                    parse_duration(props.get("DefaultStartLimitIntervalUSec", "10s")),
                    f"the running {scope} manager's default start limit",
                )
        except (OSError, ValueError, subprocess.TimeoutExpired):
            pass
    root = os.environ.get("SOURCEOS_AGENT_ROOT", "").rstrip("/")
    conf = Path(f"{root}/etc/systemd/{scope}.conf")
    files = [conf, *sorted(Path(f"{conf}.d").glob("*.conf"))]
    burst, interval, origin = BUILTIN_START_LIMITS.burst, BUILTIN_START_LIMITS.interval, None
    for f in files:
        try:
            lines = f.read_text().splitlines()
        except OSError:
            continue
        for line in lines:
            key, _, value = line.strip().partition("=")
            try:
                if key == "DefaultStartLimitBurst":
                    burst, origin = int(value), str(f)
                elif key == "DefaultStartLimitIntervalSec":
                    interval, origin = parse_duration(value), str(f)
            except ValueError:
                continue
    if origin is None:
        return BUILTIN_START_LIMITS
    return StartLimits(burst, interval, f"the default start limit set in {origin}")


def _unreadable(dirs: list[tuple[str, str]]) -> list[str]:
    reasons = []
    for d, _ in dirs:
        try:
            os.listdir(d)
        except OSError as err:
            reasons.append(f"cannot read {d}: {err.strerror}")
    return reasons


def doctor() -> tuple[dict[str, Any], int]:
    """The spec section 8 report over every registered agent and the host's persistence, with
    a verdict: healthy, findings in local persistence, or cannot inspect (and why). Only local
    definitions count; the operating system's own and unchanged package files are reported in
    --json with their source but are not findings."""
    from compiler.host.audit import audit, origin

    agents = []
    problems = 0
    cannot: list[str] = []
    if host_platform() not in ("darwin", "linux"):
        cannot.append(f"unsupported platform {platform.system()}")
    agents_now = registered()
    answers = _together([(agentctl, verb) for agentctl in agents_now.values()
                         for verb in ("status", "preflight")])  # fmt: skip
    for index, (name, agentctl) in enumerate(agents_now.items()):
        status, preflight = answers[2 * index], answers[2 * index + 1]
        if "error" in status:
            cannot.append(status["error"])
        manifest_path = agentctl.parent.parent / "manifest.json"
        manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
        notes: list[str] = []
        provenance = manifest.get("provenance")
        if provenance:
            recorded = status.get("provenance") or {}
            current = _image_id(provenance.get("runtimeImage"))
            provenance = {
                **provenance,
                "imageId": recorded.get("imageId") or current,
                "pulledAt": recorded.get("pulledAt"),
                "currentImageId": current,
            }
            if recorded.get("imageId") and current and current != recorded["imageId"]:
                notes.append(
                    f"the image was replaced since activation: {provenance['runtimeImage']} is"
                    f" now {current}, activation ran {recorded['imageId']}"
                )
        health = status.get("health") or {}
        if health.get("status") == "unhealthy":
            notes.append(f"unhealthy since {health.get('since')}: {health.get('output')}")
        declared = manifest.get("declaration", {}).get("lifecycle", {})
        restarts = _restarts(status)
        allowed = declared.get("maxRestartsPerHour") if declared.get("restart") != "manual" else 0
        if restarts is not None and allowed is not None and restarts > allowed:
            notes.append(
                f"excessive restarts: {restarts} since it was loaded, more than the"
                f" {allowed} an hour its declaration allows"
            )
        checks = {c["id"]: c for c in preflight.get("preflight", [])}
        machine = checks.get("podman-machine-running") or checks.get("podman-machine-exists")
        verdict = "ok"
        if status.get("state") != "running" or not preflight.get("passed", False) or notes:
            verdict = "problem"
            problems += 1
        source = status.get("source") or ""
        agents.append(
            {
                "agent": name,
                "verdict": verdict,
                "state": status.get("state"),
                "serviceManager": status.get("serviceManager"),
                "generation": status.get("generation"),
                "source": source,
                "nixStorePath": source if source.startswith("/nix/store/") else None,
                "podmanMachine": machine and f"{machine['status']}: {machine['detail']}",
                "container": status.get("container"),
                "provenance": provenance,
                "owner": status.get("owner"),
                "health": status.get("health"),
                "authMode": manifest.get("declaration", {}).get("auth", {}).get("mode"),
                "logs": status.get("logs"),
                "lastExit": status.get("lastExit"),
                "restarts": status.get("restarts"),
                "quarantined": status.get("quarantined") or None,
                "preflightFailures": [
                    f"{c['id']}: {c['detail']}" for c in checks.values() if c["status"] == "fail"
                ],
                "problems": notes,
            }
        )
    dirs = service_dirs()
    cannot += _unreadable(dirs)
    scopes = {d: scope for d, scope in dirs}
    limits: dict[str, Any] = {}

    def start_limits(path: str) -> Any:
        scope = scopes.get(os.path.dirname(path), "system")
        if scope not in limits:
            limits[scope] = host_start_limits(scope)
        return limits[scope]

    # Restart counts: agentc's own agents against their declaration (above), the rest below.
    found = audit([d for d, _ in dirs], start_limits, loaded=False).diagnostics if dirs else []
    origins: dict[str, str] = {}
    findings = []
    for d in found:
        if d.span.file not in origins:  # one dpkg look-up per file, not per finding
            origins[d.span.file] = origin(d.span.file)
        source = origins[d.span.file]
        findings.append(
            {
                "file": d.span.file,
                "line": d.span.line,
                "rule": d.name,
                "severity": d.severity.value,
                "message": d.message,
                "source": source,
            }
        )
    findings += _excessive_restarts(dirs, origins)
    # The OS's own and unchanged package files are observations, never findings: a healthy
    # verdict carries no error-severity finding.
    local = [f for f in findings if f["source"] == "local"]
    observations = [
        {k: v for k, v in f.items() if k != "severity"} for f in findings if f["source"] != "local"
    ]
    if cannot:
        overall = "cannot inspect"
    elif problems or local:
        overall = "findings in local persistence"
    else:
        overall = "healthy"
    report = {
        "verdict": overall,
        "cannotInspect": cannot,
        "platform": host_platform(),
        "mdm": _mdm_state(),
        "agents": agents,
        "findings": local,
        "observations": observations,
        "startLimits": {k: v.describe() for k, v in sorted(limits.items())},
        "auditedDirectories": [d for d, _ in dirs],
    }
    return report, {"healthy": 0, "findings in local persistence": 1}.get(overall, 2)


def _print_doctor(report: dict[str, Any]) -> None:
    print(f"local runtime: {report['verdict']} ({report['platform']}; MDM: {report['mdm']})")
    for reason in report["cannotInspect"]:
        print(f"- cannot inspect: {reason}")
    if not report["agents"]:
        print("- no registered agents")
    for a in report["agents"]:
        print(
            f"{a['agent']}: {a['verdict']} — {a['state']} (service manager: {a['serviceManager']})"
        )
        if a["owner"]:
            o = a["owner"]
            print(f"  owner: {o['project']} / {o['component']} (contact: {o['contact']})")
        if a["podmanMachine"]:
            print(f"  podman machine: {a['podmanMachine']}")
        if a["container"] is not None and a["provenance"]:
            p = a["provenance"]
            image = f"{p['runtimeImage']} ({p.get('imageId') or 'not present'})"
            print(f"  container: {a['container'] or 'absent'}; image {image}")
            since = f", on this host since {p['pulledAt']}" if p.get("pulledAt") else ""
            print(f"  provenance: {p.get('sourceImage')}{since}")
        print(f"  auth: {a['authMode']}; restarts/runs: {a['restarts']}")
        print(f"  last exit: {a['lastExit'] or '-'}")
        if a["health"] and a["health"].get("command"):
            print(f"  health: {a['health']['type']}; check by hand: {a['health']['command']}")
        if a["logs"]:
            print(f"  logs: {a['logs']['app']}, {a['logs']['stdout']}, {a['logs']['stderr']}")
        print(f"  generation {a['generation']} from {a['source']}")
        for failure in a["preflightFailures"]:
            print(f"  preflight: {failure}")
        for problem in a["problems"]:
            print(f"  problem: {problem}")
        if a["quarantined"]:
            print(f"  quarantined: {a['quarantined']}")
    local = report["findings"]
    for f in local:
        print(f"finding: {f['file']}:{f['line']}: {f['severity']}[{f['rule']}]: {f['message']}")
    audited = ", ".join(report["auditedDirectories"]) or "-"
    if not local:
        print(f"local persistence: no findings in {audited}")
    others = len(report["observations"])
    if others:
        print(f"- {others} observation(s) in the OS's own or unchanged package files,"
              " not findings (see --json)")  # fmt: skip


def _quarantine_foreign(args: list[str]) -> int:
    """`quarantine --foreign LABEL|PATH [--output-dir DIR] [--json]`: exit 0 when every step
    (stop, disable, move aside) succeeded, 1 when one failed (all recorded), 2 on usage."""
    from compiler.host.quarantine import Quarantine, find
    from compiler.host.service import Unreadable

    rest = [a for a in args if a not in ("--foreign", "--json")]
    refused = ["quarantine", *args]  # what a refusal names, as the command line had it
    out = Path(os.environ.get("HOME", "~")).expanduser() / "Desktop" / "sourceos-quarantine"
    if "--output-dir" in rest:
        i = rest.index("--output-dir")
        if i + 1 >= len(rest):
            return _refuse(refused, "--output-dir needs a directory")
        out = Path(rest[i + 1])
        del rest[i : i + 2]
    if len(rest) != 1:
        return _refuse(refused, "usage: sourceos-agent quarantine --foreign LABEL|PATH"
                       " [--output-dir DIR] [--json]")  # fmt: skip
    try:
        found = find(rest[0], service_dirs())
    except Unreadable as err:
        return _refuse(refused, f"{err.span.file}: {err.reason}")
    if found is None:
        where = ", ".join(d for d, _ in service_dirs()) or "any directory"
        return _refuse(refused, f"no service definition named {rest[0]!r} in {where}")
    q = Quarantine(*found, out, host_platform())
    q.steps()
    report = q.report()
    if "--json" in args:
        print(json.dumps(report, indent=2, sort_keys=True))
    else:
        print(f"{report['label']} quarantined to {report['directory']}")
        for item in report["items"]:
            detail = f" ({item['detail']})" if item["detail"] else ""
            print(f"- {item['name']}: {item['status']}{detail}")
        if q.failed:
            print("- not every step succeeded: see manifest.json")
    return 1 if q.failed else 0


def _refuse(args: list[str], message: str) -> int:
    """End a refused command: the reason on stderr, or with --json as agentctl refuses, one
    JSON document on stdout."""
    if "--json" in args:
        words = [a for a in args if not a.startswith("-")]
        doc = {"verb": words[0] if words else None, "agent": words[1] if len(words) > 1 else None,
               "result": "refused", "reason": message}  # fmt: skip
        print(json.dumps(doc, indent=2, sort_keys=True))
    else:
        sys.stderr.write(f"sourceos-agent: {message}\n")
    return 2


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `sourceos-agent` console script."""
    args = list(sys.argv[1:] if argv is None else argv)
    usage = USAGE.format(verbs=" ".join(VERBS))
    if not args or args[0] in ("-h", "--help", "help"):
        print(usage)
        return 0 if args else 2
    if args[0] == "--version":
        print(f"sourceos-agent (agentc) {__version__}")
        return 0
    if args[0] == "list":
        agents = registered()
        statuses = _together([(p, "status") for p in agents.values()])
        rows = {n: st.get("state", "unknown") for n, st in zip(agents, statuses, strict=True)}
        if "--json" in args:
            print(json.dumps({"agents": rows}, indent=2, sort_keys=True))
        else:
            for name, state in rows.items():
                print(f"{name}\t{state}")
        return 0
    if args[:2] == ["doctor", "local-runtime"]:
        report, code = doctor()
        if "--json" in args:
            print(json.dumps(report, indent=2, sort_keys=True))
        else:
            _print_doctor(report)
        return code
    if args[0] == "quarantine" and "--foreign" in args:
        return _quarantine_foreign(args[1:])
    if args[0] not in VERBS or len(args) < 2:
        if "--json" in args:
            return _refuse(args, f"unknown verb or missing agent name; {usage}")
        sys.stderr.write(usage + "\n")
        return 2
    names = [a for a in args[1:] if not a.startswith("-")]
    if args[0] == "activate" and len(names) > 1:
        return _activate_many(names, [a for a in args[1:] if a.startswith("-")])
    verb, name, rest = args[0], args[1], args[2:]
    agentctl = registered().get(name)
    if agentctl is None:
        known = ", ".join(registered()) or "none"
        return _refuse(args, f"no registered agent `{name}` (registered: {known})")
    os.execv(str(agentctl), [str(agentctl), verb, *rest])
    return 127  # pragma: no cover


if __name__ == "__main__":
    sys.exit(main())
