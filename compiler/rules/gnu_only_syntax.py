"""Bash-only syntax or GNU-only tool flags in a generated POSIX sh script."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from compiler import ir, shlib
from compiler.portable import PATTERNS
from compiler.rules.base import Finding, Rule
from compiler.span import Span

if TYPE_CHECKING:
    from compiler.emit import Artifact


def _split(ere: str) -> tuple[str, str]:
    """An ERE as (what must stand before the construct, the construct): a leading group that
    starts with `^` is the context, the rest the construct."""
    if not ere.startswith("(^"):
        return "", ere
    depth, bracket = 0, False
    for i, ch in enumerate(ere):
        if bracket:
            bracket = not (ch == "]" and ere[i - 1] not in "[:")
        elif ch == "[":
            bracket = True
        elif ch in "()":
            depth += 1 if ch == "(" else -1
            if depth == 0:
                return ere[: i + 1], ere[i + 1 :]
    raise ValueError(f"unbalanced pattern: {ere}")


def _python(ere: str) -> str:
    """An ERE of `PATTERNS` as a Python pattern over one line (a blank is a space or a tab)."""
    return ere.replace("[:space:]", " \t")


# `PATTERNS` for Python, derived from the EREs: the construct alone, which mostly starts with a
# literal the regex engine can skip ahead to, and its context checked only where it matched.
_COMPILED: tuple[tuple[str, re.Pattern[str] | None, re.Pattern[str]], ...] = tuple(
    (what, re.compile(_python(context) + r"\Z", re.M) if context else None,
     re.compile(_python(body), re.M))
    for what, (context, body) in ((what, _split(ere)) for what, ere in PATTERNS)
)  # fmt: skip


def findings_in_script(path: str, text: str, first_line: int = 1) -> Iterable[Finding]:
    """Non-portable constructs in one script (or the part of it from line `first_line` on),
    located by line and column (first per line)."""
    hits = [(what, m, context) for what, context, body in _COMPILED for m in body.finditer(text)]
    if not hits:  # the usual case: no need to find the script's quotes and comments
        return []
    line_starts = [0, *(m.end() for m in _NEWLINE.finditer(text))]
    found: dict[int, Finding] = {}
    hidden: tuple[list[int], list[int]] | None = None
    for what, m, context in hits:
        offset = m.start()
        line = bisect.bisect_right(line_starts, offset)
        if context is not None and not context.search(text, line_starts[line - 1], offset):
            continue
        if hidden is None:  # only now: most candidates fail their context
            hidden = _hidden(text)
        starts, ends = hidden
        i = bisect.bisect_right(starts, m.start()) - 1
        if i >= 0 and m.start() < ends[i]:  # inside single quotes or a comment
            continue
        col = offset - line_starts[line - 1] + 1
        if line in found and found[line].span.column <= col:
            continue
        at = line + first_line - 1
        found[line] = Finding(
            Span(path, at, col, at, col + (m.end() - offset)),
            f"{what} in a generated POSIX sh script",
            "generated scripts must run under dash, busybox, posh, mksh, yash, zsh"
            " and macOS's bash 3.2 in sh mode",
        )
    return [found[line] for line in sorted(found)]


_NEWLINE = re.compile(r"\n")
# Each match: code the shell reads (plain text, double-quoted strings, escapes, quotes that
# never close), then the next single-quoted string or `#...` run if any; the tail is optional,
# so a match never fails and never backtracks. Iterating hidden regions, not every token,
# keeps the work in the regex engine.
_NEXT_HIDDEN = re.compile(
    r"""(?:[^'"#\\]+|"(?:[^"\\]|\\[\s\S])*"|\\[\s\S]|["\\]|'(?![^']*'))*"""
    r"""(?:('[^']*')|(#[^\n]*))?"""
)


def _hidden(text: str) -> tuple[list[int], list[int]]:
    """Where the shell sees no code: single-quoted text and comments, as sorted start and end
    offsets. Double-quoted strings and escapes are skipped over, so a `'` or `#` in them
    starts nothing; a `#` inside a word is no comment (and the rest of its line is skipped)."""
    starts, ends = [], []
    for m in _NEXT_HIDDEN.finditer(text):
        if m.lastindex is None:
            if m.end() >= len(text):
                break
            continue
        start = m.start(m.lastindex)
        if m.lastindex == 1:
            starts.append(start + 1)
            ends.append(m.end() - 1)
        elif start == 0 or text[start - 1] in " \t;\n":
            starts.append(start)
            ends.append(m.end())
    return starts, ends


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
            if not art.path.startswith("bin/"):
                continue
            # The verified library was scanned once for this version (compiler.generate).
            text, first_line = art.linted(whole=not shlib.verified())
            yield from findings_in_script(f"{agent.name}/{art.path}", text.decode(), first_line)
