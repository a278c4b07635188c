"""The start-up caches shipped in compiler/_generated are current with grammar/ and templates/,
and the table-driven parser parses as Lark does."""

from __future__ import annotations

import filecmp
from pathlib import Path

from compiler import emit, generate, tables
from tests.conftest import EXAMPLES


def test_parser_tables_are_current_and_in_use() -> None:
    from compiler._generated import agent_tables

    assert (
        tables.grammar_sha256() == agent_tables.GRAMMAR_SHA256
    ), "run: python -m compiler.generate"
    shipped = (generate.GENERATED / "agent_tables.py").read_text()
    assert shipped == tables.source(tables.from_lark()), "run: python -m compiler.generate"
    assert tables.load() is agent_tables.TABLES


def test_stale_tables_fall_back_to_lark(monkeypatch) -> None:
    monkeypatch.setattr(tables, "grammar_sha256", lambda: "0" * 64)
    tables.load.cache_clear()
    try:
        from compiler._generated import agent_tables

        fallback = tables.load()
        assert fallback is not agent_tables.TABLES
        assert fallback == agent_tables.TABLES
    finally:
        tables.load.cache_clear()


def test_table_parser_equals_lark_on_the_examples() -> None:
    """Values, spans and diagnostics as Lark's own LALR parser gives them."""
    from tests.test_properties import _outcome_lark, _outcome_ours

    for example in EXAMPLES:
        text = example.read_text()
        ours = _outcome_ours(text)
        assert ours[0] == "value", example
        assert ours == _outcome_lark(text), example


def test_compiled_templates_are_current_and_in_use(tmp_path: Path) -> None:
    generate.compile_templates(tmp_path / "templates")
    ours, fresh = generate.GENERATED / "templates", tmp_path / "templates"
    names = sorted(p.name for p in fresh.iterdir())
    assert names == sorted(p.name for p in ours.iterdir() if p.name != "__pycache__")
    for name in names:
        assert filecmp.cmp(ours / name, fresh / name, shallow=False), name
    assert emit._compiled_templates_current()


def test_stale_templates_fall_back_to_the_sources(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(emit, "COMPILED", tmp_path)
    assert not emit._compiled_templates_current()


def test_blank_runs_are_skipped_only_when_no_terminal_can_start_with_a_blank() -> None:
    """The lexer skips blank runs outside the terminals only when it cannot change a token."""
    ws = {"WS": r"[ \t\n]+"}
    ignore = frozenset({"WS"})
    assert tables._skipping_blanks({**ws, "A": r"a(?!b)", "N": r"[0-9]+"}, ignore) == r"[ \t\n]*"
    for other in (r"\s*b", r"(?:x|\t)y", r"[^a]", r".", r"(?=a)?\n"):
        assert tables._skipping_blanks({**ws, "B": other}, ignore) is None, other
    assert tables._skipping_blanks({**ws, "A": "a"}, frozenset()) is None


def test_each_character_is_matched_against_the_terminals_that_can_start_with_it() -> None:
    """In Lark's order, never without one that could match there; the characters of costly
    terminals (with a repetition) share one union, the rest get their own small pattern."""
    regexps = {"C": r"#[^\n]*", "KW": r"in(?![a-z])", "ID": r"[a-z]+", "P": r"[a-z]*/[a-z]+",
               "OP": r"//|/|-", "N": r"-?[0-9]+", "EQ": "=", "SEMI": ";"}  # fmt: skip
    starts = dict(tables._starts(regexps, r"[ \t\n]*"))
    by_char = {ch: alternation for chars, alternation in starts.items() for ch in chars}
    union = "|".join(f"(?P<{n}>{regexps[n]})" for n in ("C", "KW", "ID", "P", "OP", "N"))
    for ch in "ix/-#5":
        assert by_char[ch] == union, ch
    assert by_char["="] == r"(?P<EQ>=)" and by_char[";"] == r"(?P<SEMI>;)"
    assert " " not in by_char and "@" not in by_char  # skipped; matched by nothing


def test_the_table_lexer_places_tokens_after_blank_runs_as_lark_does() -> None:
    from tests.test_properties import _outcome_lark, _outcome_ours

    for text in ("", "  \n\t ", "\n\n  a = 1;  \n", "a = 1;\n  \n", "  @", "a =\n\n  {", "x"):
        assert _outcome_ours(text) == _outcome_lark(text), repr(text)
