"""Reading declaration files: bytes → text, with located input diagnostics."""

from __future__ import annotations

import sys

import attrs

from compiler import checks
from compiler.diagnostics import Diagnostic
from compiler.span import Span

MAX_BYTES = 8 * 1024 * 1024
BOM = b"\xef\xbb\xbf"


@attrs.frozen(slots=True)
class Source:
    """A declaration file's name and decoded text (CRLF already folded to LF)."""

    file: str
    text: str

    def line(self, number: int) -> str:
        """Line `number` (1-based) without its newline, or '' past the end."""
        lines = self.text.split("\n")
        return lines[number - 1] if 0 < number <= len(lines) else ""


def read(path: str) -> tuple[Source | None, list[Diagnostic]]:
    """Read and decode one declaration file; `-` is standard input."""
    try:
        if path == "-":
            data = sys.stdin.buffer.read(MAX_BYTES + 1)
        else:
            with open(path, "rb") as fh:
                data = fh.read(MAX_BYTES + 1)
    except OSError as err:
        reason = err.strerror or str(err)
        return None, [
            checks.UNREADABLE_FILE.at(Span.point(path), f"cannot read {path}: {reason}", "")
        ]
    return decode(path, data)


def decode(file: str, data: bytes) -> tuple[Source | None, list[Diagnostic]]:
    """Decode declaration bytes, rejecting what Nix and the emitters cannot take."""
    if len(data) > MAX_BYTES:
        return None, [
            checks.FILE_TOO_LARGE.at(
                Span.point(file),
                f"the file is larger than {MAX_BYTES // (1024 * 1024)} MiB",
                "split the agents over several files",
            )
        ]
    if data.startswith(BOM):
        return None, [
            checks.BYTE_ORDER_MARK.at(
                Span.point(file),
                "the file starts with a UTF-8 byte order mark",
                "save it without BOM",
            )
        ]
    nul = data.find(b"\0")
    if nul >= 0:
        return None, [checks.NUL_BYTE.at(_span_at(file, data, nul), "NUL byte in the file", "")]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        return None, [
            checks.INVALID_UTF8.at(
                _span_at(file, data, err.start),
                f"byte 0x{data[err.start]:02x} is not valid UTF-8 here",
                "save the file as UTF-8",
            )
        ]
    return Source(file, text.replace("\r\n", "\n")), []


def _span_at(file: str, data: bytes, offset: int) -> Span:
    """The span of the byte at `offset`, with the column counted in characters."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    line = data.count(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", errors="replace")) + 1
    return Span(file, line, column, line, column + 1)
