"""The static shell library (shell/): verified once per version, and run (not only parsed) the
same under every POSIX shell a host may have, macOS's bash 3.2 included."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from compiler import generate, shlib
from tests.conftest import ROOT, missing, require_tool
from tests.hosts import DarwinHost, PodmanStore, quick_settle
from tests.users import reachable

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
            missing(f"bash 3.2 is not built at {BASH_32} (scripts/setup.sh builds it)")
        return argv
    require_tool(argv[0])
    return argv


def run(host: DarwinHost, argv: list[str], *args: str) -> subprocess.CompletedProcess:
    return host.run([*argv, *args])


@pytest.fixture(scope="module")
def agent_tree(tmp_path_factory) -> Path:
    from compiler.pipeline import build, write_tree

    out = tmp_path_factory.mktemp("shells")
    decl = out / "nc.agent"
    shutil.copy(ROOT / "examples" / "node-commander.agent", decl)
    trees, _ = build([str(quick_settle(decl, "node-commander"))])
    write_tree(out / "node-commander", trees["node-commander"])
    reachable(out / "node-commander" / "bin")  # run by the simulated Mac's user
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
            if "seconds" in (doc.get("health") or {}):  # how long the health step took
                assert isinstance(doc["health"]["seconds"], int)
                doc["health"]["seconds"] = "SECONDS"
            if isinstance(doc.get("provenance"), dict):  # when the image came, when first run
                for key in ("pulledAt", "firstSeenAt"):
                    stamp = doc["provenance"][key]
                    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp), stamp
                    doc["provenance"][key] = "TIME"
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
def reference(agent_tree: Path, mac_store: PodmanStore, tmp_path_factory) -> list:
    """What dash does, once for every shell to be held to."""
    require_tool("dash")
    ref = outcome_on_fresh_host(
        tmp_path_factory.mktemp("dash"), mac_store, ["dash"], agent_tree / "bin"
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
        assert mine == theirs, f"run {step}: {name} differs from dash: {_differences(theirs, mine)}"


def _differences(theirs: object, mine: object, where: str = "") -> list[str]:
    """Where two run outcomes differ, as short paths (the whole documents are long)."""
    if isinstance(theirs, dict) and isinstance(mine, dict):
        return [d for k in sorted(set(theirs) | set(mine), key=str)
                for d in _differences(theirs.get(k), mine.get(k), f"{where}/{k}")]  # fmt: skip
    if (
        isinstance(theirs, list | tuple)
        and isinstance(mine, list | tuple)
        and len(theirs) == len(mine)
    ):
        return [d for i, (a, b) in enumerate(zip(theirs, mine, strict=True))
                for d in _differences(a, b, f"{where}[{i}]")]  # fmt: skip
    return [] if theirs == mine else [f"{where}: dash {theirs!r}, this {mine!r}"]


def test_the_library_is_ascii() -> None:
    """yash (and others) refuse a script with a byte outside the locale: under LANG=C, a single
    non-ASCII character in a comment stops the whole script."""
    for path in sorted((ROOT / "shell").glob("*.sh")) + sorted((ROOT / "templates").glob("*.j2")):
        text = path.read_bytes()
        assert text.isascii(), (path.name, [i for i, b in enumerate(text) if b > 127][:3])


def _function(name: str, text: str) -> str:
    """One function's definition, as lib.sh has it."""
    start = text.index(f"\n{name}() {{\n") + 1
    return text[start : text.index("\n}\n", start) + 3]


@pytest.mark.real  # runs every POSIX shell
@pytest.mark.parametrize("name", list(SHELLS))
def test_bounded_without_timeout_ends_the_whole_command_tree_under(
    name: str, tmp_path: Path
) -> None:
    """macOS has no timeout(1): `bounded` watches the command itself. Past the limit it ends
    the command and what the command started (a credential helper waiting for a person),
    TERM then KILL, and says 124 as timeout(1) does, even when the command exits 0 on TERM
    (Podman does); a command that answers in time keeps its output and status."""
    lib = (ROOT / "shell" / "common.sh").read_text()
    pids = tmp_path / "pids"
    script = tmp_path / "bounded.sh"
    script.write_text(
        _function("bounded", lib) + _function("descendants", lib) + _function("pause", lib)
        + "TIMEOUT_BIN=\nSCOPE=user\n"
        # The command ignores TERM's default and exits 0; its child ignores TERM entirely.
        + f"""out=$(bounded 2 sh -c 'trap "exit 0" TERM
sh -c "trap \\"\\" TERM; echo \\$\\$ >>{pids}; while :; do sleep 1; done" &
wait; echo late')
echo "late=[$out] rc=$?"
out=$(bounded 5 sh -c 'echo answer; exit 3')
echo "quick=[$out] rc=$?"
"""
    )  # fmt: skip
    began = time.monotonic()
    result = subprocess.run([*shell(name), str(script)], capture_output=True, text=True,
                            timeout=60, stdin=subprocess.DEVNULL)  # fmt: skip
    took = time.monotonic() - began
    assert result.stdout.splitlines() == ["late=[] rc=124", "quick=[answer] rc=3"], result
    assert 2 <= took < 8, took
    for pid in pids.read_text().split():
        status = Path(f"/proc/{pid}/status")
        assert not status.exists() or "zombie" in status.read_text(), f"{pid} outlived it"


