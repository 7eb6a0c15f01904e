"""Reading one CSV file of a roster, safely and as a stream.

Shared by the flat format and every file of a OneRoster zip:

* the encoding is detected, not configured: a UTF-8 BOM means UTF-8; otherwise
  the whole file is checked as strict UTF-8 with an incremental decoder, and
  anything that is not UTF-8 is read as Windows-1251; UTF-16/32 and binary
  files are refused;
* the delimiter (``,`` or ``;``) is whichever the header line uses more;
* header names are matched case-insensitively with surrounding spaces ignored;
  unknown columns are reported once, missing required ones refuse the file;
* rows are streamed: physical lines and fields are bounded, so a hostile file
  cannot make one row arbitrarily large; a bad row becomes an error naming
  the line where the record starts (the header is line 1).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO

from chalicelib.roster.codes import IssueCode
from chalicelib.roster.issues import IssueLog, RosterUnreadable

FIELD_LIMIT_CHARS = 1 << 20
"""The longest field a roster may hold; csv.field_size_limit is raised to at least this."""

LINE_LIMIT_CHARS = 4 << 20
# Per-column caps on what the service reads (ids, names, class titles end up in DynamoDB items and
# messages): a value over its cap skips the row. List columns (ids separated by , or |) get more room.
VALUE_LIMIT_CHARS = 256
LIST_VALUE_LIMIT_CHARS = 16384
_LIST_COLUMNS = frozenset({"guardian_of", "grades", "subjects", "subjectcodes", "periods", "userids"})


def value_limit(column: str) -> int:
    """The longest value a column may hold."""
    key = column.casefold()
    return LIST_VALUE_LIMIT_CHARS if key in _LIST_COLUMNS or key.endswith("sourcedids") else VALUE_LIMIT_CHARS


"""The longest physical line read in one piece; longer lines are dropped as errors."""

HEADER_LIMIT_CHARS = 64 << 10
SAMPLE_BYTES = 64 << 10
CHUNK_BYTES = 1 << 20
ONCE_KEYS_LIMIT = 10_000

_UNICODE_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# Bytes that do not occur in text files: C0 controls other than tab, LF, VT, FF, CR.
_BINARY_BYTES = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13))
_BINARY_SHARE = 0.01
_CP1251_UNDEFINED = b"\x98"


@dataclass(frozen=True)
class ByteSource:
    """A named file that can be opened (again) as a binary stream."""

    name: str
    open: Callable[[], IO[bytes]]


class FileReport:
    """Where one file's issues go: the import's log, with the file name filled in."""

    def __init__(self, log: IssueLog, file: str) -> None:
        self.log = log
        self.file = file
        self._once: set[Hashable] = set()

    def error(
        self, line: int | None, column: str | None, code: IssueCode, message: str, *, skips_row: bool = True
    ) -> None:
        """A row-dropping problem (counted in ``rows_skipped`` unless told otherwise)."""
        self.log.error(self.file, line, column, code.value, message, skips_row=skips_row)

    def warning(self, line: int | None, column: str | None, code: IssueCode, message: str) -> None:
        """A problem with one value; the row is kept."""
        self.log.warning(self.file, line, column, code.value, message)

    def warning_once(
        self, key: Hashable, line: int | None, column: str | None, code: IssueCode, message: str
    ) -> None:
        """A warning reported for the first row it applies to, not for every row."""
        if (code, key) in self._once:
            return
        if len(self._once) < ONCE_KEYS_LIMIT:
            self._once.add((code, key))
        self.warning(line, column, code, message)

    def required(self, row: CsvRow, column: str) -> str | None:
        """A value that must not be blank; None (after a row error) when it is."""
        value = row[column]
        if not value:
            self.error(row.line, column, IssueCode.MISSING_VALUE, f"{column} is blank.")
            return None
        return value

    def unreadable(self, code: IssueCode, message: str, line: int | None = None) -> RosterUnreadable:
        """The exception that refuses this file."""
        return RosterUnreadable(code.value, message, file=self.file, line=line)


def split_multi(value: str, separator: str = ",") -> list[str]:
    """A multi-valued field ("a, b,,c") as its distinct non-blank values, in order."""
    seen: dict[str, None] = {}
    for part in value.split(separator):
        item = part.strip()
        if item:
            seen[item] = None
    return list(seen)


def _looks_binary(sample: bytes) -> bool:
    if b"\x00" in sample:
        return True
    controls = len(sample) - len(sample.translate(None, _BINARY_BYTES))
    return controls > len(sample) * _BINARY_SHARE


def detect_encoding(source: ByteSource, report: FileReport) -> str:
    """The codec to read ``source`` with: ``utf-8-sig``, ``utf-8`` or ``cp1251``.

    Reads the file once in chunks (never all of it at once). Refuses empty,
    binary and UTF-16/32 files, and files with a UTF-8 BOM that are not UTF-8.
    """
    with source.open() as stream:
        sample = stream.read(SAMPLE_BYTES)
        if not sample:
            raise report.unreadable(IssueCode.FILE_EMPTY, "The file is empty (0 bytes).")
        if sample.startswith(_UNICODE_BOMS):
            raise report.unreadable(
                IssueCode.UNSUPPORTED_ENCODING,
                "The file is saved as UTF-16 or UTF-32 ('Unicode text'); save it as CSV UTF-8.",
            )
        if _looks_binary(sample):
            raise report.unreadable(
                IssueCode.BINARY_FILE, "The file is binary (it contains NUL or control bytes), not CSV text."
            )
        has_bom = sample.startswith(codecs.BOM_UTF8)
        decoder = codecs.getincrementaldecoder("utf-8")("strict")
        lines_before = 0
        chunk = sample
        try:
            while chunk:
                decoder.decode(chunk)
                lines_before += chunk.count(b"\n")
                chunk = stream.read(CHUNK_BYTES)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as error:
            if has_bom:
                line = lines_before + chunk[: max(error.start, 0)].count(b"\n") + 1
                raise report.unreadable(
                    IssueCode.UNKNOWN_ENCODING,
                    "The file starts with a UTF-8 byte order mark but is not valid UTF-8.",
                    line,
                ) from error
        else:
            return "utf-8-sig" if has_bom else "utf-8"
    _check_cp1251(source, report)
    return "cp1251"


def _check_cp1251(source: ByteSource, report: FileReport) -> None:
    # Windows-1251 decodes every byte but one: 0x98 is left undefined.
    lines_before = 0
    with source.open() as stream:
        for chunk in iter(lambda: stream.read(CHUNK_BYTES), b""):
            position = chunk.find(_CP1251_UNDEFINED)
            if position >= 0:
                raise report.unreadable(
                    IssueCode.UNKNOWN_ENCODING,
                    "The file is neither UTF-8 nor Windows-1251 text.",
                    lines_before + chunk[:position].count(b"\n") + 1,
                )
            lines_before += chunk.count(b"\n")


def _ensure_field_limit() -> None:
    # The csv module's limit is process-wide; raise it, never lower what someone else set.
    if csv.field_size_limit() < FIELD_LIMIT_CHARS:
        csv.field_size_limit(FIELD_LIMIT_CHARS)


@dataclass(frozen=True)
class Columns:
    """The columns a file may have: ``required`` must be in the header, ``optional`` may be."""

    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    silent_prefixes: tuple[str, ...] = ()
    """Extension columns (e.g. OneRoster ``metadata.*``) that are ignored without a warning."""


class CsvRow:
    """One data row: its starting line and its values by column name (stripped)."""

    __slots__ = ("_index", "_values", "line")

    def __init__(self, line: int, values: Sequence[str], index: dict[str, int]) -> None:
        self.line = line
        self._values = values
        self._index = index

    def __getitem__(self, column: str) -> str:
        position = self._index.get(column)
        return "" if position is None else self._values[position].strip()

    def has(self, column: str) -> bool:
        """Whether the file has this column at all."""
        return column in self._index


class CsvTable:
    """An open CSV file: its header, then its rows as a stream.

    Use as a context manager. :meth:`bind` checks the header against the
    columns a format defines; :meth:`rows` yields the data rows that are
    well-formed and reports the others.
    """

    def __init__(self, source: ByteSource, report: FileReport) -> None:
        _ensure_field_limit()
        self.source = source
        self.report = report
        encoding = detect_encoding(source, report)
        self._binary = source.open()
        self._text = io.TextIOWrapper(self._binary, encoding=encoding, errors="strict", newline="")
        self._lines_read = 0
        header_line = self._read_header_line()
        self.delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
        self.header = [name.strip().lstrip("\ufeff").strip() for name in self._parse_header(header_line)]
        # Real exports end the header with empty cells ("…,,") over shorter data rows:
        # rows may stop anywhere from the last named column to the header's full width.
        self._named_width = len(self.header)
        while self._named_width and not self.header[self._named_width - 1]:
            self._named_width -= 1
        self._index: dict[str, int] = {}

    def _read_header_line(self) -> str:
        try:
            line = self._text.readline(HEADER_LIMIT_CHARS)
        except UnicodeDecodeError as error:
            self.close()
            raise self.report.unreadable(
                IssueCode.UNKNOWN_ENCODING, "The header is neither UTF-8 nor Windows-1251 text.", 1
            ) from error
        self._lines_read = 1
        if not line.strip():
            self.close()
            raise self.report.unreadable(IssueCode.MISSING_HEADER, "The first line (the header) is blank.", 1)
        if len(line) >= HEADER_LIMIT_CHARS and not line.endswith(("\n", "\r")):
            self.close()
            raise self.report.unreadable(
                IssueCode.MISSING_HEADER, f"The first line is longer than {HEADER_LIMIT_CHARS} characters.", 1
            )
        return line

    def _parse_header(self, line: str) -> list[str]:
        try:
            return next(csv.reader([line], delimiter=self.delimiter), [])
        except csv.Error as error:
            self.close()
            raise self.report.unreadable(
                IssueCode.MISSING_HEADER, "The header line is not valid CSV.", 1
            ) from error

    def __enter__(self) -> CsvTable:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the underlying stream."""
        self._text.close()

    @property
    def header_keys(self) -> set[str]:
        """The header's column names, case-folded (to recognise a file before binding it)."""
        return {name.casefold() for name in self.header if name}

    def bind(self, columns: Columns) -> None:
        """Match the header to ``columns``: warn about extra columns, refuse missing or repeated ones."""
        known = {name.casefold(): name for name in (*columns.required, *columns.optional)}
        silent = tuple(prefix.casefold() for prefix in columns.silent_prefixes)
        for position, name in enumerate(self.header):
            key = name.casefold()
            if not name or (silent and key.startswith(silent)):
                continue
            canonical = known.get(key)
            if canonical is None:
                self.report.warning_once(
                    ("column", key),
                    1,
                    name,
                    IssueCode.EXTRA_COLUMN,
                    f"Column {name!r} is not used; it is ignored.",
                )
                continue
            if canonical in self._index:
                self.close()
                raise self.report.unreadable(
                    IssueCode.DUPLICATE_COLUMN, f"The header names column {canonical!r} twice.", 1
                )
            self._index[canonical] = position
        missing = [name for name in columns.required if name not in self._index]
        if missing:
            self.close()
            listed = ", ".join(missing)
            raise self.report.unreadable(
                IssueCode.MISSING_COLUMN, f"The header lacks required column(s): {listed}.", 1
            )

    def _bounded_lines(self) -> Iterator[str]:
        readline = self._text.readline
        while True:
            line = readline(LINE_LIMIT_CHARS)
            if not line:
                return
            self._lines_read += 1
            if len(line) >= LINE_LIMIT_CHARS and not line.endswith(("\n", "\r")):
                start = self._lines_read
                while line and not line.endswith(("\n", "\r")):
                    line = readline(LINE_LIMIT_CHARS)
                self.report.error(
                    start,
                    None,
                    IssueCode.LINE_TOO_LONG,
                    f"The line is longer than {LINE_LIMIT_CHARS} characters.",
                )
                # An empty line keeps the csv reader's view and our line count in step.
                yield "\n"
                continue
            yield line

    def _fits_named_width(self, fields: list[str]) -> bool:
        """A row that stops within the header's trailing empty cells (and is blank there)."""
        named = self._named_width
        return (
            named < len(self.header)
            and named <= len(fields) <= len(self.header)
            and not any(field.strip() for field in fields[named:])
        )

    def rows(self) -> Iterator[CsvRow]:
        """The well-formed, non-blank data rows; every other row is reported as an error."""
        reader = csv.reader(self._bounded_lines(), delimiter=self.delimiter)
        width = len(self.header)
        names = self.header
        while True:
            start = self._lines_read + 1
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                if "field limit" in str(error):
                    self.report.error(
                        start,
                        None,
                        IssueCode.FIELD_TOO_LONG,
                        f"A field is longer than {FIELD_LIMIT_CHARS} characters.",
                    )
                else:
                    self.report.error(
                        start, None, IssueCode.MALFORMED_ROW, f"The row is not valid CSV: {error}."
                    )
                continue
            except UnicodeDecodeError as error:
                raise self.report.unreadable(
                    IssueCode.UNKNOWN_ENCODING,
                    "The file is neither UTF-8 nor Windows-1251 text.",
                    self._lines_read + 1,
                ) from error
            if not any(field.strip() for field in fields):
                continue
            if len(fields) != width and self._fits_named_width(fields):
                self.report.warning_once(
                    "short rows",
                    start,
                    None,
                    IssueCode.HEADER_TRAILING_EMPTY,
                    f"The header ends with {width - self._named_width} empty cell(s) that rows leave out; "
                    "such rows were read.",
                )
            elif len(fields) != width:
                self.report.error(
                    start,
                    None,
                    IssueCode.FIELD_COUNT_MISMATCH,
                    f"The row has {len(fields)} fields; the header has {width}.",
                )
                continue
            bad = next((position for position, field in enumerate(fields) if "\x00" in field), None)
            if bad is not None:
                self.report.error(
                    start, names[bad] or None, IssueCode.NUL_BYTE, "The field contains a NUL byte."
                )
                continue
            too_long = next(
                (
                    column
                    for column, position in self._index.items()
                    if len(fields[position].strip()) > value_limit(column)
                ),
                None,
            )
            if too_long is not None:
                self.report.error(
                    start,
                    too_long,
                    IssueCode.FIELD_TOO_LONG,
                    f"The value is longer than {value_limit(too_long)} characters.",
                )
                continue
            yield CsvRow(start, fields, self._index)
