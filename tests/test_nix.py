"""The Nix integration, offline with Nix 2.8: parse, build lib.compileAgents for real, flake
outputs over a stand-in nixpkgs, and the modules' option-to-declaration conversion."""

from __future__ import annotations

import filecmp
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from compiler import docgen
from tests.conftest import EXAMPLES, ROOT, agentc, require_tool

pytestmark = pytest.mark.real

NIX_FILES = sorted(
    [
        ROOT / "flake.nix",
        *ROOT.glob("nix/**/*.nix"),
        *ROOT.glob("tests/nix/**/*.nix"),
        *ROOT.glob("examples/**/*.nix"),
    ]
)
FAKE_NIXPKGS = ROOT / "tests" / "nix" / "fake-nixpkgs"
# The stand-in builds run the agentc under test from this checkout's virtualenv, a host path the
# Nix sandbox hides, so they say how they build instead of inheriting the machine's nix.conf:
# no sandbox, no build users (root with single-user Nix has no nixbld group).
OFFLINE = ["--option", "substitute", "false", "--option", "sandbox", "false",
           "--option", "build-users-group", ""]  # fmt: skip
FLAKES = ["--extra-experimental-features", "nix-command flakes"]


def _agentc_prefix() -> str:
    """The installed agentc (absolute path), as a Nix `agentc` package stand-in."""
    script = Path(sys.executable).parent / "agentc"
    assert script.exists(), "agentc is not installed next to this Python"
    return str(script.parent.parent)


