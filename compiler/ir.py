"""The typed IR: one frozen attrs class per declaration section, each carrying its spans.

Field metadata is the schema: the declaration key, the kind of value, the default
(a value, or a function of the agent name), the allowed values, what it means and
where the spec defines it. Lowering, `dump`, `docs/language.md` and the Nix
modules all read it from here.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import attrs

from compiler.span import Span

NAME_PATTERN = r"[a-z0-9][a-z0-9_-]{0,63}"
LABEL_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,254}"
CONTAINER_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,254}"
ENV_NAME_PATTERN = r"[A-Za-z_][A-Za-z0-9_]*"

HOME = "$HOME"


def decl(
    key: str,
    kind: str,
    default: Any,
    doc: str,
    spec: str,
    *,
    choices: tuple[str, ...] = (),
    nullable: bool = False,
    minimum: int | None = None,
    maximum: int | None = None,
    derived: bool = False,
    required: bool = False,
    item: type | None = None,
) -> Any:
    """An IR field described by the declaration schema (`derived`: its default depends on
    other fields, see `lower.derive`; `required`: a set of this kind needs it; `item`: the
    node of each element of a `list` or `map` field)."""
    meta = {
        "derived": derived,
        "required": required,
        "item": item,
        "maximum": maximum,
        "key": key,
        "kind": kind,
        "default": default,
        "doc": doc,
        "spec": spec,
        "choices": choices,
        "nullable": nullable,
        "minimum": minimum,
    }
    return attrs.field(metadata=meta)


def spans_field() -> Any:
    """Where each field's value was written (absent for defaulted fields)."""
    return attrs.field(factory=dict, repr=False, eq=False)


class Node:
    """Behaviour shared by IR nodes."""

    __slots__ = ()

    span: Span
    spans: Mapping[str, Span]

    def at(self, key: str) -> Span:
        """The span of a field's value, or of the node when the field was defaulted."""
        return self.spans.get(key, self.span)

    def given(self, key: str) -> bool:
        """Whether the declaration wrote this field (rather than taking its default)."""
        return key in self.spans

    def __repr__(self) -> str:
        # One repr for every node: attrs would generate and compile one per class at import.
        fields = (f"{a.name}={getattr(self, a.name)!r}" for a in attrs.fields(type(self)) if a.repr)
        return f"{type(self).__name__}({', '.join(fields)})"


@attrs.frozen(slots=True, repr=False)
class Owner(Node):
    """Who owns the agent (spec section 3)."""

    project: str = decl("project", "string", "SourceOS", "Owning project.", "3")
    component: str = decl("component", "string", "local-runtime", "Owning component.", "3")
    contact: str = decl("contact", "string", "platform", "Who to contact about it.", "3")
    span: Span = attrs.field(default=None, eq=False, repr=False)
    spans: Mapping[str, Span] = spans_field()


@attrs.frozen(slots=True, repr=False)
class Auth(Node):
    """How the runtime authenticates to registries (spec sections 3 and 6)."""

    mode: str = decl(
        "mode",
        "enum",
        "empty-authfile",
        'Runtime auth model. `empty-authfile`: an authfile holding `{"auths":{}}` (spec 6.1);'
        " `service-account`: a service-grade credential in `authfile` (spec 6.2); `none`: no"
        " registry auth at all; `forbidden-ambient`: like `none`, and activation fails if any"
        " host credential could reach the runtime.",
        "3, 6",
        choices=("empty-authfile", "service-account", "none", "forbidden-ambient"),
    )
    authfile: str | None = decl(
        "authfile",
        "path",
        None,
        "The only credentials file the runtime may read (`--authfile`, `REGISTRY_AUTH_FILE`)."
        " `null`: for `empty-authfile`, `$HOME/.config/containers/sourceos-empty-auth.json`"
        " (user scope; `dump` shows it) or `auth.json` in the agent's state directory (system"
        " scope); for `none` and `forbidden-ambient`, that state-directory file, empty;"
        " `service-account` requires one.",
        "3, 6.1",
        nullable=True,
        derived=True,
    )
    allow_ambient_docker_config: bool = decl(
        "allowAmbientDockerConfig",
        "bool",
        False,
        "Let the host's `~/.docker/config.json` and `containers/auth.json` reach the runtime.",
        "3, 6",
    )
    allow_interactive_credential_helper: bool = decl(
        "allowInteractiveCredentialHelper",
        "bool",
        False,
        "Let a credential helper that may prompt (e.g. `gcloud`) be consulted.",
        "3, 6",
    )
    span: Span = attrs.field(default=None, eq=False, repr=False)
    spans: Mapping[str, Span] = spans_field()


