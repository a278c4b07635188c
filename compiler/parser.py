"""Source text → syntax values: the cached LALR parser and its transformer."""

from __future__ import annotations

import functools
import re

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
def _parser() -> tuple[Parser, ToSyntax]:
    """The LALR parser and its transformer, built once per process."""
    transformer = ToSyntax()
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
    parser, transformer = _parser()
    transformer.reset(file)
    try:
        tree = parser.parse(text)
    except ParseError as err:
        found = _syntax_error(parser, text, file, err)
        if found in transformer.diagnostics:
            return None, transformer.diagnostics
        return None, [*transformer.diagnostics, found]
    return tree, transformer.diagnostics


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