@pytest.mark.real  # runs every POSIX shell
@pytest.mark.parametrize("name", list(SHELLS))
def test_bounded_exec_answers_as_bounded_and_the_script_goes_on_under(
    name: str, tmp_path: Path
) -> None:
    """`$(bounded_exec ...)` makes the substitution's subshell timeout(1) itself: the same
    output and status as `bounded` (past the limit timeout's 124; busybox sh runs its own
    timeout applet, which says 143), one process fewer, and the script that ran it goes on."""
    lib = (ROOT / "shell" / "common.sh").read_text()
    script = tmp_path / "bounded.sh"
    script.write_text(
        "set -u\n" + _function("bounded", lib) + _function("bounded_exec", lib)
        + "TIMEOUT_BIN=timeout\nBOUNDED_EXEC=no\nSCOPE=user\n"
        + """out=$(bounded_exec 5 sh -c 'echo answer; echo said >&2; exit 3' 2>&1)
echo "quick=[$out] rc=$?"
out=$(bounded_exec 1 sleep 5)
echo "late=[$out] rc=$?"
bounded 5 true && echo "still here, BOUNDED_EXEC=$BOUNDED_EXEC"
"""
    )  # fmt: skip
    began = time.monotonic()
    result = subprocess.run([*shell(name), str(script)], capture_output=True, text=True,
                            timeout=60, stdin=subprocess.DEVNULL)  # fmt: skip
    late = 143 if name == "busybox" else 124
    assert result.stdout.splitlines() == [
        "quick=[answer",
        "said] rc=3",
        f"late=[] rc={late}",
        "still here, BOUNDED_EXEC=no",
    ], result
    assert time.monotonic() - began < 4


@pytest.mark.parametrize("name", shlib.FILES)
def test_the_portability_scanner_keeps_track_of_quotes_in(name: str) -> None:
    """AG115 skips single-quoted text and comments (an awk `function` is not the shell's): it
    must see every comment line of the library as such, or it has lost track of the quotes
    (as `${x%%"'"*}` inside double quotes once made it)."""
    import bisect

    from compiler.rules.gnu_only_syntax import _hidden

    text = (ROOT / "shell" / name).read_text()
    starts, _ends = _hidden(text)
    ends = dict(zip(starts, _ends, strict=True))
    lost, offset = [], 0
    for number, line in enumerate(text.splitlines(), 1):
        body = line.lstrip()
        if body.startswith("#") and not body.startswith("#!"):
            at = offset + len(line) - len(body)
            i = bisect.bisect_right(starts, at) - 1
            if i < 0 or at >= ends[starts[i]]:
                lost.append(number)
        offset += len(line) + 1
    assert lost == [], f"comment lines the scanner reads as code: {lost[:10]}"


def test_a_compile_scans_the_library_for_gnu_only_syntax_only_when_it_is_not_the_verified_one(
    monkeypatch,
) -> None:
    """The verified library was scanned once (compiler.generate); a changed one is scanned in
    every compile, like shellcheck reads it whole."""
    from compiler.pipeline import build

    example = str(ROOT / "examples" / "node-commander.agent")
    assert generate.gnu_only_findings() == []
    _, result = build([example])
    assert not [d for d in result.diagnostics if d.code == "AG115"]
    changed = {k: shlib.text(k) + "x=$(readlink -f x)\n" for k in shlib.PARTS}
    monkeypatch.setattr(shlib, "text", changed.__getitem__)
    monkeypatch.setattr(shlib, "data", lambda kind: changed[kind].encode())
    monkeypatch.setattr(shlib, "verified", lambda: False)
    _, result = build([example])
    found = [d for d in result.diagnostics if d.code == "AG115"]
    assert {d.span.file.split("/", 1)[1] for d in found} == {
        "bin/activate", "bin/agentctl", "bin/sourceos-agent-node-commander"
    }  # fmt: skip


def test_what_the_scan_finds_in_a_generated_part_is_placed_on_the_whole_scripts_line() -> None:
    from compiler.rules.gnu_only_syntax import findings_in_script

    part = "AGENT=x\ny=$(readlink -f x)\n"
    (alone,) = findings_in_script("a/bin/agentctl", part)
    (placed,) = findings_in_script("a/bin/agentctl", part, first_line=1500)
    assert (alone.span.line, placed.span.line) == (2, 1501)
    assert placed.span.column == alone.span.column


