"""Reading a roster file: the one entry point the pipeline calls (SPEC §5).

``read_roster(path, source_name, limits)`` looks at the file (zip → OneRoster,
otherwise the flat CSV), validates every row, and returns a
:class:`ParsedRoster` whose :meth:`~ParsedRoster.school_updates` yields one
:class:`~chalicelib.roster.model.SchoolRosterUpdate` per school, one at a time,
so memory stays flat however large the file is. A file that cannot be read at
all raises :class:`~chalicelib.roster.issues.RosterUnreadable` before anything
is yielded.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from chalicelib.roster.archive import ZIP_MAGICS
from chalicelib.roster.codes import IssueCode
from chalicelib.roster.csvfile import ByteSource, FileReport
from chalicelib.roster.flat import COMPLETENESS as FLAT_COMPLETENESS
from chalicelib.roster.flat import FORMAT as FLAT_FORMAT
from chalicelib.roster.flat import read_flat
from chalicelib.roster.issues import IssueLog
from chalicelib.roster.limits import RosterLimits
from chalicelib.roster.model import SchoolRosterUpdate
from chalicelib.roster.oneroster import read_oneroster
from chalicelib.roster.staging import Completeness, Staging

# Legacy Excel workbooks (OLE compound files); xlsx/ods are zips, recognised by the OneRoster reader.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class RosterCounts:
    """Sizes of what was read (the report's ``schools``, ``classes``, ``people``)."""

    schools: int
    classes: int
    people: int


class ParsedRoster(Protocol):
    """A roster file that has been read and validated."""

    format: str
    """``"oneroster-1.1"``, ``"oneroster-1.2"`` or ``"flat-csv"``."""

    bulk: bool
    """True when every school it mentions is replaced outright (flat CSV, OneRoster bulk)."""

    issues: IssueLog
    counts: RosterCounts

    def school_updates(self) -> Iterator[SchoolRosterUpdate]:
        """One update per school, sorted by school id, built one at a time."""
        ...

    def close(self) -> None:
        """Release temporary storage."""
        ...


class StagedRoster:
    """A :class:`ParsedRoster` whose records wait in an on-disk :class:`Staging` store."""

    def __init__(self, format: str, completeness: Completeness, issues: IssueLog, staging: Staging) -> None:
        staging.finish()
        self.format = format
        self.bulk = completeness.bulk
        self.issues = issues
        self._completeness = completeness
        self._staging = staging
        schools, classes, people = staging.counts()
        self.counts = RosterCounts(schools=schools, classes=classes, people=people)

    def school_updates(self) -> Iterator[SchoolRosterUpdate]:
        """One update per school, sorted by school id, built one at a time."""
        for school_id, name in self._staging.schools():
            yield self._staging.school_update(school_id, name, self._completeness)

    def close(self) -> None:
        """Remove the staging store."""
        self._staging.close()


def _file_source(path: Path, name: str) -> ByteSource:
    def open_file() -> IO[bytes]:
        return path.open("rb")

    return ByteSource(name, open_file)


def read_roster(path: Path, source_name: str, limits: RosterLimits) -> ParsedRoster:
    """Read and validate a roster file (format detected from its content).

    A zip is a OneRoster export; a legacy Excel workbook is refused; anything
    else is read as the flat CSV (which refuses what is not one). Every row is
    validated before this returns, so ``issues``, ``counts``, ``format`` and
    ``bulk`` are final; the records wait on disk until ``school_updates()``.
    """
    report = FileReport(IssueLog(), source_name)
    size = path.stat().st_size
    if size == 0:
        raise report.unreadable(IssueCode.FILE_EMPTY, "The file is empty (0 bytes).")
    if size > limits.max_bytes:
        raise report.unreadable(
            IssueCode.FILE_TOO_LARGE, f"The file is larger than the limit of {limits.max_bytes} bytes."
        )
    with open(path, "rb") as handle:
        magic = handle.read(len(_OLE_MAGIC))
    if magic.startswith(_OLE_MAGIC):
        raise report.unreadable(
            IssueCode.SPREADSHEET_NOT_CSV, "The file is an Excel workbook; save it as CSV (UTF-8)."
        )
    issues = report.log
    staging = Staging()
    try:
        if magic.startswith(ZIP_MAGICS):
            result = read_oneroster(path, source_name, limits, issues, staging)
            return StagedRoster(result.format, result.completeness, issues, staging)
        read_flat(_file_source(path, source_name), issues, staging)
        return StagedRoster(FLAT_FORMAT, FLAT_COMPLETENESS, issues, staging)
    except BaseException:
        staging.close()
        raise
