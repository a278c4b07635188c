"""Service definition → declaration: `agentc import PLIST|UNIT`, the spec's section 14 migration.

An existing launchd plist or systemd unit becomes a declaration with the migration applied and
a comment on every change: user scope, a `localhost/` runtime image with the registry image
kept as `sourceImage`, an empty authfile, bounded restarts, logs out of /tmp, a `podman run`
argv turned into `image`/`containerName`/`environment`. What cannot be translated is a located
diagnostic. A definition agentc generated carries its declaration in the manifest beside it
(or in its state directory), which is imported as it was.
"""

from __future__ import annotations

import json
import math
import os
import re
from typing import Any

from compiler import checks, ir
from compiler.diagnostics import Diagnostic
from compiler.escape import CannotEscape
from compiler.escape import declaration_string as literal
from compiler.host.service import Service, Unreadable, parse_duration, read
from compiler.rules.patterns import PODMAN_RUN_VALUED, in_tmp, looks_secret

_SAFE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_'-]*")
_CREDENTIAL_ENV = ("DOCKER_CONFIG", "REGISTRY_AUTH_FILE", "CLOUDSDK_", "GOOGLE_APPLICATION_")
# `podman run` flags a declaration expresses (or that the wrapper sets itself).
_HANDLED = {"--rm", "-d", "--detach", "--replace", "--init", "-i", "-t", "-it"}


def _key(key: str) -> str:
    return key if _SAFE_KEY.fullmatch(key) else literal(key)


def _valid_name(raw: str) -> str:
    name = re.sub(r"[^a-z0-9_-]+", "-", raw.lower()).strip("-_") or "agent"
    return name[:64] if re.fullmatch(ir.NAME_PATTERN, name[:64]) else f"a-{name}"[:64]


def agent_name(service: Service) -> str:
    """A valid agent name from a label or unit name (`com.example.node-commander` → the last
    component that is not a generic word)."""
    base = os.path.basename(service.path)
    raw = service.label if service.kind == "launchd" and service.label else base
    raw = re.sub(r"\.(service|plist)$", "", raw)
    raw = raw.removeprefix("sourceos-agent@")
    last = raw.split(".")[-1] if service.kind == "launchd" else raw
    return _valid_name(last)


# Settings every declaration carries by construction (agentc writes its own), and why the
# others a declaration cannot carry are left out; any other setting is reported as well.
_OWN = {"Label", "LimitLoadToSessionType", "ProcessType", "Type", "SuccessExitStatus",
        "NotifyAccess", "RestartPreventExitStatus", "KillMode"}  # fmt: skip
_WHY_NOT = {
    **dict.fromkeys(("User", "Group", "UserName", "GroupName", "DynamicUser"),
                    "a user agent runs as the user who activates it, a system agent as root"),
    **dict.fromkeys(("ExecStartPre", "ExecStartPost", "ExecStop", "ExecStopPost", "ExecReload"),
                    "agentc's wrapper owns the start and the stop: make it part of the program"),
    **dict.fromkeys(("StartCalendarInterval", "StartInterval", "OnCalendar", "WatchPaths",
                     "QueueDirectories", "StartOnMount"),
                    "agentc runs persistent agents, not scheduled or triggered jobs"),
    **dict.fromkeys(("After", "Before", "Wants", "Requires", "BindsTo", "PartOf", "Requisite"),
                    "activation orders the start itself, after its preflight"),
    "WorkingDirectory": "no declaration field sets the working directory",
    "Disabled": "activation decides what is enabled (`enable = false` removes the agent)",
}  # fmt: skip


