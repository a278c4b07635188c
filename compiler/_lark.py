"""The cached LALR parser factory: the generated standalone parser when it was generated from
this grammar (no grammar analysis, no `lark` import at start-up), otherwise Lark itself."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

GRAMMAR = Path(__file__).parent / "grammar" / "agent.lark"
if not GRAMMAR.exists():  # a source checkout: the grammar sits beside the package
    GRAMMAR = Path(__file__).parent.parent / "grammar" / "agent.lark"
OPTIONS: dict[str, Any] = {"parser": "lalr", "lexer": "basic", "maybe_placeholders": False}

_SOURCE = GRAMMAR.read_bytes()
try:
    from compiler._generated import agent_parser as _runtime

    if hashlib.sha256(_SOURCE).hexdigest() != _runtime.GRAMMAR_SHA256:
        _runtime = None
except ImportError:  # pragma: no cover - before `python -m compiler.generate`
    _runtime = None

if _runtime is None:
    import lark as _runtime  # type: ignore[no-redef]
    from lark import exceptions as _exceptions
else:
    _exceptions = _runtime

Lark = _runtime.Lark
Token = _runtime.Token
UnexpectedInput = _exceptions.UnexpectedInput
UnexpectedCharacters = _exceptions.UnexpectedCharacters
UnexpectedEOF = _exceptions.UnexpectedEOF
UnexpectedToken = _exceptions.UnexpectedToken
STANDALONE = hasattr(_runtime, "Lark_StandAlone")


def build_parser(transformer: Any) -> Any:
    """An LALR parser that runs `transformer`'s callbacks as it reduces (no tree is built)."""
    if STANDALONE:
        return _runtime.Lark_StandAlone(transformer=transformer)
    return _runtime.Lark(_SOURCE.decode("utf-8"), transformer=transformer, **OPTIONS)
