"""The one escaper per output format. Every value that reaches a script, unit or plist passes here.

Each escaper either returns text that the target format reads back as exactly the
given value, or raises `CannotEscape` saying why the format cannot carry it; the
emitter turns that into a compile error naming the field. Nothing is altered
silently.
"""

from __future__ import annotations

import re

from compiler import ir

_CONTROL = re.compile(r"[\x00-\x1f\x7f\x80-\x9f]")
_SH_SAFE = re.compile(r"[A-Za-z0-9_@%+=:,./-]+")


class CannotEscape(ValueError):
    """A value the target format cannot carry faithfully."""


def _no_nul(value: str) -> None:
    if "\0" in value:
        raise CannotEscape("a NUL character cannot be carried by any output format")


def _no_control(value: str, where: str) -> None:
    m = _CONTROL.search(value)
    if m:
        raise CannotEscape(f"control character {m.group()!r} cannot be carried in {where}")


# POSIX shell -------------------------------------------------------------------


def sh(value: str) -> str:
    """A POSIX sh word that expands to exactly `value` (single quotes; `'` as `'\\''`)."""
    _no_nul(value)
    if _SH_SAFE.fullmatch(value) and not value.startswith("-"):
        return value
    return "'" + value.replace("'", "'\\''") + "'"


def sh_home(value: str) -> str:
    """Like `sh`, but a leading `$HOME/` is expanded by the shell at run time."""
    if value.startswith(ir.HOME + "/"):
        return '"$HOME"' + sh(value[len(ir.HOME) :])
    return sh(value)


# systemd unit files --------------------------------------------------------------


def _sd_quoted(value: str, dollar: bool) -> str:
    _no_nul(value)
    _no_control(value, "a systemd unit line")
    out = value.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%")
    if dollar:
        out = out.replace("$", "$$")
    return f'"{out}"'


def sd_exec_word(value: str) -> str:
    """One word of an `ExecStart=` command line (quotes, C escapes, `%%`, `$$`, lone `;`)."""
    if value == ";":
        return "\\;"
    return _sd_quoted(value, dollar=True)


def sd_env(name: str, value: str) -> str:
    """One `Environment=` assignment; systemd does not expand `$` there, only `%`."""
    if not re.fullmatch(ir.ENV_NAME_PATTERN, name):
        raise CannotEscape(f"{name!r} is not a valid environment variable name")
    return _sd_quoted(f"{name}={value}", dollar=False)


def sd_value(value: str) -> str:
    """A free-text setting such as `Description=`: specifiers escaped, nothing else."""
    _no_nul(value)
    _no_control(value, "a systemd unit line")
    if value != value.strip():
        raise CannotEscape("systemd strips leading and trailing whitespace from settings")
    return value.replace("%", "%%")


def sd_path(value: str) -> str:
    """A path setting (`append:`): `$HOME/` becomes `%h/`, `%` is escaped."""
    _no_nul(value)
    _no_control(value, "a systemd unit line")
    if value != value.strip():
        raise CannotEscape("systemd strips leading and trailing whitespace from paths")
    if value.startswith(ir.HOME + "/"):
        return "%h/" + value[len(ir.HOME) + 1 :].replace("%", "%%")
    return value.replace("%", "%%")


# comments (scripts and units) -----------------------------------------------------


def comment(value: str) -> str:
    """Text for inside one `#` comment line: printable characters as they are, and a
    backslash or anything else (a newline, a control character) as its Python escape, so the
    text cannot end the comment and still reads back exactly."""
    if value.isprintable() and "\\" not in value:
        return value
    return "".join(c if c.isprintable() and c != "\\" else repr(c)[1:-1] for c in value)


# launchd property lists ----------------------------------------------------------

HOME_PLACEHOLDER = "@SOURCEOS_HOME@"
STATE_PLACEHOLDER = "@SOURCEOS_STATE_DIR@"


def plist_string(value: str) -> str:
    """A plist string value; plistlib does the XML escaping, this refuses what XML cannot hold."""
    _no_nul(value)
    _no_control(value, "a plist string")
    if "@SOURCEOS_" in value:
        raise CannotEscape("`@SOURCEOS_` is reserved for the install-time placeholders")
    return value


def plist_path(value: str) -> str:
    """A plist path: `$HOME/` becomes the placeholder that activation resolves."""
    plist_string(value)
    if value.startswith(ir.HOME + "/"):
        return HOME_PLACEHOLDER + value[len(ir.HOME) :]
    return value


# agentc declarations (what `agentc import` writes) -----------------------------------


def declaration_string(value: str) -> str:
    """A declaration string literal that parses back as exactly `value`: the language's
    escapes for backslash, quote, `${`, newline, tab and carriage return."""
    out = value.replace("\\", "\\\\").replace('"', '\\"').replace("${", "\\${")
    out = out.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")
    return f'"{out}"'