@attrs.frozen(slots=True, repr=False)
class Port(Node):
    """One published port: `--publish address:host:container/protocol` (DESIGN 2a)."""

    container: int = decl(
        "container",
        "int",
        None,
        "The port inside the container.",
        "DESIGN 2a",
        minimum=1,
        maximum=65535,
        required=True,
    )
    host: int | None = decl(
        "host",
        "int",
        None,
        "The port on the host; `null`: the container's.",
        "DESIGN 2a",
        nullable=True,
        minimum=1,
        maximum=65535,
    )
    address: str = decl(
        "address",
        "string",
        "127.0.0.1",
        "The host address it is published on. Anything but a loopback address (`0.0.0.0`,"
        " `::`, a LAN address) is rule `public-port`.",
        "DESIGN 2a",
    )
    protocol: str = decl(
        "protocol", "enum", "tcp", "The protocol.", "DESIGN 2a", choices=("tcp", "udp")
    )
    span: Span = attrs.field(default=None, eq=False, repr=False)
    spans: Mapping[str, Span] = spans_field()


@attrs.frozen(slots=True, repr=False)
class Volume(Node):
    """One mount: a host directory or a named volume at a path in the container (DESIGN 2a)."""

    source: str = decl(
        "source",
        "volume",
        None,
        "A host directory (`$HOME/...` or absolute; created at install, mode 0700, owned by"
        " the agent's user, when missing; never changed when it exists) or a named volume"
        " (a name without `/`). `/`, a whole home, the Docker or Podman socket: rule"
        " `dangerous-mount`.",
        "DESIGN 2a",
        required=True,
    )
    target: str = decl(
        "target",
        "string",
        None,
        "Where it is mounted in the container (absolute).",
        "DESIGN 2a",
        required=True,
    )
    read_only: bool = decl("readOnly", "bool", False, "Mount it read-only.", "DESIGN 2a")
    span: Span = attrs.field(default=None, eq=False, repr=False)
    spans: Mapping[str, Span] = spans_field()

    @property
    def named(self) -> bool:
        """A named Podman volume, not a host directory."""
        return "/" not in self.source


@attrs.frozen(slots=True, repr=False)
class Capabilities(Node):
    """Linux capabilities the container drops and adds (`--cap-drop`, `--cap-add`)."""

    drop: tuple[str, ...] = decl(
        "drop", "strings", ("ALL",), "Capabilities dropped (`ALL`: every one).", "DESIGN 2a"
    )
    add: tuple[str, ...] = decl(
        "add", "strings", (), "Capabilities added back, e.g. `NET_BIND_SERVICE`.", "DESIGN 2a"
    )
    span: Span = attrs.field(default=None, eq=False, repr=False)
    spans: Mapping[str, Span] = spans_field()


