"""Stage 1 of an import: read the uploaded roster, split it per school, queue each school.

Idempotent: the import id comes from the upload itself, a finished import is
not redone, shards are overwritten with the same content, parts are created
once, and a school queued twice is synced once (see ``school_sync``).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.aws import client, queue_url
from chalicelib.bootstrap import services
from chalicelib.clock import isoformat_utc
from chalicelib.config import settings
from chalicelib.observability import log_event, record_import_finished, record_metric, set_correlation_id
from chalicelib.pipeline.messages import SchoolSyncMessage, UploadedObject
from chalicelib.pipeline.report import FINAL_STATUSES, ImportStatus, PartStatus
from chalicelib.roster.issues import RosterIssue, RosterUnreadable, Severity
from chalicelib.roster.model import apply_update
from chalicelib.roster.reader import ParsedRoster, RosterLimits, read_roster
from chalicelib.store.imports import ImportStore
from chalicelib.store.objects import ObjectTooLarge, put_json, spooled_download
from chalicelib.store.rosters import roster_fingerprint, save_shard
from chalicelib.store.schools import SchoolStore

PROCESSING_ERROR = "processing_error"
SQS_BATCH = 10


@dataclass(frozen=True)
class SchoolPart:
    """One school of an import: its shard, or None when its roster is unchanged."""

    school_id: str
    school_name: str
    shard_key: str | None


def report_key(import_id: str) -> str:
    """Where an import's report is written in the bucket."""
    return f"reports/{import_id}.json"


def publish_report(report: dict[str, object]) -> None:
    """Write an import's report to ``reports/`` (overwriting it is harmless: same content)."""
    put_json(report_key(str(report["id"])), report, compress=False)


