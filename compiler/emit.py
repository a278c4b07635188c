"""IR → artifacts: the three scripts, the systemd unit, the launchd plist and the manifest.

A script is the static shell library (`compiler.shlib`) followed by its generated part, which
`templates/` renders: the agent's facts (`_facts.sh.j2`) and the call of the library's entry
function. The unit is rendered from its template; the plist is a dict that plistlib writes;
the manifest is JSON. Every value is quoted by the escapers of `compiler.escape`, used as
template filters that take the declaration field they quote, so a value a format cannot
carry becomes a compile error naming that field.
"""

from __future__ import annotations

import functools
import hashlib
import json
import plistlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import jinja2

from compiler import __version__, checks, escape, ir, shlib
from compiler.diagnostics import Diagnostic
from compiler.dump import indented
from compiler.lower import health_command, log_paths
from compiler.portable import PATTERNS

TEMPLATES = Path(__file__).parent / "templates"
if not TEMPLATES.exists():  # a source checkout: templates sit beside the package
    TEMPLATES = Path(__file__).parent.parent / "templates"

FAIL_CLOSED_EXIT = 78  # EX_CONFIG: the wrapper's "a dependency is missing" status
# What the managers allow beyond shutdownTimeoutSeconds (the container's own stop timeout)
# before they kill: Podman's stop and clean-up need time of their own.
STOP_MARGIN_SECONDS = 15
EXECUTABLE, REGULAR = 0o755, 0o644


@attrs.frozen
class Artifact:
    """One generated file under OUT/<name>/: its path and mode, and what it holds: a script's
    generated part after its library, a whole file, or a document serialized on demand."""

    path: str
    # What agentc generated for this agent: the whole file, or a script's generated part (its
    # facts and the call that runs it), which follows the static library `library`
    # (`compiler.shlib`) in `data`; None where `document` is serialized on demand (`agentc
    # check` never needs the bytes).
    body: bytes | None
    mode: int
    # A script's shape: a digest of its generated part rendered with every escaped value
    # replaced by one placeholder word. No escaper lets syntax through, so scripts of one shape
    # lint alike, and shellcheck reads one of each (`compiler.toollint`).
    shape: bytes | None = attrs.field(default=None, eq=False, repr=False)
    # What `data` serializes, where a library writes it (the plist's job, by plistlib): the
    # schema lint reads this instead of parsing the bytes back.
    document: Any = attrs.field(default=None, eq=False, repr=False)
    # A systemd unit's manager, "user" or "system": what `systemd-analyze verify` checks it as.
    manager: str | None = attrs.field(default=None, eq=False, repr=False)
    library: str | None = None

    @property
    def parts(self) -> tuple[bytes, ...]:
        """The file's bytes in the pieces they are kept in (the library is shared, not copied
        into each agent's script)."""
        if self.body is None:
            return (self.data,)
        return (shlib.data(self.library), self.body) if self.library else (self.body,)

    @functools.cached_property
    def data(self) -> bytes:
        """The file's bytes."""
        if self.body is None:
            return plistlib.dumps(self.document, fmt=plistlib.FMT_XML, sort_keys=True)
        return b"".join(self.parts)

    @property
    def generated(self) -> str | None:
        """A script's generated part; None for a file that carries no library."""
        return self.body.decode() if self.library and self.body is not None else None

    @property
    def first_line(self) -> int:
        """The line of the file that `body` starts at."""
        return shlib.lines(self.library) + 1 if self.library else 1

    def linted(self, whole: bool) -> tuple[bytes, int]:
        """What a lint of this file reads, and the line of the file it starts at: a script's
        generated part, unless `whole` (the library is not the verified one); else the file."""
        if self.library and self.body is not None and not whole:
            return self.body, self.first_line
        return self.data, 1

    @functools.cached_property
    def sha256(self) -> str:
        """Hex digest of the content (a script's from the library's, hashed once)."""
        if self.library and self.body is not None:
            digest = shlib.hashed(self.library)
            digest.update(self.body)
            return digest.hexdigest()
        return hashlib.sha256(self.data).hexdigest()


def wrapper_name(agent: ir.Agent) -> str:
    """`sourceos-agent-<name>`."""
    return f"sourceos-agent-{agent.name}"


