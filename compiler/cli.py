"""The `agentc` command line. Imports stay lazy so `--version` and `explain` start fast."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Callable
from typing import IO, NoReturn

from compiler import __version__

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


_FORMAT: dict = {"choices": ("text", "json", "sarif"), "default": "text"}
_NO_TOOLS: dict = {
    "action": "store_true",
    "help": "skip the shellcheck and systemd-analyze lints even when installed",
}
_REQUIRE_TOOL: dict = {
    "action": "append",
    "default": [],
    "choices": ("shellcheck", "systemd-analyze"),
    "metavar": "TOOL",
    "help": "fail (not skip) when this lint tool is not on PATH; repeatable",
}


def _check_args(c: argparse.ArgumentParser) -> None:
    c.add_argument("files", nargs="+", metavar="FILE")
    c.add_argument("--format", **_FORMAT)
    c.add_argument("--no-tools", **_NO_TOOLS)
    c.add_argument("--require-tool", **_REQUIRE_TOOL)


def _compile_args(c: argparse.ArgumentParser) -> None:
    c.add_argument("files", nargs="+", metavar="FILE")
    c.add_argument("-o", "--output", required=True, metavar="OUTDIR")
    c.add_argument("--format", **_FORMAT)
    c.add_argument("--no-tools", **_NO_TOOLS)
    c.add_argument("--require-tool", **_REQUIRE_TOOL)


def _dump_args(c: argparse.ArgumentParser) -> None:
    c.add_argument("file", metavar="FILE")
    c.add_argument("--format", choices=("json",), default="json")
    c.add_argument("--no-defaults", action="store_true", help="only what the file writes")


def _explain_args(c: argparse.ArgumentParser) -> None:
    c.add_argument("rule", metavar="RULE", nargs="?")
    c.add_argument("--list", action="store_true", help="every rule and diagnostic, one a line")


def _audit_args(c: argparse.ArgumentParser) -> None:
    c.add_argument("paths", nargs="+", metavar="PATH")
    c.add_argument("--format", **_FORMAT)


def _fmt_args(c: argparse.ArgumentParser) -> None:
    c.add_argument("files", nargs="+", metavar="FILE")
    c.add_argument("--check", action="store_true")


def _import_args(c: argparse.ArgumentParser) -> None:
    c.add_argument("definition", metavar="PLIST|UNIT", nargs="?")
    c.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    c.add_argument(
        "--podman-run",
        action="store_true",
        help="import a command line instead: agentc import --podman-run -- podman run ...",
    )
    c.add_argument("argv", nargs="*", help=argparse.SUPPRESS)


# name: (help, arguments)
_SUBCOMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None]]] = {
    "check": ("parse, validate and lint declarations", _check_args),
    "compile": ("compile declarations into OUTDIR/<name>/...", _compile_args),
    "dump": ("print the normalized declaration as JSON", _dump_args),
    "explain": ("document a rule or diagnostic (name or code); --list lists them", _explain_args),
    "audit": ("policy rules over existing launchd plists and systemd units", _audit_args),
    "fmt": ("print declarations canonically, comments kept (--check: only say)", _fmt_args),
    "import": ("a declaration from a launchd plist or systemd unit (section 14)", _import_args),
}


def _parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with `only`, just that command (argparse takes most of a
    millisecond per command parser, and `agentc` starts in every Nix build)."""
    p = argparse.ArgumentParser(
        prog="agentc",
        description="Compile SourceOS local-agent declarations into guarded service artifacts.",
    )
    p.add_argument("--version", action="version", version=f"agentc {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, (help, add_arguments) in _SUBCOMMANDS.items():
        if only is None or only == name:
            add_arguments(sub.add_parser(name, help=help))
    return p


def run() -> NoReturn:
    """The `agentc` console script: `main` without the cyclic garbage collector (a short
    run's values are acyclic; a full collection after a large batch scans them all for
    nothing), then out without the interpreter's teardown, which frees every object one by
    one; what is written is flushed first."""
    gc.disable()
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        code = code or EXIT_ERRORS
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    """The command line: the exit status of the command argv asks for."""
    argv = sys.argv[1:] if argv is None else argv
    if argv == ["--version"]:
        sys.stdout.write(f"agentc {__version__}\n")
        return EXIT_OK
    only = argv[0] if argv and argv[0] in _SUBCOMMANDS else None
    args = _parser(only).parse_args(argv)
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
    from compiler.pipeline import build

    tools = not args.no_tools or bool(args.require_tool)  # a required tool is never skipped
    trees, analysis = build(args.files, tools, args.require_tool, manifests=False)
    _report(analysis.diagnostics, analysis.sources, args.format, out)
    if args.format == "text" and not analysis.diagnostics:
        names = sorted(trees)
        shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
        sys.stderr.write(f"ok: {len(names)} agent(s): {shown}\n")
    return _status(analysis)


def cmd_compile(args: argparse.Namespace, out: IO[str]) -> int:
    """`agentc compile`: check, then write each error-free agent's tree atomically."""
    from compiler.pipeline import compile_to

    tools = not args.no_tools or bool(args.require_tool)  # a required tool is never skipped
    result = compile_to(args.files, args.output, tools, args.require_tool)
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
    out.write(dump.indented(doc) + "\n")
    return EXIT_OK


def cmd_explain(args: argparse.Namespace, out: IO[str]) -> int:
    """`agentc explain`: a rule's or diagnostic's documentation."""
    from compiler.catalog import explain, listing

    if args.list == (args.rule is not None):
        sys.stderr.write("agentc explain: name one RULE (a name or code), or --list\n")
        return EXIT_USAGE
    if args.list:
        out.write(listing())
        return EXIT_OK
    text = explain(args.rule)
    if text is None:
        sys.stderr.write(f"agentc explain: no rule or diagnostic named {args.rule!r}\n")
        return EXIT_USAGE
    out.write(text)
    return EXIT_OK


def cmd_audit(args: argparse.Namespace, out: IO[str]) -> int:
    """`agentc audit`: find the incident's patterns in service definitions on a host."""
    from compiler.diagnostics import has_errors
    from compiler.host.audit import audit

    result = audit(args.paths)
    for path in result.missing:
        sys.stderr.write(f"agentc audit: {path}: no such file or directory\n")
    _report(result.diagnostics, result.sources, args.format, out, files=result.files)
    if args.format == "text" and not result.diagnostics and not result.missing:
        sys.stderr.write(f"ok: {len(result.files)} service definition(s), no findings\n")
    if result.missing:
        return EXIT_USAGE
    return EXIT_ERRORS if has_errors(result.diagnostics) else EXIT_OK


def cmd_fmt(args: argparse.Namespace, out: IO[str]) -> int:
    """`agentc fmt`: print each file canonically, in place (`-`: to stdout); with --check,
    only say which would change (exit 1). A file that does not parse is left as it is."""
    import os
    import tempfile

    from compiler import render, source
    from compiler.fmt import format_text
    from compiler.parser import parse

    status = EXIT_OK
    for path in args.files:
        src, found = source.read(path)
        if src is not None:
            _, found = parse(src.text, path)
        if src is None or any(d.is_error for d in found):
            sys.stderr.write(render.text(found, {path: src} if src else {}))
            status = max(status, EXIT_USAGE if src is None else EXIT_ERRORS)
            continue
        text = format_text(src.text)
        if path == "-":
            out.write(text)
        elif text == src.text:
            continue
        elif args.check:
            out.write(f"would reformat {path}\n")
            status = max(status, EXIT_ERRORS)
        else:
            folder = os.path.dirname(os.path.abspath(path))
            fd, tmp = tempfile.mkstemp(prefix=".agentc-fmt-", dir=folder)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.chmod(tmp, os.stat(path).st_mode & 0o7777)
            os.replace(tmp, path)
            out.write(f"reformatted {path}\n")
    return status


def cmd_import(args: argparse.Namespace, out: IO[str]) -> int:
    """`agentc import`: the section 14 migration of one service definition, printed
    canonically; what it cannot translate is reported (warnings), never dropped silently."""
    from compiler import render
    from compiler.fmt import format_text
    from compiler.host.migrate import import_definition, import_podman_run

    if args.podman_run:
        words = [args.definition, *args.argv] if args.definition else list(args.argv)
        text, found = import_podman_run([w for w in words if w != "--"][:1] + words[1:])
    elif args.definition is None or args.argv:
        sys.stderr.write("agentc import: give one PLIST|UNIT, or --podman-run -- podman run ...\n")
        return EXIT_USAGE
    else:
        text, found = import_definition(args.definition)
    if found:
        sys.stderr.write(render.text(found, {}))
    if text is None:
        return EXIT_ERRORS
    from compiler.parser import parse

    _, problems = parse(text, args.output or "<imported>")
    if any(d.is_error for d in problems):  # the importer's own bug: say so, write nothing
        sys.stderr.write(render.text(problems, {}))
        sys.stderr.write("agentc import: the declaration it wrote does not parse (a bug)\n")
        return EXIT_ERRORS
    text = format_text(text)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        out.write(text)
    errors = _imported_errors(text, args.output or "<imported>")
    if errors:
        sys.stderr.write(render.text(errors, {}))
        sys.stderr.write(
            f"agentc import: what it wrote does not pass `agentc check` ({len(errors)} error(s)):"
            " fix them before compiling\n"
        )
        return EXIT_ERRORS
    return EXIT_OK


def _imported_errors(text: str, name: str) -> list:
    """The errors `agentc check` would report for an imported declaration (no tools)."""
    import tempfile

    import attrs

    from compiler.pipeline import build

    with tempfile.TemporaryDirectory(prefix="agentc-import-") as tmp:
        path = os.path.join(tmp, os.path.basename(name) if name != "<imported>" else "x.agent")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
        _, result = build([path], manifests=False)
    return [attrs.evolve(d, span=d.span._replace(file=name)) for d in result.diagnostics
            if d.is_error]  # fmt: skip


_COMMANDS = {
    "check": cmd_check,
    "compile": cmd_compile,
    "dump": cmd_dump,
    "explain": cmd_explain,
    "audit": cmd_audit,
    "fmt": cmd_fmt,
    "import": cmd_import,
}
