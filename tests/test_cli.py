"""The command line: exit codes, output formats, colour, explain, version."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from compiler import __version__
from tests.conftest import ROOT, agentc, require_tool

BAD = 'sourceos.localAgents.demo = {\n  image = "localhost/demo:1";\n  scope = "global";\n};\n'


def test_version() -> None:
    result = agentc("--version")
    assert result.returncode == 0
    assert result.stdout.decode().strip() == f"agentc {__version__}"


def test_version_and_explain_load_neither_emitters_nor_parser() -> None:
    """They answer at start-up speed: no jinja2, no templates, no parser tables."""
    heavy = ("jinja2", "compiler.emit", "compiler.lalr", "compiler.parser", "lark", "plistlib")
    for argv in (["--version"], ["explain", "unbounded-keepalive"], ["explain", "AG101"]):
        probe = (
            "import contextlib, io, sys\n"
            "from compiler.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    code = main({argv!r})\n"
            f"print(code, sorted(m for m in sys.modules if m.startswith({heavy!r})))\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=60
        )
        assert result.stdout.strip() == "0 []", (argv, result.stdout, result.stderr)


def test_usage_error_exits_2() -> None:
    assert agentc().returncode == 2
    assert agentc("check").returncode == 2
    assert agentc("check", "--format", "xml", "x.agent").returncode == 2
    assert agentc("frobnicate").returncode == 2


def test_check_ok_and_error_exit_codes(tmp_path: Path) -> None:
    assert agentc("check", str(ROOT / "examples" / "node-commander.agent")).returncode == 0
    bad = tmp_path / "bad.agent"
    bad.write_text(BAD)
    result = agentc("check", str(bad))
    assert result.returncode == 1
    assert "error[V203/bad-enum-value]" in result.stderr.decode()


def test_json_diagnostic_shape(tmp_path: Path) -> None:
    bad = tmp_path / "bad.agent"
    bad.write_text(BAD)
    doc = json.loads(agentc("check", "--format", "json", str(bad)).stdout)
    (d,) = doc["diagnostics"]
    assert set(d) == {
        "file", "line", "column", "end_line", "end_column", "code", "name", "severity",
        "message", "help",
    }  # fmt: skip
    assert (d["line"], d["column"], d["end_line"], d["end_column"]) == (3, 11, 3, 19)
    assert d["severity"] == "error"
    assert d["help"] == 'allowed: "user", "system"'
    assert d["message"] == "`demo.scope` cannot be 'global'"


def _run_on_tty(args: list[str], env: dict[str, str]) -> bytes:
    """Run agentc with stderr on a pseudo-terminal and return what it wrote there."""
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "compiler", *args],
            stdout=subprocess.DEVNULL,
            stderr=follower,
            cwd=ROOT,
            env=env,
        )
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        proc.wait(timeout=60)
        return b"".join(chunks)
    finally:
        os.close(leader)


def test_colour_only_on_a_tty_and_never_with_no_color(tmp_path: Path) -> None:
    bad = tmp_path / "bad.agent"
    bad.write_text(BAD)
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    on_tty = _run_on_tty(["check", str(bad)], env)
    assert b"\x1b[1;31merror" in on_tty
    assert b"\x1b[" not in _run_on_tty(["check", str(bad)], {**env, "NO_COLOR": ""})
    piped = subprocess.run(
        [sys.executable, "-m", "compiler", "check", str(bad)], capture_output=True, env=env
    )
    assert b"\x1b[" not in piped.stderr


def test_sarif_has_the_required_2_1_0_structure(tmp_path: Path) -> None:
    bad = tmp_path / "bad.agent"
    bad.write_text(BAD.replace('scope = "global";', 'scope = "global";\n  colour = 1;'))
    result = agentc("check", "--format", "sarif", str(bad))
    assert result.returncode == 1
    log = json.loads(result.stdout)
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-2.1.0.json")
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "agentc" and driver["version"] == __version__
    rule_ids = [r["id"] for r in driver["rules"]]
    assert sorted(rule_ids) == ["V201", "V203"]
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
    assert len(run["results"]) == 2
    for res in run["results"]:
        assert res["message"]["text"]
        assert res["level"] in ("error", "warning", "note", "none")
        assert driver["rules"][res["ruleIndex"]]["id"] == res["ruleId"]
        (loc,) = res["locations"]
        region = loc["physicalLocation"]["region"]
        assert loc["physicalLocation"]["artifactLocation"]["uri"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        assert (region["endLine"], region["endColumn"]) >= (
            region["startLine"],
            region["startColumn"],
        )


def test_explain_by_name_and_code() -> None:
    by_name = agentc("explain", "unknown-key")
    by_code = agentc("explain", "V201")
    assert by_name.returncode == 0
    assert by_name.stdout == by_code.stdout
    assert by_name.stdout.decode().startswith("V201 unknown-key (error)")
    missing = agentc("explain", "no-such-rule")
    assert missing.returncode == 2
    assert "no rule or diagnostic" in missing.stderr.decode()


def test_dump_full_and_no_defaults() -> None:
    path = str(ROOT / "examples" / "nix-app-indexer.agent")
    full = json.loads(agentc("dump", path).stdout)["sourceos"]["localAgents"]["indexer"]
    bare = json.loads(agentc("dump", "--no-defaults", path).stdout)["sourceos"]["localAgents"]
    assert full["label"] == "org.sourceos.agent.indexer"
    assert full["health"]["type"] == "process"
    assert "label" not in bare["indexer"]
    assert bare["indexer"]["lifecycle"] == {"restart": "manual"}


def test_dump_refuses_a_declaration_with_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.agent"
    bad.write_text(BAD)
    result = agentc("dump", str(bad))
    assert result.returncode == 1
    assert result.stdout == b""


def test_stdin_is_dash(tmp_path: Path) -> None:
    result = agentc("check", "-", stdin=BAD.encode())
    assert result.returncode == 1
    assert result.stderr.decode().startswith("-:3:11: error[V203/bad-enum-value]")


# --- the tool lints: required tools, and the cache of clean verdicts ------------------------


@pytest.mark.real
def test_a_required_lint_tool_that_is_missing_fails_the_compile(tmp_path: Path) -> None:
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    out = tmp_path / "out"
    result = agentc(
        "compile", "--require-tool", "shellcheck", str(ROOT / "examples" / "node-commander.agent"),
        "-o", str(out), env={"PATH": str(bin_)},
    )  # fmt: skip
    assert result.returncode == 1
    assert "error[A405/lint-tool-missing]: `shellcheck` is required" in result.stderr.decode()
    assert not (out / "node-commander").exists()


def _fake_shellcheck(tmp_path: Path, finding: str) -> Path:
    """A directory holding a shellcheck that reports `FILE:<finding>` for every file it is
    given, and fails."""
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "shellcheck").write_text(
        f'#!/bin/sh\nfor f; do case $f in -*) ;; *) echo "$f:{finding}";; esac; done\nexit 1\n'
    )
    (fake / "shellcheck").chmod(0o755)
    return fake


def test_a_finding_in_a_scripts_generated_part_is_placed_on_the_line_of_the_whole_script(
    tmp_path: Path,
) -> None:
    """shellcheck reads only what follows the verified library; what it finds there is
    reported on the line of the script as written, not of the part it read."""
    from compiler.pipeline import build

    fake = _fake_shellcheck(tmp_path, "2:5: warning: fake [SC9999]")
    env = {"AGENTC_LINT_CACHE": "off", "PATH": f"{fake}:{os.environ['PATH']}"}
    example = ROOT / "examples" / "node-commander.agent"
    result = agentc("check", str(example), env=env)
    trees, _ = build([str(example)])
    for art in trees["node-commander"]:
        if art.path in ("bin/agentctl", "bin/sourceos-agent-node-commander"):
            line = art.first_line + 1
            assert art.data.decode().splitlines()[line - 1] == art.generated.splitlines()[1]
            assert f"node-commander/{art.path}:{line}:5:" in result.stderr.decode()


@pytest.mark.real
def test_the_lint_cache_keeps_clean_verdicts_per_tool_and_never_findings(tmp_path: Path) -> None:
    """A text the real shellcheck found clean is not linted again by it; another shellcheck
    (another binary) lints it afresh, and its findings are reported every time."""
    require_tool("shellcheck")
    cache = tmp_path / "cache"
    env = {"AGENTC_LINT_CACHE": str(cache)}
    example = str(ROOT / "examples" / "node-commander.agent")
    assert agentc("check", example, env=env).returncode == 0
    stamps = sorted(p.name for p in cache.iterdir())
    assert len(stamps) >= 3  # two script heads and the unit
    assert agentc("check", example, env=env).returncode == 0
    assert sorted(p.name for p in cache.iterdir()) == stamps  # nothing linted again
    fake = _fake_shellcheck(tmp_path, "1:1: warning: fake finding [SC9999]")
    with_fake = {**env, "PATH": f"{fake}:{os.environ['PATH']}"}
    for _ in range(2):
        result = agentc("check", example, env=with_fake)
        assert result.returncode == 1 and "fake finding" in result.stderr.decode()
    assert sorted(p.name for p in cache.iterdir()) == stamps
