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
from compiler.host.service import PODMAN_RUN_VALUED, Service, Unreadable, parse_duration, read
from compiler.rules.patterns import in_tmp, looks_secret

_SAFE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_'-]*")
_CREDENTIAL_ENV = ("DOCKER_CONFIG", "REGISTRY_AUTH_FILE", "CLOUDSDK_", "GOOGLE_APPLICATION_")
# `podman run` flags a declaration expresses (or that the wrapper sets itself).
_HANDLED = {"--rm", "-d", "--detach", "--replace", "--init", "-i", "-t", "-it"}


def _key(key: str) -> str:
    return key if _SAFE_KEY.fullmatch(key) else literal(key)


def agent_name(service: Service) -> str:
    """A valid agent name from a label or unit name (`com.example.node-commander` → the last
    component that is not a generic word)."""
    base = os.path.basename(service.path)
    raw = service.label if service.kind == "launchd" and service.label else base
    raw = re.sub(r"\.(service|plist)$", "", raw)
    raw = raw.removeprefix("sourceos-agent@")
    last = raw.split(".")[-1] if service.kind == "launchd" else raw
    name = re.sub(r"[^a-z0-9_-]+", "-", last.lower()).strip("-_") or "agent"
    return name[:64] if re.fullmatch(ir.NAME_PATTERN, name[:64]) else f"a-{name}"[:64]


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

    def __init__(self, service: Service) -> None:
        self.s = service
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
        name = agent_name(s)
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
        source = f"# Imported by `agentc import` from {s.path} (spec section 14 migration).\n"
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
        container = image = None
        command: list[str] = []
        i = 0
        while i < len(words):
            w = words[i]
            value = words[i + 1] if i + 1 < len(words) else None
            if image is not None:
                command.append(w)
            elif w in _HANDLED:
                pass
            elif w in ("--name",) and value is not None:
                container, i = value, i + 1
            elif w.startswith("--name="):
                container = w.split("=", 1)[1]
            elif w in ("-e", "--env") and value is not None:
                k, _, v = value.partition("=")
                env[k] = v
                i += 1
            elif w.startswith("--env="):
                k, _, v = w[6:].partition("=")
                env[k] = v
            elif w.startswith("-"):
                self.cannot(key, f"`{runtime} run {w}` has no field in a declaration",
                            "drop it, or run the container without it; agentc never passes"
                            " options through silently")  # fmt: skip
                if w in PODMAN_RUN_VALUED and value is not None:
                    i += 1  # its value goes with it; a flag that takes none leaves the image
            else:
                image = w
            i += 1
        self.line('runtime = "podman";', f"was `{runtime} run` straight from the service manager")
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
