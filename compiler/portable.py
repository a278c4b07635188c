"""The constructs a generated POSIX sh script must not use, once: rule gnu-only-syntax matches
them in Python (derived from these EREs) and bin/activate with `grep -E` on the installed
wrapper."""

from __future__ import annotations

# (what, pattern) — matched on lines outside comments; kept simple enough that the
# generated activation script can apply the same list with `grep -E`. Bracketed characters
# (`[$]'`, `<<[<]`) keep the list, as bin/activate embeds it, from matching itself.
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
    ("`$'...'` strings (not POSIX before 2024)", r"[$]'"),
    ("`<<<` here-strings (bash/ksh/zsh)", r"<<[<]"),
    (
        "`function` keyword (not POSIX)",
        r"(^[[:space:]]*|[;&|][[:space:]]*)function[[:space:]]+[A-Za-z_]",
    ),
    ("`source` (use `.`)", r"(^[[:space:]]*|[;&|][[:space:]]*)source[[:space:]]"),
    ("`&>` redirection (bash)", r"&[>]"),
    ("`|&` pipe (bash)", r"[|]&"),
    ("`${var:offset}` substrings (bash)", r"\$\{[A-Za-z_][A-Za-z0-9_]*:( -)?[0-9]"),
    ("case conversion `${var,,}`/`${var^^}` (bash 4)", r"\$\{[A-Za-z_][A-Za-z0-9_]*(,,|\^\^)"),
    (
        "`declare`/`typeset`/`mapfile`/`readarray` (bash)",
        r"(^[[:space:]]*|[;&|][[:space:]]*)(declare|typeset|mapfile|readarray)[[:space:]]",
    ),
)
