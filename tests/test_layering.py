"""The package's layering, read from its imports: no cycle, and no module importing a later
stage of the pipeline, nor the compile path importing the host-side tool."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "compiler"

# Stages in pipeline order; a module may import its own stage and earlier ones. `rules.*` and
# `host.*` stand for every module of those packages.
STAGES: tuple[tuple[str, ...], ...] = (
    ("compiler", "span", "portable", "lalr", "_generated"),  # facts that depend on nothing
    ("diagnostics", "syntax", "ir"),  # the values the stages pass on
    ("checks", "escape", "tables", "shlib"),  # the catalog, the escapers, the caches
    ("source", "parser", "lower", "validate", "dump", "docgen", "fmt"),  # text → IR
    ("emit",),  # IR → artifacts
    ("rules.*", "lint", "toollint", "catalog"),  # artifacts and IR → findings
    ("pipeline", "render"),  # the stages in order; diagnostics out
    ("host.*",),  # the operator tool on the host, after a compile
    ("cli", "__main__", "generate"),  # entry points
)


def _name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    parts = parts[:-1] if parts[-1] == "__init__" else parts
    return ".".join(parts) or "compiler"


MODULES = {
    _name(p): p for p in PACKAGE.rglob("*.py") if "_generated" not in p.parts
}  # fmt: skip


def _stage(module: str) -> int:
    for rank, members in enumerate(STAGES):
        for member in members:
            if module == member or (member.endswith(".*") and module.startswith(member[:-1])):
                return rank
            if member.endswith(".*") and module == member[:-2]:
                return rank
    raise AssertionError(f"compiler.{module} is in no stage of tests/test_layering.py: place it")


def _imports(path: Path) -> set[str]:
    """The package's modules that `path` imports when it runs (lazy imports in functions too;
    imports under `if TYPE_CHECKING:` never run, and are not counted)."""
    found: set[str] = set()

    class Visitor(ast.NodeVisitor):
        def visit_If(self, node: ast.If) -> None:
            test = node.test
            if getattr(test, "id", getattr(test, "attr", None)) == "TYPE_CHECKING":
                for child in node.orelse:
                    self.visit(child)
                return
            self.generic_visit(node)

        def visit_Import(self, node: ast.Import) -> None:
            found.update(a.name for a in node.names if a.name.split(".")[0] == "compiler")

        def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
            if node.module is None or node.module.split(".")[0] != "compiler":
                return
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.add(full if full.removeprefix("compiler.") in MODULES else node.module)

    Visitor().visit(ast.parse(path.read_text()))
    names = {n.removeprefix("compiler.") if n != "compiler" else n for n in found}
    return {n for n in names if not n.startswith("_generated")}


GRAPH = {name: _imports(path) - {name} for name, path in MODULES.items()}


def test_every_module_has_a_stage_and_imports_only_its_own_or_earlier_ones() -> None:
    upward = [
        f"compiler.{module} (stage {_stage(module)}) imports compiler.{other}"
        f" (stage {_stage(other)})"
        for module, imported in sorted(GRAPH.items())
        for other in sorted(imported)
        if _stage(other) > _stage(module)
    ]
    assert upward == []


def test_the_compile_path_never_imports_the_host_side_tool() -> None:
    host = _stage("host.*")
    core = {m for m in GRAPH if _stage(m) < host}
    assert core and not [(m, o) for m in core for o in GRAPH[m] if o.startswith("host")]


def test_there_is_no_import_cycle() -> None:
    state: dict[str, int] = {}  # 1: on the path being walked, 2: done
    cycles: list[list[str]] = []

    def walk(module: str, path: list[str]) -> None:
        state[module] = 1
        for other in sorted(GRAPH.get(module, ())):
            if state.get(other) == 1:
                cycles.append([*path[path.index(other) :], other])
            elif other in GRAPH and other not in state:
                walk(other, [*path, other])
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            walk(module, [module])
    assert cycles == []


def test_the_reader_sees_lazy_imports_and_skips_type_only_ones(tmp_path: Path) -> None:
    """The test above cannot pass by reading nothing."""
    source = tmp_path / "m.py"
    source.write_text(
        "from typing import TYPE_CHECKING\nfrom compiler import ir\n"
        "if TYPE_CHECKING:\n    from compiler.emit import Artifact\n"
        "def f():\n    from compiler.host import audit\n"
    )
    assert _imports(source) == {"ir", "host.audit"}
    assert GRAPH["pipeline"] >= {"parser", "emit", "lint"}
