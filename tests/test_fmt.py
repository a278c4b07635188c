"""`agentc fmt`: the canonical printer. Idempotent over every example and rule-case
declaration, value-preserving (agentc and Nix read the same value), comments kept."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from compiler.fmt import format_text
from compiler.parser import parse
from compiler.syntax import to_json
from tests.conftest import EXAMPLES, ROOT, agentc

RULE_CASES = [
    (f"{p.stem}:{c['id']}", c["declaration"])
    for p in sorted((ROOT / "tests" / "rules").glob("*.toml"))
    for c in tomllib.loads(p.read_text())["case"]
    if "declaration" in c
]
DECLARATIONS = [(p.stem, p.read_text()) for p in EXAMPLES] + RULE_CASES


@pytest.mark.parametrize(("name", "text"), DECLARATIONS, ids=[n for n, _ in DECLARATIONS])
def test_fmt_is_idempotent_and_keeps_the_value(name: str, text: str) -> None:
    tree, found = parse(text, name)
    if tree is None:
        pytest.fail(f"{name} does not parse: {found}")
    once = format_text(text)
    assert format_text(once) == once
    again, _ = parse(once, name)
    assert again is not None and to_json(again) == to_json(tree)
    assert once.count("#") == text.count("#")  # no comment lost (none is in a string here)


def test_every_example_is_already_canonical() -> None:
    result = agentc("fmt", "--check", *map(str, EXAMPLES))
    assert (result.returncode, result.stdout) == (0, b"")


def test_comments_stay_where_they_were(tmp_path: Path) -> None:
    text = (
        "# head\n\n"
        "sourceos.localAgents.x = {   # the agent\n"
        '  image =   "localhost/x:1";    # trailing\n\n\n'
        "  # own line\n"
        '  command = [ "/bin/a"\n  # inside\n "b" ];\n'
        "  lifecycle.keepAlive = {successfulExit=false;};\n"
        "  /* block */ owner = { };\n"
        "};\n"
    )
    assert format_text(text) == (
        "# head\n\n"
        "sourceos.localAgents.x = { # the agent\n"
        '  image = "localhost/x:1"; # trailing\n\n'
        "  # own line\n"
        "  command = [\n"
        '    "/bin/a"\n'
        "    # inside\n"
        '    "b"\n'
        "  ];\n"
        "  lifecycle.keepAlive = { successfulExit = false; };\n"
        "  /* block */\n"
        "  owner = { };\n"
        "};\n"
    )


def test_check_and_rewrite(tmp_path: Path) -> None:
    path = tmp_path / "a.agent"
    path.write_text('sourceos.localAgents.a={image="localhost/a:1";};\n')
    check = agentc("fmt", "--check", str(path))
    assert (check.returncode, check.stdout.decode()) == (1, f"would reformat {path}\n")
    assert path.read_text() == 'sourceos.localAgents.a={image="localhost/a:1";};\n'
    assert agentc("fmt", str(path)).returncode == 0
    assert path.read_text() == 'sourceos.localAgents.a = { image = "localhost/a:1"; };\n'
    assert agentc("fmt", "--check", str(path)).returncode == 0


def test_a_file_that_does_not_parse_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "bad.agent"
    path.write_text("sourceos.localAgents.a = {\n")
    result = agentc("fmt", str(path))
    assert result.returncode == 1 and b"bad.agent:" in result.stderr
    assert path.read_text() == "sourceos.localAgents.a = {\n"


@pytest.mark.real
def test_nix_reads_the_same_value_after_fmt(tmp_path: Path) -> None:
    from tests.test_examples import _nix_eval

    for example in EXAMPLES:
        formatted = tmp_path / example.name
        formatted.write_text(format_text(example.read_text()))
        assert _nix_eval(formatted, tmp_path) == _nix_eval(example, tmp_path), example.name
        assert json.loads(agentc("dump", str(formatted)).stdout) == json.loads(
            agentc("dump", str(example)).stdout
        )


def test_a_set_or_list_too_long_for_one_line_is_printed_whole() -> None:
    long = "x" * 90
    text = f'a = {{ b = "{long}"; }};\nc = [ "{long}" "y" ];\n'
    assert format_text(text) == f'a = {{\n  b = "{long}";\n}};\nc = [\n  "{long}"\n  "y"\n];\n'
