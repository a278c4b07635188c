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
_NESTED = (dict, list, tuple)


def indented(doc: Any) -> str:
    """`json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False)`, byte for byte, without
    the pure-Python encoder that `indent` selects (four times slower on a manifest). Keys
    are strings, as in every document agentc writes."""
    out: list[str] = []
    _indent(doc, "\n", out)
    return "".join(out)


def _indent(value: Any, pad: str, out: list[str]) -> None:
    kind = type(value)
    if kind is dict:
        if not value:
            out.append("{}")
            return
        inner = pad + "  "
        sep = "{" + inner
        for key in sorted(value):
            item = value[key]
            if type(item) is str:  # most values: written here, not by a call each
                out.append(sep + _string(key) + ": " + _string(item))
            elif type(item) not in _NESTED:
                out.append(sep + _string(key) + ": " + _scalar(item))
            else:
                out.append(sep + _string(key) + ": ")
                _indent(item, inner, out)
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
    else:
        out.append(_scalar(value))


def _scalar(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return _string(value)
    if kind is bool or value is None:
        return _WORDS[value]
    if kind is int:
        return int.__repr__(value)
    return _other(value)