def nix(*args: str, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        args,
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def current_system() -> str:
    """The system Nix builds for here (`x86_64-linux`, `aarch64-linux`, ...)."""
    result = nix(
        require_tool("nix-instantiate"), "--eval", "--json", "-E", "builtins.currentSystem"
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("path", NIX_FILES, ids=[str(p.relative_to(ROOT)) for p in NIX_FILES])
def test_every_nix_file_parses(path: Path) -> None:
    result = nix(require_tool("nix-instantiate"), "--parse", str(path))
    assert result.returncode == 0, result.stderr


def _code_hash() -> str:
    """The agentc code the build runs: a path string is not a store path, so without this
    Nix would reuse an output built by older code."""
    digest = hashlib.sha256()
    for path in sorted([*ROOT.glob("compiler/**/*.py"), *ROOT.glob("compiler/_generated/*.json"),
                        *ROOT.glob("templates/*"), *ROOT.glob("grammar/*"),
                        *ROOT.glob("shell/*")]):  # fmt: skip
        digest.update(path.read_bytes())
    return digest.hexdigest()


def build_compile_agents(
    declarations: list[Path], nix_config: str = "", path: str | None = None
) -> subprocess.CompletedProcess:
    """lib.compileAgents as the flake builds it (its lint tools from nix/lib/lint-tools.nix,
    each required), over the stand-in nixpkgs; `path` replaces the builder's PATH."""
    decls = " ".join(f"(/. + {json.dumps(str(d))})" for d in declarations)
    prefix = f"export PATH={path}; " if path else ""
    expr = (
        f"let pkgs = import {FAKE_NIXPKGS}/pkgs.nix {{}};"
        f" runCommand = n: env: script: pkgs.runCommand n"
        # The Nix configuration in the derivation too: each is built, never a cached output.
        f' (env // {{ agentcCode = "{_code_hash()}"; nixConfig = {json.dumps(nix_config)}; }})'
        f" ({json.dumps(prefix)} + script);"
        f" in (import {ROOT}/nix/lib/compile-agents.nix (import {ROOT}/nix/lib/lint-tools.nix pkgs"
        f' // {{ inherit runCommand; agentc = "{_agentc_prefix()}"; }}))'
        f" {{ declarations = [ {decls} ]; }}"
    )
    options = OFFLINE
    if "sandbox = true" in nix_config:
        # A real sandbox: the build sees the store and only the host paths named here (the
        # host tools the stand-in nixpkgs runs, this checkout, the stand-in agentc's Python).
        python = [str(Path(p).resolve()) for p in {sys.prefix, sys.base_prefix}]
        python.append(str(Path(sys.prefix).resolve().parent))  # the venv's editable checkout
        # /etc: the host tools' own configuration (Debian's awk is an /etc/alternatives link).
        host = ["/bin", "/usr", "/lib", "/lib64", "/etc", str(ROOT), *python]
        options = ["--option", "substitute", "false", "--option", "sandbox", "true",
                   "--option", "build-users-group", "",
                   "--option", "extra-sandbox-paths", " ".join(sorted(set(host)))]  # fmt: skip
    return nix(
        require_tool("nix-build"), *options, "--no-out-link", "-E", expr,
        env={"NIX_CONFIG": nix_config} if nix_config else None,
    )  # fmt: skip


@pytest.mark.parametrize("nix_config", ["sandbox = true", "sandbox = false"])
def test_compile_agents_builds_the_same_tree_as_the_cli(tmp_path: Path, nix_config: str) -> None:
    """Whatever the machine's nix.conf says about the sandbox."""
    built = build_compile_agents(EXAMPLES, nix_config)
    assert built.returncode == 0, built.stderr
    out = Path(built.stdout.strip().splitlines()[-1])
    assert agentc("compile", *map(str, EXAMPLES), "-o", str(tmp_path / "cli")).returncode == 0
    cli = tmp_path / "cli"
    ours = sorted(p.relative_to(cli) for p in cli.rglob("*") if p.is_file())
    theirs = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert ours == theirs and len(ours) == 6 * len(EXAMPLES)
    for rel in ours:
        assert filecmp.cmp(cli / rel, out / rel, shallow=False), rel
        assert bool((cli / rel).stat().st_mode & 0o100) == bool((out / rel).stat().st_mode & 0o100)


def test_compile_agents_fails_the_build_with_the_diagnostic(tmp_path: Path) -> None:
    bad = tmp_path / "bad.agent"
    bad.write_text(
        'sourceos.localAgents.bad = {\n  image = "localhost/bad:1";\n'
        '  logs.stdout = "/tmp/bad.out.log";\n};\n'
    )
    built = build_compile_agents([bad])
    assert built.returncode != 0
    assert "bad.agent:3:17: error[AG103/log-in-tmp]" in built.stderr


def test_compile_agents_fails_when_a_lint_tool_is_missing(tmp_path: Path) -> None:
    """The build lints every artifact: without shellcheck it fails, it does not skip."""
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    for tool in ("cp", "systemd-analyze"):
        (bin_ / tool).symlink_to(require_tool(tool))
    built = build_compile_agents([ROOT / "examples" / "node-commander.agent"], path=str(bin_))
    assert built.returncode != 0
    assert "error[A405/lint-tool-missing]: `shellcheck` is required" in built.stderr


def flake(*args: str) -> subprocess.CompletedProcess:
    return nix(
        require_tool("nix"), *FLAKES, *args, *OFFLINE, "--no-write-lock-file",
        "--override-input", "nixpkgs", f"path:{FAKE_NIXPKGS}",
    )  # fmt: skip


def test_flake_show_lists_every_output() -> None:
    result = flake("flake", "show", "--json", ".")
    assert result.returncode == 0, result.stderr
    outputs = json.loads(result.stdout)
    for key in ("packages", "apps", "lib", "checks", "devShells", "formatter", "nixosModules",
                "darwinModules", "homeManagerModules"):  # fmt: skip
        assert key in outputs, key
    system = current_system()
    assert outputs["packages"][system]["default"]["name"] == "agentc-0.1.0"
    assert set(outputs["checks"][system]) == {"package", "examples"}


def test_flake_lib_renders_declarations() -> None:
    result = flake(
        "eval", "--raw", ".#lib",
        "--apply", 'lib: lib.toAgentText (lib.toDeclaration { a = { image = "localhost/a:1"; }; })',
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert '"localAgents" = {' in result.stdout and '"image" = "localhost/a:1";' in result.stdout


MODULE_VALUES = """{
  node-commander = {
    image = "localhost/socioprophet/node-commander:dev-boot";
    sourceImage = "us-central1-docker.pkg.dev/p/r/node-commander:dev-boot";
    user = "alice";
    lifecycle = { keepAlive = { successfulExit = false; }; restart = "bounded"; };
    environment = { NODE_ENV = "dev \\"quoted\\" $HOME \\${x}"; };
  };
  notes = { runtime = "native"; command = [ "/usr/bin/notes" "--watch" ]; auth.authfile = null; };
}"""


def _module_expr(body: str) -> str:
    return (
        f"let s = import {ROOT}/nix/lib/schema.nix; d = import {ROOT}/nix/lib/declaration.nix;"
        f" values = {MODULE_VALUES};"
        " full = builtins.mapAttrs"
        " (n: v: s.withDefaults n s.schema.fields v // { user = v.user or null; }) values;"
        f" in {body}"
    )


def test_module_conversion_matches_agentc_dump(tmp_path: Path) -> None:
    inst = require_tool("nix-instantiate")
    as_json = nix(inst, "--eval", "--strict", "--json", "-E", _module_expr("d.toDeclaration full"))
    assert as_json.returncode == 0, as_json.stderr
    declaration = json.loads(as_json.stdout)
    text = nix(
        inst,
        "--eval",
        "--strict",
        "--json",
        "-E",
        _module_expr("d.toAgentText (d.toDeclaration full)"),
    )
    decl = tmp_path / "from-module.agent"
    decl.write_text(json.loads(text.stdout))
    bare = agentc("dump", "--no-defaults", str(decl))
    assert bare.returncode == 0, bare.stderr.decode()
    assert json.loads(bare.stdout) == declaration
    dumped = json.loads(agentc("dump", str(decl)).stdout)
    full = dumped["sourceos"]["localAgents"]
    for name, agent in declaration["sourceos"]["localAgents"].items():
        assert "user" not in agent
        assert _given(agent) == _given(full[name]), name
    assert full["node-commander"]["logs"]["app"] is None  # each platform's place:
    launchd = dumped["effective"]["node-commander"]["launchd"]["logs"]
    assert launchd["app"] == "$HOME/Library/Logs/SourceOS/node-commander.log"
    assert full["notes"]["health"]["type"] == "process"


def test_module_defaults_are_the_compilers(tmp_path: Path) -> None:
    """An agent given only its image gets, through the modules, exactly agentc's defaults."""
    inst = require_tool("nix-instantiate")
    expr = (
        f"let s = import {ROOT}/nix/lib/schema.nix; d = import {ROOT}/nix/lib/declaration.nix; in"
        ' d.toDeclaration { demo-agent = s.withDefaults "demo-agent" s.schema.fields'
        ' { image = "localhost/sourceos/demo-agent:dev"; }; }'
    )
    result = nix(inst, "--eval", "--strict", "--json", "-E", expr)
    assert result.returncode == 0, result.stderr
    module = json.loads(result.stdout)["sourceos"]["localAgents"]["demo-agent"]
    minimal = tmp_path / "min.agent"
    minimal.write_text(
        'sourceos.localAgents.demo-agent.image = "localhost/sourceos/demo-agent:dev";'
    )
    compiled = json.loads(agentc("dump", str(minimal)).stdout)["sourceos"]["localAgents"]
    assert _given(module) == _given(compiled["demo-agent"])


DERIVED = {k for k, a in docgen.fields() if a.metadata.get("derived")}


def _given(agent: dict, prefix: str = "") -> dict:
    """An agent's values but the derived ones (health, a scope's authfile and rootless), which
    the modules leave null for agentc to derive."""
    out = {}
    for key, value in agent.items():
        path = f"{prefix}{key}"
        if path in DERIVED:
            continue
        out[key] = (
            _given(value, f"{path}.")
            if isinstance(value, dict) and key != "environment" and key != "waivers"
            else value
        )
    return out


def test_nix_schema_is_current() -> None:
    committed = json.loads((ROOT / "nix" / "schema.json").read_text())
    assert (
        committed == docgen.nix_schema()
    ), "run: python -m compiler.docgen --nix-schema > nix/schema.json"
