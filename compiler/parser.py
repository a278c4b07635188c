"""Source text → syntax values: the cached LALR parser and its transformer."""

from __future__ import annotations

import functools
import re
from typing import Any

from compiler import checks, tables
from compiler.diagnostics import Diagnostic
from compiler.lalr import LexError, ParseError, Parser, Token, TokenError
from compiler.span import Span
from compiler.syntax import Attrs, Bool, Entry, Int, Invalid, List, Null, Str, Value

MAX_DEPTH = 32
INT64_MAX = 2**63 - 1

_FORBIDDEN: dict[str, str] = {
    "LET": "`let ... in` expressions",
    "IN": "`let ... in` expressions",
    "WITH": "`with` expressions",
    "REC": "`rec` attribute sets",
    "IMPORT": "`import`",
    "INHERIT": "`inherit`",
    "IF": "`if ... then ... else`",
    "THEN": "`if ... then ... else`",
    "ELSE": "`if ... then ... else`",
    "ASSERT": "`assert`",
    "OR_KW": "`or` defaults",
    "IND_STRING": "`''` indented strings",
    "INTERP": "`${...}` interpolation",
    "PATH": "path literals",
    "FLOAT": "floating-point numbers",
    "URI": "URI literals and functions",
    "OPERATOR": "operators (arithmetic, `//`, `++`, comparisons, negative numbers)",
    "LPAR": "parenthesised expressions and function calls",
    "RPAR": "parenthesised expressions and function calls",
    "COMMA": "function argument sets",
    "COLON": "functions",
    "AT": "function argument patterns",
    "QUESTION": "`?` attribute tests and default arguments",
}

_TOKEN_WORDS: dict[str, str] = {
    "LBRACE": "`{`",
    "RBRACE": "`}`",
    "LBRACK": "`[`",
    "RBRACK": "`]`",
    "EQUALS": "`=`",
    "SEMI": "`;`",
    "DOT": "`.`",
    "STRING": "a string",
    "INT": "an integer",
    "ID": "a name",
    "$END": "the end of the file",
}

_STRING_PART = re.compile(r'\\([\s\S])|(\$\{)|\$[^{"\\]|[^\\$]+|\$')
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}


def _decode(raw: str) -> str | None:
    """A string literal's text (between the quotes) with escapes decoded; None where it holds
    a `${` interpolation."""
    if "\\" not in raw and "${" not in raw:
        return raw
    out: list[str] = []
    for m in _STRING_PART.finditer(raw):
        if m.group(2):
            return None
        esc = m.group(1)
        out.append(m.group(0) if esc is None else _ESCAPES.get(esc, esc))
    return "".join(out)


def _span(file: str, tok: Token) -> Span:
    return Span(file, tok.line, tok.column, tok.end_line, tok.end_column)