class Importer:
    """Builds one agent's declaration lines and the diagnostics for what it cannot carry:
    every setting of the source is carried, or reported with why, never dropped silently."""

    def __init__(self, service: Service, name: str | None = None) -> None:
        self.s = service
        self.name = name
        self.lines: list[str] = []
        self.diagnostics: list[Diagnostic] = []
        self.used: set[str] = set(_OWN)

    def take(self, *keys: str) -> None:
        """Mark settings as carried (or deliberately replaced by what agentc writes)."""
        self.used.update(keys)

    def line(self, text: str, why: str = "") -> None:
        self.lines.append(f"{text}{f'  # {why}' if why else ''}")

    def cannot(self, key: str, message: str, help: str) -> None:
        self.diagnostics.append(checks.UNTRANSLATED.at(self.s.at(key), message, help))

    def build(self) -> str:
        s = self.s
        name = _valid_name(self.name) if self.name else agent_name(s)
        where = os.path.dirname(os.path.abspath(s.path))
        system_wide = where.endswith(("/Library/LaunchAgents", "/Library/LaunchDaemons")) and not (
            where.startswith(os.path.expanduser("~"))
        )
        self.line('scope = "user";', "section 14: a user agent" + (
            f" (was system-wide, in {where})" if system_wide else ""))  # fmt: skip
        if s.kind == "launchd" and s.label and s.label != f"org.sourceos.agent.{name}":
            self.line(f"# was label {s.label}; agentc's is org.sourceos.agent.{name}")
        description = s.settings.get("Description")
        if isinstance(description, str) and description:
            self.line(f"description = {literal(description)};")
            self.take("Description")
        env = dict(s.env)
        self.argv(list(s.argv), env)
        self.auth(env)
        self.secrets(env)
        if env:
            pairs = " ".join(f"{_key(k)} = {literal(v)};" for k, v in sorted(env.items()))
            self.line(f"environment = {{ {pairs} }};")
        self.take("EnvironmentVariables", "Environment")
        self.environment_file()
        self.lifecycle()
        self.timeouts()
        self.logs()
        self.unused()
        body = "\n".join(f"  {x}" for x in self.lines)
        origin = "a `podman run` command line" if s.path == "<podman run>" else s.path
        source = f"# Imported by `agentc import` from {origin} (spec section 14 migration).\n"
        return f"{source}sourceos.localAgents.{name} = {{\n{body}\n}};\n"

    def secrets(self, env: dict[str, str]) -> None:
        """A credential is never copied into a declaration (it would be in the plist/unit)."""
        for name in sorted(env):
            if looks_secret(name, env[name]):
                del env[name]
                where = name if self.s.kind == "launchd" else "Environment"
                self.cannot(where, f"`{name}` looks like a secret: not copied into the declaration",
                            f"put {name}=... in a file of the user's, mode 0600, and name it in"
                            " `environmentFile`")  # fmt: skip

    def environment_file(self) -> None:
        value = self.s.settings.get("EnvironmentFile")
        if not isinstance(value, str) or not value:
            return
        path = value.lstrip("-")  # `-`: systemd's "if it exists"
        if path.startswith("/"):
            self.line(f"environmentFile = {literal(path)};", "read at start, never inlined")
            self.take("EnvironmentFile")

    def timeouts(self) -> None:
        for key, field in (("ExitTimeOut", "shutdownTimeoutSeconds"),
                           ("TimeoutStopSec", "shutdownTimeoutSeconds"),
                           ("TimeoutStartSec", "startupTimeoutSeconds")):  # fmt: skip
            raw = self.s.settings.get(key)
            try:
                seconds = raw if isinstance(raw, int) else parse_duration(str(raw))
            except ValueError:
                continue
            if raw is not None and math.isfinite(seconds) and seconds >= 1:
                self.line(f"lifecycle.{field} = {int(seconds)};", f"was {key}={raw}")
                self.take(key)

    def unused(self) -> None:
        for key in sorted(set(self.s.settings) - self.used):
            why = _WHY_NOT.get(key, "no declaration field carries it")
            self.cannot(
                key,
                f"`{key}` is not carried into the declaration: {why}",
                "check that the agent does not need it, or carry it another way",
            )

    def argv(self, argv: list[str], env: dict[str, str]) -> None:
        key = "ProgramArguments" if self.s.kind == "launchd" else "ExecStart"
        self.take("ProgramArguments", "Program", "ExecStart")
        runtime = os.path.basename(argv[0]) if argv else ""
        if not argv:
            self.cannot(key, "the definition runs no program", "add the program to `command`")
            self.line('runtime = "native";')
            return
        if runtime not in ("podman", "docker") or "run" not in argv:
            self.line('runtime = "native";')
            self.line(f"command = [ {' '.join(literal(a) for a in argv)} ];")
            return
        words = argv[argv.index("run") + 1 :]
        run = _PodmanRun(self, key, runtime)
        image, container, command = run.parse(words, env)
        how = "" if self.s.path == "<podman run>" else " straight from the service manager"
        self.line('runtime = "podman";', f"was `{runtime} run`{how}")
        if image is None:
            self.cannot(key, f"`{runtime} run` names no image", "add `image`")
        elif image.startswith("localhost/"):
            self.line(f"image = {literal(image)};")
        else:
            local = "localhost/" + image.split("/", 1)[-1] if "/" in image else f"localhost/{image}"
            self.line(f"image = {literal(local)};", "section 14: a local runtime image")
            self.line(f"sourceImage = {literal(image)};", "the registry image it is tagged from")
        if container is not None:
            self.line(f"containerName = {literal(container)};")
        if command:
            self.line(f"command = [ {' '.join(literal(a) for a in command)} ];")
        self.line('podman.pull = "never";', "section 14: never pull at start")
        run.declare()
        own = _valid_name(self.name) if self.name else agent_name(self.s)
        run.declare_health(container or own)

    def auth(self, env: dict[str, str]) -> None:
        dropped = sorted(k for k in env if k.startswith(_CREDENTIAL_ENV))
        for k in dropped:
            del env[k]
        why = "section 14: an empty authfile"
        if dropped:
            why += f"; dropped {', '.join(dropped)} (host credentials)"
        self.line('auth.mode = "empty-authfile";', why)

    def lifecycle(self) -> None:
        s = self.s
        self.take("KeepAlive", "Restart", "RestartSec", "ThrottleInterval", "StartLimitBurst",
                  "StartLimitIntervalSec", "StartLimitInterval", "WantedBy")  # fmt: skip
        restarts = s.restart not in (None, "no") or s.keep_alive not in (None, False)
        at_load = s.settings.get("RunAtLoad") is True or "WantedBy" in s.settings
        if at_load or not restarts:
            self.take("RunAtLoad")
        if not at_load and not restarts:
            self.line("lifecycle.runAtLoad = false;", "was not started at load or login")
        if not restarts:
            self.line('lifecycle.restart = "manual";')
            return
        was = f"KeepAlive = {json.dumps(s.keep_alive)}" if s.kind == "launchd" else (
            f"Restart={s.restart}")  # fmt: skip
        burst = s.start_limit_burst
        limit = max(burst - 1, 1) if burst else 3
        delay = f" restartDelaySeconds = {max(int(s.restart_sec), 1)};" if s.restart_sec else ""
        self.line(
            f'lifecycle = {{ keepAlive = {{ successfulExit = false; }}; restart = "bounded";'
            f" maxRestartsPerHour = {limit};{delay} }};",
            f"section 14: bounded restarts (was {was})",
        )

    def logs(self) -> None:
        self.take("StandardOutPath", "StandardErrorPath", "StandardOutput", "StandardError")
        for key, field in (("StandardOutPath", "stdout"), ("StandardErrorPath", "stderr"),
                           ("StandardOutput", "stdout"), ("StandardError", "stderr")):  # fmt: skip
            value = self.s.logs.get(key)
            if not value:
                continue
            path = value.split(":", 1)[1] if ":" in value and not value.startswith("/") else value
            if in_tmp(path):
                self.line(
                    f"# logs.{field}: was {path}; section 14: out of /tmp (the platform's place)"
                )
            elif path.startswith("/"):
                self.line(f"logs.{field} = {literal(path)};")


