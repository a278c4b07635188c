"""The `agentc` command line. Imports stay lazy so `--version` and `explain` start fast."""

from __future__ import annotations

import argparse
import json
import sys
from typing import IO

from compiler import __version__

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="agentc",
        description="Compile SourceOS local-agent declarations into guarded service artifacts.",
    )
    p.add_argument("--version", action="version", version=f"agentc {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    fmt = {"choices": ("text", "json", "sarif"), "default": "text"}

    no_tools = {
        "action": "store_true",
        "help": "skip the shellcheck and systemd-analyze lints even when installed",
    }
    c = sub.add_parser("check", help="parse, validate and lint declarations")
    c.add_argument("files", nargs="+", metavar="FILE")
    c.add_argument("--format", **fmt)
    c.add_argument("--no-tools", **no_tools)

    c = sub.add_parser("compile", help="compile declarations into OUTDIR/<name>/...")
    c.add_argument("files", nargs="+", metavar="FILE")
    c.add_argument("-o", "--output", required=True, metavar="OUTDIR")
    c.add_argument("--format", **fmt)
    c.add_argument("--no-tools", **no_tools)

    c = sub.add_parser("dump", help="print the normalized declaration as JSON")
    c.add_argument("file", metavar="FILE")
    c.add_argument("--format", choices=("json",), default="json")
    c.add_argument("--no-defaults", action="store_true", help="only what the file writes")

    c = sub.add_parser("explain", help="document a rule or diagnostic (name or code)")
    c.add_argument("rule", metavar="RULE")

    c = sub.add_parser("audit", help="policy rules over existing launchd plists and systemd units")
    c.add_argument("paths", nargs="+", metavar="PATH")
    c.add_argument("--format", **fmt)

    c = sub.add_parser("fmt", help="canonical formatting (planned; not implemented yet)")
    c.add_argument("files", nargs="+", metavar="FILE")
    c.add_argument("--check", action="store_true")
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `agentc` console script."""
    args = _parser().parse_args(argv)
    out = sys.stdout
    try:
        return _COMMANDS[args.command](args, out)
    except BrokenPipeError:
        return EXIT_ERRORS
    except KeyboardInterrupt:
        return 130


def _report(analysis_diags: list, sources: dict, fmt: str, out: IO[str], **extra: object) -> None:
    from compiler import render

    if fmt == "json":
        out.write(render.as_json(analysis_diags, **extra))
    elif fmt == "sarif":
        from compiler.catalog import catalog

        out.write(render.sarif(analysis_diags, catalog()))
    else:
        err = sys.stderr
        err.write(render.text(analysis_diags, sources, render.use_colour(err)))
        if analysis_diags:
            err.write(render.summary(analysis_diags) + "\n")


def _status(analysis: object) -> int:
    from compiler.diagnostics import has_errors

    if analysis.unreadable:  # type: ignore[attr-defined]
        return EXIT_USAGE
    return EXIT_ERRORS if has_errors(analysis.diagnostics) else EXIT_OK  # type: ignore[attr-defined]


def cmd_check(args: argparse.Namespace, out: IO[str]) -> int:
    """`agentc check`: report diagnostics, write nothing."""
    from compiler.compile import build

    trees, analysis = build(args.files, tools=not args.no_tools)
    _report(analysis.diagnostics, analysis.sources, args.format, out)
    if args.format == "text" and not analysis.diagnostics:
        names = sorted(trees)
        shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
        sys.stderr.write(f"ok: {len(names)} agent(s): {shown}\n")
    return _status(analysis)


def cmd_compile(args: argparse.Namespace, out: IO[str]) -> int:
    """`agentc compile`: check, then write each error-free agent's tree atomically."""
    from compiler.compile import compile_to

    result = compile_to(args.files, args.output, tools=not args.no_tools)
    _report(result.diagnostics, result.sources, args.format, out, written=result.written)
    if args.format == "text":
        for name, path in result.written.items():
            sys.stderr.write(f"wrote {path}/ ({name})\n")
    return EXIT_USAGE if result.usage_error else _status(result)


def cmd_dump(args: argparse.Namespace, out: IO[str]) -> int:
    """`agentc dump`: the normalized declaration (or only what was written)."""
    from compiler import dump, render
    from compiler.diagnostics import has_errors
    from compiler.pipeline import analyze
    from compiler.syntax import to_json

    analysis = analyze([args.file])
    if analysis.unreadable or has_errors(analysis.diagnostics):
        _report(analysis.diagnostics, analysis.sources, "text", out)
        return _status(analysis)
    if analysis.diagnostics:
        sys.stderr.write(render.text(analysis.diagnostics, analysis.sources))
    if args.no_defaults:
        doc = to_json(analysis.documents[args.file])
    else:
        doc = dump.document(analysis.agents)
    out.write(json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    return EXIT_OK


def cmd_explain(args: argparse.Namespace, out: IO[str]) -> int:
    """`agentc explain`: a rule's or diagnostic's documentation."""
    from compiler.catalog import explain

    text = explain(args.rule)
    if text is None:
        sys.stderr.write(f"agentc explain: no rule or diagnostic named {args.rule!r}\n")
        return EXIT_USAGE
    out.write(text)
    return EXIT_OK


def cmd_audit(args: argparse.Namespace, out: IO[str]) -> int:
    """`agentc audit`: find the incident's patterns in service definitions on a host."""
    from compiler.audit import audit
    from compiler.diagnostics import has_errors

    result = audit(args.paths)
    for path in result.missing:
        sys.stderr.write(f"agentc audit: {path}: no such file or directory\n")
    _report(result.diagnostics, result.sources, args.format, out, files=result.files)
    if args.format == "text" and not result.diagnostics:
        sys.stderr.write(f"ok: {len(result.files)} service definition(s), no findings\n")
    if result.missing:
        return EXIT_USAGE
    return EXIT_ERRORS if has_errors(result.diagnostics) else EXIT_OK


def cmd_fmt(args: argparse.Namespace, out: IO[str]) -> int:
    """`agentc fmt` is planned (DESIGN.md section 3) and says so instead of pretending."""
    sys.stderr.write("agentc fmt: not implemented yet (planned in DESIGN.md section 3)\n")
    return EXIT_USAGE


_COMMANDS = {
    "check": cmd_check,
    "compile": cmd_compile,
    "dump": cmd_dump,
    "explain": cmd_explain,
    "audit": cmd_audit,
    "fmt": cmd_fmt,
}