class ToSyntax:
    """Builds syntax values while the LALR parser reduces (no tree, no recursion)."""

    def __init__(self) -> None:
        self.reset("<input>")

    def reset(self, file: str) -> None:
        """Prepare for one parse of `file`."""
        self.file = file
        self.diagnostics: list[Diagnostic] = []
        self.too_deep = False

    # values
    def string(self, children: list[Token]) -> Value:
        tok = children[0]
        span = _span(self.file, tok)
        raw = tok.value[1:-1]
        value = _decode(raw)
        if value is None:
            offset = next(m.start() for m in _STRING_PART.finditer(raw) if m.group(2))
            self.diagnostics.append(self._interp(tok, offset))
            return Invalid(span)
        return Str(value, span)

    def _interp(self, tok: Token, offset: int) -> Diagnostic:
        before = tok.value[: offset + 1]
        line = tok.line + before.count("\n")
        col = (len(before) - before.rfind("\n")) if "\n" in before else tok.column + len(before)
        return checks.UNSUPPORTED_CONSTRUCT.at(
            Span(self.file, line, col, line, col + 2),
            "the declaration subset has no `${...}` interpolation",
            "write the value literally; `$HOME/` and `~/` path prefixes are resolved at"
            " activation, and a literal `${` is written `\\${`",
        )

    def integer(self, children: list[Token]) -> Value:
        tok = children[0]
        span = _span(self.file, tok)
        value = int(tok.value)
        if value > INT64_MAX:
            self.diagnostics.append(
                checks.INTEGER_TOO_LARGE.at(
                    span, f"integer {tok.value} does not fit in 64 bits", "the largest is 2^63-1"
                )
            )
            return Invalid(span)
        return Int(value, span)

    def ident(self, children: list[Token]) -> Value:
        tok = children[0]
        span = _span(self.file, tok)
        if tok.value == "true" or tok.value == "false":
            return Bool(tok.value == "true", span)
        if tok.value == "null":
            return Null(span)
        self.diagnostics.append(
            checks.VARIABLE_REFERENCE.at(
                span,
                f"`{tok.value}` is a variable reference; the declaration subset has none",
                f'quote it if it is a string: "{tok.value}"',
            )
        )
        return Invalid(span)

    def forbidden(self, children: list[Token]) -> Value:
        tok = children[0]
        self.diagnostics.append(unsupported(self.file, tok))
        return Invalid(_span(self.file, tok))

    def list(self, children: list) -> Value:
        span = _span(self.file, children[0]).to(_span(self.file, children[-1]))
        items = tuple(children[1:-1])
        depth = 1 + max((v.depth for v in items if hasattr(v, "depth")), default=0)
        return self._too_deep(span, depth) or List(items, span, depth)

    def attrset(self, children: list) -> Value:
        span = _span(self.file, children[0]).to(_span(self.file, children[-1]))
        bindings = children[1:-1]
        depth = _depth(bindings)
        return self._too_deep(span, depth) or self._build(bindings, span, depth)

    def _too_deep(self, span: Span, depth: int) -> Invalid | None:
        if depth <= MAX_DEPTH:
            return None
        if not self.too_deep:
            self.too_deep = True
            self.diagnostics.append(
                checks.NESTING_TOO_DEEP.at(
                    Span(self.file, span.line, span.column, span.line, span.column + 1),
                    f"lists and attribute sets nest more than {MAX_DEPTH} levels deep here",
                    "declarations need only a few levels; is this the right file?",
                )
            )
        return Invalid(span, depth)

    # bindings
    def binding(self, children: list) -> tuple[list[tuple[str, Span]], Value]:
        return children[0], children[2]

    def attrpath(self, children: list) -> list[tuple[str, Span]]:
        return children[::2]  # key, DOT, key, ...

    def ident_key(self, children: list[Token]) -> tuple[str, Span]:
        return children[0].value, _span(self.file, children[0])

    def string_key(self, children: list[Token]) -> tuple[str, Span]:
        value = self.string(children)
        name = value.value if isinstance(value, Str) else ""
        return name, value.span

    def braced(self, children: list) -> Attrs:
        span = _span(self.file, children[0]).to(_span(self.file, children[-1]))
        return self._build(children[1:-1], span)

    def bare(self, children: list) -> Attrs:
        if children:
            first = children[0][0][0][1]
            span = first.to(children[-1][1].span)
        else:
            span = Span.point(self.file)
        return self._build(children, span)

    def _build(self, bindings: list, span: Span, depth: int | None = None) -> Attrs:
        root = Attrs({}, span, _depth(bindings) if depth is None else depth)
        for path, value in bindings:
            self._insert(root, path, value)
        return root

    def _insert(self, node: Attrs, path: list[tuple[str, Span]], value: Value) -> None:
        """Add one binding; sets merge only where an attribute path implied one (`a.b = ...`)."""
        if len(path) == 1 and path[0][0] not in node.entries:  # the usual case, directly
            node.entries[path[0][0]] = Entry(path[0][1], value)
            return
        for i, (name, key_span) in enumerate(path):
            last = i == len(path) - 1
            existing = node.entries.get(name)
            if existing is None:
                if last:
                    node.entries[name] = Entry(key_span, value)
                    return
                child = Attrs({}, key_span, implicit=True)
                node.entries[name] = Entry(key_span, child)
                node = child
                continue
            old = existing.value
            if not last and isinstance(old, Attrs):
                node = old
                continue
            if last and isinstance(old, Attrs) and isinstance(value, Attrs) and old.implicit:
                merged = Attrs(old.entries, value.span, max(old.depth, value.depth))
                node.entries[name] = Entry(key_span, merged)
                for k, entry in value.entries.items():
                    self._insert(merged, [(k, entry.key_span)], entry.value)
                return
            self.diagnostics.append(self._duplicate(path[: i + 1], key_span, existing))
            return

    def _duplicate(self, path: list[tuple[str, Span]], span: Span, first: Entry) -> Diagnostic:
        names = [n for n, _ in path]
        where = f"first defined at line {first.key_span.line}, column {first.key_span.column}"
        # The one place the parser knows the schema: a second `sourceos.localAgents.<name>`
        # set is a duplicate agent, which users look for under that name.
        if len(names) == 3 and names[:2] == ["sourceos", "localAgents"]:
            return checks.DUPLICATE_AGENT.at(
                span, f"agent `{names[2]}` is already declared in this file", where
            )
        return checks.DUPLICATE_KEY.at(span, f"`{'.'.join(names)}` is already defined", where)


