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
from typing import Protocol

from chalicelib.config import Settings
from chalicelib.roster.issues import IssueLog
from chalicelib.roster.model import SchoolRosterUpdate


@dataclass(frozen=True)
class RosterLimits:
    """How big a roster may be, before and after decompression."""

    max_bytes: int
    max_uncompressed_bytes: int
    max_compression_ratio: int

    @classmethod
    def from_settings(cls, config: Settings) -> RosterLimits:
        """The limits configured for this deployment."""
        return cls(
            max_bytes=config.roster_max_bytes,
            max_uncompressed_bytes=config.roster_max_uncompressed_bytes,
            max_compression_ratio=config.roster_max_compression_ratio,
        )


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


def read_roster(path: Path, source_name: str, limits: RosterLimits) -> ParsedRoster:
    """Read and validate a roster file (format detected from its content)."""
    raise NotImplementedError("the parsers land with the roster-formats work")
