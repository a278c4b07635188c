"""Artifact lints by real tools when this machine has them: shellcheck and systemd-analyze.

Each tool runs once over every agent's files (one process, not one per agent). A
missing tool is skipped here; the test suite requires them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from compiler import checks
from compiler.diagnostics import Diagnostic
from compiler.emit import Artifact
from compiler.escape import STATE_PLACEHOLDER
from compiler.span import Span

_SHELLCHECK_LINE = re.compile(
    r"^(?P<file>.*?):(?P<line>\d+):(?P<col>\d+): (?P<level>\w+): (?P<msg>.*)$"
)
_ANALYZE_LINE = re.compile(r"^(?P<file>/[^:]+):(?P<line>\d+): (?P<msg>.*)$")


def tool_lints(trees: dict[str, list[Artifact]]) -> list[Diagnostic]:
    """shellcheck every generated script and verify every generated unit, batched."""
    if not trees:
        return []
    with tempfile.TemporaryDirectory(prefix="agentc-lint-") as tmp:
        root = Path(tmp)
        scripts, units = {}, {}
        for name, artifacts in trees.items():
            state = root / "state" / name
            for art in artifacts:
                if art.path.startswith("bin/"):
                    path = root / "out" / name / art.path
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(art.data)
                    scripts[str(path)] = f"{name}/{art.path}"
                    installed = state / art.path
                    installed.parent.mkdir(parents=True, exist_ok=True)
                    installed.write_bytes(art.data)
                    installed.chmod(0o755)
                elif art.path.startswith("systemd/"):
                    path = root / "out" / name / art.path
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text(art.data.decode().replace(STATE_PLACEHOLDER, str(state)))
                    units[str(path)] = f"{name}/{art.path}"
        return _shellcheck(scripts) + _verify(units, root)


def _shellcheck(scripts: dict[str, str]) -> list[Diagnostic]:
    tool = shutil.which("shellcheck")
    if tool is None or not scripts:
        return []
    result = subprocess.run(
        [tool, "-s", "sh", "-f", "gcc", *scripts], capture_output=True, text=True, timeout=300
    )
    out = []
    for line in result.stdout.splitlines():
        m = _SHELLCHECK_LINE.match(line)
        if m:
            n, c = int(m["line"]), int(m["col"])
            span = Span(scripts.get(m["file"], m["file"]), n, c, n, c + 1)
            out.append(checks.SHELLCHECK.at(span, f"shellcheck {m['level']}: {m['msg']}"))
    return out


def _verify(units: dict[str, str], root: Path) -> list[Diagnostic]:
    tool = shutil.which("systemd-analyze")
    if tool is None or not units:
        return []
    runtime = root / "run"
    runtime.mkdir(mode=0o700)
    (root / "home").mkdir()
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "HOME": str(root / "home")}
    out = []
    for path, shown in units.items():
        result = subprocess.run(
            [tool, "--user", "verify", path], capture_output=True, text=True, env=env, timeout=60
        )
        for line in (result.stderr + result.stdout).splitlines():
            m = _ANALYZE_LINE.match(line)
            n = int(m["line"]) if m else 1
            message = m["msg"] if m else line
            out.append(checks.UNIT_VERIFY.at(Span(shown, n, 1, n, 2), message.replace(path, shown)))
    return out