_SECRET_WORDS = ("secret", "token", "password", "passwd", "credential", "apikey", "api-key",
                 "api_key", ".key", ".pem")  # fmt: skip
_SIZE = re.compile(r"([0-9]+)([bkmg]?)b?", re.IGNORECASE)


class _PodmanRun:
    """The options of a `podman run` line, carried into podman.* fields (docs/quadlet.md), or
    reported with why not."""

    def __init__(self, importer: Importer, key: str, runtime: str) -> None:
        self.i = importer
        self.key = key
        self.runtime = runtime
        self.fields: list[tuple[str, str, str]] = []  # (field, value text, why)
        self.ports: list[str] = []
        self.volumes: list[str] = []
        self.secrets: list[tuple[str, str, str]] = []
        self.caps: dict[str, list[str]] = {"drop": [], "add": []}
        self.network: str | None = None
        self.health: dict[str, str] = {}  # health.<field> -> value text

    def cannot(self, flag: str, why: str, help: str) -> None:
        self.i.cannot(self.key, f"`{self.runtime} run {flag}` {why}", help)

    def parse(self, words: list[str], env: dict[str, str]) -> tuple[str | None, str | None, list]:
        """The image, the container name and the command; every option carried or reported."""
        image = container = None
        command: list[str] = []
        i = 0
        while i < len(words):
            w = words[i]
            if image is not None:
                command.append(w)
                i += 1
                continue
            flag, eq, inline = w.partition("=") if w.startswith("--") else (w, "", "")
            value = inline if eq else (words[i + 1] if i + 1 < len(words) else None)
            takes = flag in PODMAN_RUN_VALUED
            if takes and not eq:
                i += 1
            i += 1
            if not flag.startswith("-"):
                image = w
            elif flag in _HANDLED:
                pass
            elif flag == "--name" and value is not None:
                container = value
            elif flag in ("-e", "--env") and value is not None:
                k, _, v = value.partition("=")
                env[k] = v
            elif value is not None and self.option(flag, value):
                pass
            elif flag == "--read-only":
                self.fields.append(("readOnlyRootfs", "true", ""))
            else:
                self.cannot(flag, "has no field in a declaration",
                            "drop it, or run the container without it; agentc never passes"
                            " options through silently")  # fmt: skip
        return image, container, command

    def option(self, flag: str, value: str) -> bool:
        """Carry one valued option; False where it is not one of these."""
        if flag in ("-p", "--publish"):
            port = _port(value)
            if port is None:
                self.cannot(
                    f"{flag} {value}",
                    "is not one port a declaration can publish",
                    "publish each port on its own: [address:]host:container[/udp]",
                )
            else:
                self.ports.append(port)
        elif flag in ("-v", "--volume"):
            self.volume(flag, value)
        elif flag == "--mount":
            opts = dict(o.partition("=")[::2] for o in value.split(","))
            if opts.get("type") != "bind" or ("source" not in opts and "src" not in opts):
                self.cannot(f"--mount {value}", "is not a bind mount", "declare a volume")
            else:
                src = opts.get("source") or opts.get("src", "")
                dst = opts.get("target") or opts.get("destination") or opts.get("dst", "")
                ro = ":ro" if "readonly" in opts or opts.get("ro") == "true" else ""
                self.volume(flag, f"{src}:{dst}{ro}")
        elif flag in ("--network", "--net"):
            if value in ("none", "bridge", "host"):
                self.network = value
            else:
                self.cannot(
                    f"{flag} {value}",
                    "names a network a declaration cannot",
                    'use network "none", "bridge" or "host"',
                )
        elif flag in ("-m", "--memory"):
            mb = _megabytes(value)
            if mb is None:
                self.cannot(f"{flag} {value}", "is not a memory size", "e.g. --memory 512m")
            else:
                self.fields.append(("memoryMB", str(mb), f"was {flag} {value}"))
        elif flag == "--cpus":
            self.fields.append(("cpus", literal(value), ""))
        elif flag == "--pids-limit":
            self.fields.append(("pids", value if value.isdigit() else literal(value), ""))
        elif flag == "--ulimit" and value.startswith("nofile="):
            self.fields.append(("openFiles", value[7:].split(":")[-1], f"was --ulimit {value}"))
        elif flag in ("--cap-drop", "--cap-add"):
            self.caps[flag[6:]] += [c.strip().upper() for c in value.split(",") if c.strip()]
        elif flag in ("-u", "--user"):
            self.fields.append(("user", literal(value), ""))
        elif flag in ("-w", "--workdir"):
            self.fields.append(("workingDir", literal(value), ""))
        elif flag == "--security-opt" and value in ("no-new-privileges", "no-new-privileges:true"):
            pass  # agentc's default
        elif flag == "--health-cmd":
            self.health["cmd"] = value
        elif flag in _HEALTH_SPANS:
            try:
                seconds = parse_duration(value)
            except ValueError:
                seconds = math.inf
            if not math.isfinite(seconds):
                self.cannot(f"{flag} {value}", "is not a time span", "e.g. 30s or 1m30s")
            else:
                self.health[_HEALTH_SPANS[flag]] = str(max(1, math.ceil(seconds)))
        elif flag == "--health-retries":
            if not value.isdigit() or int(value) < 1:
                self.cannot(f"{flag} {value}", "is not a count", "e.g. --health-retries 3")
            else:
                self.health["retries"] = value
        elif flag == "--health-on-failure":
            pass  # agentc ends an unhealthy run as `kill` does, for the restart policy
        elif flag == "--secret":
            self.cannot(
                f"--secret {value}",
                "keeps the secret's content in Podman's store",
                "write it to a file of yours, mode 0600, and declare"
                " secrets.<NAME> = { source = ...; target = ...; }",
            )
        else:
            return False
        return True

    def volume(self, flag: str, value: str) -> None:
        parts = value.split(":")
        if len(parts) < 2 or not parts[1].startswith("/"):
            self.cannot(
                f"{flag} {value}",
                "is not source:target[:options]",
                "declare the volume with its target in the container",
            )
            return
        source, target, opts = parts[0], parts[1], set(",".join(parts[2:]).split(","))
        if source.startswith((".", "~")) and not source.startswith("~/"):
            self.cannot(f"{flag} {value}", "names a relative source", "declare the absolute path")
            return
        read_only = "ro" in opts
        base = os.path.basename(source).lower()
        if read_only and "/" in source and any(w in base for w in _SECRET_WORDS):
            name = re.sub(r"[^A-Z0-9_]+", "_", base.upper()).strip("_") or "SECRET"
            self.secrets.append((name if not name[0].isdigit() else f"S_{name}", source, target))
            return
        ro = " readOnly = true;" if read_only else ""
        self.volumes.append(f"{{ source = {literal(source)}; target = {literal(target)};{ro} }}")

    def declare(self) -> None:
        """The podman.*, resources.* and secrets.* lines."""
        if self.ports:
            self.i.line(f"podman.ports = [ {' '.join(self.ports)} ];")
        if self.volumes:
            self.i.line(
                f"podman.volumes = [ {' '.join(self.volumes)} ];",
                "data kept across upgrades; never removed but by --purge-data",
            )
        if self.network is not None:
            self.i.line(f"podman.network = {literal(self.network)};")
        elif not self.ports:
            self.i.line('podman.network = "bridge";', "it had the runtime's network; \"none\""
                        " where it needs none")  # fmt: skip
        resources = {"memoryMB", "cpus", "pids", "openFiles"}
        for field, value, why in self.fields:
            section = "resources" if field in resources else "podman"
            self.i.line(f"{section}.{field} = {value};", why)
        if self.caps["drop"]:
            self.i.line(
                f"podman.capabilities.drop = [ {' '.join(map(literal, self.caps['drop']))} ];"
            )
        else:
            self.i.line(
                "podman.capabilities.drop = [ ];",
                "as it ran; agentc's default drops ALL: tighten when you can",
            )
        if self.caps["add"]:
            self.i.line(
                f"podman.capabilities.add = [ {' '.join(map(literal, self.caps['add']))} ];"
            )
        for name, source, target in self.secrets:
            where = f"source = {literal(source)}; target = {literal(target)};"
            self.i.line(f"secrets.{name} = {{ {where} }};", "a read-only file: never copied")

    def declare_health(self, container: str) -> None:
        """The health.* lines: Podman's in-container check, run by agentc through podman exec
        in the agent's container, with its interval, timeout, start period and retries."""
        cmd = self.health.get("cmd")
        if cmd is not None:
            argv = _health_argv(cmd)
            if argv is None:
                self.cannot(f"--health-cmd {cmd}", "is not a command", "declare health.command")
            else:
                exec_argv = ["podman", "exec", container, *argv]
                self.i.line('health.type = "command";', "was --health-cmd, run in the container")
                self.i.line(f"health.command = [ {' '.join(map(literal, exec_argv))} ];")
        for flag, field in (*_HEALTH_SPANS.items(), ("--health-retries", "retries")):
            if field in self.health:
                self.i.line(f"health.{field} = {self.health[field]};", f"was {flag}")


