"""docs/language.md documents every field of the IR, and stays in sync with it."""

from __future__ import annotations

import pytest

from compiler import docgen
from tests.conftest import ROOT

LANGUAGE = (ROOT / "docs" / "language.md").read_text()


@pytest.mark.parametrize("key", [k for k, _ in docgen.fields()])
def test_every_ir_field_is_documented(key: str) -> None:
    assert f"| `{key}` |" in LANGUAGE


def test_field_table_is_current() -> None:
    start = LANGUAGE.index(docgen.BEGIN)
    end = LANGUAGE.index(docgen.END) + len(docgen.END)
    assert LANGUAGE[start:end] == docgen.table(), "run: python -m compiler.docgen"


def test_unsupported_constructs_are_documented() -> None:
    for construct in ("${...}", "''", "let", "with", "rec", "import", "inherit", "//"):
        assert f"`{construct}" in LANGUAGE, construct
