"""Artifact lints by real tools when this machine has them: shellcheck and systemd-analyze.

A script is agentc's static library, which is verified once per version (`compiler.shlib`),
followed by its generated part (the agent's facts and the call that runs it); shellcheck reads
only the generated parts (its findings placed on the lines of the whole script), unless the
library differs from the verified one, when it reads whole scripts. Escaped values cannot
change what shellcheck finds, so it reads one script per distinct shape (`Artifact.shape`),
and a text a tool found clean before is not read again (`CleanCache`). Both tools run at once,
units in batches. A missing
tool is skipped here (the test suite requires them); a tool that fails or hangs is a finding,
never a crash.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import attrs

from compiler import checks, shlib
from compiler.diagnostics import Diagnostic
from compiler.emit import Artifact
from compiler.span import Span

_SHELLCHECK_LINE = re.compile(
    r"^(?P<file>.*?):(?P<line>\d+):(?P<col>\d+): (?P<level>\w+): (?P<msg>.*)$"
)
_ANALYZE_LINE = re.compile(r"^(?P<file>/[^:]+):(?P<line>\d+): (?P<msg>.*)$")
BATCH = 200
TIMEOUT = 600
SHELLCHECK_FLAGS = "-s sh -f gcc"
VERIFY_FLAGS = {"user": "--user verify --man=no", "system": "verify --man=no"}


def tool_lints(trees: dict[str, list[Artifact]], required: Sequence[str] = ()) -> list[Diagnostic]:
    """shellcheck the generated scripts and verify the generated units, both tools at once;
    a `required` tool that is not on PATH is an error for every agent."""
    if not trees:
        return []
    missing = [t for t in dict.fromkeys(required) if shutil.which(t) is None]
    if missing:
        return [
            checks.LINT_TOOL_MISSING.at(
                Span.point(f"{name}/{artifacts[0].path}"),
                f"`{tool}` is required (--require-tool) but not on PATH",
            )
            for name, artifacts in trees.items()
            for tool in missing
        ]
    whole = not shlib.verified()
    sc_cache = CleanCache(shutil.which("shellcheck"), SHELLCHECK_FLAGS)
    analyze = shutil.which("systemd-analyze")
    sd_cache = {m: CleanCache(analyze, flags) for m, flags in VERIFY_FLAGS.items()}
    stamps: dict[str, bytes] = {}  # written file -> the text its clean stamp is keyed on
    with tempfile.TemporaryDirectory(prefix="agentc-lint-") as tmp:
        root = Path(tmp)
        scripts: dict[str, list[str]] = {}  # written file -> every artifact of that shape
        offsets: dict[str, int] = {}  # written file -> the lines of the script before it
        seen: dict[bytes, str] = {}  # a shape -> the file its first script was written to
        units: dict[str, str] = {}
        managers: dict[str, str] = {}  # written unit -> the manager it is verified for
        for name, artifacts in trees.items():
            for art in artifacts:
                shown = f"{name}/{art.path}"
                if art.path.startswith("bin/"):
                    # Verified library: only the declaration's part is linted. bin/activate's
                    # part is bin/agentctl's facts plus the version's constant lint patterns.
                    if not whole and art.path == "bin/activate":
                        continue
                    text, first_line = art.linted(whole)
                    key = art.shape or hashlib.sha256(text).digest()
                    if key in seen:
                        scripts[seen[key]].append(shown)
                        continue
                    if sc_cache.clean(text):
                        continue
                elif art.path.startswith("systemd/") and not sd_cache[art.manager or "user"].clean(
                    art.data
                ):
                    text = art.data  # host paths are specifiers: a unit verifies as compiled
                else:
                    continue
                path = root / "out" / name / art.path
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(text)
                stamps[str(path)] = text
                if art.path.startswith("bin/"):
                    seen[key] = str(path)
                    scripts[str(path)] = [shown]
                    offsets[str(path)] = first_line - 1
                else:
                    units[str(path)] = shown
                    managers[str(path)] = art.manager or "user"
        shellcheck = _shellcheck(scripts, offsets)
        verify: list[_Batch] = []
        for manager in VERIFY_FLAGS:
            mine = {p: s for p, s in units.items() if managers[p] == manager}
            verify += _verify(mine, root, manager)
        found_sc, done_sc = _finish(shellcheck, scripts)
        found_sd, done_sd = _finish(verify, units)
        dirty = {d.span.file for d in found_sc + found_sd}
        sc_cache.record(stamps[f] for f in done_sc if not dirty & set(scripts[f]))
        for manager, cache in sd_cache.items():
            cache.record(
                stamps[f] for f in done_sd if managers[f] == manager and units[f] not in dirty
            )
        return found_sc + found_sd


class CleanCache:
    """Texts a tool has already found clean, as content-addressed stamps: a lint's result is a
    function of the tool (its binary, by path, size and mtime), its flags and the text, so
    the same text is linted once per machine and tool. Only clean results are kept; findings
    are always produced afresh. `AGENTC_LINT_CACHE` names the directory (default
    `${XDG_CACHE_HOME:-~/.cache}/agentc/lint`), or `off`; an unwritable one is not used."""

    def __init__(self, tool: str | None, flags: str) -> None:
        self.dir: Path | None = None
        self.salt = b""
        setting = os.environ.get("AGENTC_LINT_CACHE", "")
        if tool is None or setting == "off":
            return
        if setting:
            self.dir = Path(setting)
        else:
            base = os.environ.get("XDG_CACHE_HOME") or os.path.join(
                os.path.expanduser("~"), ".cache"
            )
            self.dir = Path(base) / "agentc" / "lint"
        try:
            st = os.stat(tool)
        except OSError:
            self.dir = None
            return
        self.salt = f"{tool}\0{st.st_size}\0{st.st_mtime_ns}\0{flags}\0".encode()

    def _stamp(self, text: bytes) -> Path | None:
        if self.dir is None:
            return None
        return self.dir / hashlib.sha256(self.salt + text).hexdigest()

    def clean(self, text: bytes) -> bool:
        """Whether this tool already found exactly this text clean."""
        stamp = self._stamp(text)
        return stamp is not None and stamp.exists()

    def record(self, texts: Iterable[bytes]) -> None:
        """Remember texts found clean (best effort: a cache that cannot be written is skipped)."""
        try:
            for text in texts:
                stamp = self._stamp(text)
                if stamp is None:
                    return
                stamp.parent.mkdir(parents=True, exist_ok=True)
                stamp.touch()
        except OSError:
            pass


@attrs.frozen
class _Batch:
    """A lint tool at work on some files: its process (or why it did not start), the check
    its findings belong to, and how to read its output."""

    files: list[str]
    proc: subprocess.Popen | Diagnostic
    check: Any
    read: Callable[[str, list[str], dict], list[Diagnostic]]


def _start(argv: list[str], files: list[str], shown: str, check: Any, read: Callable,
           **kwargs: Any) -> _Batch:  # fmt: skip
    """Start a lint tool on `files`; its failure to start is itself a finding."""
    try:
        proc: subprocess.Popen | Diagnostic = subprocess.Popen(
            [*argv, *files], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, text=True, **kwargs,
        )  # fmt: skip
    except OSError as err:
        proc = check.at(Span.point(shown), f"{Path(argv[0]).name} did not start: {err}")
    return _Batch(files, proc, check, read)


def _finish(batches: list[_Batch], names: dict) -> tuple[list[Diagnostic], list[str]]:
    """Wait for each batch and read its findings; a tool that hangs is a finding. Returns the
    findings and the files of the batches the tool finished."""
    out: list[Diagnostic] = []
    done: list[str] = []
    for b in batches:
        if not isinstance(b.proc, subprocess.Popen):
            out.append(b.proc)
            continue
        try:
            text, _ = b.proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            b.proc.kill()
            b.proc.communicate()
            shown = names[b.files[0]]
            shown = shown[0] if isinstance(shown, list) else shown
            tool = Path(str(b.proc.args[0])).name  # type: ignore[index]
            out.append(b.check.at(Span.point(shown), f"{tool} did not finish in {TIMEOUT} s"))
            continue
        out += b.read(text, b.files, names)
        done += b.files
    return out, done


def _shellcheck(scripts: dict[str, list[str]], offsets: dict[str, int]) -> list[_Batch]:
    tool = shutil.which("shellcheck")
    if tool is None or not scripts:
        return []
    paths = list(scripts)
    batches: list[_Batch] = []
    for start in range(0, len(paths), BATCH):
        batch = paths[start : start + BATCH]
        argv = [tool, *SHELLCHECK_FLAGS.split()]
        read = functools.partial(_read_shellcheck, offsets=offsets)
        batches.append(_start(argv, batch, scripts[batch[0]][0], checks.SHELLCHECK, read))
    return batches


def _read_shellcheck(
    text: str, batch: list[str], scripts: dict[str, list[str]], offsets: dict[str, int]
) -> list[Diagnostic]:
    out = []
    for line in text.splitlines():
        m = _SHELLCHECK_LINE.match(line)
        if not m or m["file"] not in scripts:
            continue
        n, c = int(m["line"]) + offsets[m["file"]], int(m["col"])
        for shown in scripts[m["file"]]:
            span = Span(shown, n, c, n, c + 1)
            out.append(checks.SHELLCHECK.at(span, f"shellcheck {m['level']}: {m['msg']}"))
    return out


def _private_run() -> list[str]:
    """Where the system manager's runtime directory cannot be made (a Nix build sandbox has no
    /run: `systemd-analyze verify` of a system unit fails "Failed to create directory
    '/run/systemd/'"), run it in a user and mount namespace of its own with an empty /run."""
    run = Path("/run")
    if (run / "systemd").is_dir() or (run.is_dir() and os.access(run, os.W_OK)):
        return []
    unshare = shutil.which("unshare")
    if unshare is None:
        return []
    mount = 'mkdir -p /run 2>/dev/null; mount -t tmpfs tmpfs /run && exec "$@"'
    return [unshare, "--mount", "--map-root-user", "sh", "-c", mount, "sh"]


