"""IR → the normalized declaration document (what `agentc dump` prints)."""

from __future__ import annotations

import functools
import json
from typing import Any

from compiler import ir


def node_json(node: Any) -> dict[str, Any]:
    """An IR node as declaration JSON: camelCase keys, defaults filled, keys sorted."""
    return {key: value_json(getattr(node, name)) for key, name in _sorted_keys(type(node))}


@functools.cache
def _sorted_keys(cls: type) -> tuple[tuple[str, str], ...]:
    """An IR class's declaration keys, sorted, with the attribute each is kept in."""
    return tuple(sorted((key, field.name) for key, field in ir.by_key(cls).items()))


def value_json(value: Any) -> Any:
    """One field value as JSON data."""
    if isinstance(value, ir.Node):
        return node_json(value)
    if isinstance(value, tuple):
        return [value_json(v) for v in value]
    if isinstance(value, dict):
        return {k: value_json(v) for k, v in sorted(value.items())}
    return value


def document(agents: list[ir.Agent]) -> dict[str, Any]:
    """`{"sourceos": {"localAgents": {name: {...}}}}` for the given agents, and under
    `effective`, what each manager gets where a field's default differs per platform."""
    from compiler.lower import log_paths

    ordered = sorted(agents, key=_name)
    return {
        "sourceos": {"localAgents": {a.name: node_json(a) for a in ordered}},
        "effective": {
            a.name: {m: {"logs": log_paths(a, m)} for m in ("launchd", "systemd")} for a in ordered
        },
    }


def _name(agent: ir.Agent) -> str:
    return agent.name


def indented(doc: Any) -> str:
    """The JSON agentc writes for people and manifests: sorted keys, two-space indent, UTF-8."""
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False)
