"""Syntax values → IR: apply the schema in `compiler.ir`, collecting every violation."""

from __future__ import annotations

import re
from typing import Any

import attrs

from compiler import checks, ir
from compiler.diagnostics import Diagnostic
from compiler.span import Span
from compiler.syntax import TYPE_NAMES, Attrs, Bool, Int, Invalid, List, Null, Str, Value

_NAME = re.compile(ir.NAME_PATTERN)
_ENV_NAME = re.compile(ir.ENV_NAME_PATTERN)
_MISSING = object()
_VOLUME_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]{1,2})?")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")  # C0, DEL and C1: no path in any format has one


def did_you_mean(word: str, options: list[str] | tuple[str, ...]) -> str:
    """A ` did you mean `x`?` suffix for a close match, or nothing."""
    import difflib  # only on an error: keeps start-up lean

    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    if not close:
        lowered = {o.lower(): o for o in options}
        if word.lower() in lowered:
            close = [lowered[word.lower()]]
    return f"did you mean `{close[0]}`?" if close else ""


class Lowering:
    """Lowers one file's syntax into agents; diagnostics accumulate in `self.diagnostics`."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.diagnostics: list[Diagnostic] = []

    def document(self, doc: Attrs) -> list[ir.Agent]:
        """All agents of a file: `sourceos.localAgents.<name> = { ... };`."""
        agents_set = self._descend(doc, ["sourceos", "localAgents"])
        if agents_set is None:
            if not doc.entries and not self.diagnostics:
                self.diagnostics.append(
                    checks.EMPTY_FILE.at(
                        Span.point(self.file),
                        "this file declares no agent",
                        "declare one: sourceos.localAgents.<name> = { ... };",
                    )
                )
            return []
        agents = []
        for name, entry in agents_set.entries.items():
            agent = self.agent(name, entry.key_span, entry.value)
            if agent is not None:
                agents.append(agent)
        if not agents_set.entries:
            self.diagnostics.append(
                checks.EMPTY_FILE.at(
                    agents_set.span, "`sourceos.localAgents` declares no agent", ""
                )
            )
        return agents

    def _descend(self, node: Attrs, path: list[str]) -> Attrs | None:
        for i, expected in enumerate(path):
            where = ".".join(path[:i]) or "the top level"
            for key, entry in node.entries.items():
                if key != expected:
                    self._unknown(key, entry.key_span, [expected], where)
            entry = node.entries.get(expected)
            if entry is None:
                return None
            if not isinstance(entry.value, Attrs):
                self._wrong_type(".".join(path[: i + 1]), entry.value, "an attribute set")
                return None
            node = entry.value
        return node

    def agent(self, name: str, key_span: Span, value: Value) -> ir.Agent | None:
        """One agent, or None when its declaration cannot be lowered at all."""
        ok = True
        if not _NAME.fullmatch(name):
            self.diagnostics.append(
                checks.INVALID_NAME.at(
                    key_span, f"agent name {name!r} is not allowed", _name_help(name)
                )
            )
            ok = False
        if not isinstance(value, Attrs):
            if not isinstance(value, Invalid):
                self._wrong_type(f"sourceos.localAgents.{name}", value, "an attribute set")
            return None
        fields = self.node(ir.Agent, value, name, name)
        return fields if ok else None

    def node(self, cls: type, syn: Attrs, name: str, where: str) -> Any:
        """Lower an attribute set into an IR node of `cls`, defaults filled in. A value that
        cannot be lowered has its diagnostic and the default in its place, so that the rest
        of the agent is still checked (all its errors at once, not in rounds); such an agent
        has errors and is never emitted."""
        schema = ir.by_key(cls)
        values: dict[str, Any] = {}
        spans: dict[str, Span] = {}
        for key, entry in syn.entries.items():
            field = schema.get(key)
            if field is None:
                self._unknown(key, entry.key_span, list(schema), where)
                continue
            if isinstance(entry.value, Invalid):
                continue
            value = self.value(field, entry.value, name, f"{where}.{key}")
            if value is _MISSING:
                continue
            values[field.name] = value
            spans[key] = entry.value.span
            if field.metadata["kind"] in ("env", "waivers", "map"):
                for k, item in entry.value.entries.items():
                    spans[f"{key}.{k}"] = item.value.span
                    spans[f"{key}.{k}:key"] = item.key_span
        for key, field in schema.items():
            if field.name not in values:
                if field.metadata["required"] and key not in syn.entries:
                    self._emit(
                        checks.MISSING_REQUIRED.at(
                            syn.span, f"`{where}` needs `{key}`", f"add: {key} = ...;"
                        )
                    )
                values[field.name] = self.default(field, name, syn.span, f"{where}.{key}")
        if cls is ir.Agent:
            values["name"] = name
        return cls(**values, span=syn.span, spans=spans)

    def default(self, field: attrs.Attribute, name: str, span: Span, where: str) -> Any:
        """The default of a field for agent `name`."""
        default = field.metadata["default"]
        if field.metadata["kind"] == "section":
            return self.node(default, Attrs({}, span), name, where)
        if callable(default):
            return default(name)
        return default

    def value(self, field: attrs.Attribute, syn: Value, name: str, where: str) -> Any:
        """Check and convert one value against its field; `_MISSING` after a diagnostic."""
        meta = field.metadata
        kind = meta["kind"]
        if isinstance(syn, Null) and meta["nullable"]:
            return None
        if kind in ("string", "path", "enum"):
            if not isinstance(syn, Str):
                return self._wrong_type(where, syn, "a string", meta["nullable"])
            if kind == "enum" and syn.value not in meta["choices"]:
                return self._bad_enum(where, syn, meta["choices"])
            if kind == "path":
                return self._path(where, syn)
            return syn.value
        if kind == "bool":
            if not isinstance(syn, Bool):
                return self._wrong_type(where, syn, "a boolean", meta["nullable"])
            return syn.value
        if kind == "int":
            if not isinstance(syn, Int):
                return self._wrong_type(where, syn, "an integer", meta["nullable"])
            if meta["minimum"] is not None and syn.value < meta["minimum"]:
                return self._emit(
                    checks.OUT_OF_RANGE.at(
                        syn.span,
                        f"`{where}` must be at least {meta['minimum']}, not {syn.value}",
                        "use null for unlimited" if meta["nullable"] else "",
                    )
                )
            top = meta["maximum"] if meta["maximum"] is not None else 2**31 - 1
            if syn.value > top:
                return self._emit(
                    checks.OUT_OF_RANGE.at(
                        syn.span, f"`{where}` is too large: {syn.value} (at most {top})", ""
                    )
                )
            return syn.value
        if kind == "argv":
            return self._argv(where, syn)
        if kind == "check":
            if isinstance(syn, List):
                return self._argv(where, syn)
            if not isinstance(syn, Str):
                return self._wrong_type(where, syn, "a string or an argv list", meta["nullable"])
            return syn.value
        if kind == "strings":
            if not isinstance(syn, List):
                return self._wrong_type(where, syn, "a list of strings")
            return self._argv(where, syn)
        if kind == "decimal":
            return self._decimal(where, syn)
        if kind == "volume":
            if not isinstance(syn, Str):
                return self._wrong_type(where, syn, "a string")
            if "/" not in syn.value and syn.value not in (ir.HOME, "~"):
                if not _VOLUME_NAME.fullmatch(syn.value):
                    return self._emit(
                        checks.INVALID_NAME.at(
                            syn.span,
                            f"`{where}` {syn.value!r} is neither a path nor a volume name",
                            "a named volume matches [A-Za-z0-9][A-Za-z0-9_.-]*; a host"
                            " directory starts with `/`, `$HOME/` or `~/`",
                        )
                    )
                return syn.value
            return self._path(where, syn, directory=True)
        if kind == "list":
            if not isinstance(syn, List):
                return self._wrong_type(where, syn, "a list of attribute sets")
            items = []
            for i, item in enumerate(syn.items):
                if isinstance(item, Invalid):
                    continue
                if not isinstance(item, Attrs):
                    self._wrong_type(f"{where}[{i}]", item, "an attribute set")
                    continue
                items.append(self.node(meta["item"], item, name, f"{where}[{i}]"))
            return tuple(items)
        if kind == "map":
            if not isinstance(syn, Attrs):
                return self._wrong_type(where, syn, "an attribute set of attribute sets")
            nodes = {}
            for key, entry in syn.entries.items():
                if not _ENV_NAME.fullmatch(key):
                    self.diagnostics.append(
                        checks.INVALID_NAME.at(
                            entry.key_span,
                            f"{key!r} is not a valid name in `{where}`",
                            "use letters, digits and `_`, not starting with a digit: it"
                            " names a variable and a credential",
                        )
                    )
                    continue
                if isinstance(entry.value, Invalid):
                    continue
                if not isinstance(entry.value, Attrs):
                    self._wrong_type(f"{where}.{key}", entry.value, "an attribute set")
                    continue
                nodes[key] = self.node(meta["item"], entry.value, name, f"{where}.{key}")
            return nodes
        if kind in ("env", "waivers"):
            return self._string_map(where, syn, kind)
        if kind == "keepalive":
            if isinstance(syn, Bool):
                return syn.value
            if isinstance(syn, Attrs):
                return self.node(ir.KeepAlive, syn, name, where)
            return self._wrong_type(where, syn, "a boolean or `{ successfulExit = ...; }`")
        if kind == "section":
            if not isinstance(syn, Attrs):
                return self._wrong_type(where, syn, "an attribute set")
            return self.node(meta["default"], syn, name, where)
        raise AssertionError(kind)

    def _decimal(self, where: str, syn: Value) -> Any:
        """A positive number as the text Podman and systemd take: an integer, or a decimal
        string (the declaration language has no floats)."""
        if isinstance(syn, Int):
            text = str(syn.value)
        elif isinstance(syn, Str):
            text = syn.value
        else:
            return self._wrong_type(where, syn, 'an integer or a decimal string such as "0.5"')
        if not _DECIMAL.fullmatch(text) or float(text) <= 0:
            return self._emit(
                checks.OUT_OF_RANGE.at(
                    syn.span,
                    f"`{where}` must be a positive number with at most two decimals, not"
                    f" {text!r}",
                    'e.g. cpus = "0.5"; or cpus = 2;',
                )
            )
        return text

    def _path(self, where: str, syn: Str, directory: bool = False) -> Any:
        path = syn.value
        if directory and path in (ir.HOME, "~"):
            return ir.HOME  # a whole home: rule dangerous-mount says why not
        problem = ""
        rest = path
        if path.startswith(("$HOME/", "~/")):
            rest = path.split("/", 1)[1]
        elif path.startswith("~"):
            problem = "`~user` paths are not expanded; use `~/` or `$HOME/`"
        elif not path.startswith("/"):
            problem = "relative paths are not allowed; start with `/`, `$HOME/` or `~/`"
        if not problem and "$" in rest:
            problem = "only a leading `$HOME/` is expanded; no other `$` may appear in a path"
        if not problem and (not rest or rest.endswith("/")) and not directory:
            problem = "the path names a directory, not a file"
        if not problem and directory and rest.endswith("/") and rest != "/":
            problem = "write it without a trailing `/`"
        if not problem and any(part == ".." for part in path.split("/")):
            problem = "`..` components are not allowed"
        if not problem and (bad := _CONTROL.search(path)):
            problem = f"control character {bad[0]!r}: no service definition or script can carry it"
        if problem:
            return self._emit(
                checks.INVALID_PATH.at(syn.span, f"`{where}` = {path!r}: {problem}", "")
            )
        if path.startswith("~/"):
            return ir.HOME + path[1:]
        return path

    def _argv(self, where: str, syn: Value) -> Any:
        if isinstance(syn, Str):
            return self._emit(
                checks.WRONG_TYPE.at(
                    syn.span,
                    f"`{where}` must be a list of strings (an argv), not a shell string",
                    f"split it into words: {_argv_hint(syn.value)}",
                )
            )
        if not isinstance(syn, List):
            return self._wrong_type(where, syn, "a list of strings")
        items = []
        for item in syn.items:
            if not isinstance(item, Str):
                return self._wrong_type(f"{where} element", item, "a string")
            items.append(item.value)
        return tuple(items)

    def _string_map(self, where: str, syn: Value, kind: str) -> Any:
        if not isinstance(syn, Attrs):
            return self._wrong_type(where, syn, "an attribute set of strings")
        out: dict[str, str] = {}
        ok = True
        for key, entry in syn.entries.items():
            value = entry.value
            if kind == "env" and not _ENV_NAME.fullmatch(key):
                self.diagnostics.append(
                    checks.INVALID_NAME.at(
                        entry.key_span,
                        f"{key!r} is not a valid environment variable name",
                        "use letters, digits and `_`, not starting with a digit",
                    )
                )
                ok = False
            if not isinstance(value, Str):
                self._wrong_type(f"{where}.{key}", value, "a string")
                ok = False
                continue
            if kind == "waivers" and not value.value.strip():
                self.diagnostics.append(
                    checks.BAD_WAIVER.at(
                        value.span,
                        f"the waiver of `{key}` gives no reason",
                        'say why the finding is acceptable: waivers.<rule> = "reason";',
                    )
                )
                ok = False
            out[key] = value.value
        return out if ok else _MISSING

    def _unknown(self, key: str, span: Span, known: list[str], where: str) -> None:
        hint = did_you_mean(key, known)
        if not hint:
            hint = "known keys: " + ", ".join(f"`{k}`" for k in known)
        self.diagnostics.append(
            checks.UNKNOWN_KEY.at(span, f"unknown key `{key}` in {_where(where)}", hint)
        )

    def _wrong_type(self, where: str, syn: Value, expected: str, nullable: bool = False) -> Any:
        if isinstance(syn, Invalid):
            return _MISSING
        also = " or null" if nullable else ""
        return self._emit(
            checks.WRONG_TYPE.at(
                syn.span, f"`{where}` must be {expected}{also}, not {TYPE_NAMES[type(syn)]}", ""
            )
        )

    def _bad_enum(self, where: str, syn: Str, choices: tuple[str, ...]) -> Any:
        allowed = "allowed: " + ", ".join(f'"{c}"' for c in choices)
        hint = did_you_mean(syn.value, choices)
        return self._emit(
            checks.BAD_ENUM_VALUE.at(
                syn.span,
                f"`{where}` cannot be {syn.value!r}",
                f"{hint} ({allowed})" if hint else allowed,
            )
        )

    def _emit(self, diagnostic: Diagnostic) -> Any:
        self.diagnostics.append(diagnostic)
        return _MISSING


def _where(where: str) -> str:
    return where if where.startswith("the ") else f"`{where}`"


def _name_help(name: str) -> str:
    if not name:
        return "an agent needs a name"
    problems = []
    if "/" in name or ".." in name or "." in name:
        problems.append("no `/` or `.`: the name becomes a file name")
    if any(c.isspace() for c in name):
        problems.append("no whitespace")
    if name.startswith("-"):
        problems.append("no leading `-`: it would read as an option")
    if not name.isascii():
        problems.append("ASCII only")
    if any(c.isupper() for c in name):
        problems.append("lower case only: macOS file systems fold case")
    if len(name) > 64:
        problems.append("at most 64 characters")
    why = "; ".join(problems) or "allowed characters are a-z, 0-9, `_` and `-`"
    return f"names match [a-z0-9][a-z0-9_-]{{0,63}} ({why})"


def _argv_hint(command: str) -> str:
    words = command.split()
    return "[ " + " ".join(f'"{w}"' for w in words) + " ]" if words else '[ "program" ]'


def health_command(agent: ir.Agent, connection: str | None) -> str:
    """The hand check `status` prints for a Podman agent that declares none, through
    `connection` (the spec's default is macOS's, through the machine's)."""
    prefix = f"podman --connection {connection}" if connection else "podman"
    return f"{prefix} ps --filter name={agent.container_name}"


def derive(agent: ir.Agent) -> ir.Agent:
    """Fill defaults that depend on other fields: health follows the runtime, the authfile
    the auth mode and scope, the network and the host ports the ports."""
    auth = agent.auth
    if not auth.given("authfile") and auth.mode == "empty-authfile" and agent.scope == "user":
        authfile = f"{ir.HOME}/.config/containers/sourceos-empty-auth.json"  # spec 6.1
        agent = attrs.evolve(agent, auth=attrs.evolve(auth, authfile=authfile))
    if not agent.podman.given("rootless") and agent.scope == "system":
        agent = attrs.evolve(agent, podman=attrs.evolve(agent.podman, rootless=False))
    podman = agent.podman
    if any(p.host is None for p in podman.ports):
        ports = tuple(p if p.host is not None else attrs.evolve(p, host=p.container)
                      for p in podman.ports)  # fmt: skip
        podman = attrs.evolve(podman, ports=ports)
    if not podman.given("network") and not podman.ports:
        podman = attrs.evolve(podman, network="none")
    if podman is not agent.podman:
        agent = attrs.evolve(agent, podman=podman)
    health = agent.health
    if not health.given("type") and agent.runtime != "podman":
        health = attrs.evolve(health, type="process")
    if health.start_period_seconds is None:
        start = agent.lifecycle.startup_timeout_seconds
        health = attrs.evolve(health, start_period_seconds=start)
    if not health.given("command") and agent.runtime == "podman":
        health = attrs.evolve(health, command=health_command(agent, agent.podman.connection))
    return agent if health is agent.health else attrs.evolve(agent, health=health)


def log_paths(agent: ir.Agent, manager: str) -> dict[str, str]:
    """The app, stdout and stderr logs under `manager` (launchd or systemd): as declared, else
    where that platform's users look (docs/language.md, `logs`)."""
    user, name = agent.scope == "user", agent.name
    if manager == "launchd":
        base = f"{ir.HOME}/Library/Logs/SourceOS" if user else "/Library/Logs/SourceOS"
        files = (f"{name}.log", f"{name}.launchd.out.log", f"{name}.launchd.err.log")
    else:
        base = f"{ir.HOME}/.local/state/sourceos/logs" if user else "/var/log/sourceos"
        files = (f"{name}.log", f"{name}.out.log", f"{name}.err.log")
    declared = (agent.logs.app, agent.logs.stdout, agent.logs.stderr)
    return {
        key: value or f"{base}/{file}"
        for key, value, file in zip(("app", "stdout", "stderr"), declared, files, strict=True)
    }
