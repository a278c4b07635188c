"""Existing service definitions (launchd plists, systemd units) read for `agentc audit`."""

from __future__ import annotations

import math
import os
import plistlib
import re
import shlex
from typing import Any

import attrs

from compiler.span import Span

_TIME = re.compile(
    r"(\d+(?:\.\d+)?)\s*(us|usec|ms|msec|s|sec|second|seconds|m|min|minute|minutes|h|hr|hour|hours|d|day|days)?"
)
_UNITS = {"us": 1e-6, "usec": 1e-6, "ms": 1e-3, "msec": 1e-3, "s": 1, "sec": 1, "second": 1,
          "seconds": 1, "m": 60, "min": 60, "minute": 60, "minutes": 60, "h": 3600, "hr": 3600,
          "hour": 3600, "hours": 3600, "d": 86400, "day": 86400, "days": 86400}  # fmt: skip


# `podman run` options that take a value (the image is the first word that is neither).


class Unreadable(Exception):
    """A service definition that cannot be read or parsed."""

    def __init__(self, span: Span, reason: str) -> None:
        super().__init__(reason)
        self.span = span
        self.reason = reason


@attrs.frozen
class Service:
    """What policy rules need to know about one installed service definition."""

    path: str
    kind: str
    label: str
    owner_uid: int | None
    argv: tuple[str, ...]
    keep_alive: Any
    restart: str | None
    restart_sec: float | None
    start_limit_burst: int | None
    start_limit_interval: float | None
    logs: dict[str, str]
    env: dict[str, str]
    keys: dict[str, Span]
    sections: dict[str, list[str]]
    text: str
    # Where the start limit comes from when the unit sets none: the manager's defaults
    # (`StartLimits.describe`), filled in by the audit; None for the unit's own settings.
    start_limit_default: str | None = None
    # Every setting as written: a plist's top-level keys, a unit's keys (their last values).
    settings: dict[str, Any] = attrs.field(factory=dict, repr=False)

    @property
    def command_span(self) -> Span:
        """Where the command is written (ProgramArguments or ExecStart)."""
        return self.at("ProgramArguments" if self.kind == "launchd" else "ExecStart")

    def at(self, key: str) -> Span:
        """Where a key is written, or the start of the file."""
        return self.keys.get(key, Span.point(self.path))

    @property
    def strings(self) -> list[tuple[str, str]]:
        """(key, value) for every string the definition holds, for pattern rules."""
        out = [
            ("ProgramArguments" if self.kind == "launchd" else "ExecStart", a) for a in self.argv
        ]
        out += [(k, v) for k, v in self.logs.items()]
        out += [(f"{self._env_key}:{k}", v) for k, v in self.env.items()]
        return out

    @property
    def _env_key(self) -> str:
        return "EnvironmentVariables" if self.kind == "launchd" else "Environment"


def parse_duration(value: str) -> float:
    """A systemd time span in seconds (`infinity` is inf)."""
    value = value.strip()
    if value in ("infinity", ""):
        return math.inf
    total, pos = 0.0, 0
    for m in _TIME.finditer(value):
        if value[pos : m.start()].strip():
            raise ValueError(value)
        total += float(m.group(1)) * _UNITS[m.group(2) or "s"]
        pos = m.end()
    if value[pos:].strip():
        raise ValueError(value)
    return total


