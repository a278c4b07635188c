"""The catalog of the compiler's own diagnostics (policy rules live in `compiler.rules`)."""

from __future__ import annotations

from compiler.diagnostics import Check, Severity

# Input: reading and decoding the file.
UNREADABLE_FILE = Check(
    "I001",
    "unreadable-file",
    "The declaration file cannot be read.",
    "The path does not exist, is a directory, or is not readable by this user.",
)
FILE_TOO_LARGE = Check(
    "I002",
    "file-too-large",
    "The declaration file is larger than agentc accepts.",
    "Declarations are small text files; a file over the limit is almost certainly the wrong"
    " file. Split many agents over several files.",
)
BYTE_ORDER_MARK = Check(
    "I003",
    "byte-order-mark",
    "The file starts with a UTF-8 byte order mark.",
    "Nix rejects a byte order mark, and so does agentc so that every declaration stays a"
    " valid Nix expression. Save the file as UTF-8 without BOM.",
)
INVALID_UTF8 = Check(
    "I004",
    "invalid-utf8",
    "The file is not valid UTF-8.",
    "Declarations are UTF-8 text. Re-encode the file.",
)
NUL_BYTE = Check(
    "I005",
    "nul-byte",
    "The file contains a NUL byte.",
    "A NUL byte cannot be carried into a shell script, a unit file or a plist. Remove it.",
)
EMPTY_FILE = Check(
    "I006",
    "empty-file",
    "The file declares no agent.",
    "A declaration file holds at least one `sourceos.localAgents.<name> = { ... };`.",
)

# Syntax: the Nix subset.
UNTERMINATED_STRING = Check(
    "P101",
    "unterminated-string",
    "A string is opened and never closed.",
    'Every string starts and ends with `"`. A `"` inside a string is written `\\"`.',
)
UNTERMINATED_COMMENT = Check(
    "P102",
    "unterminated-comment",
    "A `/*` comment is never closed.",
    "Close block comments with `*/`, or use `#` line comments.",
)
UNEXPECTED_TOKEN = Check(
    "P103",
    "syntax-error",
    "The text does not follow the declaration grammar.",
    "Bindings look like `key = value;`; attribute sets are `{ ... }`, lists `[ a b ]`.",
)
UNSUPPORTED_CONSTRUCT = Check(
    "P104",
    "unsupported-construct",
    "A Nix construct outside the declaration subset.",
    "Declarations are plain data: strings, integers, booleans, null, lists and attribute"
    " sets. `let`, `with`, `rec`, `import`, `inherit`, functions, interpolation, `''`"
    " strings, arithmetic, `//` and path literals are rejected so that what is compiled is"
    " exactly what is written.",
)
INTEGER_TOO_LARGE = Check(
    "P105",
    "integer-too-large",
    "An integer does not fit in a signed 64-bit integer.",
    "Nix integers are signed 64-bit; agentc rejects larger literals instead of wrapping.",
)
NESTING_TOO_DEEP = Check(
    "P106",
    "nesting-too-deep",
    "Attribute sets or lists are nested deeper than agentc accepts.",
    "No declaration field nests more than a few levels; deeper input is rejected early.",
)
VARIABLE_REFERENCE = Check(
    "P107",
    "variable-reference",
    "A bare identifier used as a value.",
    "Only `true`, `false` and `null` may appear unquoted as values. Quote strings.",
)

