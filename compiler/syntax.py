"""Syntax values: the parsed declaration as plain data with spans, before any schema applies."""

from __future__ import annotations

from typing import Union

import attrs

from compiler.span import Span


@attrs.frozen(slots=True)
class Str:
    """A double-quoted string, escapes already decoded."""

    value: str
    span: Span


@attrs.frozen(slots=True)
class Int:
    """A non-negative integer literal."""

    value: int
    span: Span


@attrs.frozen(slots=True)
class Bool:
    """`true` or `false`."""

    value: bool
    span: Span


@attrs.frozen(slots=True)
class Null:
    """`null`."""

    span: Span

    @property
    def value(self) -> None:
        """Always None."""
        return None


@attrs.frozen(slots=True)
class List:
    """`[ a b ]`."""

    items: tuple[Value, ...]
    span: Span
    depth: int = 1


@attrs.frozen(slots=True, eq=False)
class Entry:
    """One key of an attribute set: where its name was written and its value."""

    key_span: Span
    value: Value


@attrs.frozen(slots=True, eq=False)
class Attrs:
    """`{ k = v; }` with attribute paths expanded into nested sets (`implicit` ones)."""

    entries: dict[str, Entry]
    span: Span
    depth: int = 1
    implicit: bool = False


@attrs.frozen(slots=True)
class Invalid:
    """A value that already produced a diagnostic; lowering skips it silently."""

    span: Span
    depth: int = 0


Value = Union[Str, Int, Bool, Null, List, Attrs, Invalid]

TYPE_NAMES: dict[type, str] = {
    Str: "a string",
    Int: "an integer",
    Bool: "a boolean",
    Null: "null",
    List: "a list",
    Attrs: "an attribute set",
    Invalid: "an invalid value",
}


def to_json(value: Value) -> object:
    """The value as JSON data, as `nix-instantiate --eval --json` prints it (keys sorted)."""
    if isinstance(value, Attrs):
        return {k: to_json(value.entries[k].value) for k in sorted(value.entries)}
    if isinstance(value, List):
        return [to_json(v) for v in value.items]
    if isinstance(value, Invalid):
        return None
    return value.value
