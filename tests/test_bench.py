"""The benchmark runs at its smallest size (so it cannot rot); budgets are its report, not ours."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.real


def test_benchmark_quick_run_reports_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench.py"), "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())
    cold = report["cold"]["seconds"]
    assert set(cold) == {"floor", "tools", "tools_empty_cache", "no_tools"}
    assert all(v > 0 for v in cold.values())
    check = report["check"]
    assert check["agents"] == 10 and check["tools_s"] > 0 and check["tools_empty_cache_s"] > 0
    assert set(report["bulk"]["sizes"]) == {"1", "10"}
    act = report["activation"]
    assert act["status_s"] > 0
    # The stand-ins count their calls, so the tools' share can be taken out of the overhead.
    assert act["activate_tool_calls"] > act["failed_preflight_tool_calls"] > 0
    assert 0 < act["activate_overhead_s"] < act["activate_s"]
    assert 0 < act["failed_preflight_overhead_s"] <= act["failed_preflight_s"]
    compiled = report["compile"]
    assert compiled["agents"] == 10 and compiled["tools_s"] > 0
    assert compiled["tools_no_cache_s"] > 0
    assert len(report["verdicts"]) == 17
    fleet = report["fleet"]
    assert fleet["agents"] == 5 and 0 < fleet["list_s"] < fleet["doctor_s"]
    for line in ("cold compile, tool lints on", "lint cache empty", "agents/s",
                 "compile of 10 agents, tool lints on, no lint cache (a Nix build)",
                 "check of 10 agents, tool lints on", "activate overhead",
                 "failed-preflight activate overhead", "agentctl status",
                 "sourceos-agent list (every status), 5 agents",
                 "sourceos-agent doctor local-runtime, 5 agents"):  # fmt: skip
        assert line in result.stdout


def test_switch_benchmark_quick_run_reports_every_figure(tmp_path: Path) -> None:
    """bench/switch.py at its smallest sizes, as agentc-user with rootless Podman under a real
    user manager: first, changed and unchanged switches of 1 and 2 agents."""
    out = tmp_path / "switch.json"
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "switch.py"), "--quick", "--json", str(out)],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(out.read_text())
    assert set(report["after"]) == {"1", "2"}
    for figures in report["after"].values():
        assert 0 < figures["unchanged_s"] < figures["first_s"]
    assert "unchanged podman agent <= 0.25 s" in report["budgets"]
