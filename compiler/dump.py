"""IR → the normalized declaration document (what `agentc dump` prints)."""

from __future__ import annotations

import json
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


_string = json.encoder.encode_basestring  # the C escaper json.dumps uses with ensure_ascii off
_other = json.JSONEncoder(ensure_ascii=False).encode  # floats and the rest, as json.dumps
_WORDS = {True: "true", False: "false", None: "null"}


def indented(doc: Any) -> str:
    """`json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False)`, byte for byte, without
    the pure-Python encoder that `indent` selects (four times slower on a manifest). Keys
    are strings, as in every document agentc writes."""
    out: list[str] = []
    _indent(doc, "\n", out)
    return "".join(out)


def _indent(value: Any, pad: str, out: list[str]) -> None:
    kind = type(value)
    if kind is str:
        out.append(_string(value))
    elif kind is dict:
        if not value:
            out.append("{}")
            return
        inner = pad + "  "
        sep = "{" + inner
        for key in sorted(value):
            out.append(sep + _string(key) + ": ")
            _indent(value[key], inner, out)
            sep = "," + inner
        out.append(pad + "}")
    elif kind is list or kind is tuple:
        if not value:
            out.append("[]")
            return
        inner = pad + "  "
        sep = "[" + inner
        for item in value:
            out.append(sep)
            _indent(item, inner, out)
            sep = "," + inner
        out.append(pad + "]")
    elif kind is bool or value is None:
        out.append(_WORDS[value])
    elif kind is int:
        out.append(int.__repr__(value))
    else:
        out.append(_other(value))