# Podman's health time spans and the health.* fields they become (whole seconds, rounded up).
_HEALTH_SPANS = {
    "--health-interval": "intervalSeconds",
    "--health-timeout": "timeoutSeconds",
    "--health-start-period": "startPeriodSeconds",
}


def _health_argv(cmd: str) -> list[str] | None:
    """A --health-cmd as the argv Podman runs in the container: a JSON list (`["CMD", ...]`
    exec'd, `["CMD-SHELL", "..."]` through sh), else a string, which Podman runs with sh -c."""
    if cmd.lstrip().startswith("["):
        try:
            words = json.loads(cmd)
        except ValueError:
            return None
        if not words or not all(isinstance(w, str) for w in words):
            return None
        if words[0] == "CMD":
            return words[1:] or None
        if words[0] == "CMD-SHELL":
            return ["/bin/sh", "-c", " ".join(words[1:])] if words[1:] else None
        return words
    return ["/bin/sh", "-c", cmd] if cmd.strip() else None


def _port(value: str) -> str | None:
    """A `-p` value as a `podman.ports` element, or None (a range, a bad value)."""
    proto = "tcp"
    if "/" in value:
        value, proto = value.rsplit("/", 1)
    address = None
    if value.startswith("["):
        address, _, value = value[1:].partition("]")
        value = value.lstrip(":")
    parts = value.split(":")
    if address is None and len(parts) == 3:
        address, parts = parts[0], parts[1:]
    if proto not in ("tcp", "udp") or not all(p.isdigit() for p in parts) or len(parts) > 2:
        return None
    container = parts[-1]
    fields = [f"container = {container};"]
    if len(parts) == 2 and parts[0]:
        fields.append(f"host = {parts[0]};")
    if address:
        fields.append(f"address = {literal(address)};")
    if proto != "tcp":
        fields.append(f"protocol = {literal(proto)};")
    return "{ " + " ".join(fields) + " }"


