"""Bytes of an uploaded log to rows of text: encoding, delimiter, line numbers, truncation.

Vendor exports arrive as UTF-8 (with or without a byte-order mark), UTF-16 (Excel's "Unicode
text"), or Windows-1252/Latin-1 (Excel on Windows, WeatherLink desktop). We decode all of them
and report which one it was; a file that is UTF-8 except for a few broken bytes is refused
instead of being guessed at, because decoding it as Latin-1 would turn "°C" into "Â°C".
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from pipelines.tables import InputError, Problem

# A valid multi-byte UTF-8 sequence: its presence next to invalid bytes means a damaged UTF-8
# file rather than a Latin-1 one.
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")
DELIMITER_NAMES = {";": "semicolons", "\t": "tabs", "|": "'|'"}


@dataclass(frozen=True)
class LogText:
    """A decoded log: UTF-8 bytes with '\\n' line ends, and where it came from."""

    name: str
    data: bytes
    encoding: str
    ends_with_newline: bool

    @cached_property
    def _line_starts(self) -> npt.NDArray[np.int64]:
        ends = np.flatnonzero(np.frombuffer(self.data, dtype=np.uint8) == 10)
        return np.concatenate([[0], ends + 1]).astype(np.int64)

    @property
    def line_count(self) -> int:
        starts = self._line_starts
        return len(starts) - 1 if self.ends_with_newline else len(starts)

    def line(self, number: int) -> str:
        """Line `number` (1-based) without its line end; '' past the end."""
        starts = self._line_starts
        if number < 1 or number > len(starts):
            return ""
        start = int(starts[number - 1])
        end = int(starts[number]) - 1 if number < len(starts) else len(self.data)
        return self.data[start:end].decode("utf-8", errors="replace")

    def head(self, count: int) -> list[str]:
        """The first `count` lines (fewer if the file is shorter)."""
        chunk = self.data[: 64 * 1024]
        lines = chunk.decode("utf-8", errors="replace").split("\n")
        return lines[:count] if len(lines) > count else lines[: max(len(lines) - 1, 1)]

    def body(self, skip_lines: int) -> memoryview:
        """The bytes after the first `skip_lines` lines (a view: no copy of a large file)."""
        position = 0
        for _ in range(skip_lines):
            found = self.data.find(b"\n", position)
            if found < 0:
                return memoryview(b"")
            position = found + 1
        return memoryview(self.data)[position:]

    def is_truncated_tail(self, line: int) -> bool:
        """Whether `line` is the last line and the file ends without a line break."""
        return not self.ends_with_newline and line == self.line_count

    def data_line_count(self, header_lines: int) -> int:
        """Non-empty lines after the header (for reporting a rejected file's size)."""
        body = bytes(self.body(header_lines))
        return sum(1 for line in body.split(b"\n") if line.strip())


def decode_log(raw: bytes, name: str) -> LogText:
    """Decode an upload; raise `InputError` for an empty file or damaged UTF-8."""
    if not raw or raw.isspace():
        raise InputError(
            [Problem(name, None, None, "the file is empty; export the log again and re-send it")],
            "sensor log",
        )
    encoding = "utf-8"
    if raw.startswith(b"\xef\xbb\xbf"):
        raw, encoding = raw[3:], "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        data = _decode_utf16(raw, name).encode("utf-8")
        encoding = "utf-16"
    elif raw.isascii():
        data = raw
    else:
        try:
            raw.decode("utf-8")
            data = raw
        except UnicodeDecodeError as exc:
            if _UTF8_MULTIBYTE.search(raw):
                line = raw.count(b"\n", 0, exc.start) + 1
                raise InputError(
                    [
                        Problem(
                            name,
                            f"line {line}",
                            None,
                            f"the file is UTF-8 but byte {exc.start} is not valid UTF-8 (the "
                            "file may be damaged or two encodings were mixed); re-export it "
                            "as UTF-8",
                        )
                    ],
                    "sensor log",
                ) from None
            # Windows-1252 is Latin-1 plus printable characters in 0x80-0x9F; bytes it leaves
            # undefined decode as their Latin-1 control characters.
            text = "".join(
                _cp1252_char(chunk) for chunk in re.split(rb"([\x81\x8d\x8f\x90\x9d])", raw)
            )
            encoding = "latin-1"
            data = text.encode("utf-8")
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if not data or data.isspace():
        raise InputError(
            [Problem(name, None, None, "the file is empty; export the log again and re-send it")],
            "sensor log",
        )
    return LogText(name, data, encoding, data.endswith(b"\n"))


def _decode_utf16(raw: bytes, name: str) -> str:
    """A UTF-16 file (it starts with a byte-order mark) as text, or `InputError` if damaged."""
    if len(raw) % 2:
        raise InputError(
            [
                Problem(
                    name,
                    None,
                    None,
                    f"the file is UTF-16 (it starts with a byte-order mark) but has an odd "
                    f"number of bytes ({len(raw)}): it was cut off or damaged in copying; "
                    "export the log again, preferably as UTF-8 CSV",
                )
            ],
            "sensor log",
        )
    try:
        return raw.decode("utf-16")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].decode("utf-16", errors="replace").count("\n") + 1
        raise InputError(
            [
                Problem(
                    name,
                    f"line {line}",
                    None,
                    f"the file is UTF-16 but bytes {exc.start}-{exc.end - 1} are not valid "
                    "UTF-16 (the file may be damaged); export the log again, preferably as "
                    "UTF-8 CSV",
                )
            ],
            "sensor log",
        ) from None


