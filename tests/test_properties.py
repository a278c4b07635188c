"""Property tests: `check` only ever answers with its own diagnostics, and values round-trip."""

from __future__ import annotations

import json
import os
import tempfile

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark
from lark import Lark
from lark.exceptions import UnexpectedCharacters, UnexpectedToken

from compiler import dump, lalr, parser, tables
from compiler.catalog import catalog
from compiler.pipeline import analyze
from compiler.tables import GRAMMAR
from tests.conftest import nix_string

GRAMMAR_LARK = Lark(GRAMMAR.read_text(), parser="lalr", lexer="basic")
KEYWORDS = {
    name: st.just(name.lower().removesuffix("_kw"))
    for name in (
        "LET",
        "IN",
        "WITH",
        "REC",
        "IMPORT",
        "INHERIT",
        "IF",
        "THEN",
        "ELSE",
        "ASSERT",
        "OR_KW",
    )
}
EXPLICIT = {
    **KEYWORDS,
    "INT": st.integers(min_value=0, max_value=2**70).map(str),
    "FLOAT": st.just("1.5"),
    "ID": st.sampled_from(
        [
            "sourceos",
            "localAgents",
            "demo",
            "image",
            "scope",
            "lifecycle",
            "keepAlive",
            "true",
            "false",
            "null",
            "x",
            "environment",
            "waivers",
            "command",
            "runtime",
        ]
    ),
    "STRING": st.text(
        alphabet=st.characters(codec="utf-8", exclude_characters='"\\'), max_size=12
    ).map(lambda s: f'"{s}"'),
    "PATH": st.just("./x"),
    "URI": st.just("http://x"),
    "WS": st.sampled_from([" ", "\n", "\t", "\r\n"]),
    "LINE_COMMENT": st.just("# c\n"),
    "BLOCK_COMMENT": st.just("/* c */"),
}
TOKEN_SOUP = st.lists(
    st.sampled_from(
        [
            "sourceos.localAgents.a = {",
            "};",
            'image = "localhost/a:1";',
            "[",
            "]",
            "{",
            "}",
            '"${x}"',
            "let",
            "= ",
            ";",
            "lifecycle.keepAlive = ",
            "true",
            "12",
            "''",
            "\\",
            '"',
            "/*",
            "*/",
            "#",
            "\n",
            "\xe9",
            "\x00",
        ]
    ),
    max_size=30,
).map(lambda parts: "".join(parts).encode("utf-8", "surrogatepass"))


SETTINGS = settings(
    max_examples=int(os.environ.get("AGENTC_HYPOTHESIS_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def _check_bytes(data: bytes) -> list:
    with tempfile.NamedTemporaryFile(suffix=".agent", delete=False) as fh:
        fh.write(data)
    try:
        analysis = analyze([fh.name])
    finally:
        os.unlink(fh.name)
    known = catalog()
    for d in analysis.diagnostics:
        assert d.code in known, d
        assert d.span.line >= 1 and d.span.column >= 1, d
        assert (d.span.end_line, d.span.end_column) >= (d.span.line, d.span.column), d
        assert d.message
    return analysis.diagnostics


@SETTINGS
@given(from_lark(GRAMMAR_LARK, explicit=EXPLICIT).map(lambda s: s.encode()))
def test_check_never_raises_on_grammar_generated_text(data: bytes) -> None:
    _check_bytes(data)


@SETTINGS
@given(st.binary(max_size=400))
def test_check_never_raises_on_random_bytes(data: bytes) -> None:
    _check_bytes(data)


@SETTINGS
@given(TOKEN_SOUP)
def test_check_never_raises_on_token_soup(data: bytes) -> None:
    _check_bytes(data)


# Any text a file can carry: no NUL (rejected in files) and no CR (CRLF is folded to LF).
TEXT = st.characters(codec="utf-8", exclude_categories=["Cs"], exclude_characters="\x00\r")


@SETTINGS
@given(
    description=st.text(alphabet=TEXT, max_size=40),
    env=st.dictionaries(
        st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True),
        st.text(alphabet=TEXT, max_size=20),
        max_size=4,
    ),
    restarts=st.one_of(st.none(), st.integers(min_value=1, max_value=2**31 - 1)),
)
def test_declared_values_round_trip_through_dump(
    description: str, env: dict[str, str], restarts: int | None
) -> None:
    # Names quoted: `or`, `in`, `if` ... are keywords unquoted, and valid environment names.
    env_text = " ".join(f"{nix_string(k)} = {nix_string(v)};" for k, v in env.items())
    text = (
        "sourceos.localAgents.p = {\n"
        '  image = "localhost/p:1";\n'
        f"  description = {nix_string(description)};\n"
        f"  environment = {{ {env_text} }};\n"
        f"  lifecycle.maxRestartsPerHour = {'null' if restarts is None else restarts};\n"
        "};\n"
    )
    with tempfile.NamedTemporaryFile("w", suffix=".agent", delete=False, encoding="utf-8") as fh:
        fh.write(text)
    try:
        analysis = analyze([fh.name])
    finally:
        os.unlink(fh.name)
    assert not analysis.diagnostics, analysis.diagnostics
    doc = json.loads(json.dumps(dump.document(analysis.agents)))
    agent = doc["sourceos"]["localAgents"]["p"]
    assert agent["description"] == description
    assert agent["environment"] == env
    assert agent["lifecycle"]["maxRestartsPerHour"] == restarts


class _LarkSyntax(parser.ToSyntax):
    __visit_tokens__ = False  # Lark: no token callbacks


def _outcome_ours(text: str) -> tuple:
    transformer = _LarkSyntax()
    transformer.reset("t")
    try:
        value = lalr.Parser(tables.load(), transformer).parse(text)
    except lalr.LexError as err:
        return ("lex", err.pos_in_stream, err.line, err.column)
    except lalr.TokenError as err:
        tok = err.token
        where = (tok.start_pos, tok.line, tok.column, tok.end_line, tok.end_column)
        return ("token", tok.type, tok.value, *where, sorted(err.expected))
    return ("value", attrs.asdict(value), transformer.diagnostics)


_LARK_SYNTAX = _LarkSyntax()
_LARK = Lark(GRAMMAR.read_text(), transformer=_LARK_SYNTAX, **tables.OPTIONS)


def _outcome_lark(text: str) -> tuple:
    transformer = _LARK_SYNTAX
    transformer.reset("t")
    try:
        value = _LARK.parse(text)
    except UnexpectedCharacters as err:
        return ("lex", err.pos_in_stream, err.line, err.column)
    except UnexpectedToken as err:
        tok = err.token
        where = (tok.start_pos, tok.line, tok.column, tok.end_line, tok.end_column)
        return ("token", tok.type, tok.value, *where, sorted(err.expected))
    return ("value", attrs.asdict(value), transformer.diagnostics)


@SETTINGS
@given(
    st.one_of(
        from_lark(GRAMMAR_LARK, explicit=EXPLICIT),
        TOKEN_SOUP.map(lambda b: b.decode("utf-8", "surrogatepass")),
    )
)
def test_table_parser_agrees_with_lark(text: str) -> None:
    """The shipped table-driven parser is Lark's LALR parser: same values, spans and
    diagnostics, and the same error at the same place with the same expected terminals."""
    assert _outcome_ours(text) == _outcome_lark(text)
