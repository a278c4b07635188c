"""Generate the start-up caches shipped in the package: the grammar's LALR tables and the
compiled templates. Run `python -m compiler.generate` after changing grammar/, templates/ or shell/;
a test fails while they are stale, and the compiler falls back to building them at run time
(for shell/: to linting whole scripts at every compile, see `compiler.shlib`)."""

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


def library_findings() -> list[str]:
    """shellcheck's findings, at its default severity, on the static shell library: each file
    on its own and every bundled example's scripts whole (the library, then real facts); and
    rule gnu-only-syntax's on the library."""
    import subprocess
    import tempfile

    from compiler import shlib
    from compiler.pipeline import build, write_tree

    tool = shutil.which("shellcheck")
    if tool is None:
        return ["shellcheck is not installed: the library cannot be verified"]
    examples = sorted((Path(__file__).parent.parent / "examples").glob("*.agent"))
    with tempfile.TemporaryDirectory(prefix="agentc-verify-") as tmp:
        paths = [str(shlib.SHELL / name) for name in shlib.FILES]
        trees, _ = build([str(e) for e in examples])
        for name, tree in trees.items():
            write_tree(Path(tmp) / name, tree)
            paths += [str(p) for p in sorted((Path(tmp) / name / "bin").iterdir())]
        result = subprocess.run(
            [tool, "-s", "sh", "-f", "gcc", *paths], capture_output=True, text=True, timeout=600
        )
        return (
            [line.replace(tmp, "OUT") for line in result.stdout.splitlines()]
            + ([result.stderr.strip()] if result.stderr.strip() else [])
            + gnu_only_findings()
        )


def gnu_only_findings() -> list[str]:
    """Rule gnu-only-syntax (AG115) on the library as each script carries it, which a compile
    then leaves out of its scan as it leaves it out of shellcheck's."""
    from compiler import shlib
    from compiler.rules.gnu_only_syntax import findings_in_script

    return [
        f"{f.span.file}:{f.span.line}:{f.span.column}: AG115 {f.message}"
        for kind in shlib.PARTS
        for f in findings_in_script(f"library of {kind}", shlib.text(kind))
    ]


def record_library() -> list[str]:
    """Record the library's hash as verified, if shellcheck and gnu-only-syntax find nothing
    in it."""
    from compiler import shlib

    findings = library_findings()
    if not findings:
        shlib.RECORD.write_text(json.dumps({"sha256": shlib.sha256()}, indent=2) + "\n")
    return findings


def main() -> None:
    """Regenerate everything under compiler/_generated/."""
    GENERATED.mkdir(exist_ok=True)
    (GENERATED / "__init__.py").write_text(
        '"""Generated start-up caches; see compiler.generate."""\n'
    )
    (GENERATED / "agent_tables.py").write_text(parser_source())
    compile_templates(GENERATED / "templates")
    findings = record_library()
    print(f"wrote {GENERATED}")
    if findings:
        print("the shell library is not verified; shellcheck says:", *findings, sep="\n")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