def _cp1252_char(chunk: bytes) -> str:
    if len(chunk) == 1 and chunk in b"\x81\x8d\x8f\x90\x9d":
        return chunk.decode("latin-1")
    return chunk.decode("cp1252")


def check_delimiter(text: LogText, line_number: int, line: str) -> None:
    """Refuse a header separated by something other than commas, naming the separator."""
    if "," in line:
        return
    found = next((sep for sep in (";", "\t", "|") if sep in line), None)
    if found is not None:
        raise InputError(
            [
                Problem(
                    text.name,
                    f"line {line_number}",
                    None,
                    f"columns are separated by {DELIMITER_NAMES[found]}; export the log with "
                    "commas as separators (and points as decimal marks)",
                )
            ],
            "sensor log",
        )


@dataclass(frozen=True)
class BadLine:
    line: int
    text: str
    reason: str


@dataclass
class CsvBody:
    """The data rows of a log: a table of strings, each row's line number, and unreadable lines."""

    table: pa.Table
    lines: npt.NDArray[np.int64]
    bad_lines: list[BadLine] = field(default_factory=list)


def read_body(
    text: LogText,
    header_lines: int,
    column_names: list[str],
    column_types: dict[str, pa.DataType] | None = None,
    delimiter: str = ",",
) -> CsvBody:
    """Read the rows after `header_lines` into a table with `column_names`.

    Every line is one row: a quote that does not close on its own line would make the CSV
    parser read the following lines into one cell, so such a line is emptied before parsing and
    comes back as a bad line (a log's cells never hold line breaks). A line of only spaces and
    separators is a blank line like an empty one.

    With `column_types` the read is typed and fast, and raises `pa.ArrowInvalid` if any value does
    not convert, any row has the wrong number of fields or a line has an unbalanced quote (the
    caller then reads again as text). Without, every column is a string and rows with the wrong
    number of fields come back as `bad_lines` with their line numbers; a short last line without
    a line break is reported as truncated. `delimiter` is the field separator (vendor exports in
    some locales use ';' or tabs).
    """
    body: memoryview | bytes = text.body(header_lines)
    if not body or (bytes(body[:4096]).isspace() and bytes(body).isspace()):
        types = column_types or {}
        empty = pa.table({n: pa.array([], types.get(n, pa.string())) for n in column_names})
        return CsvBody(empty, np.empty(0, dtype=np.int64))
    # The typed read needs no search for blank lines: one with too few fields fails it, and
    # the text read that follows finds it.
    body, quote_lines = _one_row_per_line(
        text, len(text.data) - len(body), header_lines, delimiter, column_types is None
    )
    if column_types is not None and quote_lines:
        raise pa.ArrowInvalid(f"line {quote_lines[0].line} has an unbalanced quote")
    if isinstance(body, bytes) and (not body or body.isspace()):  # stray quotes, blank lines
        empty = pa.table({n: pa.array([], pa.string()) for n in column_names})
        return CsvBody(empty, np.empty(0, dtype=np.int64), quote_lines)
    # bytes.count runs at memory speed; the body is most often a view of the decoded text.
    if isinstance(body, memoryview):
        newlines = text.data.count(b"\n", len(text.data) - len(body))
    else:
        newlines = body.count(b"\n")
    physical_lines = newlines + (0 if bytes(body[-1:]) == b"\n" else 1)
    read_options = pacsv.ReadOptions(column_names=column_names, block_size=1 << 24)
    if column_types is not None:
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(body)),
            read_options=read_options,
            parse_options=pacsv.ParseOptions(delimiter=delimiter, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(column_types=column_types),
        )
        if table.num_rows != physical_lines:
            raise pa.ArrowInvalid("rows and lines disagree")
        lines = np.arange(table.num_rows, dtype=np.int64) + header_lines + 1
        return CsvBody(table, lines)

    invalid: list[str] = []

    def collect(row: pacsv.InvalidRow) -> str:
        invalid.append(row.text)
        return "skip"

    table = pacsv.read_csv(
        pa.BufferReader(pa.py_buffer(body)),
        read_options=pacsv.ReadOptions(
            column_names=column_names, block_size=1 << 24, use_threads=False
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter, ignore_empty_lines=False, invalid_row_handler=collect
        ),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(column_names, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    if not invalid and table.num_rows == physical_lines:
        lines = np.arange(table.num_rows, dtype=np.int64) + header_lines + 1
        return CsvBody(table, lines, quote_lines)
    # Rows come back in file order; walk the lines to give each row and bad line its number.
    row_lines: list[int] = []
    bad: list[BadLine] = []
    pending = iter(invalid)
    next_bad = next(pending, None)
    physical = bytes(body).split(b"\n")
    if body[-1:] == b"\n":
        physical.pop()
    expected = len(column_names)
    for offset, raw in enumerate(physical):
        number = header_lines + 1 + offset
        decoded = raw.decode("utf-8", errors="replace")
        if next_bad is not None and decoded == next_bad:
            fields = decoded.count(delimiter) + 1
            if text.is_truncated_tail(number) and fields < expected:
                reason = (
                    "the last line is cut off (it has no line break and fewer fields than the "
                    "header: was the export or copy interrupted?); re-send the complete file"
                )
            else:
                reason = (
                    f"has {fields} fields where the header has {expected}; check for a "
                    "missing or extra comma"
                )
            bad.append(BadLine(number, decoded, reason))
            next_bad = next(pending, None)
        else:
            row_lines.append(number)
    if next_bad is not None or len(row_lines) != table.num_rows:
        # Cannot happen with one row per line; refuse rather than number rows wrongly.
        raise InputError(
            [
                Problem(
                    text.name,
                    None,
                    None,
                    "the file's lines could not be matched to its rows (unusual quoting?); "
                    "export the log again without quotes around values",
                )
            ],
            "sensor log",
        )
    bad = sorted(bad + quote_lines, key=lambda b: b.line)
    return CsvBody(table, np.asarray(row_lines, dtype=np.int64), bad)


def _blank_line(delimiter: str) -> re.Pattern[bytes]:
    """A line of only spaces and separators: blank, even when it has too few separators
    (pyarrow would read it as a short row)."""
    return re.compile(rb"^[ \t" + re.escape(delimiter.encode()) + rb"]+$", re.MULTILINE)


_HAS_QUOTE = re.compile(rb'^[^\n]*"[^\n]*$', re.MULTILINE)


def _one_row_per_line(
    text: LogText, offset: int, header_lines: int, delimiter: str, blanks: bool
) -> tuple[bytes | memoryview, list[BadLine]]:
    """The body from byte `offset` with unbalanced quotes out (and, with `blanks`, blank-looking
    lines emptied).

    Lines keep their numbers (an emptied line is still a line). Returns the body (the original
    view when nothing had to change) and a bad line for every line whose quotes do not close.
    """
    data = text.data
    has_quote = data.find(b'"', offset) >= 0
    blank = _blank_line(delimiter)
    if not has_quote and not (blanks and blank.search(data, offset)):
        return memoryview(data)[offset:], []
    body = blank.sub(b"", data[offset:]) if blanks else data[offset:]
    if not has_quote:
        return body, []
    bad: list[BadLine] = []
    spans: list[tuple[int, int]] = []
    counted, line = 0, header_lines + 1
    for match in _HAS_QUOTE.finditer(body):
        decoded = match.group().decode("utf-8", errors="replace")
        try:
            next(csv.reader([decoded], delimiter=delimiter, strict=True), None)
            continue
        except csv.Error:
            pass
        line += body.count(b"\n", counted, match.start())
        counted = match.start()
        bad.append(
            BadLine(
                line,
                decoded,
                'has a quote (") that is not closed on its line; remove the stray quote or '
                "close it (a cell cannot span lines)",
            )
        )
        spans.append(match.span())
    if not spans:
        return body, []
    pieces = []
    previous = 0
    for begin, finish in spans:
        pieces.append(body[previous:begin])
        previous = finish
    pieces.append(body[previous:])
    return b"".join(pieces), bad


def split_cells(line: str, delimiter: str = ",") -> list[str]:
    """The cells of one header line, quotes removed (a quoted cell may hold the delimiter)."""
    return [cell.strip() for cell in next(csv.reader([line], delimiter=delimiter), [])]


def guess_delimiter(line: str) -> str:
    """The separator that splits `line` into the most cells (',' when none does)."""
    counts = {sep: len(split_cells(line, sep)) for sep in (",", ";", "\t", "|")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] > 1 else ","


def blank_cells(body: CsvBody, markers: frozenset[str]) -> CsvBody:
    """`body` with cells equal to a missing-value marker (e.g. TOA5's "NAN") made empty."""
    columns = []
    for column in body.table.columns:
        trimmed = pc.utf8_trim_whitespace(column)
        is_marker = pc.is_in(pc.utf8_upper(trimmed), value_set=pa.array(sorted(markers)))
        columns.append(pc.if_else(is_marker, "", column))
    return CsvBody(pa.table(columns, names=body.table.column_names), body.lines, body.bad_lines)


def describe_head(text: LogText, lines: int = 3) -> str:
    """What the start of a file looks like, for a message about a file we cannot read."""
    head = [line for line in text.head(lines) if line.strip()][:lines]
    shown = " | ".join(repr(line[:80] + ("…" if len(line) > 80 else "")) for line in head)
    first = head[0] if head else ""
    separator = guess_delimiter(first)
    name = {",": "commas", **DELIMITER_NAMES}[separator]
    cells = len(split_cells(first, separator))
    return f"it starts with {shown} ({cells} field(s) separated by {name} on line 1)"
