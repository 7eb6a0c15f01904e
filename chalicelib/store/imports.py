"""Imports in DynamoDB: a header row per import and a part row per school (``pipeline.imports.ImportStore``).

The parts of one import finish in parallel Lambdas. Each records its result
and bumps the header's ``schools_done`` in one transaction that only succeeds
while the part is still open, so a duplicate delivery never counts twice; the
part that brings ``schools_done`` to ``schools_total`` finalises the import.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.expressions.update import Action

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
from chalicelib.store.conditions import is_condition_failure, write_transaction
from chalicelib.store.paging import one_page
from chalicelib.store.tables import HEADER_PART, ImportItem, school_part

LISTING = "imports"


def _position(item: ImportItem) -> str:
    """Where a listing stands after an import: ``<started_at>#<import id>``."""
    return f"{item.started_at}#{item.import_id}"


def _start_key(index_key: dict[str, str], before: str | None, part: str) -> dict[str, Any] | None:
    """The ``ExclusiveStartKey`` of a listing that continues before ``before`` (index and table keys)."""
    if before is None:
        return None
    started_at, _, import_id = before.rpartition("#")
    return {
        **{name: {"S": value} for name, value in index_key.items()},
        "started_at": {"S": started_at},
        "import_id": {"S": import_id},
        "part": {"S": part},
    }


def plain_map(value: Any) -> dict[str, Any]:
    """A PynamoDB raw MapAttribute (or None) as a plain dict."""
    if value is None:
        return {}
    return dict(value.as_dict()) if hasattr(value, "as_dict") else dict(value)


def planned_counts(part: ImportItem) -> tuple[dict[str, int], float] | None:
    """The counts and removal share a part recorded before applying (see ``record_planned``)."""
    counts = {key: int(value) for key, value in plain_map(part.counts).items()}
    if not counts:
        return None
    return counts, float(part.removal_share or 0.0)


def header_to_dict(item: ImportItem) -> dict[str, Any]:
    """A header row as a plain mapping."""
    return {
        "import_id": item.import_id,
        "source_key": item.source_key,
        "format": item.format,
        "status": item.status,
        "started_at": item.started_at,
        "finished_at": item.finished_at,
        "counts": plain_map(item.counts),
        "errors": list(item.errors or []),
        "warnings": list(item.warnings or []),
        "error_count": int(item.error_count or 0),
        "warning_count": int(item.warning_count or 0),
        "issues_key": item.issues_key,
    }


def part_to_dict(item: ImportItem) -> dict[str, Any]:
    """A part row as a plain mapping."""
    return {
        "school_id": item.part_school_id,
        "school_name": item.school_name,
        "status": item.status,
        "counts": plain_map(item.counts),
        "removal_share": float(item.removal_share) if item.removal_share is not None else None,
        "warnings": list(item.warnings or []),
    }


def header_of(item: ImportItem) -> ImportHeader:
    """A header row as the port's domain object."""
    return ImportHeader(
        import_id=item.import_id,
        status=ImportStatus(item.status),
        source_key=item.source_key,
        uploaded_at=item.uploaded_at,
        started_at=item.started_at,
        finished_at=item.finished_at,
        format=item.format,
        bulk=bool(item.bulk),
        counts={key: int(value) for key, value in plain_map(item.counts).items()},
        errors=tuple(dict(e) for e in item.errors or []),
        warnings=tuple(dict(w) for w in item.warnings or []),
        error_count=int(item.error_count or 0),
        warning_count=int(item.warning_count or 0),
        issues_key=item.issues_key,
    )


def part_of(item: ImportItem) -> SchoolPart:
    """A part row as the port's domain object."""
    return SchoolPart(
        import_id=item.import_id,
        school_id=str(item.part_school_id),
        status=PartStatus(item.status),
        school_name=item.school_name,
        force=bool(item.force),
        shard_key=item.shard_key,
        fingerprint=item.fingerprint,
        planned=planned_counts(item),
    )


