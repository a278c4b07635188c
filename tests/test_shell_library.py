"""The static shell library (shell/): verified once per version, and run (not only parsed) the
same under every POSIX shell a host may have, macOS's bash 3.2 included."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from compiler import generate, shlib
from tests.conftest import IN_CI, ROOT, require_tool
from tests.hosts import DarwinHost, PodmanStore

BASH_32 = ROOT / ".toolchains" / "bash-3.2" / "bin" / "sh"  # scripts/setup.sh builds it
SHELLS = {
    "dash": ["dash"],
    "busybox": ["busybox", "sh"],
    "posh": ["posh"],
    "mksh": ["mksh"],
    "yash": ["yash", "--posix"],
    "zsh": ["zsh", "--emulate", "sh"],
    "bash": ["bash", "--posix"],
    "bash-3.2": [str(BASH_32)],
}


def test_the_shipped_record_names_this_library() -> None:
    """Every compile trusts the record: it must be the hash of the library as it is."""
    assert shlib.verified(), "the shell library changed: run python -m compiler.generate"


@pytest.mark.real
def test_the_library_and_every_example_script_are_shellcheck_clean() -> None:
    """What the record vouches for: plain `shellcheck -s sh`, every severity, on each library
    file and on every example's scripts whole."""
    require_tool("shellcheck")
    assert generate.library_findings() == []


def shell(name: str) -> list[str]:
    argv = SHELLS[name]
    if name == "bash-3.2":
        if not BASH_32.exists():
            message = f"bash 3.2 is not built at {BASH_32} (scripts/setup.sh builds it)"
            if IN_CI:
                pytest.fail(message)
            pytest.skip(message)
        return argv
    require_tool(argv[0])
    return argv


def run(host: DarwinHost, argv: list[str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*argv, *args], env=host.env, capture_output=True, text=True, timeout=120,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip


@pytest.fixture(scope="module")
def agent_tree(tmp_path_factory) -> Path:
    from compiler.compile import build, write_tree

    out = tmp_path_factory.mktemp("shells")
    trees, _ = build([str(ROOT / "examples" / "node-commander.agent")])
    write_tree(out / "node-commander", trees["node-commander"])
    return out / "node-commander"


def outcome(host: DarwinHost, sh: list[str], bin_: Path) -> list[tuple[int, object]]:
    """Dry run, the wrapper's container probe, full activation, status, uninstall, status:
    each run's exit status and output, with the host's own directory written as TMP."""
    runs = [
        ("activate", "--dry-run", "--json"),
        ("sourceos-agent-node-commander", "--check-create"),
        ("activate", "--json"),
        ("agentctl", "status", "--json"),
        ("agentctl", "uninstall", "--json"),
        ("agentctl", "status", "--json"),
    ]
    out = []
    for script, *args in runs:
        r = run(host, sh, str(bin_ / script), *args)
        for bad in ("parameter not set", "syntax error", "not found"):
            assert bad not in r.stderr, (sh, script, r.stderr)
        assert r.returncode != 2, (sh, script, r.stderr)
        text = r.stdout.replace(str(host.tmp), "TMP")
        doc = json.loads(text) if text.startswith("{") else text
        if isinstance(doc, dict):
            doc.pop("pid", None)
            if isinstance(doc.get("provenance"), dict):  # when this run first saw the image
                assert re.fullmatch(
                    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", doc["provenance"]["pulledAt"]
                )
                doc["provenance"]["pulledAt"] = "TIME"
        out.append((r.returncode, doc))
    return out


def outcome_on_fresh_host(tmp: Path, store: PodmanStore, sh: list[str], bin_: Path) -> list:
    host = DarwinHost(tmp, store)
    try:
        return outcome(host, sh, bin_)
    finally:
        host.cleanup()
        store.cleanup()


@pytest.fixture(scope="module")
def reference(agent_tree: Path, store: PodmanStore, tmp_path_factory) -> list:
    """What dash does, once for every shell to be held to."""
    require_tool("dash")
    ref = outcome_on_fresh_host(
        tmp_path_factory.mktemp("dash"), store, ["dash"], agent_tree / "bin"
    )
    assert [r[0] for r in ref] == [0, 0, 0, 0, 0, 0], ref
    assert ref[2][1]["state"] == "running" and ref[5][1]["state"] == "absent", ref
    return ref


@pytest.mark.real
@pytest.mark.parametrize("name", [s for s in SHELLS if s != "dash"])
def test_activation_and_operator_verbs_run_alike_under(
    name: str, agent_tree: Path, store: PodmanStore, tmp_path: Path, reference: list
) -> None:
    """The same exit status and output under this shell as under dash, each on a fresh
    simulated Mac over real Podman."""
    ours = outcome_on_fresh_host(tmp_path, store, shell(name), agent_tree / "bin")
    for step, (theirs, mine) in enumerate(zip(reference, ours, strict=True)):
        assert mine == theirs, f"run {step}: {name} differs from dash"


def test_the_library_is_ascii() -> None:
    """yash (and others) refuse a script with a byte outside the locale: under LANG=C, a single
    non-ASCII character in a comment stops the whole script."""
    for path in sorted((ROOT / "shell").glob("*.sh")) + sorted((ROOT / "templates").glob("*.j2")):
        text = path.read_bytes()
        assert text.isascii(), (path.name, [i for i, b in enumerate(text) if b > 127][:3])
