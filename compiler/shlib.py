"""agentc's static shell library (`shell/*.sh`): the part of every generated script that is the
same for every agent, carried verbatim after the agent's facts.

The library is linted once per agentc version: `python -m compiler.generate` shellchecks it and
records its hash in `_generated/shell.json`, and the test suite holds that record current and
runs the library under every POSIX shell. A compile therefore lints only what depends on the
declaration (each script's facts), unless the library differs from the verified one.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

SHELL = Path(__file__).parent / "shell"
if not SHELL.exists():  # a source checkout: the library sits beside the package
    SHELL = Path(__file__).parent.parent / "shell"
RECORD = Path(__file__).parent / "_generated" / "shell.json"

# The library files each generated script carries, in order.
PARTS = {
    "activate": ("common.sh", "lib.sh", "activate.sh"),
    "agentctl": ("common.sh", "lib.sh", "agentctl.sh"),
    "wrapper": ("common.sh", "wrapper.sh"),
}
FILES = ("activate.sh", "agentctl.sh", "common.sh", "lib.sh", "wrapper.sh")


@functools.cache
def text(kind: str) -> str:
    """The library text a script of `kind` carries after its facts."""
    parts = []
    for name in PARTS[kind]:
        body = (SHELL / name).read_text()
        parts.append(f"# ==== agentc static library: shell/{name} ====\n{body}")
    return "\n".join(parts)


@functools.cache
def data(kind: str) -> bytes:
    """`text(kind)` as the bytes written (the library is ASCII)."""
    return text(kind).encode()


@functools.cache
def sha256() -> str:
    """The identity of the whole library: sha256 over every file, by name."""
    digest = hashlib.sha256()
    for name in FILES:
        digest.update(name.encode() + b"\0" + (SHELL / name).read_bytes() + b"\0")
    return digest.hexdigest()


def describe(kind: str) -> str:
    """How a generated script names the library it carries."""
    return ", ".join(f"shell/{name}" for name in PARTS[kind])


def recorded() -> str | None:
    """The library hash recorded as verified for this version, if any."""
    try:
        return json.loads(RECORD.read_text())["sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def verified() -> bool:
    """Whether the library is the one this agentc version verified (see module docstring)."""
    return recorded() == sha256()
