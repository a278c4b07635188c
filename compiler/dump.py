"""IR → the normalized declaration document (what `agentc dump` prints)."""

from __future__ import annotations

from typing import Any

from compiler import ir


def node_json(node: Any) -> dict[str, Any]:
    """An IR node as declaration JSON: camelCase keys, defaults filled, keys sorted."""
    out: dict[str, Any] = {}
    for field in ir.schema(type(node)):
        out[field.metadata["key"]] = value_json(getattr(node, field.name))
    return dict(sorted(out.items()))


def value_json(value: Any) -> Any:
    """One field value as JSON data."""
    if isinstance(value, ir.Node):
        return node_json(value)
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, dict):
        return dict(sorted(value.items()))
    return value


def document(agents: list[ir.Agent]) -> dict[str, Any]:
    """`{"sourceos": {"localAgents": {name: {...}}}}` for the given agents."""
    return {"sourceos": {"localAgents": {a.name: node_json(a) for a in sorted(agents, key=_name)}}}


def _name(agent: ir.Agent) -> str:
    return agent.name
