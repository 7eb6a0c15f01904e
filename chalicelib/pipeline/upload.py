"""Stage 1 of an import: read the uploaded roster, split it per school, queue each school.

Idempotent: the import id comes from the upload itself, a finished import is
not redone, shards are overwritten with the same content, parts are created
once, and a school queued twice is synced once (see ``school_sync``).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.clock import isoformat_utc
from chalicelib.config import settings
from chalicelib.observability import log_event, record_metric, set_correlation_id
from chalicelib.pipeline.empty_school import EmptySchool, empty_school_outcome, likely_cause
from chalicelib.pipeline.files import Downloaded, ObjectMissing, ObjectTooLarge
from chalicelib.pipeline.imports import ParsedFile
from chalicelib.pipeline.lifecycle import issues_key
from chalicelib.pipeline.queue_payloads import UploadedObject
from chalicelib.pipeline.report import FINAL_STATUSES, ImportStatus, PartStatus
from chalicelib.roster.issues import RosterIssue, RosterUnreadable, Severity
from chalicelib.roster.model import apply_update
from chalicelib.roster.reader import ParsedRoster, RosterLimits, read_roster

if TYPE_CHECKING:
    from chalicelib.bootstrap import Services

PROCESSING_ERROR = "processing_error"


@dataclass(frozen=True)
class DecidedSchool:
    """One school of an import: its shard (None when its roster is unchanged) and fingerprint (bulk)."""

    school_id: str
    school_name: str
    shard_key: str | None
    fingerprint: str | None
    empty: EmptySchool | None = None
    """Set when the file leaves the school with no people: the part ends so, unqueued."""


def import_upload(services: Services, upload: UploadedObject) -> None:
    """Run stage 1 for one uploaded object (see the module docstring)."""
    store, lifecycle = services.imports, services.lifecycle
    now = services.clock.now()
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
            log_event("import_duplicate_delivery", import_id=import_id, status=header.status.value)
            return
        store.reopen_failed(import_id)
    log_event("import_started", import_id=import_id, key=upload.key)
    limits = RosterLimits.from_settings(settings())
    name = os.path.basename(upload.key)
    download: Downloaded | None = None
    try:
        try:
            download = services.roster_files.download(upload.bucket, upload.key, limits.max_bytes)
        except ObjectTooLarge:
            message = limits.too_large()
            lifecycle.fail(
                import_id,
                RosterIssue(Severity.ERROR, name, None, None, "file_too_large", message),
                now,
            )
            return
        except ObjectMissing:
            message = "The file was deleted before it could be imported."
            lifecycle.fail(
                import_id, RosterIssue(Severity.ERROR, name, None, None, "file_missing", message), now
            )
            return
        content = services.roster_files.content_key(download.sha256)
        if settle_unchanged_file(services, import_id, content):
            return
        try:
            parsed = read_roster(
                download.path, name, limits, homeroom_pattern=settings().homeroom_title_pattern or None
            )
        except RosterUnreadable as unreadable:
            lifecycle.fail(import_id, unreadable.to_issue(), now)
            return
        with contextlib.closing(parsed):
            split_and_queue(services, import_id, parsed, content)
    finally:
        if download is not None:
            download.path.unlink(missing_ok=True)


def settle_unchanged_file(services: Services, import_id: str, content: str) -> bool:
    """Settle a re-upload of a file already applied in bulk, without reading it; False if it can't be.

    It can when an import applied this very content (same bytes, same rules
    version) cleanly, and every one of its schools still holds the roster that
    import gave it — one conditional write per school checks that and records
    this upload. Reading a 100 MB roster costs about 40 s of CPU; this costs a
    download and a hash. Otherwise the file is read as usual.
    """
    store, schools = services.imports, services.schools
    found = store.applied_content(content)
    if found is None:
        return False
    previous, previous_parts = found.header, found.parts
    now = services.clock.now()
    uploaded_at = store.header(import_id).uploaded_at
    decided = []
    for part in previous_parts:
        school_id = part.school_id
        if part.fingerprint is None or not schools.mark_unchanged(
            school_id, fingerprint=part.fingerprint, import_id=import_id, uploaded_at=uploaded_at, now=now
        ):
            return False
        decided.append(DecidedSchool(school_id, part.school_name or school_id, None, part.fingerprint))
    parsed_file = ParsedFile(
        format=str(previous.format),
        bulk=True,
        counts={key: value for key, value in previous.counts.items() if key in READ_COUNTS},
        errors=[dict(e) for e in previous.errors],
        warnings=[dict(w) for w in previous.warnings],
        error_count=previous.error_count,
        warning_count=previous.warning_count,
        schools_total=len(decided),
        content_key=content,
        issues_key=previous.issues_key,
    )
    _record_and_queue(services, import_id, parsed_file, decided)
    log_event("import_unchanged_file", import_id=import_id, same_as=previous.import_id)
    return True


def split_and_queue(services: Services, import_id: str, parsed: ParsedRoster, content: str | None) -> None:
    """Store each changed school's part of a read roster, record what was read, queue those schools.

    A school whose new roster equals the one last applied (same fingerprint —
    only knowable here for bulk updates, which need no base roster) is
    finished on the spot as ``unchanged``: no shard, no message, no sync.
    """
    store, schools, files = services.imports, services.schools, services.roster_files
    header = store.header(import_id)
    now = services.clock.now()
    decided: list[DecidedSchool] = []
    for update in parsed.school_updates():
        name = update.school_name or update.school_id
        fingerprint = files.roster_fingerprint(apply_update(None, update)) if update.is_bulk else None
        if fingerprint is not None and schools.mark_unchanged(
            update.school_id,
            fingerprint=fingerprint,
            import_id=import_id,
            uploaded_at=header.uploaded_at,
            now=now,
        ):
            decided.append(DecidedSchool(update.school_id, name, None, fingerprint))
        else:
            empty = None
            if update.is_bulk and not update.people.records:
                synced = schools.state(update.school_id).roster_fingerprint is not None
                empty = empty_school_outcome(update, synced_before=synced, cause=likely_cause(parsed.issues))
            shard = files.save_shard(import_id, update)
            decided.append(DecidedSchool(update.school_id, name, shard, fingerprint, empty))
    issues = parsed.issues
    complete_list = None
    if issues.error_count or issues.warning_count:
        # The item keeps the head of the list; the whole of it goes to the bucket (a retry rewrites it).
        complete_list = issues_key(import_id)
        files.put_issue_list(complete_list, issues.spool)
    parsed_file = ParsedFile(
        format=parsed.format,
        bulk=parsed.bulk,
        counts={
            "schools": parsed.counts.schools,
            "classes": parsed.counts.classes,
            "people": parsed.counts.people,
            "rows_skipped": issues.rows_skipped,
        },
        errors=[e.to_json() for e in issues.errors],
        warnings=[w.to_json() for w in issues.warnings],
        error_count=issues.error_count,
        warning_count=issues.warning_count,
        schools_total=len(decided),
        content_key=content,
        issues_key=complete_list,
    )
    _record_and_queue(services, import_id, parsed_file, decided)


READ_COUNTS = ("schools", "classes", "people", "rows_skipped")


def _record_and_queue(
    services: Services,
    import_id: str,
    parsed: ParsedFile,
    decided: list[DecidedSchool],
) -> None:
    """Record what was read, create every school's part, finish the unchanged ones, queue the rest.

    The totals are recorded before any part finishes or is queued, so the part
    that finishes last always knows it is last.
    """
    store = services.imports
    now = services.clock.now()
    store.record_parsed(import_id, parsed)
    started_at = isoformat_utc(now)
    for school in decided:
        store.add_part(
            import_id,
            school_id=school.school_id,
            school_name=school.school_name,
            shard_key=school.shard_key,
            started_at=started_at,
            fingerprint=school.fingerprint,
        )
    source = store.header(import_id).source_key if any(s.empty for s in decided) else None
    for school in decided:
        if school.shard_key is None or school.empty is not None:
            empty = school.empty
            warning = {"file": source or "", "line": None, "column": None}
            store.finish_part(
                import_id,
                school.school_id,
                status=PartStatus.UNCHANGED if empty is None else empty.status,
                counts={},
                warnings=[] if empty is None else [{**warning, "code": empty.code, "message": empty.message}],
                removal_share=None,
                now=now,
            )
    queued = [school.school_id for school in decided if school.shard_key is not None and school.empty is None]
    services.lifecycle.enqueue_schools(import_id, queued)
    record_metric("ImportsStarted", 1)
    record_metric("RosterRowsSkipped", parsed.counts.get("rows_skipped", 0))
    record_metric("RosterSchools", len(decided))
    record_metric("RosterPeople", parsed.counts.get("people", 0))
    log_event(
        "import_split",
        import_id=import_id,
        schools=len(decided),
        queued=len(queued),
        rows_skipped=parsed.counts.get("rows_skipped", 0),
    )
    if not queued:
        services.lifecycle.finish_if_complete(import_id, services.clock.now())


def _failed_transiently(errors: Sequence[Mapping[str, object]]) -> bool:
    return bool(errors) and all(e.get("code") == PROCESSING_ERROR for e in errors)


def fail_after_retries(services: Services, upload: UploadedObject) -> None:
    """The upload stage failed on its last delivery: end the import as failed (replayable)."""
    store = services.imports
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
        services.lifecycle.fail(upload.import_id, issue, services.clock.now())