def _duration_s(report: dict[str, Any]) -> float | None:
    started, finished = report.get("started_at"), report.get("finished_at")
    if not isinstance(started, str) or not isinstance(finished, str):
        return None
    return (datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds()


def finish_import_if_complete(store: ImportStore, import_id: str, now: datetime) -> dict[str, Any] | None:
    """Once every part is done: set the import's final status, publish its report, count it once."""
    finalized = store.finalize(import_id, now)
    if finalized is None:
        return None
    publish_report(finalized.report)
    if finalized.now_final:
        log_event("import_finished", import_id=import_id, status=finalized.report["status"])
        record_import_finished(str(finalized.report["status"]), _duration_s(finalized.report))
    return finalized.report


def enqueue_schools(import_id: str, school_ids: Iterable[str], *, force: bool = False) -> None:
    """Send one school-sync message per school (10 per ``SendMessageBatch``)."""
    url = queue_url(settings().school_queue_name)
    bodies = [SchoolSyncMessage(import_id=import_id, school_id=s, force=force).to_body() for s in school_ids]
    for start in range(0, len(bodies), SQS_BATCH):
        entries = [
            {"Id": str(index), "MessageBody": body}
            for index, body in enumerate(bodies[start : start + SQS_BATCH])
        ]
        response = client("sqs").send_message_batch(QueueUrl=url, Entries=entries)
        if response.get("Failed"):
            raise RuntimeError(f"{len(response['Failed'])} school messages were not queued")


def _fail(store: ImportStore, import_id: str, issue: RosterIssue, now: datetime) -> None:
    store.fail(import_id, issue, now)
    report = store.report(import_id)
    if report is not None:
        publish_report(report)
        record_import_finished(str(report["status"]), _duration_s(report))
    log_event("import_failed", import_id=import_id, code=issue.code)


def import_upload(upload: UploadedObject) -> None:
    """Run stage 1 for one uploaded object (see the module docstring)."""
    store = ImportStore()
    now = services().clock.now()
    import_id = upload.import_id
    set_correlation_id(import_id)
    header = store.begin(
        import_id,
        bucket=upload.bucket,
        key=upload.key,
        version=upload.version,
        uploaded_at=upload.event_time,
        now=now,
    )
    if header.status in FINAL_STATUSES:
        if not (header.status == ImportStatus.FAILED and _failed_transiently(header.errors)):
            log_event("import_duplicate_delivery", import_id=import_id, status=header.status)
            return
        store.reopen_failed(import_id)
    log_event("import_started", import_id=import_id, key=upload.key)
    limits = RosterLimits.from_settings(settings())
    name = os.path.basename(upload.key)
    path: Path | None = None
    try:
        try:
            path = spooled_download(upload.bucket, upload.key, limits.max_bytes)
        except ObjectTooLarge:
            message = f"The file is larger than the limit of {limits.max_bytes} bytes."
            _fail(
                store,
                import_id,
                RosterIssue(Severity.ERROR, name, None, None, "file_too_large", message),
                now,
            )
            return
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in ("NoSuchKey", "404"):
                raise
            message = "The file was deleted before it could be imported."
            _fail(
                store, import_id, RosterIssue(Severity.ERROR, name, None, None, "file_missing", message), now
            )
            return
        try:
            parsed = read_roster(path, name, limits)
        except RosterUnreadable as unreadable:
            _fail(store, import_id, unreadable.to_issue(), now)
            return
        with contextlib.closing(parsed):
            split_and_queue(store, import_id, parsed)
    finally:
        if path is not None:
            path.unlink(missing_ok=True)


def split_and_queue(store: ImportStore, import_id: str, parsed: ParsedRoster) -> None:
    """Store each changed school's part of a read roster, record what was read, queue those schools.

    A school whose new roster equals the one last applied (same fingerprint —
    only knowable here for bulk updates, which need no base roster) is
    finished on the spot as ``unchanged``: no shard, no message, no sync.
    The totals are recorded before any part finishes or is queued, so the
    part that finishes last always knows it is last.
    """
    header = store.header(import_id)
    schools = SchoolStore()
    now = services().clock.now()
    decided: list[SchoolPart] = []
    for update in parsed.school_updates():
        name = update.school_name or update.school_id
        if update.is_bulk and schools.mark_unchanged(
            update.school_id,
            fingerprint=roster_fingerprint(apply_update(None, update)),
            import_id=import_id,
            uploaded_at=header.uploaded_at,
            now=now,
        ):
            decided.append(SchoolPart(update.school_id, name, None))
        else:
            decided.append(SchoolPart(update.school_id, name, save_shard(import_id, update)))
    issues = parsed.issues
    store.record_parsed(
        import_id,
        format=parsed.format,
        bulk=parsed.bulk,
        counts={
            "schools": parsed.counts.schools,
            "classes": parsed.counts.classes,
            "people": parsed.counts.people,
            "rows_skipped": issues.rows_skipped,
        },
        errors=issues.errors,
        warnings=issues.warnings,
        error_count=issues.error_count,
        warning_count=issues.warning_count,
        schools_total=len(decided),
    )
    started_at = isoformat_utc(now)
    for school in decided:
        store.add_part(
            import_id,
            school_id=school.school_id,
            school_name=school.school_name,
            shard_key=school.shard_key,
            started_at=started_at,
        )
    for school in decided:
        if school.shard_key is None:
            store.finish_part(
                import_id,
                school.school_id,
                status=PartStatus.UNCHANGED,
                counts={},
                warnings=[],
                removal_share=None,
                now=now,
            )
    queued = [school.school_id for school in decided if school.shard_key is not None]
    enqueue_schools(import_id, queued)
    record_metric("ImportsStarted", 1)
    record_metric("RosterRowsSkipped", issues.rows_skipped)
    record_metric("RosterSchools", len(decided))
    record_metric("RosterPeople", parsed.counts.people)
    log_event(
        "import_split",
        import_id=import_id,
        schools=len(decided),
        queued=len(queued),
        rows_skipped=issues.rows_skipped,
    )
    if not queued:
        finish_import_if_complete(store, import_id, services().clock.now())


def _failed_transiently(errors: list[dict[str, object]] | None) -> bool:
    return bool(errors) and all(e.get("code") == PROCESSING_ERROR for e in errors or [])


def fail_after_retries(upload: UploadedObject) -> None:
    """The upload stage failed on its last delivery: end the import as failed (replayable)."""
    store = ImportStore()
    issue = RosterIssue(
        Severity.ERROR,
        os.path.basename(upload.key),
        None,
        None,
        PROCESSING_ERROR,
        "Processing failed repeatedly; the message is in the dead-letter queue, and replaying it "
        "retries the import.",
    )
    if store.find_header(upload.import_id) is not None:
        _fail(store, upload.import_id, issue, services().clock.now())
