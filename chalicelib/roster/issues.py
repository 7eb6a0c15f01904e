"""What an import reports about its input: errors, warnings and unreadable files.

An *error* drops a row (it is skipped and counted in ``rows_skipped``); a
*warning* keeps the row but drops or reinterprets one value. A file that
cannot be read at all raises :class:`RosterUnreadable`, which fails the whole
import before anything changes.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import IO, Any


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class RosterIssue:
    """One problem, located as precisely as the input allows."""

    severity: Severity
    file: str
    line: int | None
    column: str | None
    code: str
    message: str

    def to_json(self) -> dict[str, Any]:
        """The report's ``{"file", "line", "column", "code", "message"}`` shape, each text trimmed."""
        data = asdict(self)
        del data["severity"]
        for key, limit in _TEXT_LIMITS.items():
            if isinstance(data[key], str) and len(data[key]) > limit:
                data[key] = data[key][: limit - 1] + "…"
        return data


# A report entry's texts are trimmed: a hostile file name or header must not swell the report.
_TEXT_LIMITS = {"file": 256, "column": 128, "code": 64, "message": 512}
# What a list of entries may take in one DynamoDB item (400 KB in all): the counts keep the totals.
ITEM_ISSUES_BUDGET_BYTES = 96 * 1024


def fit_in_item(
    entries: Sequence[Mapping[str, Any]], budget: int = ITEM_ISSUES_BUDGET_BYTES
) -> list[dict[str, Any]]:
    """The leading report entries that fit in ``budget`` bytes of JSON (an import item's share).

    An import's ``error_count`` / ``warning_count`` still count every issue;
    only the listed details stop, so no import can overflow its item.
    """
    kept: list[dict[str, Any]] = []
    used = 2  # the list's brackets
    for entry in entries:
        size = len(json.dumps(entry, ensure_ascii=False).encode()) + 2  # and its ", "
        if used + size > budget:
            break
        kept.append(dict(entry))
        used += size
    return kept


class RosterUnreadable(Exception):
    """The file cannot be imported at all (not CSV/zip, missing column, too big, zip bomb)."""

    def __init__(self, code: str, message: str, file: str = "", line: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.file = file
        self.line = line

    def to_issue(self) -> RosterIssue:
        """The failure as a report error."""
        return RosterIssue(Severity.ERROR, self.file, self.line, None, self.code, self.message)


# Past this size the complete list of issues goes from memory to a temporary file.
SPOOL_IN_MEMORY_BYTES = 1024 * 1024


def _new_spool() -> IO[bytes]:
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES)


@dataclass
class IssueLog:
    """Errors and warnings of one import, bounded in memory.

    A broken export can carry a million bad rows; the first ``limit`` of each
    severity are kept with their details for the report's summary, and every
    issue, in the order found, is also written to :attr:`spool` (JSON lines with
    ``severity``; memory up to 1 MiB, then a temporary file): the complete list,
    which the pipeline stores in the bucket (``store.objects.put_issue_list``).
    """

    limit: int = 1000
    errors: list[RosterIssue] = field(default_factory=list)
    warnings: list[RosterIssue] = field(default_factory=list)
    error_count: int = 0
    warning_count: int = 0
    rows_skipped: int = 0
    spool: IO[bytes] = field(default_factory=_new_spool, repr=False, compare=False)

    def _spill(self, issue: RosterIssue) -> None:
        line = {"severity": issue.severity.value, **issue.to_json()}
        self.spool.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")).encode() + b"\n")

    def error(
        self,
        file: str,
        line: int | None,
        column: str | None,
        code: str,
        message: str,
        *,
        skips_row: bool = True,
    ) -> None:
        """Record an error; by default it also counts the row as skipped."""
        self.error_count += 1
        if skips_row:
            self.rows_skipped += 1
        issue = RosterIssue(Severity.ERROR, file, line, column, code, message)
        self._spill(issue)
        if len(self.errors) < self.limit:
            self.errors.append(issue)

    def warning(self, file: str, line: int | None, column: str | None, code: str, message: str) -> None:
        """Record a warning (the row is kept)."""
        self.warning_count += 1
        issue = RosterIssue(Severity.WARNING, file, line, column, code, message)
        self._spill(issue)
        if len(self.warnings) < self.limit:
            self.warnings.append(issue)
