"""Artifact lints by real tools when this machine has them: shellcheck and systemd-analyze.

A script is its generated head (header and facts) followed by agentc's static library, which
is verified once per version (`compiler.shlib`); shellcheck reads only the heads, unless the
library differs from the verified one, when it reads whole scripts. Escaped values cannot
change what shellcheck finds, so it reads one script per distinct shape (see
`Artifact.shape`). Both tools run at once, units in batches. A missing tool is skipped here
(the test suite requires them); a tool that fails or hangs is a finding, never a crash.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from compiler import checks, shlib
from compiler.diagnostics import Diagnostic
from compiler.emit import Artifact
from compiler.escape import STATE_PLACEHOLDER
from compiler.span import Span

_SHELLCHECK_LINE = re.compile(
    r"^(?P<file>.*?):(?P<line>\d+):(?P<col>\d+): (?P<level>\w+): (?P<msg>.*)$"
)
_ANALYZE_LINE = re.compile(r"^(?P<file>/[^:]+):(?P<line>\d+): (?P<msg>.*)$")
BATCH = 200


def tool_lints(trees: dict[str, list[Artifact]]) -> list[Diagnostic]:
    """shellcheck the generated scripts and verify the generated units, batched."""
    if not trees:
        return []
    whole = not shlib.verified()
    with tempfile.TemporaryDirectory(prefix="agentc-lint-") as tmp:
        root = Path(tmp)
        scripts: dict[str, list[str]] = {}  # written file -> every artifact of that shape
        shapes: dict[bytes, str] = {}
        units: dict[str, str] = {}
        for name, artifacts in trees.items():
            state = root / "state" / name
            for art in artifacts:
                shown = f"{name}/{art.path}"
                if art.path.startswith("bin/"):
                    text = art.data if whole or art.head is None else art.head.encode()
                    installed = state / art.path  # what ExecStart runs, for systemd-analyze
                    installed.parent.mkdir(parents=True, exist_ok=True)
                    installed.write_bytes(text)
                    installed.chmod(0o755)
                    key = hashlib.sha256((art.shape or shown).encode()).digest()
                    if key in shapes:
                        scripts[shapes[key]].append(shown)
                        continue
                    shapes[key] = str(installed)
                    scripts[str(installed)] = [shown]
                elif art.path.startswith("systemd/"):
                    path = root / "out" / name / art.path
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text(art.data.decode().replace(STATE_PLACEHOLDER, str(state)))
                    units[str(path)] = shown
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            checked = pool.submit(_shellcheck, scripts)
            verified = pool.submit(_verify, units, root)
            return checked.result() + verified.result()


def _run(
    argv: list[str], shown: str, check: object, **kwargs: object
) -> tuple[str, Diagnostic | None]:
    """Run a lint tool; its failure to run is itself a finding."""
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=600, **kwargs)
    except (OSError, subprocess.TimeoutExpired) as err:
        return "", check.at(Span.point(shown), f"{Path(argv[0]).name} did not finish: {err}")  # type: ignore[attr-defined]
    return result.stdout + result.stderr, None


def _shellcheck(scripts: dict[str, list[str]]) -> list[Diagnostic]:
    tool = shutil.which("shellcheck")
    if tool is None or not scripts:
        return []
    out: list[Diagnostic] = []
    paths = list(scripts)
    for start in range(0, len(paths), BATCH):
        batch = paths[start : start + BATCH]
        text, failed = _run([tool, "-s", "sh", "-f", "gcc", *batch],
                            scripts[batch[0]][0], checks.SHELLCHECK)  # fmt: skip
        out += [failed] if failed else []
        for line in text.splitlines():
            m = _SHELLCHECK_LINE.match(line)
            if not m or m["file"] not in scripts:
                continue
            n, c = int(m["line"]), int(m["col"])
            for shown in scripts[m["file"]]:
                span = Span(shown, n, c, n, c + 1)
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
    out: list[Diagnostic] = []
    paths = list(units)
    for start in range(0, len(paths), BATCH):
        batch = paths[start : start + BATCH]
        text, failed = _run([tool, "--user", "verify", *batch], units[batch[0]],
                            checks.UNIT_VERIFY, env=env)  # fmt: skip
        out += [failed] if failed else []
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
