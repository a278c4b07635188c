"""Recognisers shared by several rules (temporary directories, registries, shells, secrets)."""

from __future__ import annotations

import itertools
import os
import re

from compiler import ir

# Temporary directories: the classic ones, Linux's shared-memory and per-user runtime tmpfs
# (emptied at reboot or logout), and macOS's per-user temp (`$TMPDIR`, /var/folders/xx/yy/T,
# /var being /private/var).
TMP_DIRS = re.compile(
    r"(/private)?(/tmp|/var/tmp|/var/folders/[^/]+/[^/]+/T)(/|$)"
    r"|/(dev|run)/shm(/|$)|(/var)?/run/user/[^/]+(/|$)"
)
SHELLS = {"sh", "bash", "zsh", "dash", "ksh", "mksh", "yash", "posh", "ash", "fish", "csh", "tcsh"}
SECRET_WORDS = {"TOKEN", "SECRET", "PASSWORD", "PASSWD", "PASSPHRASE", "APIKEY", "PAT"}
SECRET_PAIRS = {("API", "KEY"), ("ACCESS", "KEY"), ("PRIVATE", "KEY"), ("SECRET", "KEY"),
                ("CLIENT", "SECRET"), ("SESSION", "KEY"), ("AUTH", "KEY")}  # fmt: skip
SECRET_VALUE = re.compile(
    r"(-----BEGIN [A-Z ]*PRIVATE KEY-----|\bgh[pousr]_[A-Za-z0-9]{20,}"
    r"|\bxox[abposr]-[A-Za-z0-9-]{10,}"
    r"|\bAKIA[0-9A-Z]{16}\b|\bAIza[0-9A-Za-z_-]{30,}|\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"
    r"|\bsk-[A-Za-z0-9]{20,}|\bglpat-[A-Za-z0-9_-]{20,}|://[^/\s:@]+:[^/\s@]+@)"
)
NOT_SECRET_VALUES = {"", "true", "false", "0", "1", "none", "null", "disabled", "enabled"}


def in_tmp(path: str) -> bool:
    """Whether a path lies in a temporary directory, directly or through a symlink on this host."""
    if path.startswith(ir.HOME + "/"):
        return False
    if path.startswith(("$TMPDIR", "${TMPDIR}")):
        return True
    candidates = {os.path.normpath(path)}
    if path.startswith("/"):
        candidates.add(os.path.realpath(path))
    return any(TMP_DIRS.match(c) for c in candidates)


def registry(image: str) -> str | None:
    """The registry host of an image reference, or None for a local (`localhost/`) image."""
    first, sep, _ = image.partition("/")
    if not sep:
        return "docker.io"
    if first == "localhost" or first.startswith("localhost:"):
        return None
    if "." in first or ":" in first:
        return first
    return "docker.io"


def shell_launch(argv: tuple[str, ...] | list[str]) -> bool:
    """`sh -c`, `/bin/bash -lc ...`, `env sh -c` and the like."""
    words = list(argv)
    while words and os.path.basename(words[0]) == "env":
        words = words[1:]
        while words and (words[0].startswith("-") or "=" in words[0]):
            words = words[1:]
    if not words or os.path.basename(words[0]) not in SHELLS:
        return False
    return any(w.startswith("-") and not w.startswith("--") and "c" in w for w in words[1:])


def looks_secret(name: str, value: str) -> bool:
    """A variable whose value looks like a credential, or whose name says it holds one."""
    if SECRET_VALUE.search(value):
        return True
    words = [w for w in re.split(r"[^A-Z0-9]+", name.upper()) if w]
    named = bool(SECRET_WORDS & set(words)) or any(
        p in SECRET_PAIRS for p in itertools.pairwise(words)
    )
    named = named or (words[-1:] == ["CREDENTIALS"] or words[-1:] == ["CREDENTIAL"])
    plain = value.strip().lower() in NOT_SECRET_VALUES or value.startswith(("/", "$HOME/", "~/"))
    return named and not plain


def home_relative(path: str) -> bool:
    """A path that only means something relative to a user's home."""
    return path.startswith((ir.HOME + "/", "~/", "~", "$HOME", "${HOME}"))


RUNTIMES = ("podman", "docker")
# `podman run` options that take a value (the next word unless written `--opt=value`).
PODMAN_RUN_VALUED = {
    "--name", "-e", "--env", "--env-file", "-v", "--volume", "-p", "--publish", "--label", "-l",
    "--authfile", "--network", "--net", "--entrypoint", "-w", "--workdir", "-u", "--user",
    "--mount", "--pull", "--cidfile", "--stop-timeout", "--hostname", "-h", "-m", "--memory",
    "--cpus", "--pids-limit", "--ulimit", "--cap-drop", "--cap-add", "--security-opt",
    "--secret", "--health-cmd", "--health-interval", "--health-retries",
    "--health-start-period", "--health-timeout", "--health-on-failure",
}  # fmt: skip


def container_run_args(argv: tuple[str, ...] | list[str]) -> list[str] | None:
    """The arguments after `run` when argv starts a container runtime directly, else None."""
    words = list(argv)
    if "run" not in words or not any(os.path.basename(w) in RUNTIMES for w in words):
        return None
    return words[words.index("run") + 1 :]


def runs_container(argv: tuple[str, ...] | list[str]) -> bool:
    """Whether argv starts a container, directly or inside a shell string."""
    if container_run_args(argv) is not None:
        return True
    return any(" run " in f" {a} " and any(r in a for r in RUNTIMES) for a in argv)


def run_option_values(args: list[str], *flags: str) -> list[str]:
    """The values of `flags` (`-p 80`, `--publish=80`) among the options of a `podman run`,
    before the image."""
    values = []
    i = 0
    while i < len(args):
        word = args[i]
        if not word.startswith("-"):
            break  # the image: what follows is the container's command
        name, eq, inline = word.partition("=")
        if name in flags:
            values.append(inline if eq else args[i + 1] if i + 1 < len(args) else "")
        if name in PODMAN_RUN_VALUED and not eq:
            i += 1  # its value
        i += 1
    return values