def _depth(bindings: list) -> int:
    """Nesting depth of an attribute set, counting the sets an attribute path implies."""
    return 1 + max((len(p) - 1 + getattr(v, "depth", 0) for p, v in bindings), default=0)


@functools.lru_cache(maxsize=1)
def _syntax() -> ToSyntax:
    return ToSyntax()


@functools.lru_cache(maxsize=1)
def _parser() -> tuple[Parser, ToSyntax]:
    """The LALR parser, loaded only for text the fast path leaves to it."""
    transformer = _syntax()
    return Parser(tables.load(), transformer), transformer


def unsupported(file: str, tok: Token) -> Diagnostic:
    """The diagnostic for a token that starts a construct outside the subset."""
    what = _FORBIDDEN[tok.type]
    help = "declarations are plain data: strings, integers, booleans, null, lists and sets"
    if tok.type == "PATH":
        help = 'write paths as strings, e.g. "$HOME/Library/Logs/SourceOS/agent.log"'
    elif tok.type == "OPERATOR" and tok.value == "-":
        help = "negative numbers are not in the subset; no field takes one"
    return checks.UNSUPPORTED_CONSTRUCT.at(
        _span(file, tok), f"the declaration subset has no {what} (found `{tok.value}`)", help
    )


def parse(text: str, file: str) -> tuple[Attrs | None, list[Diagnostic]]:
    """Parse declaration text into a syntax attribute set, collecting diagnostics."""
    transformer = _syntax()
    transformer.reset(file)
    tree = _Clean(text, transformer).document()
    if tree is not None:
        return tree, []
    parser, _ = _parser()
    transformer.reset(file)
    try:
        tree = parser.parse(text)
    except ParseError as err:
        found = _syntax_error(parser, text, file, err)
        if found in transformer.diagnostics:
            return None, transformer.diagnostics
        return None, [*transformer.diagnostics, found]
    return tree, transformer.diagnostics


def parse_clean(text: str, file: str, first_line: int) -> Attrs | None:
    """The fast path alone, for `text` found at line `first_line` of `file` (a piece that
    starts a line): its attribute set where the piece is clean, else None."""
    syntax = _syntax()
    syntax.reset(file)
    return _Clean(text, syntax, first_line).document()


