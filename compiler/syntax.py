"""Syntax values: the parsed declaration as plain data with spans, before any schema applies."""

from __future__ import annotations

import attrs

from compiler.span import Span


class _Value:
    """Behaviour shared by syntax values."""

    __slots__ = ()

    def __repr__(self) -> str:
        # One repr for every value: attrs would generate and compile one per class at import.
        fields = (f"{a.name}={getattr(self, a.name)!r}" for a in attrs.fields(type(self)) if a.repr)
        return f"{type(self).__name__}({', '.join(fields)})"


@attrs.frozen(slots=True, repr=False)
class Str(_Value):
    """A double-quoted string, escapes already decoded."""

    value: str
    span: Span


@attrs.frozen(slots=True, repr=False)
class Int(_Value):
    """A non-negative integer literal."""

    value: int
    span: Span


@attrs.frozen(slots=True, repr=False)
class Bool(_Value):
    """`true` or `false`."""

    value: bool
    span: Span


@attrs.frozen(slots=True, repr=False)
class Null(_Value):
    """`null`."""

    span: Span

    @property
    def value(self) -> None:
        """Always None."""
        return None


@attrs.frozen(slots=True, repr=False)
class List(_Value):
    """`[ a b ]`."""

    items: tuple[Value, ...]
    span: Span
    depth: int = 1


@attrs.frozen(slots=True, eq=False, repr=False)
class Entry(_Value):
    """One key of an attribute set: where its name was written and its value."""

    key_span: Span
    value: Value


@attrs.frozen(slots=True, eq=False, repr=False)
class Attrs(_Value):
    """`{ k = v; }` with attribute paths expanded into nested sets (`implicit` ones)."""

    entries: dict[str, Entry]
    span: Span
    depth: int = 1
    implicit: bool = False


@attrs.frozen(slots=True, repr=False)
class Invalid(_Value):
    """A value that already produced a diagnostic; lowering skips it silently."""

    span: Span
    depth: int = 0


Value = Str | Int | Bool | Null | List | Attrs | Invalid

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