@attrs.frozen(slots=True, repr=False)
class Resources(Node):
    """Resource limits: Podman flags for a container, directives in the unit, resource limits
    in the plist (DESIGN 2a; docs/quadlet.md maps each)."""

    memory_mb: int | None = decl(
        "memoryMB",
        "int",
        None,
        "Memory limit in MiB (`--memory`, systemd `MemoryMax=`).",
        "DESIGN 2a",
        nullable=True,
        minimum=4,
    )
    cpus: str | None = decl(
        "cpus",
        "decimal",
        None,
        'CPUs, an integer or a decimal string such as `"0.5"` (`--cpus`, systemd' " `CPUQuota=`).",
        "DESIGN 2a",
        nullable=True,
    )
    pids: int | None = decl(
        "pids",
        "int",
        None,
        "Most processes and threads (`--pids-limit`, systemd `TasksMax=`, launchd"
        " `NumberOfProcesses`).",
        "DESIGN 2a",
        nullable=True,
        minimum=1,
    )
    open_files: int | None = decl(
        "openFiles",
        "int",
        None,
        "Most open files (`--ulimit nofile`, systemd `LimitNOFILE=`, launchd" " `NumberOfFiles`).",
        "DESIGN 2a",
        nullable=True,
        minimum=1,
    )
    span: Span = attrs.field(default=None, eq=False, repr=False)
    spans: Mapping[str, Span] = spans_field()


@attrs.frozen(slots=True, repr=False)
class Secret(Node):
    """One secret file, given to the agent as a file, never as its content (DESIGN 2a)."""

    source: str = decl(
        "source",
        "path",
        None,
        "The host file (owned by the agent's user, mode 0600 or narrower; checked in"
        " preflight).",
        "DESIGN 2a",
        required=True,
    )
    target: str | None = decl(
        "target",
        "string",
        None,
        "Podman: where the file is mounted read-only in the container (absolute). Native"
        " and nix-app agents get its path in `$<NAME>_FILE` instead.",
        "DESIGN 2a",
        nullable=True,
    )
    span: Span = attrs.field(default=None, eq=False, repr=False)
    spans: Mapping[str, Span] = spans_field()


@attrs.frozen(slots=True, repr=False)
class Podman(Node):
    """How the Podman runtime is reached (spec section 3)."""

    connection: str | None = decl(
        "connection",
        "string",
        "podman-machine-default",
        "`podman --connection` name; `null` uses the local Podman. The default is macOS's, where"
        " Podman runs in a machine: on Linux a connection not declared is the local Podman.",
        "3",
        nullable=True,
    )
    pull: str = decl(
        "pull",
        "enum",
        "never",
        "Image pull policy at run time; the wrapper always runs with `--pull=never` unless"
        " `always`.",
        "3, 6",
        choices=("never", "explicit", "always"),
    )
    require_machine: bool = decl(
        "requireMachine",
        "bool",
        True,
        "Preflight requires the Podman machine behind the connection. The default is macOS's:"
        " on Linux no machine is required unless declared.",
        "3, 5",
    )
    require_local_image: bool = decl(
        "requireLocalImage", "bool", True, "Preflight requires the image locally.", "3, 5"
    )
    rootless: bool = decl(
        "rootless",
        "bool",
        True,
        "Run rootless Podman. Default: `true` for user scope (the user's own Podman), `false`"
        " for system scope (a system manager runs the wrapper as root); the other value is an"
        " error where it cannot be honoured.",
        "3",
        derived=True,
    )
    ports: tuple[Port, ...] = decl(
        "ports",
        "list",
        (),
        "Published ports: `{ container; host; address; protocol; }`.",
        "DESIGN 2a",
        item=Port,
    )
    volumes: tuple[Volume, ...] = decl(
        "volumes",
        "list",
        (),
        "Mounts: `{ source; target; readOnly; }`.",
        "DESIGN 2a",
        item=Volume,
    )
    network: str | None = decl(
        "network",
        "enum",
        None,
        "`none`, `bridge` or `host` (rule `host-network`). `null`: `none` when no port is"
        " published, else the runtime's default.",
        "DESIGN 2a",
        choices=("none", "bridge", "host"),
        nullable=True,
        derived=True,
    )
    args: tuple[str, ...] | None = decl(
        "args",
        "argv",
        None,
        "The container's command (an argv list, after the image); the top-level `command`"
        " says the same for podman agents, and only one of them may be given.",
        "DESIGN 2a",
        nullable=True,
    )
    working_dir: str | None = decl(
        "workingDir",
        "string",
        None,
        "The container's working directory (absolute).",
        "DESIGN 2a",
        nullable=True,
    )
    user: str | None = decl(
        "user",
        "string",
        None,
        "`--user` inside the container, e.g. `1000:1000`.",
        "DESIGN 2a",
        nullable=True,
    )
    read_only_rootfs: bool = decl(
        "readOnlyRootfs",
        "bool",
        False,
        "Mount the container's root file system read-only.",
        "DESIGN 2a",
    )
    capabilities: Capabilities = decl(
        "capabilities", "section", Capabilities, "Capabilities dropped and added.", "DESIGN 2a"
    )
    no_new_privileges: bool = decl(
        "noNewPrivileges",
        "bool",
        True,
        "`--security-opt no-new-privileges`: no setuid gain inside the container.",
        "DESIGN 2a",
    )
    span: Span = attrs.field(default=None, eq=False, repr=False)
    spans: Mapping[str, Span] = spans_field()


