"""The start-up caches shipped in compiler/_generated are current with grammar/ and templates/."""

from __future__ import annotations

import filecmp
from pathlib import Path

from compiler import _lark, emit, generate
from tests.conftest import EXAMPLES


def test_standalone_parser_is_current_and_in_use() -> None:
    """Generated from this grammar, and parsing exactly as Lark itself does. (Lark numbers its
    LALR states differently from run to run, so the text cannot be compared.)"""
    import lark

    from compiler._generated import agent_parser

    assert (
        generate.digest(_lark.GRAMMAR) == agent_parser.GRAMMAR_SHA256
    ), "run: python -m compiler.generate"
    assert _lark.STANDALONE
    reference = lark.Lark(_lark.GRAMMAR.read_text(), **_lark.OPTIONS)
    standalone = agent_parser.Lark_StandAlone()
    for example in EXAMPLES:
        text = example.read_text()
        assert standalone.parse(text) == reference.parse(text), example


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