def read(path: str) -> Service:
    """Read one plist or unit file; raise `Unreadable` with a location otherwise."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(4 * 1024 * 1024)
        uid = os.stat(path).st_uid
    except OSError as err:
        raise Unreadable(Span.point(path), f"cannot read: {err.strerror or err}") from None
    if path.endswith(".plist"):
        return _launchd(path, data, uid)
    return _systemd(path, data, uid)


def _key_spans(path: str, text: str, keys: list[str], pattern: str) -> dict[str, Span]:
    spans = {}
    lines = text.split("\n")
    for key in keys:
        needle = pattern.format(key=key)
        for number, line in enumerate(lines, 1):
            col = line.find(needle)
            if col >= 0:
                spans[key] = Span(path, number, col + 1, number, col + 1 + len(needle))
                break
    return spans


def _launchd(path: str, data: bytes, uid: int) -> Service:
    try:
        job = plistlib.loads(data)
    except Exception as err:  # plistlib raises several types for malformed input
        raise Unreadable(Span.point(path), f"malformed plist: {err}") from None
    if not isinstance(job, dict):
        raise Unreadable(Span.point(path), "the plist's root is not a dictionary")
    text = data.decode("utf-8", errors="replace") if data.lstrip().startswith(b"<") else ""
    argv = job.get("ProgramArguments") or ([job["Program"]] if "Program" in job else [])
    env = job.get("EnvironmentVariables") or {}
    logs = {
        k: job[k] for k in ("StandardOutPath", "StandardErrorPath") if isinstance(job.get(k), str)
    }
    keys = [*job.keys(), *env.keys()] if isinstance(env, dict) else list(job.keys())
    return Service(
        path=path,
        kind="launchd",
        label=str(job.get("Label", "")),
        owner_uid=uid,
        argv=tuple(str(a) for a in argv) if isinstance(argv, list) else (),
        keep_alive=job.get("KeepAlive"),
        restart=None,
        restart_sec=(
            float(job["ThrottleInterval"]) if isinstance(job.get("ThrottleInterval"), int) else None
        ),
        start_limit_burst=None,
        start_limit_interval=None,
        logs=logs,
        env={str(k): str(v) for k, v in env.items()} if isinstance(env, dict) else {},
        keys=_key_spans(path, text, [str(k) for k in keys], "<key>{key}</key>"),
        sections={},
        text=text,
        settings={str(k): v for k, v in job.items()},
    )


def _systemd(path: str, data: bytes, uid: int) -> Service:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Unreadable(Span.point(path), "the unit is not valid UTF-8") from None
    section = ""
    values: dict[str, list[str]] = {}
    sections: dict[str, list[str]] = {}
    keys: dict[str, Span] = {}
    pending = ""
    for number, raw in enumerate(text.split("\n"), 1):
        line = pending + raw.strip()
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        pending = ""
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        if "=" not in line:
            raise Unreadable(Span(path, number, 1, number, 2), f"line {number} is not `Key=Value`")
        key, value = (part.strip() for part in line.split("=", 1))
        values.setdefault(key, []).append(value)
        sections.setdefault(key, []).append(section)
        col = raw.find(key) + 1
        keys.setdefault(key, Span(path, number, col, number, col + len(key)))
    exec_start = (values.get("ExecStart") or [""])[-1].lstrip("-@:+!")
    try:
        argv = tuple(shlex.split(exec_start))
    except ValueError:
        argv = tuple(exec_start.split())
    env: dict[str, str] = {}
    for assignment in values.get("Environment", []):
        try:
            words = shlex.split(assignment)
        except ValueError:
            words = assignment.split()
        env.update(w.split("=", 1) for w in words if "=" in w)
    logs = {}
    for key in ("StandardOutput", "StandardError"):
        for prefix in ("append:", "file:", "truncate:"):
            value = (values.get(key) or [""])[-1]
            if value.startswith(prefix):
                logs[key] = value[len(prefix) :]

    def last(key: str) -> str | None:
        return values[key][-1] if key in values else None

    def duration(key: str) -> float | None:
        raw = last(key)
        try:
            return None if raw is None else parse_duration(raw)
        except ValueError:
            return None

    burst = last("StartLimitBurst")
    return Service(
        path=path,
        kind="systemd",
        label=os.path.basename(path),
        owner_uid=uid,
        argv=argv,
        keep_alive=None,
        restart=last("Restart"),
        restart_sec=duration("RestartSec"),
        start_limit_burst=int(burst) if burst and burst.isdigit() else None,
        start_limit_interval=duration("StartLimitIntervalSec"),
        logs=logs,
        env=env,
        keys=keys,
        sections=sections,
        text=text,
        settings={k: v[-1] for k, v in values.items()},
    )


@attrs.frozen
class StartLimits:
    """A systemd manager's DefaultStartLimitBurst and DefaultStartLimitIntervalSec, and where
    they were read (the running manager, its configuration, or systemd's built-in values)."""

    burst: int
    interval: float
    origin: str

    def describe(self) -> str:
        """How a finding names the limit that applies."""
        return f"{self.origin}: at most {self.burst} starts in {self.interval:g} s"

    def apply(self, svc: Service) -> Service:
        """The unit with this limit where it sets none of its own."""
        if svc.kind != "systemd" or (
            svc.start_limit_burst is not None or svc.start_limit_interval is not None
        ):
            return svc
        return attrs.evolve(
            svc,
            start_limit_burst=self.burst,
            start_limit_interval=self.interval,
            start_limit_default=self.describe(),
        )


BUILTIN_START_LIMITS = StartLimits(5, 10.0, "systemd's built-in default start limit")