@attrs.frozen(slots=True, repr=False)
class KeepAlive(Node):
    """launchd's dictionary form of KeepAlive."""

    successful_exit: bool | None = decl(
        "successfulExit",
        "bool",
        None,
        "Restart only when the last exit was (true) or was not (false) successful.",
        "4.1",
        nullable=True,
    )
    crashed: bool | None = decl(
        "crashed",
        "bool",
        None,
        "Restart only when the job crashed (true) or not.",
        "4.1",
        nullable=True,
    )
    span: Span = attrs.field(default=None, eq=False, repr=False)
    spans: Mapping[str, Span] = spans_field()


@attrs.frozen(slots=True, repr=False)
class Lifecycle(Node):
    """Start, restart and stop behaviour (spec sections 3 and 4)."""

    run_at_load: bool = decl("runAtLoad", "bool", True, "Start when loaded / at login.", "3")
    keep_alive: bool | KeepAlive = decl(
        "keepAlive",
        "keepalive",
        False,
        "`false`, `true`, or `{ successfulExit = bool; crashed = bool; }` (launchd's forms);"
        " what each does with `restart` on both platforms is docs/restart.md's table.",
        "3, 4.1",
    )
    restart: str = decl(
        "restart",
        "enum",
        "manual",
        "`manual`: never restarted automatically; `bounded`: restarted on failure at most"
        " `maxRestartsPerHour` times; `supervised`: restarted on failure by the service"
        " manager under the same start limit.",
        "3, 4.2",
        choices=("manual", "bounded", "supervised"),
    )
    max_restarts_per_hour: int | None = decl(
        "maxRestartsPerHour",
        "int",
        3,
        "Automatic restarts allowed within an hour after the first start (the wrapper's"
        " breaker on both platforms; systemd's `StartLimitBurst` is this + 1); `null` means"
        " unlimited. See docs/restart.md.",
        "3, 4.2",
        nullable=True,
        minimum=1,
    )
    startup_timeout_seconds: int = decl(
        "startupTimeoutSeconds", "int", 20, "Time to become healthy.", "3", minimum=1
    )
    shutdown_timeout_seconds: int = decl(
        "shutdownTimeoutSeconds", "int", 10, "Time to stop before being killed.", "3", minimum=1
    )
    settle_seconds: int = decl(
        "settleSeconds",
        "int",
        10,
        "After the health check first passes, activation watches this long (at most"
        " `health.startPeriodSeconds`): a restart, an exit or a failed check within it is a"
        " failed activation, rolled back. `0`: healthy at the first passing check.",
        "DESIGN 2a",
        minimum=0,
    )
    restart_delay_seconds: int = decl(
        "restartDelaySeconds",
        "int",
        10,
        "Delay between restarts (systemd `RestartSec`, launchd `ThrottleInterval`).",
        "DESIGN 2",
        minimum=1,
    )
    span: Span = attrs.field(default=None, eq=False, repr=False)
    spans: Mapping[str, Span] = spans_field()

    @property
    def keeps_alive(self) -> bool:
        """Whether launchd's KeepAlive as declared would restart the job at all (`true`, or the
        dictionary with successfulExit set or crashed = true)."""
        ka = self.keep_alive
        if isinstance(ka, KeepAlive):
            return ka.successful_exit is not None or ka.crashed is True
        return ka is True


