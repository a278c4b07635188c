"""Bad input gets one located diagnostic and exit status 1, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import agentc

AGENT = 'sourceos.localAgents.demo = {\n  image = "localhost/demo:1";\n%s\n};\n'

# (case id, file bytes, expected diagnostic name, line, column)
CASES: list[tuple[str, bytes, str, int, int]] = [
    (
        "unterminated-string",
        b'sourceos.localAgents.demo = {\n  image = "localhost/demo:1;\n};\n',
        "unterminated-string",
        2,
        11,
    ),
    (
        "missing-semicolon",
        b'sourceos.localAgents.demo = {\n  image = "localhost/x:1"\n  scope = "user";\n};\n',
        "syntax-error",
        3,
        3,
    ),
    (
        "missing-brace",
        b'sourceos.localAgents.demo = {\n  image = "localhost/x:1";\n',
        "syntax-error",
        3,
        1,
    ),
    (
        "interpolation",
        (AGENT % '  description = "agent ${name}";').encode(),
        "unsupported-construct",
        3,
        24,
    ),
    ("let", b"let x = 1; in { }\n", "unsupported-construct", 1, 1),
    ("with", (AGENT % "  scope = with x; y;").encode(), "unsupported-construct", 3, 11),
    ("rec", b'sourceos.localAgents.demo = rec { image = "x"; };\n', "unsupported-construct", 1, 29),
    ("import", (AGENT % "  logs = import ./logs.nix;").encode(), "unsupported-construct", 3, 10),
    ("inherit", (AGENT % "  inherit scope;").encode(), "unsupported-construct", 3, 3),
    ("function", b"{ pkgs, ... }: { }\n", "unsupported-construct", 1, 7),
    ("lambda", (AGENT % "  scope = x: x;").encode(), "unsupported-construct", 3, 12),
    (
        "indented-string",
        (AGENT % "  description = ''hello'';").encode(),
        "unsupported-construct",
        3,
        17,
    ),
    (
        "path-literal",
        (AGENT % "  command = [ ./run.sh ];").encode(),
        "unsupported-construct",
        3,
        15,
    ),
    (
        "arithmetic",
        (AGENT % "  lifecycle.maxRestartsPerHour = 1 + 2;").encode(),
        "unsupported-construct",
        3,
        36,
    ),
    ("update-operator", b"{ a = { }; } // { }\n", "unsupported-construct", 1, 14),
    ("unknown-key", (AGENT % '  colour = "blue";').encode(), "unknown-key", 3, 3),
    ("typo-key", (AGENT % "  lifecycle.keepAlvie = false;").encode(), "unknown-key", 3, 13),
    ("wrong-type", (AGENT % '  lifecycle.maxRestartsPerHour = "3";').encode(), "wrong-type", 3, 34),
    ("bool-as-string", (AGENT % '  enable = "true";').encode(), "wrong-type", 3, 12),
    (
        "command-as-shell-string",
        (AGENT % '  command = "run --fast";').encode(),
        "wrong-type",
        3,
        13,
    ),
    ("bad-enum", (AGENT % '  scope = "global";').encode(), "bad-enum-value", 3, 11),
    (
        "duplicate-key",
        (AGENT % '  scope = "user";\n  scope = "system";').encode(),
        "duplicate-key",
        4,
        3,
    ),
    ("duplicate-agent", (AGENT % "" + AGENT % "").encode(), "duplicate-agent", 5, 22),
    (
        "name-slash",
        b'sourceos.localAgents."a/b" = { image = "localhost/x:1"; };\n',
        "invalid-name",
        1,
        22,
    ),
    (
        "name-dotdot",
        b'sourceos.localAgents.".." = { image = "localhost/x:1"; };\n',
        "invalid-name",
        1,
        22,
    ),
    (
        "name-space",
        b'sourceos.localAgents."my agent" = { image = "localhost/x:1"; };\n',
        "invalid-name",
        1,
        22,
    ),
    (
        "name-leading-dash",
        b'sourceos.localAgents."-rf" = { image = "localhost/x:1"; };\n',
        "invalid-name",
        1,
        22,
    ),
    (
        "name-non-ascii",
        'sourceos.localAgents."agént" = { image = "localhost/x:1"; };\n'.encode(),
        "invalid-name",
        1,
        22,
    ),
    (
        "missing-image",
        b'sourceos.localAgents.demo = { runtime = "podman"; };\n',
        "missing-required-field",
        1,
        41,
    ),
    (
        "missing-command",
        b'sourceos.localAgents.demo = { runtime = "native"; };\n',
        "missing-required-field",
        1,
        41,
    ),
    ("relative-path", (AGENT % '  logs.app = "logs/demo.log";').encode(), "invalid-path", 3, 14),
    (
        "dollar-in-path",
        (AGENT % '  logs.app = "$XDG_STATE_HOME/demo.log";').encode(),
        "invalid-path",
        3,
        14,
    ),
    ("tilde-user", (AGENT % '  logs.app = "~bob/demo.log";').encode(), "invalid-path", 3, 14),
    ("empty-file", b"", "empty-file", 1, 1),
    ("only-comments", b"# nothing here\n/* at all */\n", "empty-file", 1, 1),
    ("bom", b"\xef\xbb\xbf" + (AGENT % "").encode(), "byte-order-mark", 1, 1),
    (
        "non-utf8",
        b'sourceos.localAgents.demo = {\n  description = "caf\xe9";\n};\n',
        "invalid-utf8",
        2,
        21,
    ),
    (
        "nul-byte",
        b'sourceos.localAgents.demo = {\n  desc\x00ription = "x";\n};\n',
        "nul-byte",
        2,
        7,
    ),
    ("ten-megabytes", b"# " + b"x" * (10 * 1000 * 1000) + b"\n", "file-too-large", 1, 1),
    (
        "deep-nesting",
        b"x = " + b"[ " * 10000 + b"]" * 10000 + b";\n",
        "nesting-too-deep",
        1,
        5 + 2 * 9967,
    ),
    (
        "integer-too-large",
        (AGENT % "  lifecycle.startupTimeoutSeconds = 99999999999999999999;").encode(),
        "integer-too-large",
        3,
        37,
    ),
    (
        "negative-number",
        (AGENT % "  lifecycle.startupTimeoutSeconds = -1;").encode(),
        "unsupported-construct",
        3,
        37,
    ),
    (
        "zero-timeout",
        (AGENT % "  lifecycle.startupTimeoutSeconds = 0;").encode(),
        "value-out-of-range",
        3,
        37,
    ),
    (
        "float",
        (AGENT % "  lifecycle.startupTimeoutSeconds = 2.5;").encode(),
        "unsupported-construct",
        3,
        37,
    ),
    ("variable", (AGENT % "  scope = user;").encode(), "variable-reference", 3, 11),
    (
        "unterminated-comment",
        b"/* sourceos.localAgents.demo = { };\n",
        "unterminated-comment",
        1,
        1,
    ),
]


@pytest.mark.parametrize(
    ("case", "data", "name", "line", "column"), CASES, ids=[c[0] for c in CASES]
)
def test_bad_input_is_one_located_diagnostic(
    tmp_path: Path, case: str, data: bytes, name: str, line: int, column: int
) -> None:
    path = tmp_path / f"{case}.agent"
    path.write_bytes(data)
    result = agentc("check", "--format", "json", str(path))
    assert result.returncode == 1, result.stderr.decode()
    assert b"Traceback" not in result.stderr
    diagnostics = json.loads(result.stdout)["diagnostics"]
    found = [d for d in diagnostics if d["name"] == name]
    assert found, diagnostics
    first = found[0]
    assert (first["line"], first["column"]) == (line, column), first
    assert first["severity"] == "error"
    assert first["file"] == str(path)


def test_bad_input_text_report_shows_source_and_caret(tmp_path: Path) -> None:
    path = tmp_path / "typo.agent"
    path.write_text(AGENT % "  lifecycle.keepAlvie = false;")
    result = agentc("check", str(path))
    assert result.returncode == 1
    lines = result.stderr.decode().splitlines()
    assert lines[0] == (
        f"{path}:3:13: error[V201/unknown-key]: unknown key `keepAlvie` in `demo.lifecycle`"
    )
    assert lines[1] == "    lifecycle.keepAlvie = false;"
    assert lines[2] == "              ^^^^^^^^^"
    assert lines[3] == "  help: did you mean `keepAlive`?"


def test_crlf_line_endings_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "crlf.agent"
    path.write_bytes((AGENT % '  description = "windows";').replace("\n", "\r\n").encode())
    result = agentc("dump", str(path))
    assert result.returncode == 0, result.stderr.decode()
    doc = json.loads(result.stdout)
    assert doc["sourceos"]["localAgents"]["demo"]["description"] == "windows"


def test_duplicate_agent_across_files(tmp_path: Path) -> None:
    a, b = tmp_path / "a.agent", tmp_path / "b.agent"
    a.write_text(AGENT % "")
    b.write_text("\n" + AGENT % "")
    result = agentc("check", "--format", "json", str(a), str(b))
    assert result.returncode == 1
    (dup,) = json.loads(result.stdout)["diagnostics"]
    assert (dup["name"], dup["file"], dup["line"]) == ("duplicate-agent", str(b), 2)
    assert f"{a}:1" in dup["help"]


def test_every_error_is_reported_not_just_the_first(tmp_path: Path) -> None:
    path = tmp_path / "many.agent"
    path.write_text(AGENT % '  scope = "global";\n  colour = 1;\n  lifecycle.restart = "always";')
    result = agentc("check", "--format", "json", str(path))
    names = [d["name"] for d in json.loads(result.stdout)["diagnostics"]]
    assert names == ["bad-enum-value", "unknown-key", "bad-enum-value"]


def test_unreadable_input_exits_2(tmp_path: Path) -> None:
    result = agentc("check", str(tmp_path / "missing.agent"))
    assert result.returncode == 2
    assert "unreadable-file" in result.stderr.decode()
    result = agentc("check", str(tmp_path))
    assert result.returncode == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [("logs.app", "/var/log/a\\nb.log"), ("logs.stdout", "$HOME/x\\ty.log"),
     ("auth.authfile", "/etc/a\x1bb.json"), ("environmentFile", "~/e\\rnv")],
)  # fmt: skip
def test_a_control_character_in_a_path_is_a_located_error(
    tmp_path: Path, field: str, value: str
) -> None:
    decl = tmp_path / "c.agent"
    decl.write_text(
        f'sourceos.localAgents.c = {{\n  image = "localhost/c:1";\n  {field} = "{value}";\n}};\n'
    )
    result = agentc("check", "--no-tools", "--format", "json", str(decl))
    assert result.returncode == 1
    (d,) = [d for d in json.loads(result.stdout)["diagnostics"] if d["severity"] == "error"]
    assert (d["name"], d["line"]) == ("invalid-path", 3) and "control character" in d["message"]