def unit_name(agent: ir.Agent) -> str:
    """`sourceos-agent@<name>.service`."""
    return f"sourceos-agent@{agent.name}.service"


def _filter(fn: Callable[..., str]) -> Callable[..., str]:
    """Wrap an escaper as a template filter that records, not raises, what it cannot carry."""

    @jinja2.pass_context
    def template_filter(ctx: Any, value: Any, field: str, *args: Any) -> str:
        try:
            escaped = fn(value, *args)
        except escape.CannotEscape as err:
            ctx["problems"].append((field, str(err)))
            escaped = "<invalid>"
        return escaped

    return template_filter


COMPILED = Path(__file__).parent / "_generated" / "templates"


def _compiled_templates_current() -> bool:
    """Whether the generated template modules were compiled from these template sources."""
    try:
        recorded = json.loads((COMPILED / "sources.json").read_text())
    except (OSError, ValueError):
        return False
    current = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in TEMPLATES.glob("*.j2")}
    return recorded == current


def _placeholder(value: Any, field: str, *args: Any) -> str:
    """What every escaped value is in a script's shape: one word, whatever the value."""
    return "v"


@functools.lru_cache(maxsize=4)
def environment(compiled: bool = True, shape: bool = False) -> jinja2.Environment:
    """The template environment, built once per process; precompiled templates when current.
    With `shape`, every escaping filter gives the placeholder instead (see `Artifact.shape`)."""
    loader: jinja2.BaseLoader = jinja2.FileSystemLoader(str(TEMPLATES))
    if compiled and _compiled_templates_current():
        loader = jinja2.ModuleLoader(str(COMPILED))
    env = jinja2.Environment(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    # The templates call no global (range, dict, ...): without them a render does not copy
    # them into each of its contexts.
    env.globals.clear()
    escapers = {
        "sh": escape.sh,
        "sh_home": escape.sh_home,
        "sd_exec_word": escape.sd_exec_word,
        "sd_env": escape.sd_env,
        "sd_value": escape.sd_value,
        "sd_path": escape.sd_path,
        "comment": escape.comment,
    }
    env.filters.update(
        {name: _placeholder if shape else _filter(fn) for name, fn in escapers.items()}
    )
    return env


class Emitter:
    """Renders one agent's artifacts, collecting escaping failures as diagnostics."""

    def __init__(self, agent: ir.Agent, source: str) -> None:
        self.agent = agent
        self.source = source
        self.diagnostics: list[Diagnostic] = []
        self.problems: list[tuple[str, str]] = []
        self.reported: set[tuple[str, str]] = set()
        self.context = {
            "agent": agent,
            "version": __version__,
            "source": source,
            "fail_closed": FAIL_CLOSED_EXIT,
            "stop_margin": STOP_MARGIN_SECONDS,
            "restart": restart_policy(agent.lifecycle),
            "logs": {m: log_paths(agent, m) for m in ("launchd", "systemd")},
            "machine": {m: podman_machine(agent, m) for m in ("launchd", "systemd")},
            "health_commands": health_commands(agent),
            "health_check": health_check(agent),
            "provenance": provenance(agent),
            "problems": self.problems,
            "publish": publish,
            "cpu_quota": cpu_quota,
            "container_args": ir.container_args,
        }

    def render(self, template: str, **extra: Any) -> str:
        """Render `template` for this agent; escaping problems become diagnostics."""
        text = environment().get_template(template).render({**self.context, **extra})
        self._record_problems()
        return text

    def shape(self, template: str, **extra: Any) -> str:
        """`template` rendered for this agent with every escaped value as the placeholder."""
        return environment(shape=True).get_template(template).render({**self.context, **extra})

    def _record_problems(self) -> None:
        """Each field's problem once, however many artifacts carry the field."""
        for field, reason in dict.fromkeys(self.problems):
            if (field, reason) not in self.reported:
                self.reported.add((field, reason))
                self.problem(field, reason)
        self.problems.clear()

    def problem(self, field: str, reason: str) -> None:
        """Record that `field` cannot be carried into an artifact."""
        self.diagnostics.append(
            checks.INVALID_VALUE.at(
                _field_span(self.agent, field),
                f"`{self.agent.name}.{field}` cannot be written faithfully: {reason}",
                "change the value; agentc never alters a value to make it fit",
            )
        )

    def carry(self, escaper: Callable[[str], str], value: str, field: str) -> str:
        """Escape `value` for a format, recording a problem (not raising) if it cannot go."""
        try:
            return escaper(value)
        except escape.CannotEscape as err:
            self.problem(field, str(err))
            return ""

    def plist(self) -> dict[str, Any]:
        """The launchd job definition (plistlib serializes it: XML, keys sorted)."""
        a, lc = self.agent, self.agent.lifecycle

        def s(value: str, field: str) -> str:
            return self.carry(escape.plist_string, value, field)

        def p(value: str, field: str) -> str:
            return self.carry(escape.plist_path, value, field)

        state = escape.STATE_PLACEHOLDER
        logs = self.context["logs"]["launchd"]
        env = {s(k, f"environment.{k}"): s(v, f"environment.{k}") for k, v in a.environment.items()}
        if a.runtime != "podman":  # a container gets its secrets mounted, not their paths
            for name, secret in sorted(a.secrets.items()):
                env[s(f"{name}_FILE", f"secrets.{name}")] = p(secret.source, f"secrets.{name}")
        env.update(SOURCEOS_AGENT_MANAGER="launchd", SOURCEOS_AGENT_STATE_DIR=state)
        job: dict[str, Any] = {
            "Label": s(a.label, "label"),
            "ProgramArguments": [f"{state}/bin/{wrapper_name(a)}"],
            "RunAtLoad": lc.run_at_load,
            "KeepAlive": restart_policy(lc).keep_alive,
            "ThrottleInterval": lc.restart_delay_seconds,
            "ExitTimeOut": lc.shutdown_timeout_seconds + STOP_MARGIN_SECONDS,
            "ProcessType": "Background",
            "StandardOutPath": p(logs["stdout"], "logs.stdout"),
            "StandardErrorPath": p(logs["stderr"], "logs.stderr"),
            "EnvironmentVariables": env,
        }
        if a.scope == "user":
            job["LimitLoadToSessionType"] = "Aqua"
        limits = {
            key: value
            for key, value in (("NumberOfFiles", a.resources.open_files),
                               ("NumberOfProcesses", a.resources.pids))
            if value is not None
        }  # fmt: skip
        if limits and a.runtime != "podman":  # a container's limits are Podman's flags
            job["SoftResourceLimits"] = limits
            job["HardResourceLimits"] = dict(limits)
        return job


@attrs.frozen
class RestartPolicy:
    """What a lifecycle makes each manager do (docs/restart.md): launchd's KeepAlive, systemd's
    Restart=, and how many automatic restarts an hour the wrapper's breaker (launchd) and the
    unit's start limit (systemd) allow after the first start; None: no automatic restarts."""

    keep_alive: bool | dict[str, bool]
    systemd: str
    restarts_per_hour: int | None


def restart_policy(lc: ir.Lifecycle) -> RestartPolicy:
    """The restart truth table. Rows that can restart without bound on either manager are
    errors (unbounded-keepalive, unbounded-restart, keepalive-crashed-false). A waiver of one
    accepts the risk and the row is emitted as declared, never as another row, and always with
    the breaker: unbounded-restart, the row without a count, cannot be waived."""
    ka = lc.keep_alive
    successful_exit, crashed = (
        (ka.successful_exit, ka.crashed) if isinstance(ka, ir.KeepAlive) else (None, None)
    )
    if lc.restart == "manual" and not lc.keeps_alive:
        return RestartPolicy(False, "no", None)
    if lc.restart == "manual" and ka is True:  # a waived unbounded-keepalive, as declared
        return RestartPolicy(True, "always", lc.max_restarts_per_hour)
    if successful_exit is None and crashed is None:  # false, true or {}: restart on failure
        successful_exit = False
    keep_alive = {
        key: value
        for key, value in (("SuccessfulExit", successful_exit), ("Crashed", crashed))
        if value is not None
    }
    if successful_exit is False:
        systemd = "on-failure"  # a non-zero exit, a signal, a timeout (crashes included)
    elif crashed is True and successful_exit is None:
        systemd = "on-abnormal"  # a signal or a timeout, as launchd's Crashed
    else:
        systemd = "always"  # an error row: keepAlive restarts it after clean exits
    return RestartPolicy(keep_alive, systemd, lc.max_restarts_per_hour)


def _field_span(agent: ir.Agent, field: str) -> Any:
    if field in agent.spans:
        return agent.spans[field]
    node: Any = agent
    parts = field.split(".")
    for part in parts[:-1]:
        child = next((f for f in ir.schema(type(node)) if f.metadata["key"] == part), None)
        if child is None or not isinstance(getattr(node, child.name), ir.Node):
            return node.at(part)
        node = getattr(node, child.name)
    return node.at(parts[-1])


def manifest(
    agent: ir.Agent,
    source_name: str,
    artifacts: list[Artifact],
    lint: list,
    declared: tuple[dict[str, Any], str],
) -> bytes:
    """manifest.json: declaration, provenance, artifact hashes, lint results; no timestamps.
    `declared` is `normalized(agent)`, which `emit` takes too."""
    declaration, digest = declared
    doc = {
        "agent": agent.name,
        "label": agent.label,
        "compiler": {"name": "agentc", "version": __version__},
        "source": source_name,
        "declaration": declaration,
        "declarationSha256": digest,
        "provenance": provenance(agent),
        "artifacts": {
            a.path: {"sha256": a.sha256, "mode": f"{a.mode:04o}"}
            for a in sorted(artifacts, key=lambda a: a.path)
        },
        "install": install_locations(agent),
        "lint": lint,
    }
    return (indented(doc) + "\n").encode()


def normalized(agent: ir.Agent) -> tuple[dict[str, Any], str]:
    """The normalized declaration (`dump.node_json`) and its hash, computed once per agent
    for `emit` (the hash goes into bin/activate) and `manifest`."""
    from compiler.dump import node_json

    declaration = node_json(agent)
    return declaration, declaration_sha256(declaration)


def declaration_sha256(declaration: dict[str, Any]) -> str:
    """The hash of the normalized declaration (`dump.node_json`), embedded in bin/activate and
    recorded in the manifest."""
    canonical = json.dumps(declaration, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def provenance(agent: ir.Agent) -> dict[str, Any] | None:
    """Image provenance in the shape of spec section 7: what the declaration fixes (activation
    records the whole record, imageId, pulledAt and firstSeenAt included)."""
    if agent.runtime != "podman":
        return None
    pull_auth = "service-account" if agent.auth.mode == "service-account" else None
    return {
        "agent": agent.name,
        "runtimeImage": agent.image,
        "sourceImage": agent.source_image,
        "runtimeAuth": agent.auth.mode,
        "pullAuth": pull_auth or "interactive-or-service-account",
    }


def install_locations(agent: ir.Agent) -> dict[str, Any]:
    """Where activation installs the service definitions (DESIGN.md section 4)."""
    user = agent.scope == "user"
    launchd_dir = agent.install.launchd_dir or (
        f"{ir.HOME}/Library/LaunchAgents" if user else "/Library/LaunchDaemons"
    )
    systemd_dir = agent.install.systemd_dir or (
        f"{ir.HOME}/.config/systemd/user" if user else "/etc/systemd/system"
    )
    return {
        "launchd": {
            "path": f"{launchd_dir}/{agent.label}.plist",
            "domain": "gui/<uid>" if user else "system",
            "logs": log_paths(agent, "launchd"),
        },
        "systemd": {
            "path": f"{systemd_dir}/{unit_name(agent)}",
            "manager": "user" if user else "system",
            "logs": log_paths(agent, "systemd"),
        },
    }


def health_check(agent: ir.Agent) -> dict[str, Any]:
    """The declared check as the scripts run it: its argv (type command), what a report names
    it by, and the settle window (at most the start period)."""
    health = agent.health
    argv = health.command if health.type == "command" and isinstance(health.command, tuple) else ()
    named = {
        "http": health.url or "",
        "tcp": f"127.0.0.1:{health.port}",
        "command": " ".join(argv),
        "process": "the service manager's main process",
        "podman-container": f"container {agent.container_name}",
    }[health.type]
    start = health.start_period_seconds or agent.lifecycle.startup_timeout_seconds
    return {
        "argv": argv,
        "named": named,
        "start": start,
        "settle": min(agent.lifecycle.settle_seconds, start),
        "log_max_bytes": agent.logs.max_size_mb * 1024 * 1024,
    }


def health_commands(agent: ir.Agent) -> dict[str, str]:
    """The health command status prints under each manager: as declared, else through that
    manager's connection (`podman_machine`)."""
    command = agent.health.command
    if isinstance(command, tuple):  # type = "command": the check itself, as one would type it
        command = " ".join(escape.sh(word) for word in command)
    if agent.health.given("command") or agent.runtime != "podman":
        return dict.fromkeys(("launchd", "systemd"), command or "")
    return {
        m: health_command(agent, podman_machine(agent, m)["connection"])
        for m in ("launchd", "systemd")
    }


def podman_machine(agent: ir.Agent, manager: str) -> dict[str, Any]:
    """The Podman connection, and whether preflight requires its machine, under `manager`. The
    spec's defaults (the machine `podman-machine-default`) are macOS's, where Podman runs in a
    VM; on Linux Podman runs here, so a connection or requireMachine not declared is none."""
    podman = agent.podman
    mac = manager == "launchd"
    connection = podman.connection if mac or podman.given("connection") else None
    require = podman.require_machine if mac or podman.given("requireMachine") else False
    return {"connection": connection, "require_machine": bool(require and connection)}


def publish(port: ir.Port) -> str:
    """`--publish`'s value for a port: `address:host:container/protocol`, an IPv6 address in
    brackets."""
    address = f"[{port.address}]" if ":" in port.address else port.address
    return f"{address}:{port.host}:{port.container}/{port.protocol}"


def cpu_quota(cpus: str) -> str:
    """systemd's `CPUQuota=` for a number of CPUs: `0.5` → `50%`."""
    return f"{round(float(cpus) * 100)}%"


def load_hint(agent: ir.Agent) -> str:
    """How to get the runtime image onto the host, for preflight's remediation."""
    if agent.source_image:
        return f"podman pull {agent.source_image} && podman tag {agent.source_image} {agent.image}"
    return f"podman load -i <archive> (or podman build -t {agent.image} .)"


def emit(
    agent: ir.Agent, source_name: str, declared: tuple[dict[str, Any], str]
) -> tuple[list[Artifact], list[Diagnostic]]:
    """An agent's artifacts but the manifest, or diagnostics for values that cannot be carried
    (`declared` is `normalized(agent)`)."""
    em = Emitter(agent, source_name)
    facts = {
        "declaration_sha256": declared[1],
        "unit_name": unit_name(agent),
        "load_hint": load_hint(agent),
        "gnu_patterns": "\n".join(pattern for _, pattern in PATTERNS),
    }
    facts["facts"] = em.render("_facts.sh.j2", **facts)  # one rendering for the two that read it
    shaped = {**facts, "facts": em.shape("_facts.sh.j2", **facts)}
    scripts = [
        (f"bin/{wrapper_name(agent)}", "sourceos-agent.j2", "wrapper"),
        ("bin/activate", "activate.j2", "activate"),
        ("bin/agentctl", "agentctl.j2", "agentctl"),
    ]
    artifacts = []
    for path, template, kind in scripts:
        part = em.render(template, **facts).encode()
        # The library is the same text for every agent: its identity stands for it in the shape.
        form = f"{em.shape(template, **shaped)}\0shell/{kind} {shlib.sha256()}"
        shape = hashlib.sha256(form.encode()).digest()
        artifacts.append(Artifact(path, part, EXECUTABLE, shape, library=kind))
    unit = em.render("sourceos-agent@.service.j2")
    manager = "user" if agent.scope == "user" else "system"
    unit_path = f"systemd/{unit_name(agent)}"
    artifacts.append(Artifact(unit_path, unit.encode(), REGULAR, manager=manager))
    job = em.plist()
    artifacts.append(Artifact(f"launchd/{agent.label}.plist", None, REGULAR, document=job))
    return artifacts, em.diagnostics
