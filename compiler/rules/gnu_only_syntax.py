"""Bash-only syntax or GNU-only tool flags in a generated POSIX sh script."""

from __future__ import annotations

import re
from collections.abc import Iterable

from compiler import ir
from compiler.emit import Artifact
from compiler.rules.base import Finding, Rule
from compiler.span import Span

# (what, pattern) — matched on lines outside comments; kept simple enough that the
# generated activation script can apply the same list with `grep -E`.
PATTERNS: tuple[tuple[str, str], ...] = (
    (
        "`sed -i` without a backup suffix (GNU-only)",
        r"(^|[;&|[:space:]])sed[[:space:]]+(-[A-Za-z]*i|--in-place)([[:space:]]|$)",
    ),
    ("`readlink -f` (GNU-only)", r"readlink[[:space:]]+-[A-Za-z]*f"),
    ("`date -d` (GNU-only)", r"(^|[;&|[:space:]$(])date[[:space:]]+(-[A-Za-z]*d|--date)"),
    ("`stat -c` (GNU-only)", r"(^|[;&|[:space:]$(])stat[[:space:]]+-[A-Za-z]*c"),
    ("`grep -P` (GNU-only)", r"grep[[:space:]]+-[A-Za-z]*P"),
    ("`echo -e` (not POSIX)", r"(^|[;&|[:space:]])echo[[:space:]]+-e"),
    ("`[[ ... ]]` (bash/ksh)", r"(^|[;&|[:space:]])\[\[[[:space:]]"),
    ("arrays (bash/ksh)", r"(^|[;&|[:space:]])[A-Za-z_][A-Za-z0-9_]*=\("),
    ("`$'...'` strings (not POSIX before 2024)", r"\$'"),
    ("`<<<` here-strings (bash/ksh/zsh)", r"<<<"),
    (
        "`function` keyword (not POSIX)",
        r"(^[[:space:]]*|[;&|][[:space:]]*)function[[:space:]]+[A-Za-z_]",
    ),
    ("`source` (use `.`)", r"(^[[:space:]]*|[;&|][[:space:]]*)source[[:space:]]"),
    ("`&>` redirection (bash)", r"&>"),
    ("`|&` pipe (bash)", r"\|&"),
    ("`${var:offset}` substrings (bash)", r"\$\{[A-Za-z_][A-Za-z0-9_]*:( -)?[0-9]"),
    ("case conversion `${var,,}`/`${var^^}` (bash 4)", r"\$\{[A-Za-z_][A-Za-z0-9_]*(,,|\^\^)"),
    (
        "`declare`/`typeset`/`mapfile`/`readarray` (bash)",
        r"(^[[:space:]]*|[;&|][[:space:]]*)(declare|typeset|mapfile|readarray)[[:space:]]",
    ),
)
_COMPILED = tuple(
    (what, re.compile(pattern.replace("[:space:]", r"\s"))) for what, pattern in PATTERNS
)


def findings_in_script(path: str, text: str) -> Iterable[Finding]:
    """Non-portable constructs in one script, located by line and column."""
    for number, code in enumerate(_code_lines(text), 1):
        for what, regex in _COMPILED:
            m = regex.search(code)
            if m:
                col = m.start() + 1 + (len(m.group(1) or "") if m.lastindex else 0)
                yield Finding(
                    Span(path, number, col, number, m.end() + 1),
                    f"{what} in a generated POSIX sh script",
                    "generated scripts must run under dash, busybox, posh, mksh, yash, zsh"
                    " and macOS's bash 3.2 in sh mode",
                )


def _code_lines(text: str) -> list[str]:
    """The script's lines with comments and single-quoted text blanked (quotes may span lines)."""
    lines: list[str] = []
    out: list[str] = []
    single = double = False
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\n":
            lines.append("".join(out))
            out = []
        elif single:
            out.append("'" if c == "'" else " ")
            single = c != "'"
        elif c == "\\" and i + 1 < len(text) and text[i + 1] != "\n":
            out.append(c + text[i + 1])
            i += 1
        elif c == '"':
            double = not double
            out.append(c)
        elif c == "'" and not double:
            single = True
            out.append(c)
        elif c == "#" and not double and (not out or out[-1] in " \t;"):
            while i + 1 < len(text) and text[i + 1] != "\n":
                i += 1
        else:
            out.append(c)
        i += 1
    lines.append("".join(out))
    return lines


class GnuOnlySyntax(Rule):
    """A generated script uses GNU-only flags or bash-only syntax.

    Anti-pattern: the wrapper runs under macOS's /bin/sh (bash 3.2 in POSIX
    mode) and BSD tools, where these fail at the first start — and a service
    manager restarts the failure:

        target=$(readlink -f "$0")
        sed -i "s/a/b/" file
        [[ -n $x ]] && echo -e "..."

    Better: POSIX sh and POSIX tool flags:

        sed "s/a/b/" file >file.tmp && mv file.tmp file
        [ -n "$x" ] && printf '%s\\n' "..."
    """

    code = "AG115"
    name = "gnu-only-syntax"
    waivable = False

    def check_artifacts(self, agent: ir.Agent, artifacts: list[Artifact]) -> Iterable[Finding]:
        for art in artifacts:
            if art.path.startswith("bin/"):
                yield from findings_in_script(f"{agent.name}/{art.path}", art.data.decode())
