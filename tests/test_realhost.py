"""The real-host helpers themselves: a user manager on each cgroup layout a Debian host has,
and nothing left behind when one fails to start."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import ROOT, require_tool
from tests.realhost import CGROUP, UserManager, cgroup_hierarchies, have_systemd

pytestmark = pytest.mark.real

PROBE = textwrap.dedent("""
    import sys
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from tests.realhost import CGROUP, UserManager, cgroup_hierarchies
    work = Path({work!r})
    manager = UserManager(work, work)
    try:
        manager.start()
        ran = manager.systemctl("start", "probe.service", check=False)
        out = manager.systemctl("show", "-p", "Result", "--value", "probe.service").stdout
        print("layout", [str(h) for h in cgroup_hierarchies()], "result", out.strip())
    finally:
        manager.stop()
    print("left", sorted(p.name for p in CGROUP.iterdir() if p.name.startswith("agentc-test")))
    """)


def test_user_manager_runs_a_unit_on_pure_cgroup_v2(tmp_path: Path) -> None:
    """Stock Debian 12 mounts only cgroup2 at /sys/fs/cgroup; a hybrid host is made to look
    like one in a private mount namespace."""
    if not have_systemd():
        require_tool("systemd")
    unit_dir = tmp_path / ".config" / "systemd" / "user"
    unit_dir.mkdir(parents=True)
    (unit_dir / "probe.service").write_text(
        "[Service]\nType=oneshot\nExecStart=/bin/sh -c 'echo ran > %h/ran'\n"
    )
    code = PROBE.format(root=str(ROOT), work=str(tmp_path))
    if (CGROUP / "cgroup.controllers").exists():
        argv = [sys.executable, "-c", code]
    else:
        remount = 'mount -t cgroup2 none /sys/fs/cgroup && exec "$0" -c "$1"'
        unshare = [require_tool("unshare"), "--mount", "--propagation", "private"]
        argv = [*unshare, "sh", "-c", remount, sys.executable, code]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "layout ['/sys/fs/cgroup'] result success" in result.stdout, result.stdout
    assert "left []" in result.stdout
    assert (tmp_path / "ran").read_text() == "ran\n"


def test_layouts_are_told_apart(tmp_path: Path) -> None:
    pure = tmp_path / "pure"
    pure.mkdir()
    (pure / "cgroup.controllers").write_text("cpu memory\n")
    assert cgroup_hierarchies(pure) == [pure]
    hybrid = tmp_path / "hybrid"
    (hybrid / "systemd").mkdir(parents=True)
    (hybrid / "unified").mkdir()
    assert cgroup_hierarchies(hybrid) == [hybrid / "systemd", hybrid / "unified"]
    with pytest.raises(RuntimeError, match="no cgroup hierarchy systemd can run under"):
        cgroup_hierarchies(tmp_path / "empty")


def test_a_manager_that_fails_to_start_leaves_nothing(tmp_path: Path, monkeypatch) -> None:
    """A manager whose systemd exits at once: start raises, having removed its cgroups."""
    if not have_systemd():
        require_tool("systemd")
    manager = UserManager(tmp_path, tmp_path)
    monkeypatch.setattr(manager, "SYSTEMD", Path("/bin/false"))
    with pytest.raises(RuntimeError):
        manager.start()
    assert manager.proc is not None and manager.proc.poll() is not None
    assert not any((h / manager.cgroup).exists() for h in cgroup_hierarchies())
