"""Cross-field validation of lowered agents: what one field alone cannot tell."""

from __future__ import annotations

import re
from collections.abc import Iterable

from compiler import checks, ir
from compiler.diagnostics import Diagnostic
from compiler.span import Span

_LABEL = re.compile(ir.LABEL_PATTERN)
# An image reference as Podman and the distribution spec parse it: [host[:port]/]path[:tag]
# [@digest], path components lower case.
_HOST_PART = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_IMAGE = re.compile(
    rf"(?:{_HOST_PART}(?:\.{_HOST_PART})*(?::[0-9]+)?/)?{_COMPONENT}(?:/{_COMPONENT})*"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-f]{64})?"
)
_CONTAINER = re.compile(ir.CONTAINER_PATTERN)


# What the wrapper (and Podman under it) reads from its own environment to find the agent's
# state, logs, credentials and connection: never the declaration's to set.
RESERVED_ENVIRONMENT = frozenset(
    {
        "HOME",
        "PATH",
        "TMPDIR",
        "XDG_CONFIG_HOME",
        "XDG_RUNTIME_DIR",
        "XDG_STATE_HOME",
        "XDG_DATA_HOME",
        "XDG_CACHE_HOME",
        "DOCKER_CONFIG",
        "REGISTRY_AUTH_FILE",
        "CONTAINERS_CONF",
        "CONTAINERS_REGISTRIES_CONF",
        "CONTAINERS_STORAGE_CONF",
        "CONTAINER_HOST",
        "CONTAINER_CONNECTION",
        "CONTAINER_SSHKEY",
    }
)


def validate(agent: ir.Agent) -> list[Diagnostic]:
    """Diagnostics for one agent's cross-field requirements."""
    out: list[Diagnostic] = []
    for name in sorted(agent.environment):
        if name in RESERVED_ENVIRONMENT or name.startswith("SOURCEOS_AGENT_"):
            out.append(
                checks.RESERVED_ENVIRONMENT.at(
                    agent.spans.get(f"environment.{name}:key", agent.at(f"environment.{name}")),
                    f"`environment.{name}` would change where the wrapper finds the agent's"
                    " state, logs, credentials and Podman connection",
                    f"remove it; a program that needs its own {name} can set it itself, and a"
                    " container's comes from its image",
                )
            )
    for key, image in (("image", agent.image), ("sourceImage", agent.source_image)):
        if image is not None and not _IMAGE.fullmatch(image):
            out.append(
                checks.INVALID_VALUE.at(
                    agent.at(key),
                    f"`{key}` {image!r} is not an image reference Podman accepts",
                    "[registry[:port]/]name[:tag][@sha256:digest], the name in lower case,"
                    ' e.g. "localhost/sourceos/agent:1.0"',
                )
            )
    if agent.runtime == "podman" and agent.image is None:
        out.append(
            checks.MISSING_REQUIRED.at(
                agent.at("runtime"),
                f"agent `{agent.name}` uses the podman runtime but declares no `image`",
                f'add: image = "localhost/sourceos/{agent.name}:<tag>";',
            )
        )
    if agent.runtime != "podman" and agent.command is None:
        out.append(
            checks.MISSING_REQUIRED.at(
                agent.at("runtime"),
                f"agent `{agent.name}` uses the {agent.runtime} runtime but declares no `command`",
                'add an argv list: command = [ "/path/to/program" "--flag" ];',
            )
        )
    if (
        agent.runtime != "podman"
        and agent.command is not None
        and not (agent.command[:1] or ("",))[0]
    ):
        out.append(
            checks.OUT_OF_RANGE.at(
                agent.at("command"),
                f"`{agent.name}.command` must name the program as its first element",
                'e.g. command = [ "/usr/local/bin/agent" "--flag" ];',
            )
        )
    if agent.runtime != "podman" and agent.health.type == "podman-container":
        out.append(
            checks.BAD_ENUM_VALUE.at(
                agent.health.at("type"),
                f"health type `podman-container` needs the podman runtime, not {agent.runtime}",
                'use type = "process";',
            )
        )
    if not _LABEL.fullmatch(agent.label) or ".." in agent.label:
        out.append(
            checks.INVALID_NAME.at(
                agent.at("label"),
                f"label {agent.label!r} is not a valid launchd label",
                "labels are reverse-DNS names of letters, digits, `.`, `_` and `-`;"
                " they become the plist file name",
            )
        )
    if agent.auth.mode == "service-account" and not agent.auth.authfile:
        out.append(
            checks.MISSING_REQUIRED.at(
                agent.auth.at("mode"),
                f"`{agent.name}` authenticates with a service account but names no `authfile`",
                'add: auth.authfile = "/path/to/the/service-account/auth.json";',
            )
        )
    if agent.auth.mode == "forbidden-ambient" and agent.auth.allow_ambient_docker_config:
        out.append(
            checks.INVALID_VALUE.at(
                agent.auth.at("allowAmbientDockerConfig"),
                f"`{agent.name}`: auth.mode = forbidden-ambient forbids what"
                " allowAmbientDockerConfig = true allows",
                "remove allowAmbientDockerConfig, or choose another auth.mode",
            )
        )
    podman = agent.podman
    if agent.runtime == "podman" and agent.scope == "system" and podman.rootless:
        out.append(
            checks.INVALID_VALUE.at(
                podman.at("rootless"),
                f"`{agent.name}.podman.rootless = true` cannot be carried: a system daemon's"
                " wrapper runs as root, and so does its Podman",
                'use rootless = false (the default for system scope), or scope = "user" to run'
                " as a user's rootless Podman",
            )
        )
    rootful_user = agent.scope == "user" and not podman.rootless and podman.connection is None
    if agent.runtime == "podman" and rootful_user:
        out.append(
            checks.INVALID_VALUE.at(
                podman.at("rootless"),
                f"`{agent.name}.podman.rootless = false` cannot be carried: a user agent runs"
                " its user's own, rootless Podman",
                'use scope = "system" for rootful Podman, or name a rootful machine\'s'
                " connection in podman.connection",
            )
        )
    lc = agent.lifecycle
    if not lc.run_at_load and lc.restart != "manual":
        out.append(
            checks.INVALID_VALUE.at(
                lc.at("runAtLoad"),
                f"`{agent.name}.lifecycle.runAtLoad = false` cannot be carried with restart ="
                f' "{lc.restart}": the KeepAlive that restarts it on launchd (SuccessfulExit)'
                " implies RunAtLoad",
                'use runAtLoad = true, or restart = "manual" for an agent started only by hand',
            )
        )
    if not _CONTAINER.fullmatch(agent.container_name):
        out.append(
            checks.INVALID_NAME.at(
                agent.at("containerName"),
                f"container name {agent.container_name!r} is not valid for Podman",
                "container names match [A-Za-z0-9][A-Za-z0-9_.-]*",
            )
        )
    out += _container_fields(agent)
    out += _secrets(agent)
    out += _health(agent)
    return out


