"""The import store port: an import's header and its schools' parts, as frozen domain objects.

The DynamoDB adapter is ``store/imports.py`` (``DynamoImportStore``), the
in-memory twin ``memory/imports.py``; ``tests/contract/test_import_store_contract.py``
holds both to the same answers. The store only does conditional writes: the
rules of an import's life (when it is finished, its report, its queue) are
``pipeline.lifecycle``'s.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from chalicelib.pipeline.report import ImportSource, ImportStatus, PartOutcome, PartStatus, SchoolPart
from chalicelib.roster.issues import RosterIssue

StatusRule = Callable[[list[PartOutcome], bool], ImportStatus]
"""The import's final status from its parts' outcomes and whether reading the file raised issues."""


@dataclass(frozen=True)
class ImportHeader:
    """An import's header: the file it read, its status, and what reading the file found."""

    import_id: str
    status: ImportStatus
    source_key: str | None
    uploaded_at: str | None
    started_at: str | None
    finished_at: str | None = None
    format: str | None = None
    bulk: bool = False
    counts: Mapping[str, int] = field(default_factory=dict)
    errors: tuple[Mapping[str, Any], ...] = ()
    warnings: tuple[Mapping[str, Any], ...] = ()
    error_count: int = 0
    warning_count: int = 0
    issues_key: str | None = None
    """Where the complete list of the file's errors and warnings is (``errors``/``warnings`` are its head)."""


@dataclass(frozen=True)
class ParsedFile:
    """What reading a roster file found, as the import's header records it."""

    format: str
    bulk: bool
    counts: Mapping[str, int]
    errors: Sequence[Mapping[str, Any]]
    """Report entries (``RosterIssue.to_json()``): the head of the list, as much as fits in the item."""
    warnings: Sequence[Mapping[str, Any]]
    error_count: int
    warning_count: int
    schools_total: int
    """How many school parts the import will have: set before any is queued, so the last one knows."""
    content_key: str | None = None
    """The file's content fingerprint, when an unchanged re-upload may be settled by it later."""
    issues_key: str | None = None
    """Where the complete list of errors and warnings is (None when there are none)."""


@dataclass(frozen=True)
class AppliedFile:
    """The latest import that cleanly applied a file's content, and its schools' parts."""

    header: ImportHeader
    parts: tuple[SchoolPart, ...]


@dataclass(frozen=True)
class Finalized:
    """An import whose parts have all finished: its report, and whether this call finished it."""

    report: dict[str, Any]
    now_final: bool


@dataclass(frozen=True)
class Page:
    """A page of report documents, newest first, and the position the next page starts before."""

    items: list[dict[str, Any]]
    before: str | None


class ImportStore(Protocol):
    """Imports' headers and parts (see ``store.imports.DynamoImportStore`` for how each write is guarded)."""

    # --- the upload stage ------------------------------------------------------------

    def begin(
        self, import_id: str, *, bucket: str, key: str, version: str, uploaded_at: str, now: datetime
    ) -> ImportHeader:
        """The header of an import, created as ``running`` unless a delivery already did (then that one)."""
        ...

    def header(self, import_id: str) -> ImportHeader:
        """The header of an import (raises ``LookupError`` when there is none)."""
        ...

    def find_header(self, import_id: str) -> ImportHeader | None:
        """The header of an import, or None."""
        ...

    def record_parsed(self, import_id: str, parsed: ParsedFile) -> None:
        """What reading the file found; set before any part is queued, so totals are known first."""
        ...

    def add_part(
        self,
        import_id: str,
        *,
        school_id: str,
        school_name: str,
        shard_key: str | None,
        started_at: str,
        fingerprint: str | None = None,
    ) -> None:
        """A queued part for one school (a second call for the same school changes nothing)."""
        ...

    def reopen_failed(self, import_id: str) -> bool:
        """Restart an import that failed (back to ``running``); False unless it was ``failed``."""
        ...

    def fail(self, import_id: str, issue: RosterIssue, now: datetime) -> None:
        """End an import as failed, with the reason as its only error."""
        ...

    # --- the school stage ------------------------------------------------------------

    def part(self, import_id: str, school_id: str) -> SchoolPart | None:
        """A school's part of an import, or None."""
        ...

    def parts(self, import_id: str) -> list[SchoolPart]:
        """Every part of an import, by school id."""
        ...

    def source(self, import_id: str) -> ImportSource:
        """The uploaded file of an import (``LookupError`` when there is none)."""
        ...

    def mark_running(self, import_id: str, school_id: str) -> None:
        """A part has started (or restarted after a crash); only an open part."""
        ...

    def record_planned(
        self, import_id: str, school_id: str, *, counts: Mapping[str, int], removal_share: float
    ) -> None:
        """Remember what an open part is about to apply, before applying it."""
        ...

    def finish_part(
        self,
        import_id: str,
        school_id: str,
        *,
        status: PartStatus,
        counts: Mapping[str, int],
        warnings: Sequence[Mapping[str, Any]],
        removal_share: float | None,
        now: datetime,
    ) -> bool:
        """Record a part's result and count it done, atomically; False if it was already finished.

        A held part's counts are not added to the import's.
        """
        ...

    def finalize(self, import_id: str, now: datetime, judge: StatusRule) -> Finalized | None:
        """If every part has finished, set the status ``judge`` gives the parts; None while parts are open.

        ``now_final`` is True for the one call that set the final status.
        """
        ...

    def applied_content(self, content_key: str) -> AppliedFile | None:
        """The latest import that cleanly applied a file with this content, and its parts; or None."""
        ...

    def reopen_part(self, import_id: str, school_id: str, *, was: PartStatus, force: bool) -> bool:
        """Open a finished part again; False if it is not in status ``was``."""
        ...

    # --- reading reports ---------------------------------------------------------------

    def report(self, import_id: str) -> dict[str, Any] | None:
        """The report of an import (SPEC §6), or None."""
        ...

    def newest(self, limit: int, before: str | None) -> Page:
        """A page of all imports, newest first (headers only)."""
        ...

    def newest_for_school(self, school_id: str, limit: int, before: str | None) -> Page:
        """A page of one school's parts of imports, newest first, each with its import's header."""
        ...


class ImportOutbox(Protocol):
    """Where an import's results go: its report to the bucket, its schools to the school queue."""

    def publish_report(self, report: Mapping[str, Any]) -> None:
        """Write an import's report (``reports/<id>.json``; writing it again is harmless)."""
        ...

    def enqueue_schools(self, import_id: str, school_ids: Sequence[str], *, force: bool = False) -> None:
        """Queue one school-sync message per school."""
        ...
