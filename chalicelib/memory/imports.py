"""In-memory twins of the import ports (``pipeline.imports``): the import store and the outbox.

The same answers as ``store/imports.py``'s ``DynamoImportStore``, held to it by
``tests/contract/test_import_store_contract.py``. Rows are plain dicts shaped
like the table's items (a header and a part per school), and every guarded
write checks its condition under one lock, as DynamoDB's conditional writes do.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from chalicelib.clock import isoformat_utc
from chalicelib.pipeline.imports import AppliedFile, Finalized, ImportHeader, Page, ParsedFile, StatusRule
from chalicelib.pipeline.report import (
    FINAL_STATUSES,
    OPEN_PART_STATUSES,
    ImportSource,
    ImportStatus,
    PartOutcome,
    PartStatus,
    SchoolPart,
    report_document,
    zero_counts,
)
from chalicelib.roster.issues import RosterIssue, fit_in_item
from chalicelib.store.paging import one_page

_OPEN = {status.value for status in OPEN_PART_STATUSES}


class ConditionFailed(RuntimeError):
    """A guarded write whose condition did not hold (DynamoDB raises its own error there)."""


def _header_of(row: Mapping[str, Any]) -> ImportHeader:
    return ImportHeader(
        import_id=row["import_id"],
        status=ImportStatus(row["status"]),
        source_key=row.get("source_key"),
        uploaded_at=row.get("uploaded_at"),
        started_at=row.get("started_at"),
        finished_at=row.get("finished_at"),
        format=row.get("format"),
        bulk=bool(row.get("bulk")),
        counts=dict(row.get("counts") or {}),
        errors=tuple(dict(e) for e in row.get("errors") or []),
        warnings=tuple(dict(w) for w in row.get("warnings") or []),
        error_count=int(row.get("error_count") or 0),
        warning_count=int(row.get("warning_count") or 0),
        issues_key=row.get("issues_key"),
    )


def _part_of(row: Mapping[str, Any]) -> SchoolPart:
    counts = dict(row.get("counts") or {})
    return SchoolPart(
        import_id=row["import_id"],
        school_id=row["school_id"],
        status=PartStatus(row["status"]),
        school_name=row.get("school_name"),
        force=bool(row.get("force")),
        shard_key=row.get("shard_key"),
        fingerprint=row.get("fingerprint"),
        planned=(counts, float(row.get("removal_share") or 0.0)) if counts else None,
    )


def _header_dict(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "import_id": row["import_id"],
        "source_key": row.get("source_key"),
        "format": row.get("format"),
        "status": row["status"],
        "started_at": row.get("started_at"),
        "finished_at": row.get("finished_at"),
        "counts": dict(row.get("counts") or {}),
        "errors": list(row.get("errors") or []),
        "warnings": list(row.get("warnings") or []),
        "error_count": int(row.get("error_count") or 0),
        "warning_count": int(row.get("warning_count") or 0),
        "issues_key": row.get("issues_key"),
    }


def _part_dict(row: Mapping[str, Any]) -> dict[str, Any]:
    share = row.get("removal_share")
    return {
        "school_id": row["school_id"],
        "school_name": row.get("school_name"),
        "status": row["status"],
        "counts": dict(row.get("counts") or {}),
        "removal_share": float(share) if share is not None else None,
        "warnings": list(row.get("warnings") or []),
    }


def _position(row: Mapping[str, Any]) -> str:
    return f"{row['started_at']}#{row['import_id']}"


class InMemoryImportStore:
    """:class:`~chalicelib.pipeline.imports.ImportStore` in two dicts (headers, parts by import)."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._headers: dict[str, dict[str, Any]] = {}
        self._parts: dict[str, dict[str, dict[str, Any]]] = {}

    # --- the upload stage ------------------------------------------------------------

    def begin(
        self, import_id: str, *, bucket: str, key: str, version: str, uploaded_at: str, now: datetime
    ) -> ImportHeader:
        """The header, created as ``running`` unless one exists (then that one)."""
        with self._lock:
            if import_id not in self._headers:
                self._headers[import_id] = {
                    "import_id": import_id,
                    "started_at": isoformat_utc(now),
                    "status": ImportStatus.RUNNING.value,
                    "source_bucket": bucket,
                    "source_key": key,
                    "source_version": version,
                    "uploaded_at": uploaded_at,
                    "counts": zero_counts(),
                    "schools_done": 0,
                    "schools_total": 0,
                }
            return _header_of(self._headers[import_id])

    def header(self, import_id: str) -> ImportHeader:
        """The header (``LookupError`` when there is none)."""
        with self._lock:
            return _header_of(self._row(import_id))

    def find_header(self, import_id: str) -> ImportHeader | None:
        """The header, or None."""
        with self._lock:
            row = self._headers.get(import_id)
            return None if row is None else _header_of(row)

    def _row(self, import_id: str) -> dict[str, Any]:
        try:
            return self._headers[import_id]
        except KeyError as exc:
            raise LookupError(import_id) from exc

    def _upsert(self, import_id: str) -> dict[str, Any]:
        """The header row, made bare when missing (an update creates the item in DynamoDB too)."""
        return self._headers.setdefault(import_id, {"import_id": import_id, "status": None})

    def record_parsed(self, import_id: str, parsed: ParsedFile) -> None:
        """Set what reading the file found."""
        with self._lock:
            row = self._upsert(import_id)
            row.update(
                format=parsed.format,
                bulk=parsed.bulk,
                counts={**zero_counts(), **parsed.counts},
                errors=copy.deepcopy(fit_in_item(parsed.errors)),
                warnings=copy.deepcopy(fit_in_item(parsed.warnings)),
                error_count=parsed.error_count,
                warning_count=parsed.warning_count,
                schools_total=parsed.schools_total,
            )
            if parsed.content_key is not None:
                row["content_key"] = parsed.content_key
            if parsed.issues_key is not None:
                row["issues_key"] = parsed.issues_key

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
        """A queued part, unless the school has one."""
        with self._lock:
            self._parts.setdefault(import_id, {}).setdefault(
                school_id,
                {
                    "import_id": import_id,
                    "school_id": school_id,
                    "school_name": school_name,
                    "started_at": started_at,
                    "status": PartStatus.QUEUED.value,
                    "shard_key": shard_key,
                    "counts": {},
                    "fingerprint": fingerprint,
                },
            )

    def reopen_failed(self, import_id: str) -> bool:
        """Back to ``running`` only from ``failed``."""
        with self._lock:
            row = self._headers.get(import_id)
            if row is None or row["status"] != ImportStatus.FAILED.value:
                return False
            row["status"] = ImportStatus.RUNNING.value
            row.pop("finished_at", None)
            return True

    def fail(self, import_id: str, issue: RosterIssue, now: datetime) -> None:
        """Failed, with the reason as the only error."""
        with self._lock:
            self._upsert(import_id).update(
                status=ImportStatus.FAILED.value,
                finished_at=isoformat_utc(now),
                errors=[issue.to_json()],
                error_count=1,
            )

    # --- the school stage ------------------------------------------------------------

    def part(self, import_id: str, school_id: str) -> SchoolPart | None:
        """A school's part, or None."""
        with self._lock:
            row = self._parts.get(import_id, {}).get(school_id)
            return None if row is None else _part_of(row)

    def _part_rows(self, import_id: str) -> list[dict[str, Any]]:
        return [row for _, row in sorted(self._parts.get(import_id, {}).items())]

    def parts(self, import_id: str) -> list[SchoolPart]:
        """Every part, by school id."""
        with self._lock:
            return [_part_of(row) for row in self._part_rows(import_id)]

    def source(self, import_id: str) -> ImportSource:
        """The uploaded file (``LookupError`` when there is no header)."""
        header = self.header(import_id)
        return ImportSource(source_key=header.source_key, uploaded_at=header.uploaded_at)

    def _open_part(self, import_id: str, school_id: str) -> dict[str, Any]:
        row = self._parts.get(import_id, {}).get(school_id)
        if row is None or row["status"] not in _OPEN:
            raise ConditionFailed(f"part {import_id}/{school_id} is not open")
        return row

    def mark_running(self, import_id: str, school_id: str) -> None:
        """Running, only from an open status (else :class:`ConditionFailed`)."""
        with self._lock:
            self._open_part(import_id, school_id)["status"] = PartStatus.RUNNING.value

    def record_planned(
        self, import_id: str, school_id: str, *, counts: Mapping[str, int], removal_share: float
    ) -> None:
        """Keep the plan's counts on an open part (else :class:`ConditionFailed`)."""
        with self._lock:
            self._open_part(import_id, school_id).update(counts=dict(counts), removal_share=removal_share)

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
        """The part's result and the header's count, together; False if the part was not open."""
        with self._lock:
            try:
                row = self._open_part(import_id, school_id)
            except ConditionFailed:
                return False
            row.update(
                status=status.value,
                counts=dict(counts),
                warnings=copy.deepcopy(fit_in_item(warnings)),
                finished_at=isoformat_utc(now),
            )
            if removal_share is not None:
                row["removal_share"] = removal_share
            header = self._upsert(import_id)
            header["schools_done"] = int(header.get("schools_done") or 0) + 1
            if status is not PartStatus.HELD:
                totals = header.setdefault("counts", {})
                for key, value in counts.items():
                    if value:
                        totals[key] = int(totals.get(key, 0)) + value
            return True

    def finalize(self, import_id: str, now: datetime, judge: StatusRule) -> Finalized | None:
        """The final status once every part is done (see the port)."""
        with self._lock:
            header = self._row(import_id)
            parts = self._part_rows(import_id)
            if header["status"] in FINAL_STATUSES:
                return Finalized(self._document(header, parts), now_final=False)
            if int(header.get("schools_done") or 0) < int(header.get("schools_total") or 0):
                return None
            status = judge(
                [PartOutcome(PartStatus(p["status"]), bool(p.get("warnings"))) for p in parts],
                bool(header.get("error_count") or header.get("warning_count")),
            )
            header.update(status=status.value, finished_at=isoformat_utc(now))
            if self._applied_cleanly(header, parts, status):
                header["applied_content"] = header["content_key"]
            return Finalized(self._document(header, parts), now_final=True)

    @staticmethod
    def _applied_cleanly(
        header: Mapping[str, Any], parts: list[dict[str, Any]], status: ImportStatus
    ) -> bool:
        clean = (PartStatus.SUCCEEDED.value, PartStatus.UNCHANGED.value)
        return (
            bool(header.get("bulk"))
            and header.get("content_key") is not None
            and status in (ImportStatus.SUCCEEDED, ImportStatus.SUCCEEDED_WITH_WARNINGS)
            and bool(parts)
            and all(p.get("fingerprint") is not None and p["status"] in clean for p in parts)
        )

    def applied_content(self, content_key: str) -> AppliedFile | None:
        """The latest (by start) import that cleanly applied this content."""
        with self._lock:
            found = [h for h in self._headers.values() if h.get("applied_content") == content_key]
            if not found:
                return None
            latest = max(found, key=_position)
            return AppliedFile(_header_of(latest), tuple(self.parts(latest["import_id"])))

    def reopen_part(self, import_id: str, school_id: str, *, was: PartStatus, force: bool) -> bool:
        """Queued again from ``was``, the header running with one part fewer done."""
        with self._lock:
            row = self._parts.get(import_id, {}).get(school_id)
            if row is None or row["status"] != was.value:
                return False
            row["status"] = PartStatus.QUEUED.value
            if force:
                row.update(force=True, counts={})
            header = self._upsert(import_id)
            header["schools_done"] = int(header.get("schools_done") or 0) - 1
            header["status"] = ImportStatus.RUNNING.value
            header.pop("finished_at", None)
            return True

    # --- reading reports ---------------------------------------------------------------

    @staticmethod
    def _document(header: Mapping[str, Any], parts: list[dict[str, Any]]) -> dict[str, Any]:
        return copy.deepcopy(report_document(_header_dict(header), [_part_dict(p) for p in parts]))

    def report(self, import_id: str) -> dict[str, Any] | None:
        """The report, or None."""
        with self._lock:
            header = self._headers.get(import_id)
            if header is None:
                return None
            return self._document(header, self._part_rows(import_id))

    def newest(self, limit: int, before: str | None) -> Page:
        """Headers newest first (by ``<started_at>#<import id>``), before ``before``."""
        with self._lock:
            rows = sorted(
                (h for h in self._headers.values() if h.get("started_at")), key=_position, reverse=True
            )
            if before is not None:
                rows = [row for row in rows if _position(row) < before]
            shown, position = one_page(rows, limit, _position)
            return Page(items=[self._document(h, []) for h in shown], before=position)

    def newest_for_school(self, school_id: str, limit: int, before: str | None) -> Page:
        """A school's parts newest first, each with its header."""
        with self._lock:
            rows = sorted(
                (p for parts in self._parts.values() for p in parts.values() if p["school_id"] == school_id),
                key=_position,
                reverse=True,
            )
            if before is not None:
                rows = [row for row in rows if _position(row) < before]
            shown, position = one_page(rows, limit, _position)
            items = [
                self._document(self._headers[p["import_id"]], [p])
                for p in shown
                if p["import_id"] in self._headers
            ]
            return Page(items=items, before=position)


class RecordingOutbox:
    """:class:`~chalicelib.pipeline.imports.ImportOutbox` as two lists: reports published, schools queued."""

    def __init__(self) -> None:
        self.reports: dict[str, dict[str, Any]] = {}
        self.queued: list[tuple[str, str, bool]] = []

    def publish_report(self, report: Mapping[str, Any]) -> None:
        """Keep the report under its import id (a second one replaces it)."""
        self.reports[str(report["id"])] = copy.deepcopy(dict(report))

    def enqueue_schools(self, import_id: str, school_ids: Sequence[str], *, force: bool = False) -> None:
        """Note one message per school."""
        self.queued += [(import_id, school_id, force) for school_id in school_ids]