@pytest.mark.real  # runs every POSIX shell
@pytest.mark.parametrize("name", list(SHELLS))
def test_a_plist_gets_the_host_paths_as_they_are_under(name: str, tmp_path: Path) -> None:
    """On macOS activation writes the home and state directory into the compiled plist in
    the shell: XML-escaped as plistlib escapes, and nothing else in them read as markup or
    as a pattern (`|`, `&`, `\\`, a placeholder's own name); every other byte kept."""
    lib = (ROOT / "shell" / "lib.sh").read_text()
    home, state = "/Users/o'b|r&n\\x <y>", "/var/@SOURCEOS_HOME@/st&te"
    plist = (
        '<?xml version="1.0"?>\n\t<string>@SOURCEOS_HOME@/a:@SOURCEOS_STATE_DIR@/b</string>\n'
        "  back\\slash \\n  @SOURCEOS_OTHER@ @SOURCEOS_\n<string>@SOURCEOS_STATE_DIR@</string>"
    )  # the last line without its newline
    source = tmp_path / "job.plist"
    source.write_text(plist)
    script = tmp_path / "render.sh"
    script.write_text(
        "set -u\n" + _function("xml_escape", lib) + _function("rendered_service", lib)
        + f"PLATFORM=darwin\nHOME={shlex.quote(home)}\nSTATE_DIR={shlex.quote(state)}\n"
        + f"SERVICE_SOURCE={shlex.quote(str(source))}\nrendered_service\n"
    )  # fmt: skip
    result = subprocess.run([*shell(name), str(script)], capture_output=True, text=True,
                            timeout=60, stdin=subprocess.DEVNULL)  # fmt: skip

    def xml(value: str) -> str:
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    expected = plist.replace("@SOURCEOS_STATE_DIR@", "\0").replace("@SOURCEOS_HOME@", xml(home))
    assert (result.stdout, result.returncode) == (expected.replace("\0", xml(state)) + "\n", 0)


@pytest.mark.real  # runs every POSIX shell
@pytest.mark.parametrize("name", list(SHELLS))
def test_unbounded_restarts_are_found_in_either_service_definition_under(
    name: str, tmp_path: Path
) -> None:
    """Activation's own lint of the service definition, read in the shell: a plist's bare
    `KeepAlive` true, a unit's Restart=always (both unless unbounded-keepalive was waived), a
    unit that restarts without a start limit, one systemd ignores outside [Unit]; a bounded
    definition of either kind passes."""
    act = (ROOT / "shell" / "activate.sh").read_text()
    limit = "[Unit]\nStartLimitIntervalSec=3600\nStartLimitBurst=4\n[Service]\n"
    cases = {
        "bare": ("no", "<dict>\n\t<key>KeepAlive</key>\n\t<true/>\n</dict>\n"),
        "bare-waived": ("yes", "<dict>\n\t<key>KeepAlive</key>\n\t<true/>\n</dict>\n"),
        "bounded": (
            "no", "<key>KeepAlive</key>\n<dict>\n<key>SuccessfulExit</key>\n<true/>\n</dict>\n"
        ),
        "always": ("no", limit + "Restart=always\n"),
        "always-waived": ("yes", limit + "Restart=always\n"),
        "no-limit": ("yes", "[Unit]\nStartLimitIntervalSec=0\n[Service]\nRestart=always\n"),
        "ignored": (
            "no", "[Unit]\nDescription=x\n[Service]\nRestart=on-failure\nStartLimitBurst=3"
        ),
        "on-failure": ("no", limit + "Restart=on-failure\n"),
        "unit": ("no", "[Unit]\nStartLimitIntervalSec=0\n[Service]\nRestart=no\n"),
    }  # fmt: skip
    script = tmp_path / "lint.sh"
    body = _function("unbounded_restarts", act)
    for case, (waived, text) in cases.items():
        (tmp_path / case).write_text(text)
        body += (
            f"SERVICE_SOURCE={tmp_path / case} KEEPALIVE_WAIVED={waived}\n"
            f'unbounded_restarts\necho "{case}=$UNBOUNDED"\n'
        )
    script.write_text("set -u\n" + body)
    result = subprocess.run([*shell(name), str(script)], capture_output=True, text=True,
                            timeout=60, stdin=subprocess.DEVNULL)  # fmt: skip
    assert result.stdout.splitlines() == [
        "bare=KeepAlive true",
        "bare-waived=",
        "bounded=",
        "always=Restart=always",
        "always-waived=",
        "no-limit=restarts without StartLimitBurst and a non-zero StartLimitIntervalSec in [Unit]",
        "ignored=StartLimitBurst=3 outside [Unit]",
        "on-failure=",
        "unit=",
    ], result
