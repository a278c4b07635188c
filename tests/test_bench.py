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
    assert report["cold"]["compile_s"] > 0 and report["cold"]["floor_s"] > 0
    assert set(report["bulk"]["sizes"]) == {"1", "10"}
    assert report["activation"]["status_s"] > 0
    assert len(report["verdicts"]) == 7
    for line in ("cold compile", "agents/s", "activate overhead", "agentctl status"):
        assert line in result.stdout
