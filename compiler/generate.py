"""Generate the start-up caches shipped in the package: the grammar's LALR tables and the
compiled templates. Run `python -m compiler.generate` after changing grammar/ or templates/;
a test fails while they are stale, and the compiler falls back to building them at run time."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

GENERATED = Path(__file__).parent / "_generated"


def digest(path: Path) -> str:
    """sha256 of a source file, recorded so stale generated code is never used."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def parser_source() -> str:
    """The LALR tables for grammar/agent.lark as a Python module."""
    from compiler import tables

    return tables.source(tables.from_lark())


def compile_templates(target: Path) -> None:
    """Jinja templates compiled to Python modules, with the hashes of their sources."""
    from compiler.emit import TEMPLATES, environment

    env = environment(compiled=False)
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    env.compile_templates(str(target), zip=None, ignore_errors=False)
    sources = {p.name: digest(p) for p in sorted(TEMPLATES.glob("*.j2"))}
    (target / "sources.json").write_text(json.dumps(sources, indent=2, sort_keys=True) + "\n")
    (target / "__init__.py").write_text('"""Compiled templates (generated)."""\n')


def main() -> None:
    """Regenerate everything under compiler/_generated/."""
    GENERATED.mkdir(exist_ok=True)
    (GENERATED / "__init__.py").write_text(
        '"""Generated start-up caches; see compiler.generate."""\n'
    )
    (GENERATED / "agent_tables.py").write_text(parser_source())
    (GENERATED / "agent_parser.py").unlink(missing_ok=True)
    compile_templates(GENERATED / "templates")
    print(f"wrote {GENERATED}")


if __name__ == "__main__":
    main()