def _health(agent: ir.Agent) -> list[Diagnostic]:
    """The declared check: what its type needs, and no other type's fields (DESIGN 2a)."""
    out: list[Diagnostic] = []
    health = agent.health
    argv = isinstance(health.command, tuple)
    if health.type == "command" and not argv:
        out.append(
            checks.MISSING_REQUIRED.at(
                health.at("command") if health.given("command") else health.at("type"),
                f'`{agent.name}.health.type = "command"` needs `health.command` as an argv list',
                'e.g. command = [ "/usr/local/bin/agent-ping" "--quiet" ];',
            )
        )
    elif argv and health.type != "command":
        out.append(
            checks.WRONG_TYPE.at(
                health.at("command"),
                f'`{agent.name}.health.command` is an argv list only for type = "command";'
                f" for type {health.type!r} it is the hand check `status` prints, a string",
                'use type = "command", or give the command as one string',
            )
        )
    elif argv and not health.command[0]:
        out.append(
            checks.OUT_OF_RANGE.at(
                health.at("command"),
                f"`{agent.name}.health.command` must name the program as its first element",
                'e.g. command = [ "/usr/bin/true" ];',
            )
        )
    for kind, key, value in (("http", "url", health.url), ("tcp", "port", health.port)):
        if health.type == kind and value is None:
            out.append(
                checks.MISSING_REQUIRED.at(
                    health.at("type"),
                    f'`{agent.name}.health.type = "{kind}"` needs `health.{key}`',
                    (
                        'e.g. url = "http://127.0.0.1:8080/health";'
                        if kind == "http"
                        else "e.g. port = 8080;"
                    ),
                )
            )
        elif health.type != kind and value is not None:
            out.append(
                checks.INVALID_VALUE.at(
                    health.at(key),
                    f'`{agent.name}.health.{key}` applies to type = "{kind}" only, not'
                    f" {health.type!r}",
                    f'remove it, or use type = "{kind}"',
                )
            )
    if health.url is not None and health_url_host(health.url) is None:
        out.append(
            checks.INVALID_VALUE.at(
                health.at("url"),
                f"`{agent.name}.health.url` {health.url!r} is not an http:// or https:// URL",
                'e.g. url = "http://127.0.0.1:8080/health";',
            )
        )
    return out


_HEALTH_URL = re.compile(
    r"https?://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::[0-9]{1,5})?(?:[/?#][!-~]*)?"
)


def health_url_host(url: str) -> str | None:
    """The host an http health check's URL names (brackets kept off an IPv6 address), or None
    when it is no plain http(s) URL: no user part, no space or control character."""
    match = _HEALTH_URL.fullmatch(url)
    return match.group(1).strip("[]") if match else None