def _verify(units: dict[str, str], root: Path, manager: str) -> list[_Batch]:
    tool = shutil.which("systemd-analyze")
    if tool is None or not units:
        return []
    runtime, home = root / "run", root / "home"
    runtime.mkdir(mode=0o700, exist_ok=True)
    home.mkdir(exist_ok=True)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "HOME": str(home)}
    paths = list(units)
    batches: list[_Batch] = []
    prefix = _private_run() if manager == "system" else []
    for start in range(0, len(paths), BATCH):
        batch = paths[start : start + BATCH]
        argv = [*prefix, tool, *VERIFY_FLAGS[manager].split()]
        batches.append(
            _start(argv, batch, units[batch[0]], checks.UNIT_VERIFY, _read_verify, env=env)
        )
    return batches


def _read_verify(text: str, batch: list[str], units: dict[str, str]) -> list[Diagnostic]:
    out = []
    for line in text.splitlines():
        m = _ANALYZE_LINE.match(line)
        known = bool(m and m["file"] in units)
        path = m["file"] if known else _owner(line, batch)
        n = int(m["line"]) if known else 1
        message = m["msg"] if known else line
        for original, shown in units.items():
            message = message.replace(original, shown)
        out.append(checks.UNIT_VERIFY.at(Span(units[path], n, 1, n, 2), message))
    return out


def _owner(line: str, batch: list[str]) -> str:
    """The unit a line of systemd-analyze output is about (it names the unit or its file)."""
    for path in batch:
        if path in line or Path(path).name in line:
            return path
    return batch[0]