# Validation: the declaration against its schema.
UNKNOWN_KEY = Check(
    "V201",
    "unknown-key",
    "A key that the declaration schema does not have.",
    "Keys are checked against docs/language.md; a typo gets a did-you-mean hint.",
)
WRONG_TYPE = Check(
    "V202",
    "wrong-type",
    "A value of the wrong type.",
    "Each field has one type (docs/language.md); agentc never coerces a value.",
)
BAD_ENUM_VALUE = Check(
    "V203",
    "bad-enum-value",
    "A value outside a field's allowed set.",
    "Fields such as `scope`, `runtime` and `restart` take one of a fixed set of strings.",
)
MISSING_REQUIRED = Check(
    "V204",
    "missing-required-field",
    "A field the runtime needs is absent.",
    "`image` is required for the podman runtime; `command` (an argv list) for native,"
    " nix-app and systemd runtimes.",
)
DUPLICATE_KEY = Check(
    "V205",
    "duplicate-key",
    "A key is defined twice.",
    "Nix rejects duplicate attributes, and so does agentc.",
)
DUPLICATE_AGENT = Check(
    "V206",
    "duplicate-agent",
    "Two declarations define an agent of the same name, label or container name.",
    "An agent name is a file name, a unit instance and a label: it must be unique across"
    " all files compiled together.",
)
INVALID_NAME = Check(
    "V207",
    "invalid-name",
    "An agent name, label or container name outside the allowed characters.",
    "Agent names match `[a-z0-9][a-z0-9_-]{0,63}`: they become a file name, a systemd"
    " instance and part of a launchd label, so no `/`, `.`, whitespace, leading `-`,"
    " upper case (macOS file systems fold case) or non-ASCII.",
)
INVALID_PATH = Check(
    "V208",
    "invalid-path",
    "A path that is not absolute, `$HOME/...` or `~/...`.",
    "Paths are resolved on the host at activation; only `$HOME/` and `~/` prefixes are"
    " expanded, so any other `$`, `~user` or relative path is rejected, and so is a control"
    " character (a newline, a tab, ESC, ...).",
)
OUT_OF_RANGE = Check(
    "V209",
    "value-out-of-range",
    "A number or string outside the range its field accepts.",
    "Timeouts are positive, restart counts at least 1, strings non-empty where required.",
)
INVALID_VALUE = Check(
    "V210",
    "invalid-value",
    "A value that its format cannot carry faithfully.",
    "Control characters, NUL bytes and newlines cannot be written into a unit file line or a"
    " plist string without changing them; agentc refuses rather than alter the value.",
)
BAD_WAIVER = Check(
    "V211",
    "bad-waiver",
    "A waiver that names no rule, a rule that cannot be waived, or has no reason.",
    'Waive a finding with `waivers.<rule-name> = "why this is acceptable";`.',
)
RESERVED_ENVIRONMENT = Check(
    "V213",
    "reserved-environment",
    "An `environment` variable that agentc's wrapper and the runtime read themselves.",
    "HOME, PATH, the XDG base directories, TMPDIR, the Podman and registry configuration"
    " variables and SOURCEOS_AGENT_* decide where the wrapper finds its state, logs, authfile"
    " and Podman connection: set in `environment` they would move all of that, silently.",
)
UNUSED_WAIVER = Check(
    "V212",
    "unused-waiver",
    "A waiver for a rule that did not fire.",
    "Remove waivers that no longer apply, so that a future finding is not silenced.",
    severity=Severity.WARNING,
)

# Artifact lints: the generated files checked by the project itself and by real tools.
PLIST_SCHEMA = Check(
    "A401",
    "plist-schema",
    "A generated plist breaks the launchd job schema.",
    "Known keys with the right types, KeepAlive as false or a dictionary, absolute paths.",
)
SHELLCHECK = Check(
    "A402",
    "shellcheck",
    "shellcheck reports a problem in a generated script.",
    "Generated scripts must be shellcheck-clean as POSIX sh; report this as an agentc bug.",
)
UNIT_VERIFY = Check(
    "A403",
    "unit-verify",
    "systemd-analyze verify reports a problem in a generated unit.",
    "Any output of `systemd-analyze --user verify` counts, warnings included.",
)
LINT_TOOL_MISSING = Check(
    "A405",
    "lint-tool-missing",
    "A lint tool the build requires (`--require-tool`) is not installed.",
    "Put shellcheck (and systemd-analyze on Linux) on PATH; the Nix build takes them from pkgs.",
)
UNREADABLE_SERVICE = Check(
    "A404",
    "unreadable-service-definition",
    "`agentc audit` cannot read or parse a service definition.",
    "The file is unreadable, not a valid plist, or not a `Key=Value` unit file.",
)
EXCESSIVE_RESTARTS = Check(
    "A407",
    "excessive-restarts",
    "The service loaded from this file was restarted more than 10 times: a respawn loop?",
    "launchd's `runs` less the first start, systemd's `NRestarts` (spec sections 4.1 and 11)."
    " Bound its restarts, or retire it (spec section 14).",
    severity=Severity.WARNING,
)

UNTRANSLATED = Check(
    "A406",
    "untranslated",
    "`agentc import` met a setting of the service definition that no declaration field carries.",
    "The imported declaration leaves it out, and says so here rather than silently: drop it, or"
    " find the field that does what it did.",
    severity=Severity.WARNING,
)

ALL: tuple[Check, ...] = tuple(v for v in list(globals().values()) if isinstance(v, Check))