_PODMAN_ONLY = ("ports", "volumes", "network", "args", "workingDir", "user", "readOnlyRootfs",
                "capabilities", "noNewPrivileges")  # fmt: skip
_CAPABILITY = re.compile(r"ALL|(?:CAP_)?[A-Z][A-Z0-9_]*")
_USER = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*(?::[A-Za-z0-9_][A-Za-z0-9_.-]*)?")


def _container_path(value: str | None) -> str:
    """Why `value` cannot be a path inside the container (empty: it can)."""
    if value is None:
        return ""
    if not value.startswith("/"):
        return "it must be absolute, e.g. /data"
    if "$" in value or any(part == ".." for part in value.split("/")):
        return "no `$` and no `..`: it is used as written"
    if ":" in value or "," in value or any(ord(c) < 32 or ord(c) == 127 for c in value):
        return "no `:`, `,` or control character: Podman's mount syntax cannot carry them"
    return ""


def _container_fields(agent: ir.Agent) -> list[Diagnostic]:
    """Ports, volumes, network and the container's settings (DESIGN 2a)."""
    out: list[Diagnostic] = []
    podman = agent.podman
    if agent.runtime != "podman":
        fields = ir.by_key(ir.Podman)
        for key in _PODMAN_ONLY:
            value = getattr(podman, fields[key].name)
            default = fields[key].metadata["default"]
            if isinstance(default, type):  # a section: compare with its defaults
                default = default(**{f.name: f.metadata["default"] for f in ir.schema(default)})
            if podman.given(key) and value != default and value not in (None, "none"):
                out.append(
                    checks.INVALID_VALUE.at(
                        podman.at(key),
                        f"`{agent.name}.podman.{key}` applies to the podman runtime only, not"
                        f" {agent.runtime}",
                        "remove it",
                    )
                )
        return out
    if podman.args is not None and agent.command is not None:
        out.append(
            checks.INVALID_VALUE.at(
                podman.at("args"),
                f"`{agent.name}` gives the container's command twice: `command` and"
                " `podman.args`",
                "keep one of them",
            )
        )
    published: dict[tuple[str, int, str], ir.Port] = {}
    for port in podman.ports:
        address = _address(port.address)
        if address is None:
            out.append(
                checks.INVALID_VALUE.at(
                    port.at("address"),
                    f"`{agent.name}.podman.ports`: {port.address!r} is not an IP address",
                    'e.g. address = "127.0.0.1"; or "::1"',
                )
            )
            continue
        if port.host is None:
            continue
        key = (address, port.host, port.protocol)
        first = published.setdefault(key, port)
        if first is not port:
            out.append(
                checks.DUPLICATE_AGENT.at(
                    port.at("host") if port.given("host") else port.span,
                    f"host port {port.host}/{port.protocol} on {address} is published twice",
                    f"first at line {first.span.line}",
                )
            )
    if podman.ports and podman.network in ("none", "host"):
        out.append(
            checks.INVALID_VALUE.at(
                podman.at("network"),
                f"`{agent.name}` publishes ports but its network is {podman.network!r}:"
                " nothing would be published",
                'remove network (the runtime\'s default), or use network = "bridge"',
            )
        )
    targets: dict[str, Span] = {}
    for volume in podman.volumes:
        why = _container_path(volume.target)
        if why:
            out.append(
                checks.INVALID_PATH.at(
                    volume.at("target"),
                    f"`{agent.name}.podman.volumes` target {volume.target!r}: {why}",
                    "",
                )
            )
        elif volume.target is not None:
            out += _duplicate_target(agent, targets, volume.target.rstrip("/") or "/",
                                     volume.at("target"))  # fmt: skip
        if volume.source is not None and ("," in volume.source or ":" in volume.source):
            out.append(
                checks.INVALID_PATH.at(
                    volume.at("source"),
                    f"`{agent.name}.podman.volumes` source {volume.source!r}: no `:` or `,`:"
                    " Podman's mount syntax cannot carry them",
                    "",
                )
            )
    for _, secret in sorted(agent.secrets.items()):
        if secret.target is not None and not _container_path(secret.target):
            out += _duplicate_target(agent, targets, secret.target, secret.at("target"))
    if podman.working_dir is not None and _container_path(podman.working_dir):
        out.append(
            checks.INVALID_PATH.at(
                podman.at("workingDir"),
                f"`{agent.name}.podman.workingDir` {podman.working_dir!r}:"
                f" {_container_path(podman.working_dir)}",
                "",
            )
        )
    if podman.user is not None and not _USER.fullmatch(podman.user):
        out.append(
            checks.INVALID_VALUE.at(
                podman.at("user"),
                f"`{agent.name}.podman.user` {podman.user!r} is not a user[:group]",
                'e.g. user = "1000:1000";',
            )
        )
    caps = podman.capabilities
    for key, names in (("drop", caps.drop), ("add", caps.add)):
        for cap in names:
            if not _CAPABILITY.fullmatch(cap):
                out.append(
                    checks.INVALID_VALUE.at(
                        caps.at(key),
                        f"`{agent.name}.podman.capabilities.{key}`: {cap!r} is not a"
                        " capability name",
                        'capability names are upper case, e.g. "NET_BIND_SERVICE" or "ALL"',
                    )
                )
    return out