def _applied_cleanly(header: ImportItem, parts: list[ImportItem], status: ImportStatus) -> bool:
    """Whether re-uploading this file can be settled from this import's results alone.

    Only a bulk import (a delta's result depends on the base it met) whose every
    school was applied or found unchanged, each with its fingerprint known.
    """
    return (
        bool(header.bulk)
        and header.content_key is not None
        and status in (ImportStatus.SUCCEEDED, ImportStatus.SUCCEEDED_WITH_WARNINGS)
        and bool(parts)
        and all(
            p.fingerprint is not None and p.status in (PartStatus.SUCCEEDED.value, PartStatus.UNCHANGED.value)
            for p in parts
        )
    )


class DynamoImportStore:
    """The DynamoDB adapter of ``pipeline.imports.ImportStore``: import rows, conditional writes."""

    # --- the upload stage ------------------------------------------------------------

    def begin(
        self, import_id: str, *, bucket: str, key: str, version: str, uploaded_at: str, now: datetime
    ) -> ImportHeader:
        """The header of an import, created as ``running`` unless a delivery already did."""
        item = ImportItem(
            import_id=import_id,
            part=HEADER_PART,
            listing=LISTING,
            started_at=isoformat_utc(now),
            status=ImportStatus.RUNNING.value,
            source_bucket=bucket,
            source_key=key,
            source_version=version,
            uploaded_at=uploaded_at,
            counts=zero_counts(),
        )
        try:
            item.save(condition=ImportItem.import_id.does_not_exist())
        except PutError as error:
            if not is_condition_failure(error):
                raise
            return self.header(import_id)
        return header_of(item)

    def header(self, import_id: str) -> ImportHeader:
        """The header of an import (raises ``LookupError`` when there is none)."""
        return header_of(self._header_item(import_id))

    def find_header(self, import_id: str) -> ImportHeader | None:
        """The header of an import, or None."""
        item = self._find_header_item(import_id)
        return None if item is None else header_of(item)

    @staticmethod
    def _header_item(import_id: str) -> ImportItem:
        try:
            return ImportItem.get(import_id, HEADER_PART, consistent_read=True)
        except DoesNotExist as exc:
            raise LookupError(import_id) from exc

    def _find_header_item(self, import_id: str) -> ImportItem | None:
        try:
            return self._header_item(import_id)
        except LookupError:
            return None

    def record_parsed(self, import_id: str, parsed: ParsedFile) -> None:
        """What reading the file found; set before any part is queued, so totals are known first.

        ``errors`` and ``warnings`` are report entries (``RosterIssue.to_json()``).
        """
        actions: list[Action] = [
            ImportItem.format.set(parsed.format),
            ImportItem.bulk.set(parsed.bulk),
            ImportItem.counts.set({**zero_counts(), **parsed.counts}),
            ImportItem.errors.set(fit_in_item(parsed.errors)),
            ImportItem.warnings.set(fit_in_item(parsed.warnings)),
            ImportItem.error_count.set(parsed.error_count),
            ImportItem.warning_count.set(parsed.warning_count),
            ImportItem.schools_total.set(parsed.schools_total),
        ]
        if parsed.content_key is not None:
            actions.append(ImportItem.content_key.set(parsed.content_key))
        if parsed.issues_key is not None:
            actions.append(ImportItem.issues_key.set(parsed.issues_key))
        ImportItem(import_id, HEADER_PART).update(actions=actions)

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
        """A queued part for one school (a second call for the same school changes nothing).

        ``shard_key`` is None for a school found unchanged, which is finished at
        once; ``fingerprint`` is its roster's, known for bulk imports.
        """
        item = ImportItem(
            import_id=import_id,
            part=school_part(school_id),
            part_school_id=school_id,
            school_name=school_name,
            started_at=started_at,
            status=PartStatus.QUEUED.value,
            shard_key=shard_key,
            counts={},
            fingerprint=fingerprint,
        )
        try:
            item.save(condition=ImportItem.part.does_not_exist())
        except PutError as error:
            if not is_condition_failure(error):
                raise

    def reopen_failed(self, import_id: str) -> bool:
        """Restart an import whose upload stage failed for a transient reason (a dead-letter replay)."""
        try:
            ImportItem(import_id, HEADER_PART).update(
                actions=[ImportItem.status.set(ImportStatus.RUNNING.value), ImportItem.finished_at.remove()],
                condition=ImportItem.status == ImportStatus.FAILED.value,
            )
        except UpdateError as error:
            if is_condition_failure(error):
                return False
            raise
        return True

    def fail(self, import_id: str, issue: RosterIssue, now: datetime) -> None:
        """End an import as failed, with the reason as its error (nothing was changed)."""
        ImportItem(import_id, HEADER_PART).update(
            actions=[
                ImportItem.status.set(ImportStatus.FAILED.value),
                ImportItem.finished_at.set(isoformat_utc(now)),
                ImportItem.errors.set([issue.to_json()]),
                ImportItem.error_count.set(1),
            ]
        )

    # --- the school stage ------------------------------------------------------------

    def part(self, import_id: str, school_id: str) -> SchoolPart | None:
        """A school's part of an import, or None."""
        try:
            item = ImportItem.get(import_id, school_part(school_id), consistent_read=True)
        except DoesNotExist:
            return None
        return part_of(item)

    def source(self, import_id: str) -> ImportSource:
        """The uploaded file of an import (its header row; ``LookupError`` when there is none)."""
        header = self.header(import_id)
        return ImportSource(source_key=header.source_key, uploaded_at=header.uploaded_at)

    def parts(self, import_id: str) -> list[SchoolPart]:
        """Every part of an import, by school id."""
        return [part_of(item) for item in self._part_items(import_id)]

    @staticmethod
    def _part_items(import_id: str) -> list[ImportItem]:
        return list(ImportItem.query(import_id, ImportItem.part.startswith("school#"), consistent_read=True))

    def mark_running(self, import_id: str, school_id: str) -> None:
        """A part has started (or restarted after a crash)."""
        ImportItem(import_id, school_part(school_id)).update(
            actions=[ImportItem.status.set(PartStatus.RUNNING.value)],
            condition=ImportItem.status.is_in(*OPEN_PART_STATUSES),
        )

    def record_planned(
        self, import_id: str, school_id: str, *, counts: Mapping[str, int], removal_share: float
    ) -> None:
        """Remember what a part is about to apply, before applying it.

        A retry after a crash halfway sees a partly written state, whose diff is
        smaller; it reports these counts instead, and does not re-judge the
        deletion threshold the first attempt already passed.
        """
        ImportItem(import_id, school_part(school_id)).update(
            actions=[ImportItem.counts.set(dict(counts)), ImportItem.removal_share.set(removal_share)],
            condition=ImportItem.status.is_in(*OPEN_PART_STATUSES),
        )

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
        """Record a part's result and count it done, atomically; False if it was already finished."""
        part = ImportItem(import_id, school_part(school_id))
        header = ImportItem(import_id, HEADER_PART)
        header_actions: list[Action] = [ImportItem.schools_done.add(1)]
        if status is not PartStatus.HELD:
            header_actions += [ImportItem.counts[key].add(value) for key, value in counts.items() if value]
        part_actions: list[Action] = [
            ImportItem.status.set(status.value),
            ImportItem.counts.set(dict(counts)),
            ImportItem.warnings.set(fit_in_item(warnings)),
            ImportItem.finished_at.set(isoformat_utc(now)),
        ]
        if removal_share is not None:
            part_actions.append(ImportItem.removal_share.set(removal_share))
        try:
            with write_transaction() as transaction:
                transaction.update(
                    part, actions=part_actions, condition=ImportItem.status.is_in(*OPEN_PART_STATUSES)
                )
                transaction.update(header, actions=header_actions)
        except TransactWriteError as error:
            if is_condition_failure(error):
                return False
            raise
        return True

    def finalize(self, import_id: str, now: datetime, judge: StatusRule) -> Finalized | None:
        """If every part has finished, set the status ``judge`` gives the parts; None while parts are open.

        The rule is the lifecycle's (``pipeline.lifecycle``); this only reads the
        parts and writes the header conditionally. ``now_final`` tells the one
        caller that set the final status (several parts may finish at once, and
        deliveries repeat) from the others.
        """
        header = self._header_item(import_id)
        if header.status in FINAL_STATUSES:
            report = report_document(
                header_to_dict(header), [part_to_dict(p) for p in self._part_items(import_id)]
            )
            return Finalized(report, now_final=False)
        if int(header.schools_done) < int(header.schools_total):
            return None
        parts = self._part_items(import_id)
        status = judge(
            [PartOutcome(PartStatus(p.status), bool(p.warnings)) for p in parts],
            bool(header.error_count or header.warning_count),
        )
        now_final = True
        actions: list[Action] = [
            ImportItem.status.set(status.value),
            ImportItem.finished_at.set(isoformat_utc(now)),
        ]
        if _applied_cleanly(header, parts, status):
            actions.append(ImportItem.applied_content.set(header.content_key))
        try:
            header.update(
                actions=actions,
                condition=ImportItem.status.is_in(ImportStatus.QUEUED.value, ImportStatus.RUNNING.value),
            )
        except UpdateError as error:
            if not is_condition_failure(error):
                raise
            header = self._header_item(import_id)
            now_final = False
        return Finalized(report_document(header_to_dict(header), [part_to_dict(p) for p in parts]), now_final)

    def applied_content(self, content_key: str) -> AppliedFile | None:
        """The latest import that cleanly applied a file with this content, and its parts; or None."""
        for header in ImportItem.by_applied_content.query(content_key, scan_index_forward=False, limit=1):
            return AppliedFile(header_of(header), tuple(self.parts(header.import_id)))
        return None

    def reopen_part(self, import_id: str, school_id: str, *, was: PartStatus, force: bool) -> bool:
        """Open a finished part again (a forced re-run of a held part, a replay of a failed one).

        False if the part is not in status ``was`` (someone else reopened it first).
        """
        part = ImportItem(import_id, school_part(school_id))
        header = ImportItem(import_id, HEADER_PART)
        part_actions: list[Action] = [ImportItem.status.set(PartStatus.QUEUED.value)]
        if force:
            # A forced re-run judges the school's state afresh; a replay keeps what was planned.
            part_actions += [ImportItem.force.set(True), ImportItem.counts.set({})]
        try:
            with write_transaction() as transaction:
                transaction.update(part, actions=part_actions, condition=ImportItem.status == was.value)
                transaction.update(
                    header,
                    actions=[
                        ImportItem.schools_done.add(-1),
                        ImportItem.status.set(ImportStatus.RUNNING.value),
                        ImportItem.finished_at.remove(),
                    ],
                )
        except TransactWriteError as error:
            if is_condition_failure(error):
                return False
            raise
        return True

    # --- reading reports ---------------------------------------------------------------

    def report(self, import_id: str) -> dict[str, Any] | None:
        """The report of an import, or None."""
        header = self._find_header_item(import_id)
        if header is None:
            return None
        return report_document(header_to_dict(header), [part_to_dict(p) for p in self._part_items(import_id)])

    def newest(self, limit: int, before: str | None) -> Page:
        """A page of all imports, newest first (headers only; open one for its parts)."""
        start = _start_key({"listing": LISTING}, before, HEADER_PART)
        headers, position = one_page(
            ImportItem.newest_first.query(
                LISTING, scan_index_forward=False, limit=limit + 1, last_evaluated_key=start
            ),
            limit,
            _position,
        )
        return Page(items=[report_document(header_to_dict(h), []) for h in headers], before=position)

    def newest_for_school(self, school_id: str, limit: int, before: str | None) -> Page:
        """A page of one school's parts of imports, newest first, each with its import's header."""
        start = _start_key({"part_school_id": school_id}, before, school_part(school_id))
        parts, position = one_page(
            ImportItem.by_school.query(
                school_id, scan_index_forward=False, limit=limit + 1, last_evaluated_key=start
            ),
            limit,
            _position,
        )
        items = []
        for part in parts:
            header = self._find_header_item(part.import_id)
            if header is not None:
                items.append(report_document(header_to_dict(header), [part_to_dict(part)]))
        return Page(items=items, before=position)