@attrs.frozen(slots=True, repr=False)
class Logs(Node):
    """Where the agent's logs go (spec sections 3 and 4)."""

    app: str | None = decl(
        "app",
        "path",
        None,
        "The wrapper's own log (its start and `fail-closed:` lines). `null`: the platform's"
        " place, `<name>.log` in `~/Library/Logs/SourceOS` (launchd, user),"
        " `/Library/Logs/SourceOS` (launchd, system), `~/.local/state/sourceos/logs` (systemd,"
        " user) or `/var/log/sourceos` (systemd, system); `agentc dump` shows them.",
        "3",
        nullable=True,
    )
    stdout: str | None = decl(
        "stdout",
        "path",
        None,
        "Service standard output. `null`: beside the app log, as `<name>.launchd.out.log`"
        " (launchd) or `<name>.out.log` (systemd).",
        "3",
        nullable=True,
    )
    stderr: str | None = decl(
        "stderr",
        "path",
        None,
        "Service standard error. `null`: beside the app log, as `<name>.launchd.err.log`"
        " (launchd) or `<name>.err.log` (systemd).",
        "3",
        nullable=True,
    )
    max_size_mb: int = decl(
        "maxSizeMB",
        "int",
        10,
        "No log file of the agent grows past this many MB: the wrapper writes the agent's"
        " output and its own log through a rotator (also under launchd, which never rotates).",
        "DESIGN 2a",
        minimum=1,
        maximum=4096,
    )
    keep: int = decl(
        "keep",
        "int",
        5,
        "Rotated copies kept of each log (`<file>.1` the newest).",
        "DESIGN 2a",
        minimum=1,
        maximum=100,
    )
    span: Span = attrs.field(default=None, eq=False, repr=False)
    spans: Mapping[str, Span] = spans_field()


@attrs.frozen(slots=True, repr=False)
class Health(Node):
    """How activation decides the agent is really up (spec sections 3 and 5)."""

    type: str = decl(
        "type",
        "enum",
        "podman-container",
        "`podman-container`: the container's state is `expected`; `process`: the service"
        " manager reports the job running; `command`: `command` (an argv list) exits 0;"
        " `http`: a GET of `url` answers 2xx or 3xx; `tcp`: 127.0.0.1:`port` accepts a"
        " connection. Default `process` for runtimes other than podman.",
        "3, DESIGN 2a",
        choices=("podman-container", "process", "command", "http", "tcp"),
        derived=True,
    )
    expected: str = decl(
        "expected", "enum", "running", "State that counts as healthy.", "3", choices=("running",)
    )
    command: str | tuple[str, ...] | None = decl(
        "command",
        "check",
        None,
        'For `type = "command"` the check, an argv list run as the agent\'s user, with no'
        " stdin, within `timeoutSeconds`. For the other types a string: the hand check"
        " `status` prints; derived from `podman.connection` and `containerName` when omitted"
        " for the podman runtime.",
        "3, DESIGN 2a",
        nullable=True,
        derived=True,
    )
    url: str | None = decl(
        "url",
        "string",
        None,
        'For `type = "http"`: the URL to GET, on loopback (`http://127.0.0.1:PORT/path`)'
        " unless rule `remote-health-check` is waived; no proxy is used.",
        "DESIGN 2a",
        nullable=True,
    )
    port: int | None = decl(
        "port",
        "int",
        None,
        'For `type = "tcp"`: the port on 127.0.0.1 that must accept a connection.',
        "DESIGN 2a",
        nullable=True,
        minimum=1,
        maximum=65535,
    )
    start_period_seconds: int | None = decl(
        "startPeriodSeconds",
        "int",
        None,
        "How long activation waits for the first passing check; failures before it do not"
        " count after activation either. Default `lifecycle.startupTimeoutSeconds`.",
        "DESIGN 2a",
        nullable=True,
        minimum=1,
        derived=True,
    )
    interval_seconds: int = decl(
        "intervalSeconds",
        "int",
        30,
        "After activation the wrapper runs the check this often (`command`, `http`, `tcp`).",
        "DESIGN 2a",
        minimum=1,
    )
    timeout_seconds: int = decl(
        "timeoutSeconds", "int", 5, "One check's time limit.", "DESIGN 2a", minimum=1
    )
    retries: int = decl(
        "retries",
        "int",
        3,
        "Failed checks in a row that end a run as a failure (killed, as Podman's"
        " `--health-on-failure=kill`): the restart policy and the breaker count it as a crash.",
        "DESIGN 2a",
        minimum=1,
    )
    span: Span = attrs.field(default=None, eq=False, repr=False)
    spans: Mapping[str, Span] = spans_field()


