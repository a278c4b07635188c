"""Generated artifacts: snapshots, real-tool oracles, escaping round trips, determinism."""

from __future__ import annotations

import hashlib
import os
import plistlib
import shutil
import subprocess
from pathlib import Path

import pytest
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from compiler import __version__, shlib
from compiler.emit import Artifact
from compiler.escape import STATE_PLACEHOLDER
from compiler.pipeline import build
from tests.conftest import EXAMPLES, ROOT, agentc, require_tool

SHELLS = [
    ["dash", "-n"],
    ["busybox", "sh", "-n"],
    ["posh", "-n"],
    ["mksh", "-n"],
    ["yash", "--posix", "-n"],
    ["zsh", "--emulate", "sh", "-n"],
    ["bash", "--posix", "-n"],
]


class ArtifactSnapshot(SingleFileSnapshotExtension):
    """One readable text file per generated artifact, under snapshots/."""

    _write_mode = WriteMode.TEXT
    file_extension = "txt"

    @classmethod
    def dirname(cls, *, test_location) -> str:  # type: ignore[override]
        return str(ROOT / "snapshots")

    @classmethod
    def get_snapshot_name(cls, *, test_location, index=0) -> str:  # type: ignore[override]
        node = test_location.nodename
        return node[node.index("[") + 1 : -1].replace("/", "__")


def _build() -> dict[str, list[Artifact]]:
    trees = {}
    for example in EXAMPLES:
        built, result = build([str(example)])
        assert not [d for d in result.diagnostics if d.is_error], result.diagnostics
        trees.update(built)
    return trees


TREES = _build()
ARTIFACTS = [(n, a.path, a.data) for n, arts in TREES.items() for a in arts]
# Snapshots: every artifact of a representative podman agent and a native one, each script as
# its generated part; the static library before it is reviewed as code (shell/), not here.
SNAPSHOT_AGENTS = ("node-commander", "notes-sync")
SNAPSHOTS = [
    (n, a.path, a.generated if a.generated is not None else a.data.decode())
    for n in SNAPSHOT_AGENTS
    for a in TREES[n]
]
SCRIPTS = [(f"{n}/{path}", data) for n, path, data in ARTIFACTS if path.startswith("bin/")]
WRAPPERS = [(n, data) for n, path, data in ARTIFACTS if path.startswith("bin/sourceos-agent-")]
UNITS = [(n, data) for n, path, data in ARTIFACTS if path.startswith("systemd/")]
PLISTS = [(n, data) for n, path, data in ARTIFACTS if path.startswith("launchd/")]


@pytest.fixture
def snapshot_artifact(snapshot):
    return snapshot.use_extension(ArtifactSnapshot)


@pytest.mark.parametrize(
    ("name", "path", "text"), SNAPSHOTS, ids=[f"{n}/{p}" for n, p, _ in SNAPSHOTS]
)
def test_artifact_snapshot(snapshot_artifact, name: str, path: str, text: str) -> None:
    assert text == snapshot_artifact


@pytest.mark.parametrize(
    ("name", "path", "data"), ARTIFACTS, ids=[f"{n}/{p}" for n, p, _ in ARTIFACTS]
)
def test_scripts_are_the_static_library_then_their_generated_part(
    name: str, path: str, data: bytes
) -> None:
    """What the snapshots leave out is exactly the reviewed library, byte for byte, under a
    shebang and header; and the manifest's hash, started from the library's, is the file's."""
    (art,) = [a for a in TREES[name] if a.path == path]
    assert art.sha256 == hashlib.sha256(data).hexdigest()
    if not path.startswith("bin/"):
        return
    kind = "wrapper" if path.startswith("bin/sourceos-agent-") else path[len("bin/") :]
    header = shlib.HEADER.format(version=__version__, library=shlib.describe(kind))
    assert art.generated is not None
    assert data.decode() == header + shlib.text(kind) + "\n" + art.generated
    assert data.decode().splitlines()[art.first_line - 1] == art.generated.splitlines()[0]


