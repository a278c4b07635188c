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


def test_the_table_lexer_places_tokens_after_blank_runs_as_lark_does() -> None:
    from tests.test_properties import _outcome_lark, _outcome_ours

    for text in ("", "  \n\t ", "\n\n  a = 1;  \n", "a = 1;\n  \n", "  @", "a =\n\n  {", "x"):
        assert _outcome_ours(text) == _outcome_lark(text), repr(text)