@attrs.frozen(slots=True, repr=False)
class Quarantine(Node):
    """What `quarantine` captures (spec section 9)."""

    capture_service_definition: bool = decl(
        "captureServiceDefinition", "bool", True, "Move the plist/unit aside.", "3, 9"
    )
    capture_logs: bool = decl("captureLogs", "bool", True, "Copy the logs.", "3, 9")
    capture_runtime_state: bool = decl(
        "captureRuntimeState", "bool", True, "Capture service manager and Podman state.", "3, 9"
    )
    capture_image_metadata: bool = decl(
        "captureImageMetadata", "bool", True, "Capture image inspect output.", "3, 9"
    )
    capture_redacted_auth_config: bool = decl(
        "captureRedactedAuthConfig", "bool", True, "Capture auth config, secrets redacted.", "3, 9"
    )
    span: Span = attrs.field(default=None, eq=False, repr=False)
    spans: Mapping[str, Span] = spans_field()


@attrs.frozen(slots=True, repr=False)
class Install(Node):
    """Overrides of the install directories (DESIGN.md section 4)."""

    launchd_dir: str | None = decl(
        "launchdDir",
        "path",
        None,
        "Directory for the plist; default `~/Library/LaunchAgents` (user) or"
        " `/Library/LaunchDaemons` (system).",
        "4.1",
        nullable=True,
    )
    systemd_dir: str | None = decl(
        "systemdDir",
        "path",
        None,
        "Directory for the unit; default `~/.config/systemd/user` (user) or"
        " `/etc/systemd/system` (system).",
        "4.2",
        nullable=True,
    )
    span: Span = attrs.field(default=None, eq=False, repr=False)
    spans: Mapping[str, Span] = spans_field()