@pytest.mark.real  # a real tool or a file outside the package source
@pytest.mark.parametrize(("name", "data"), SCRIPTS, ids=[n for n, _ in SCRIPTS])
def test_script_is_shellcheck_clean(tmp_path: Path, name: str, data: bytes) -> None:
    shellcheck = require_tool("shellcheck")
    script = tmp_path / "wrapper"
    script.write_bytes(data)
    result = subprocess.run([shellcheck, "-s", "sh", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


@pytest.mark.real  # a real tool or a file outside the package source
@pytest.mark.parametrize("shell", SHELLS, ids=[" ".join(s[:-1]) for s in SHELLS])
def test_scripts_parse_in_every_posix_shell(tmp_path: Path, shell: list[str]) -> None:
    require_tool(shell[0])
    for name, data in SCRIPTS:
        script = tmp_path / name.replace("/", "_")
        script.write_bytes(data)
        result = subprocess.run([*shell, str(script)], capture_output=True, text=True)
        assert result.returncode == 0, (name, result.stderr)


def installed_unit(data: bytes, state_dir: Path) -> str:
    """The unit as activation installs it for the default state directory: as compiled."""
    return data.decode()


@pytest.mark.real  # a real tool or a file outside the package source
@pytest.mark.parametrize(("name", "data"), UNITS, ids=[n for n, _ in UNITS])
def test_unit_verifies_with_no_output(tmp_path: Path, name: str, data: bytes) -> None:
    analyze = require_tool("systemd-analyze")
    home, state = tmp_path / "home", tmp_path / "state"
    (state / "bin").mkdir(parents=True)
    home.mkdir()
    wrapper = state / "bin" / f"sourceos-agent-{name}"
    wrapper.write_text("#!/bin/sh\nexit 0\n")
    wrapper.chmod(0o755)
    unit = tmp_path / f"sourceos-agent@{name}.service"
    unit.write_text(installed_unit(data, state))
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    env = {**os.environ, "HOME": str(home), "XDG_RUNTIME_DIR": str(runtime)}
    result = subprocess.run(
        [analyze, "--user", "verify", str(unit)], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0
    assert result.stderr == "" and result.stdout == ""


KNOWN_PLIST_KEYS = {
    "Label": str,
    "ProgramArguments": list,
    "RunAtLoad": bool,
    "KeepAlive": (bool, dict),
    "ThrottleInterval": int,
    "ExitTimeOut": int,
    "ProcessType": str,
    "LimitLoadToSessionType": str,
    "StandardOutPath": str,
    "StandardErrorPath": str,
    "EnvironmentVariables": dict,
    "SoftResourceLimits": dict,  # launchd.plist(5): NumberOfFiles, NumberOfProcesses, ...
    "HardResourceLimits": dict,
}


@pytest.mark.parametrize(("name", "data"), PLISTS, ids=[n for n, _ in PLISTS])
def test_plist_loads_and_matches_schema(name: str, data: bytes) -> None:
    job = plistlib.loads(data)
    assert set(job) <= set(KNOWN_PLIST_KEYS)
    for key, value in job.items():
        assert isinstance(value, KNOWN_PLIST_KEYS[key]), key
    assert job["Label"].startswith("org.sourceos.agent.")
    assert job["ProgramArguments"] == [f"{STATE_PLACEHOLDER}/bin/sourceos-agent-{name}"]
    assert job["KeepAlive"] is False or set(job["KeepAlive"]) <= {"SuccessfulExit", "Crashed"}
    assert job["KeepAlive"] is not True
    for key in ("StandardOutPath", "StandardErrorPath"):
        assert job[key].startswith(("/", "@SOURCEOS_HOME@/")), job[key]
        assert "~" not in job[key] and "$HOME" not in job[key]
    assert all(
        isinstance(k, str) and isinstance(v, str) for k, v in job["EnvironmentVariables"].items()
    )


def test_compile_is_deterministic_across_runs_and_directories(tmp_path: Path) -> None:
    files = [str(p) for p in EXAMPLES]
    assert agentc("compile", *files, "-o", str(tmp_path / "a")).returncode == 0
    assert agentc("compile", *files, "-o", str(tmp_path / "b")).returncode == 0
    elsewhere = tmp_path / "cwd"
    shutil.copytree(ROOT / "examples", elsewhere / "decl")
    rel = [f"decl/{p.name}" for p in EXAMPLES]
    assert agentc("compile", *rel, "-o", "out", cwd=elsewhere).returncode == 0

    def tree(root: Path) -> dict[str, tuple[bytes, int]]:
        return {
            str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mode & 0o777)
            for p in sorted(root.rglob("*"))
            if p.is_file()
        }

    a = tree(tmp_path / "a")
    assert a == tree(tmp_path / "b") == tree(elsewhere / "out")
    assert len(a) == 6 * len(EXAMPLES)  # wrapper, activate, agentctl, plist, unit, manifest
    assert all(str(tmp_path) not in data.decode() for data, _ in a.values())


def test_compile_writes_nothing_for_an_agent_with_errors(tmp_path: Path) -> None:
    decl = tmp_path / "two.agent"
    decl.write_text(
        'sourceos.localAgents.good = { image = "localhost/good:1"; };\n'
        'sourceos.localAgents.bad = { image = "localhost/bad:1"; scope = "nope"; };\n'
    )
    out = tmp_path / "out"
    result = agentc("compile", str(decl), "-o", str(out))
    assert result.returncode == 1
    assert sorted(p.name for p in out.iterdir()) == ["good"]


def test_recompile_replaces_the_tree_whole(tmp_path: Path) -> None:
    decl = tmp_path / "a.agent"
    decl.write_text('sourceos.localAgents.a = { image = "localhost/a:1"; };\n')
    out = tmp_path / "out"
    assert agentc("compile", str(decl), "-o", str(out)).returncode == 0
    (out / "a" / "stray").write_text("left over")
    decl.write_text('sourceos.localAgents.a = { image = "localhost/a:2"; };\n')
    assert agentc("compile", str(decl), "-o", str(out)).returncode == 0
    assert not (out / "a" / "stray").exists()
    assert "localhost/a:2" in (out / "a" / "bin" / "sourceos-agent-a").read_text()
    assert [p.name for p in out.iterdir()] == ["a"]


@pytest.mark.parametrize(
    ("setting", "field"),
    [
        ('environment.A = "line\\nbreak";', "environment.A"),
        ('description = "bell\x07";', "description"),
        ('description = "tab\\there";', "description"),
        ('environment.B = "@SOURCEOS_HOME@";', "environment.B"),
        ('logs.stdout = "/var/log/x\\r.log";', "logs.stdout"),
        ('description = " padded ";', "description"),
    ],
)
def test_values_a_format_cannot_carry_are_compile_errors(
    tmp_path: Path, setting: str, field: str
) -> None:
    decl = tmp_path / "x.agent"
    decl.write_text(f'sourceos.localAgents.x = {{\n  image = "localhost/x:1";\n  {setting}\n}};\n')
    out = tmp_path / "out"
    result = agentc("compile", str(decl), "-o", str(out))
    assert result.returncode == 1
    err = result.stderr.decode()
    # A path is refused where it is declared (invalid-path); other values where a format
    # cannot carry them (invalid-value).
    expected = "invalid-path" if field.startswith("logs.") else "invalid-value"
    assert expected in err and f"`x.{field}`" in err, err
    assert f"{decl}:3:" in err
    assert not (out / "x").exists()


def _shapes(tmp: Path, name: str, body: str) -> dict[str, bytes]:
    decl = tmp / f"{name}.agent"
    decl.write_text(f"sourceos.localAgents.{name} = {{\n{body}\n}};\n")
    trees, _ = build([str(decl)])
    return {a.path.replace(name, "N"): a.shape for a in trees[name] if a.shape is not None}


def test_script_shapes_ignore_values_and_see_syntax(tmp_path: Path) -> None:
    """The lints run once per script shape, so a shape must stand for the script's syntax:
    equal for agents whose values alone differ, different when the syntax differs."""
    base = _shapes(tmp_path, "zqx", 'image = "localhost/zqx:1";')
    other_values = _shapes(
        tmp_path,
        "two",
        """image = "localhost/two:2";
        owner.project = "t'w\\"o:2 $(x)";
        environment = { A = "b c; \\\\ $HOME"; };
        logs.stdout = "$HOME/Library/Logs/it's here.log";""",
    )
    other_syntax = _shapes(tmp_path, "three", 'runtime = "native"; command = [ "/bin/true" ];')
    assert set(base) == {"bin/sourceos-agent-N", "bin/activate", "bin/agentctl"}
    env_shape = _shapes(tmp_path, "four", 'image = "localhost/f:1"; environment = { A = "b"; };')
    assert other_values == env_shape  # the same declarations but for their values
    argv_shape = _shapes(tmp_path, "five", 'image = "localhost/f:1"; command = [ "a" "b" ];')
    wrapper = "bin/sourceos-agent-N"
    assert base[wrapper] != argv_shape[wrapper]  # two more words in the container's command
    for path in base:
        assert base[path] != other_syntax[path], path