def _megabytes(value: str) -> int | None:
    m = _SIZE.fullmatch(value.strip())
    if not m:
        return None
    n = int(m[1]) * {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[m[2].lower()]
    return max(4, n // 1024**2)


def _own_manifest(service: Service) -> dict[str, Any] | None:
    """The manifest beside (or in the state directory of) a definition agentc generated."""
    candidates = [os.path.join(os.path.dirname(os.path.dirname(service.path)), "manifest.json")]
    state = service.env.get("SOURCEOS_AGENT_STATE_DIR", "")
    if state.startswith("/"):
        candidates.append(os.path.join(state, "manifest.json"))
    for path in candidates:
        try:
            with open(path, encoding="utf-8") as fh:
                doc = json.load(fh)
        except (OSError, ValueError):
            continue
        if (isinstance(doc, dict) and doc.get("label") == service.label) or (
            service.kind == "systemd" and isinstance(doc, dict) and "declaration" in doc
            and os.path.basename(service.path) == f"sourceos-agent@{doc.get('agent')}.service"
        ):  # fmt: skip
            return doc
    return None


def _from_manifest(doc: dict[str, Any]) -> str:
    """A generated agent's declaration as its manifest records it (normalized, every field)."""
    lines = []

    def emit(prefix: str, value: Any) -> None:
        if isinstance(value, dict) and value and prefix.split(".")[-1] not in (
            "environment", "waivers"
        ):  # fmt: skip
            for k, v in sorted(value.items()):
                emit(f"{prefix}.{_key(k)}", v)
            return
        lines.append(f"  {prefix[1:]} = {_value(value)};")

    for key, value in sorted(doc["declaration"].items()):
        if value is not None:
            emit(f".{_key(key)}", value)
    return f"sourceos.localAgents.{doc['agent']} = {{\n" + "\n".join(lines) + "\n};\n"


def _value(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return literal(value)
    if isinstance(value, list):
        return "[ " + " ".join(_value(v) for v in value) + " ]"
    if isinstance(value, dict):
        if not value:
            return "{ }"
        return "{ " + " ".join(f"{_key(k)} = {_value(v)};" for k, v in sorted(value.items())) + " }"
    raise CannotEscape(f"no declaration value for {value!r}")


def import_podman_run(argv: list[str]) -> tuple[str | None, list[Diagnostic]]:
    """The declaration for a `podman run ...` command line (podlet's job, with agentc's policy:
    the same migration as a definition's ExecStart)."""
    from compiler.span import Span

    where = "<podman run>"
    if not argv or os.path.basename(argv[0]) not in ("podman", "docker") or "run" not in argv:
        return None, [
            checks.UNREADABLE_SERVICE.at(
                Span.point(where), "expected a command line: podman run [OPTIONS] IMAGE [COMMAND]"
            )
        ]
    service = Service(
        path=where, kind="systemd", label="", owner_uid=None, argv=tuple(argv),
        keep_alive=None, restart=None, restart_sec=None, start_limit_burst=None,
        start_limit_interval=None, logs={}, env={}, keys={}, sections={}, text=" ".join(argv),
    )  # fmt: skip
    words = argv[argv.index("run") + 1 :]
    name = next((w.split("=", 1)[1] for w in words if w.startswith("--name=")), None)
    if name is None and "--name" in words[:-1]:
        name = words[words.index("--name") + 1]
    importer = Importer(service, name or "agent")
    return importer.build(), importer.diagnostics


def import_definition(path: str) -> tuple[str | None, list[Diagnostic]]:
    """The declaration text for one plist or unit, or None with a located error."""
    try:
        service = read(path)
    except Unreadable as err:
        return None, [checks.UNREADABLE_SERVICE.at(err.span, err.reason)]
    doc = _own_manifest(service)
    if doc is not None:
        return _from_manifest(doc), []
    importer = Importer(service)
    return importer.build(), importer.diagnostics