@attrs.frozen(slots=True, repr=False)
class Agent(Node):
    """One `sourceos.localAgents.<name>` declaration."""

    name: str = attrs.field()
    enable: bool = decl("enable", "bool", True, "Whether the agent is installed at all.", "3")
    scope: str = decl(
        "scope",
        "enum",
        "user",
        "`user`: a per-user agent; `system`: a system daemon (needs a waiver of"
        " `unjustified-system-scope` stating why).",
        "3, 4",
        choices=("user", "system"),
    )
    runtime: str = decl(
        "runtime",
        "enum",
        "podman",
        "What the wrapper runs: a Podman container, a native binary, a Nix app, or a command"
        " under the service manager.",
        "3",
        choices=("podman", "native", "nix-app", "systemd"),
    )
    command: tuple[str, ...] | None = decl(
        "command",
        "argv",
        None,
        "An argv list, never a shell string. Required for native, nix-app and systemd;"
        " for podman, the arguments after the image.",
        "3",
        nullable=True,
    )
    image: str | None = decl(
        "image",
        "string",
        None,
        "Runtime image, e.g. `localhost/sourceos/<agent>:<tag>`; required for podman.",
        "3, 7",
        nullable=True,
    )
    container_name: str = decl(
        "containerName", "string", lambda name: name, "Container name; default the agent name.", "3"
    )
    label: str = decl(
        "label",
        "string",
        lambda name: f"org.sourceos.agent.{name}",
        "launchd label and identity.",
        "DESIGN 2",
    )
    description: str = decl(
        "description",
        "string",
        lambda name: f"SourceOS local agent {name}",
        "One line shown by the service manager.",
        "DESIGN 2",
    )
    source_image: str | None = decl(
        "sourceImage",
        "string",
        None,
        "Where the runtime image came from (provenance only; never run).",
        "7",
        nullable=True,
    )
    environment: Mapping[str, str] = decl(
        "environment",
        "env",
        {},
        "Plain, non-secret environment variables (visible in the plist and unit). Not the ones"
        " the wrapper and Podman read themselves (HOME, PATH, TMPDIR, XDG_*, DOCKER_CONFIG,"
        " REGISTRY_AUTH_FILE, CONTAINERS_*, CONTAINER_*, SOURCEOS_AGENT_*):"
        " `reserved-environment`.",
        "DESIGN 2",
    )
    environment_file: str | None = decl(
        "environmentFile",
        "path",
        None,
        "File of `NAME=value` lines with secrets; read at run time, never inlined.",
        "DESIGN 2",
        nullable=True,
    )
    waivers: Mapping[str, str] = decl(
        "waivers",
        "waivers",
        {},
        "Rule name → non-empty reason; turns that rule's finding into a note.",
        "DESIGN 7",
    )
    install: Install = decl("install", "section", Install, "Install directory overrides.", "4")
    owner: Owner = decl("owner", "section", Owner, "Ownership.", "3")
    auth: Auth = decl("auth", "section", Auth, "Registry authentication.", "3, 6")
    podman: Podman = decl("podman", "section", Podman, "Podman runtime.", "3")
    lifecycle: Lifecycle = decl("lifecycle", "section", Lifecycle, "Lifecycle.", "3, 4")
    logs: Logs = decl("logs", "section", Logs, "Logs.", "3")
    health: Health = decl("health", "section", Health, "Health.", "3")
    quarantine: Quarantine = decl("quarantine", "section", Quarantine, "Quarantine.", "3, 9")
    resources: Resources = decl("resources", "section", Resources, "Resource limits.", "DESIGN 2a")
    secrets: Mapping[str, Secret] = decl(
        "secrets",
        "map",
        {},
        "Secret files by name (letters, digits, `_`): `{ source; target; }`. Their content"
        " never appears in an artifact, log, status or quarantine bundle.",
        "DESIGN 2a",
        item=Secret,
    )
    span: Span = attrs.field(default=None, eq=False, repr=False)
    spans: Mapping[str, Span] = spans_field()


def container_args(agent: Agent) -> tuple[str, ...]:
    """A podman agent's command after the image: `podman.args` or `command`, whichever is given."""
    return agent.podman.args or agent.command or ()


@functools.cache
def schema(cls: type) -> tuple[attrs.Attribute, ...]:
    """The declared fields of an IR class, in declaration order."""
    return tuple(f for f in attrs.fields(cls) if "key" in f.metadata)


@functools.cache
def by_key(cls: type) -> dict[str, attrs.Attribute]:
    """The declared fields of an IR class by their declaration key, in declaration order."""
    return {f.metadata["key"]: f for f in schema(cls)}
