"""Cross-field validation of lowered agents: what one field alone cannot tell."""

from __future__ import annotations

import re
from collections.abc import Iterable

from compiler import checks, ir
from compiler.diagnostics import Diagnostic

_LABEL = re.compile(ir.LABEL_PATTERN)
_CONTAINER = re.compile(ir.CONTAINER_PATTERN)


def validate(agent: ir.Agent) -> list[Diagnostic]:
    """Diagnostics for one agent's cross-field requirements."""
    out: list[Diagnostic] = []
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
    if not _CONTAINER.fullmatch(agent.container_name):
        out.append(
            checks.INVALID_NAME.at(
                agent.at("containerName"),
                f"container name {agent.container_name!r} is not valid for Podman",
                "container names match [A-Za-z0-9][A-Za-z0-9_.-]*",
            )
        )
    return out


def duplicate_agents(agents: Iterable[ir.Agent]) -> list[Diagnostic]:
    """Agents of one name, or one label, declared more than once across files."""
    out: list[Diagnostic] = []
    names: dict[str, ir.Agent] = {}
    labels: dict[str, ir.Agent] = {}
    for agent in agents:
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