def _duplicate_target(
    agent: ir.Agent, targets: dict[str, Span], target: str, span: Span
) -> list[Diagnostic]:
    first = targets.setdefault(target, span)
    if first is span:
        return []
    return [
        checks.INVALID_VALUE.at(
            span,
            f"`{agent.name}` mounts two things at {target}",
            f"first at line {first.line}, column {first.column}",
        )
    ]


def _address(text: str) -> str | None:
    """An IP address in its canonical form, or None."""
    import ipaddress  # only for agents that publish ports

    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def _secrets(agent: ir.Agent) -> list[Diagnostic]:
    """A secret is a file given as a file: a mount target for containers, `$<NAME>_FILE`
    otherwise."""
    out: list[Diagnostic] = []
    for name, secret in sorted(agent.secrets.items()):
        if agent.runtime == "podman":
            why = _container_path(secret.target) if secret.target else "a container needs one"
            if why:
                out.append(
                    checks.INVALID_PATH.at(
                        secret.at("target"),
                        f"`{agent.name}.secrets.{name}.target`: {why}",
                        f'e.g. target = "/run/secrets/{name.lower()}";',
                    )
                )
            continue
        if secret.target is not None:
            out.append(
                checks.INVALID_VALUE.at(
                    secret.at("target"),
                    f"`{agent.name}.secrets.{name}.target` applies to containers only: a"
                    f" {agent.runtime} agent finds the file's path in ${name}_FILE",
                    "remove target",
                )
            )
        variable = f"{name}_FILE"
        if variable in agent.environment or variable in RESERVED_ENVIRONMENT:
            out.append(
                checks.INVALID_VALUE.at(
                    agent.spans.get(f"secrets.{name}:key", agent.at("secrets")),
                    f"`{agent.name}.secrets.{name}` is given in ${variable}, which"
                    " `environment` (or the wrapper) sets already",
                    "rename the secret or the variable",
                )
            )
    return out


def container_key(agent: ir.Agent) -> tuple[str, str] | None:
    """Where a Podman agent's container name must be unique: among the agents of its scope
    (a user's rootless Podman, or the system's); None for other runtimes."""
    return (agent.scope, agent.container_name) if agent.runtime == "podman" else None


def duplicate_agents(agents: Iterable[ir.Agent]) -> list[Diagnostic]:
    """Agents of one name, one label, or one container name declared more than once across
    files."""
    out: list[Diagnostic] = []
    names: dict[str, ir.Agent] = {}
    labels: dict[str, ir.Agent] = {}
    containers: dict[tuple[str, str], ir.Agent] = {}
    ports: dict[tuple[str, int, str], ir.Agent] = {}
    for agent in agents:
        for port in agent.podman.ports if agent.runtime == "podman" else ():
            address = _address(port.address)
            if address is None or port.host is None:
                continue
            holder = ports.setdefault((address, port.host, port.protocol), agent)
            if holder is not agent:
                out.append(
                    checks.DUPLICATE_AGENT.at(
                        port.at("host") if port.given("host") else port.span,
                        f"host port {port.host}/{port.protocol} on {address} is already"
                        f" published by agent `{holder.name}`",
                        "give one of them another host port",
                    )
                )
        key = container_key(agent)
        owner = agent if key is None else containers.setdefault(key, agent)
        if owner is not agent and agent.name != owner.name:
            out.append(
                checks.DUPLICATE_AGENT.at(
                    agent.at("containerName"),
                    f"container name {agent.container_name!r} is already used by agent"
                    f" `{owner.name}`: each would replace the other's container",
                    "give one of them its own containerName",
                )
            )
        first = names.setdefault(agent.name, agent)
        if first is not agent:
            out.append(
                checks.DUPLICATE_AGENT.at(
                    agent.span,
                    f"agent `{agent.name}` is already declared",
                    f"first declared at {first.span.file}:{first.span.line}",
                )
            )
            continue
        other = labels.setdefault(agent.label, agent)
        if other is not agent:
            out.append(
                checks.DUPLICATE_AGENT.at(
                    agent.at("label"),
                    f"label {agent.label!r} is already used by agent `{other.name}`",
                    "each agent needs its own launchd label",
                )
            )
    return out
