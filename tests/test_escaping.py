"""Hostile values survive every format exactly, or are refused with a compile error."""

from __future__ import annotations

import ast
import os
import plistlib
import re
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler import escape
from compiler.pipeline import build
from tests import systemd_unquote
from tests.conftest import nix_string, require_tool

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
HOSTILE = [" ", "'", '"', "\\", "$", "$(touch CANARY)", "`touch CANARY`", "%", "%h", ";", "*",
           "-", "--x", "é", "✓", "\t", "\n", "${HOME}", "$HOME", "~", "&", "|", "<", ">", "!",
           "#", "=", "a b", ""]  # fmt: skip
FRAGMENT = st.sampled_from(HOSTILE) | st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\x00\r", exclude_categories=["Cs"]),
    max_size=4,
)
VALUE = st.lists(FRAGMENT, max_size=5).map("".join)
SETTINGS = settings(
    max_examples=int(os.environ.get("AGENTC_HYPOTHESIS_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _compile(tmp: Path, body: str):
    decl = tmp / "h.agent"
    decl.write_text(f"sourceos.localAgents.h = {{\n{body}\n}};\n", encoding="utf-8")
    trees, result = build([str(decl)])
    return trees.get("h"), [d for d in result.diagnostics if d.is_error]


def _artifact(artifacts, prefix: str) -> bytes:
    return next(a.data for a in artifacts if a.path.startswith(prefix))


def _run_wrapper(tmp: Path, wrapper: bytes, stubs: dict[str, str]) -> subprocess.CompletedProcess:
    dash = require_tool("dash")
    home, state, stubdir = tmp / "home", tmp / "state", tmp / "stubs"
    for d in (home, state, stubdir):
        d.mkdir(exist_ok=True)
    for name, text in stubs.items():
        (stubdir / name).write_text(text)
        (stubdir / name).chmod(0o755)
    script = tmp / "wrapper"
    script.write_bytes(wrapper)
    env = {
        "HOME": str(home),
        "PATH": f"{stubdir}:/usr/bin:/bin",
        "SOURCEOS_AGENT_STATE_DIR": str(state),
        "SOURCEOS_AGENT_MANAGER": "systemd",
    }
    return subprocess.run(
        [dash, str(script)],
        env=env,
        cwd=tmp,
        capture_output=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


# Each call appends its argument count, then each argument, NUL-terminated.
ARGV_STUB = (
    '#!/bin/sh\n{ printf "%s\\0" "$#"; for a in "$@"; do printf "%s\\0" "$a"; done; }'
    ' >>"$0.calls"\n'
    # as podman answers for a container that does not exist
    'case "$*" in *"container inspect"*) echo "Error: no such container" >&2; exit 125 ;; esac\n'
)


def _calls(path: Path) -> list[list[str]]:
    fields = path.read_bytes().decode().split("\0")[:-1]
    calls = []
    while fields:
        count = int(fields.pop(0))
        calls.append(fields[:count])
        del fields[:count]
    return calls


@pytest.mark.real  # a real tool or a file outside the package source
@SETTINGS
@given(args=st.lists(VALUE, max_size=4))
def test_wrapper_passes_exactly_the_declared_container_argv(tmp_path_factory, args) -> None:
    tmp = tmp_path_factory.mktemp("podman")
    argv = " ".join(nix_string(a) for a in args)
    artifacts, errors = _compile(tmp, f'image = "localhost/h:1";\ncommand = [ {argv} ];')
    assert not errors, errors
    result = _run_wrapper(tmp, _artifact(artifacts, "bin/"), {"podman": ARGV_STUB})
    assert result.returncode == 0, result.stderr.decode()
    calls = _calls(tmp / "stubs" / "podman.calls")
    # Under systemd (Linux), no connection declared: the local Podman, as Quadlet runs it.
    assert calls[0] == ["image", "exists", "localhost/h:1"]
    assert calls[1][:2] == ["container", "inspect"]
    run = calls[2]
    assert run[0] == "run" and "--sdnotify=conmon" in run
    assert run[run.index("localhost/h:1") + 1 :] == args
    assert not list(tmp.rglob("CANARY"))


@pytest.mark.real  # a real tool or a file outside the package source
@SETTINGS
@given(args=st.lists(VALUE | VALUE.map(lambda v: "$HOME/" + v), max_size=4))
def test_wrapper_execs_exactly_the_declared_native_argv(tmp_path_factory, args) -> None:
    tmp = tmp_path_factory.mktemp("native")
    prog = tmp / "stubs" / "prog"
    argv = " ".join(nix_string(a) for a in [str(prog), *args])
    artifacts, errors = _compile(tmp, f'runtime = "native";\ncommand = [ {argv} ];')
    assert not errors, errors
    result = _run_wrapper(tmp, _artifact(artifacts, "bin/"), {"prog": ARGV_STUB})
    assert result.returncode == 0, result.stderr.decode()
    home = str(tmp / "home")
    expected = [home + a[len("$HOME") :] if a.startswith("$HOME/") else a for a in args]
    assert _calls(tmp / "stubs" / "prog.calls") == [expected]
    assert not list(tmp.rglob("CANARY"))


ENV = st.dictionaries(st.from_regex(r"[A-Z][A-Z0-9_]{0,6}", fullmatch=True), VALUE, max_size=4)


@pytest.mark.real  # a real tool or a file outside the package source
@SETTINGS
@given(env=ENV, log=VALUE)
def test_unit_and_plist_carry_environment_and_paths_exactly(tmp_path_factory, env, log) -> None:
    tmp = tmp_path_factory.mktemp("env")
    env_text = " ".join(f"{k} = {nix_string(v)};" for k, v in env.items())
    path = "$HOME/logs/" + log.replace("/", "_") + ".log"
    body = (
        f'image = "localhost/h:1";\nenvironment = {{ {env_text} }};\n'
        f"logs.stdout = {nix_string(path)};"
    )
    artifacts, errors = _compile(tmp, body)
    bad_env = [v for v in env.values() if CONTROL.search(v)]
    bad_path = CONTROL.search(path) or path != path.strip() or "$" in path[len("$HOME/") :]
    if bad_env or bad_path:
        assert errors and all(d.name in ("invalid-value", "invalid-path") for d in errors), errors
        return
    assert not errors, errors
    unit = _artifact(artifacts, "systemd/").decode()
    seen: dict[str, str] = {}
    for line in unit.splitlines():
        if line.startswith("Environment=") and "SOURCEOS_AGENT_STATE_DIR=%h/" not in line:
            seen.update(systemd_unquote.environment(line[len("Environment=") :]))
        if line.startswith("StandardOutput=append:"):
            raw = line[len("StandardOutput=append:") :]
            assert raw.startswith("%h/")
            assert systemd_unquote.unspecify(raw[3:]) == path[len("$HOME/") :]
    assert {k: v for k, v in seen.items() if not k.startswith("SOURCEOS_")} == env
    job = plistlib.loads(_artifact(artifacts, "launchd/"))
    assert {
        k: v for k, v in job["EnvironmentVariables"].items() if not k.startswith("SOURCEOS_")
    } == env
    assert job["StandardOutPath"] == escape.HOME_PLACEHOLDER + path[len("$HOME") :]


@SETTINGS
@given(words=st.lists(VALUE, min_size=1, max_size=5))
def test_exec_words_unquote_to_the_exact_argv(words) -> None:
    if any(CONTROL.search(w) for w in words):
        for w in words:
            if CONTROL.search(w):
                with pytest.raises(escape.CannotEscape):
                    escape.sd_exec_word(w)
        return
    line = " ".join(["/bin/prog", *(escape.sd_exec_word(w) for w in words)])
    assert systemd_unquote.exec_argv(line) == ["/bin/prog", *words]


@pytest.mark.parametrize("value", ["a\x00b"])
def test_nul_is_refused_by_every_escaper(value: str) -> None:
    for fn in (
        escape.sh,
        escape.sd_exec_word,
        escape.sd_value,
        escape.sd_path,
        escape.plist_string,
    ):
        with pytest.raises(escape.CannotEscape):
            fn(value)
    with pytest.raises(escape.CannotEscape):
        escape.sd_env("A", value)


@pytest.mark.real  # a real tool or a file outside the package source
@SETTINGS
@given(name=VALUE.filter(lambda v: "/" not in v and v not in ("", ".", "..")))
def test_a_hostile_declaration_file_name_stays_inside_its_comments(tmp_path_factory, name) -> None:
    """The source file's name is written into every script's and the unit's header comment; a
    newline in it once ended the comment and ran the rest as shell."""
    tmp = tmp_path_factory.mktemp("source-name")
    decl = tmp / f"{name}\n$(touch CANARY)\ntouch CANARY\n.agent"
    decl.write_text('sourceos.localAgents.h = {\n  image = "localhost/h:1";\n};\n')
    trees, result = build([str(decl)])
    assert not [d for d in result.diagnostics if d.is_error]
    dash = require_tool("dash")
    for art in trees["h"]:
        text = art.data.decode()
        assert "\ntouch CANARY" not in text, art.path
        if art.path.startswith("bin/"):
            header = text.splitlines()[art.first_line - 1]  # the generated part's first line
            assert escape.comment(decl.name) in header, art.path
            assert subprocess.run([dash, "-n"], input=art.data).returncode == 0, art.path


def test_comment_text_reads_back_exactly() -> None:
    for value in ("plain.agent", "a\nb", "back\\slash", "tab\t", "é ü", "\u2028", "\x1b[31m"):
        escaped = escape.comment(value)
        assert escaped.isprintable()
        assert ast.literal_eval(f"'{escaped}'") == value