def _syntax_error(parser: Parser, text: str, file: str, err: ParseError) -> Diagnostic:
    """Translate a parse error into one located diagnostic, naming the construct when known."""
    earlier = _first_forbidden(parser, text, err.pos_in_stream)
    if earlier is not None:
        return _construct(file, text, earlier)
    if isinstance(err, LexError):
        line, col = err.line, err.column
        span = Span(file, line, col, line, col + 1)
        rest = text[err.pos_in_stream : err.pos_in_stream + 2]
        if rest.startswith('"'):
            return checks.UNTERMINATED_STRING.at(
                span, "this string is never closed", 'end the string with `"`'
            )
        if rest == "/*":
            return checks.UNTERMINATED_COMMENT.at(span, "this comment is never closed", "add `*/`")
        char = text[err.pos_in_stream]
        return checks.UNEXPECTED_TOKEN.at(
            span, f"unexpected character {char!r}", checks.UNEXPECTED_TOKEN.doc
        )
    assert isinstance(err, TokenError)
    tok = err.token
    expected = sorted(err.expected)
    if tok.type == "$END":
        line, col = _end_position(text)
        span = Span(file, line, col, line, col + 1)
    else:
        span = _span(file, tok)
    if tok.type in _FORBIDDEN:
        return _construct(file, text, tok)
    found = "end of file" if tok.type == "$END" else f"`{tok.value}`"
    hint = _hint(expected)
    return checks.UNEXPECTED_TOKEN.at(span, f"unexpected {found}{hint}", _help(expected))


def _construct(file: str, text: str, tok: Token) -> Diagnostic:
    """Name the construct a forbidden token starts; `/*` with no `*/` lexes as `/`."""
    if text.startswith("/*", tok.start_pos):
        return checks.UNTERMINATED_COMMENT.at(
            _span(file, tok), "this comment is never closed", "close it with `*/`"
        )
    return unsupported(file, tok)


def _first_forbidden(parser: Parser, text: str, stop: int) -> Token | None:
    """The first token before `stop` that starts a construct outside the subset, if any."""
    try:
        for tok in parser.tokens(text[:stop]):
            if tok.type in _FORBIDDEN:
                return tok
    except LexError:
        return None
    return None


def _end_position(text: str) -> tuple[int, int]:
    line = text.count("\n") + 1
    return line, len(text) - (text.rfind("\n") + 1) + 1


def _hint(expected: list[str]) -> str:
    words = [_TOKEN_WORDS[t] for t in expected if t in _TOKEN_WORDS]
    if not words or len(words) > 4:
        return ""
    return "; expected " + " or ".join(words)


def _help(expected: list[str]) -> str:
    if expected == ["SEMI"]:
        return "end each binding with `;`: `key = value;`"
    if "RBRACE" in expected and "ID" in expected:
        return "close the attribute set with `}` or add a binding `key = value;`"
    return checks.UNEXPECTED_TOKEN.doc


# The fast path. Most declarations are clean: only strings, integers, booleans, null, lists,
# sets and comments, with no diagnostic at all. For them one regex finds every token and a
# recursive descent over the grammar builds the same values through ToSyntax's builders, 2 to
# 3 times faster than the table-driven parser. Anything else (a construct outside the
# subset, a syntax error, a value with a diagnostic, a token Lark might lex differently) is
# left to the LALR parser, which answers exactly as Lark does; a property test holds the two
# equal wherever the fast path answers.
_IGNORED = r"(?:[ \t\r\n]+|\#[^\n]*|/\*(?:[^*]|\*(?!/))*\*/)*"
_SCALAR = r"""(?:
      "[^"\\]*(?:\\[\s\S][^"\\]*)*"
    | (?![A-Za-z0-9._+-]*[/:])  # what may be a path or URI to Lark is not clean
      (?:[A-Za-z_][A-Za-z0-9_'-]*|[0-9]+(?![0-9.eE])))"""
# Each match: the ignored text before a token, and either a whole `a.b = scalar;` binding
# (names without `'`, spaces or tabs only between its tokens: the usual line, taken as one,
# where only a string value may hold a newline) or one
# token, told apart by its first character (`_KINDS`). findall builds them in C, with no
# match object per token. Any other character is a one-character "token" of no kind, and
# the end an empty one, so the matches cover the text without a gap. (That character is a
# group of its own: a digit a guard refused, as in `10/x`, must not pass for an INT.)
_CLEAN_TOKEN = re.compile(
    f"({_IGNORED})"
    + r"""(?:
      (?![A-Za-z0-9._+-]*[/:])
      ([A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*)
      ([ \t]*) =(?!=) ([ \t]*) ("""
    + _SCALAR
    + r""") ([ \t]*) ;
    | ("""
    + _SCALAR
    + r"""
      | (?![A-Za-z0-9._+-]*[/:]) \.(?![0-9])
      | [{}\[\];] | =(?!=))
    | ([\s\S]) | \Z
    )""",
    re.VERBOSE,
)
_KINDS = {
    '"': "STRING", ".": "DOT", "{": "LBRACE", "}": "RBRACE", "[": "LBRACK", "]": "RBRACK",
    ";": "SEMI", "=": "EQUALS", "_": "ID",
    **{c: "ID" for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"},
    **{c: "INT" for c in "0123456789"},
}  # fmt: skip
_KEYWORDS = frozenset(
    ("let", "in", "with", "rec", "import", "inherit", "if", "then", "else", "assert", "or")
)
_CONSTANTS = {"true": True, "false": False}


def _past(text: str, pos: int, line: int, line_start: int) -> tuple[int, int, int]:
    """Offset, line and line start after `text`, which starts at offset `pos` of `line`."""
    count = text.count("\n")
    if count:
        return pos + len(text), line + count, pos + text.rindex("\n") + 1
    return pos + len(text), line, line_start


def _token(kind: str, text: str, pos: int, line: int, line_start: int) -> tuple:
    """The token for `text` at offset `pos` (a string may span lines), and `_past` it."""
    after, end_line, end_start = _past(text, pos, line, line_start)
    token = (kind, text, line, pos - line_start + 1, end_line, after - end_start + 1)
    return token, after, end_line, end_start


# Span(...) at C speed (the named tuple's own __new__ is a Python function): the fast path
# makes one per key and value.
_new = tuple.__new__


class _NotClean(Exception):
    """Input the fast path leaves to the LALR parser."""


class _Clean:
    """Recursive descent over one clean declaration (see the comment above)."""

    def __init__(self, text: str, syntax: ToSyntax, first_line: int = 1) -> None:
        self.text = text
        self.syntax = syntax
        self.first_line = first_line
        self.file = syntax.file
        # Per token: kind, text, line, column, end line, end column (exclusive); a BINDING's
        # "text" is its keys (with spans) and its value.
        self.tokens: list[tuple[str, Any, int, int, int, int]] = []

    def document(self) -> Attrs | None:
        """The file's attribute set, or None where the LALR parser must answer."""
        try:
            self._lex()
            tokens = self.tokens
            if tokens[0][0] == "LBRACE":
                bindings, i = self._bindings(1, "RBRACE", 1)
                if tokens[i + 1][0] != "$END":
                    raise _NotClean
                tree = self.syntax._build(bindings, self._span(0, i))
            else:
                bindings, _ = self._bindings(0, "$END", 0)
                if bindings:
                    tree = self.syntax._build(
                        bindings, bindings[0][0][0][1].to(bindings[-1][1].span)
                    )
                else:
                    tree = self.syntax._build(bindings, Span.point(self.file))
        except _NotClean:
            return None
        return None if self.syntax.diagnostics else tree

    def _lex(self) -> None:
        # The position arithmetic of `_past` inlined: this loop runs once per token.
        text, tokens, kinds, file = self.text, self.tokens, _KINDS, self.file
        pos, line, line_start = 0, self.first_line, 0
        for ignored, path, before, after, scalar, end, value, other in _CLEAN_TOKEN.findall(text):
            if ignored:
                if "\n" in ignored:
                    line += ignored.count("\n")
                    line_start = pos + ignored.rindex("\n") + 1
                pos += len(ignored)
            if path:  # a whole binding: its keys with their spans, and its value
                keys = []
                column = pos - line_start + 1
                for name in path.split("."):
                    if name in _KEYWORDS:
                        raise _NotClean
                    keys.append((name, _new(Span, (file, line, column, line, column + len(name)))))
                    column += len(name) + 1
                pos += len(path) + len(before) + 1 + len(after)  # the value's start
                if "\n" in scalar:
                    token, pos, line, line_start = _token(
                        kinds[scalar[0]], scalar, pos, line, line_start
                    )
                else:
                    column = pos - line_start + 1
                    token = (kinds[scalar[0]], scalar, line, column, line, column + len(scalar))
                    pos += len(scalar)
                tokens.append(("BINDING", (keys, self._scalar(token)), 0, 0, 0, 0))
                pos += len(end) + 1  # `;`
                continue
            if other:
                raise _NotClean
            if not value:
                break
            kind = kinds[value[0]]
            if kind == "ID" and value in _KEYWORDS:
                raise _NotClean
            if kind == "STRING" and "\n" in value:
                token, pos, line, line_start = _token(kind, value, pos, line, line_start)
            else:
                column = pos - line_start + 1
                token = (kind, value, line, column, line, column + len(value))
                pos += len(value)
            tokens.append(token)
        tokens.append(("$END", "", line, 0, line, 0))

    def _span(self, first: int, last: int) -> Span:
        a, b = self.tokens[first], self.tokens[last]
        return _new(Span, (self.file, a[2], a[3], b[4], b[5]))

    def _bindings(self, i: int, close: str, depth: int) -> tuple[list, int]:
        """`binding*` from token i up to the `close` token; its index."""
        tokens, file = self.tokens, self.file
        bindings = []
        while tokens[i][0] != close:
            if tokens[i][0] == "BINDING":
                bindings.append(tokens[i][1])
                i += 1
                continue
            path = []
            while True:
                kind, value, line, column, end_line, end_column = tokens[i]
                span = _new(Span, (file, line, column, end_line, end_column))
                if kind == "ID":
                    path.append((value, span))
                elif kind == "STRING":
                    name = _decode(value[1:-1])
                    if name is None:
                        raise _NotClean
                    path.append((name, span))
                else:
                    raise _NotClean
                if tokens[i + 1][0] != "DOT":
                    break
                i += 2
            if tokens[i + 1][0] != "EQUALS":
                raise _NotClean
            value, i = self._value(i + 2, depth)
            if tokens[i][0] != "SEMI":
                raise _NotClean
            bindings.append((path, value))
            i += 1
        return bindings, i

    def _scalar(self, token: tuple[str, str, int, int, int, int]) -> Value:
        """A string, integer, boolean or null token's value."""
        kind, text, line, column, end_line, end_column = token
        if kind == "STRING":
            value = _decode(text[1:-1])
            if value is None:
                raise _NotClean
            return Str(value, _new(Span, (self.file, line, column, end_line, end_column)))
        if kind == "INT":
            number = int(text)
            if number > INT64_MAX:
                raise _NotClean
            return Int(number, _new(Span, (self.file, line, column, end_line, end_column)))
        if kind == "ID":
            span = _new(Span, (self.file, line, column, end_line, end_column))
            if text in _CONSTANTS:
                return Bool(_CONSTANTS[text], span)
            if text == "null":
                return Null(span)
        raise _NotClean  # a variable reference, a keyword or no value at all

    def _value(self, i: int, depth: int) -> tuple[Value, int]:
        """One value from token i; the index after it."""
        token = self.tokens[i]
        kind = token[0]
        if kind == "STRING" or kind == "INT" or kind == "ID":
            return self._scalar(token), i + 1
        if depth >= MAX_DEPTH:
            raise _NotClean  # nesting the LALR parser reports
        if kind == "LBRACE":
            bindings, last = self._bindings(i + 1, "RBRACE", depth + 1)
            span = self._span(i, last)
            syntax = self.syntax
            nested = _depth(bindings)
            return (
                syntax._too_deep(span, nested) or syntax._build(bindings, span, nested),
                last + 1,
            )
        if kind == "LBRACK":
            items = []
            last = i + 1
            while self.tokens[last][0] != "RBRACK":
                item, last = self._value(last, depth + 1)
                items.append(item)
            span = self._span(i, last)
            nested = 1 + max((getattr(v, "depth", 0) for v in items), default=0)
            return self.syntax._too_deep(span, nested) or List(tuple(items), span, nested), last + 1
        raise _NotClean
