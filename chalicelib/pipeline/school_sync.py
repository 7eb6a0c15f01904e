"""Stage 2 of an import: make one school's chats match its roster.

Steps: take the school's lease; skip an upload older than the roster already
applied; build the school's new roster (a delta is applied to the last one);
stop if it equals the last applied roster (fingerprint — no reads of chats,
no writes); otherwise load the school's chats, plan, diff, hold the sync if it
would end too many memberships, apply, remember the roster, and record the
part's result. A crash anywhere is safe: the retry recomputes the diff
against whatever was already written and converges on the same state.
"""

from __future__ import annotations

import uuid
from typing import Any

from chalicelib.bootstrap import services
from chalicelib.config import settings
from chalicelib.observability import Unit, log_event, record_metric, set_correlation_id
from chalicelib.pipeline.messages import SchoolSyncMessage
from chalicelib.pipeline.report import PartStatus, change_counts
from chalicelib.pipeline.upload import finish_import_if_complete
from chalicelib.planning.diff import diff, must_hold, removal_share
from chalicelib.planning.plan import plan_school
from chalicelib.roster.model import apply_update
from chalicelib.safety.school import enforce_departures
from chalicelib.store.imports import ImportStore, planned_counts
from chalicelib.store.rosters import load_roster, load_shard, roster_fingerprint, roster_key, save_roster
from chalicelib.store.schools import SchoolStore
from chalicelib.store.tables import ImportItem


def _issue(source: str | None, code: str, message: str) -> dict[str, Any]:
    return {"file": source or "", "line": None, "column": None, "code": code, "message": message}


def _finish(
    store: ImportStore,
    message: SchoolSyncMessage,
    status: PartStatus,
    *,
    counts: dict[str, int] | None = None,
    warnings: list[dict[str, Any]] | None = None,
    share: float | None = None,
) -> None:
    now = services().clock.now()
    store.finish_part(
        message.import_id,
        message.school_id,
        status=status,
        counts=counts or {},
        warnings=warnings or [],
        removal_share=share,
        now=now,
    )
    log_event("school_sync_finished", school_id=message.school_id, status=status.value, **(counts or {}))
    finish_import_if_complete(store, message.import_id, now)


def sync_school(message: SchoolSyncMessage) -> None:
    """Run stage 2 for one school of one import (see the module docstring)."""
    set_correlation_id(message.import_id)
    store = ImportStore()
    part = store.part(message.import_id, message.school_id)
    if part is None:
        log_event("school_sync_unknown_part", school_id=message.school_id, import_id=message.import_id)
        return
    status = PartStatus(part.status)
    if status is PartStatus.FAILED:
        # Only a dead-letter replay reaches a failed part: run it again.
        store.reopen_part(message.import_id, message.school_id, was=PartStatus.FAILED, force=False)
    elif status not in (PartStatus.QUEUED, PartStatus.RUNNING):
        log_event("school_sync_duplicate_delivery", school_id=message.school_id, status=status.value)
        finish_import_if_complete(store, message.import_id, services().clock.now())
        return
    header = store.header(message.import_id)
    schools = SchoolStore()
    started = services().clock.now()
    # Each delivery holds the lease under its own name: two deliveries of the same
    # message (SQS is at-least-once) must take turns like two imports do.
    owner = f"{message.import_id}/{uuid.uuid4().hex}"
    previous = schools.acquire(message.school_id, part.school_name or message.school_id, owner, started)
    try:
        part = store.part(message.import_id, message.school_id) or part
        if PartStatus(part.status) not in (PartStatus.QUEUED, PartStatus.RUNNING):
            # Another delivery finished it while this one waited for the lease.
            log_event("school_sync_duplicate_delivery", school_id=message.school_id, status=part.status)
            return
        _sync_locked(
            store, schools, message, part, header, previous.roster_fingerprint, previous.last_uploaded_at
        )
    finally:
        schools.release(message.school_id, owner)
    record_metric("SchoolSyncSeconds", (services().clock.now() - started).total_seconds(), Unit.Seconds)


def _sync_locked(
    store: ImportStore,
    schools: SchoolStore,
    message: SchoolSyncMessage,
    part: ImportItem,
    header: ImportItem,
    applied_fingerprint: str | None,
    applied_uploaded_at: str | None,
) -> None:
    store.mark_running(message.import_id, message.school_id)
    source = header.source_key
    uploaded_at = header.uploaded_at
    if applied_uploaded_at and uploaded_at and uploaded_at < applied_uploaded_at:
        _finish(
            store,
            message,
            PartStatus.SUPERSEDED,
            warnings=[_issue(source, "superseded", "A newer roster of this school was already applied.")],
        )
        return
    force = message.force or bool(part.force)
    if part.shard_key is None:
        raise LookupError(f"part {message.import_id}/{message.school_id} has no shard")
    update = load_shard(part.shard_key)
    roster = apply_update(None if update.is_bulk else load_roster(message.school_id), update)
    # Stage 1 already fingerprinted a bulk school's roster; only a delta's result is new here.
    fingerprint = part.fingerprint or roster_fingerprint(roster)
    now = services().clock.now()
    if fingerprint == applied_fingerprint and not force:
        # Nothing to write to chats; remember the upload so an older one arriving late is refused.
        schools.record_applied(
            message.school_id,
            fingerprint=fingerprint,
            roster_key=roster_key(message.school_id),
            import_id=message.import_id,
            uploaded_at=uploaded_at,
            now=now,
        )
        _finish(store, message, PartStatus.UNCHANGED)
        return

    messenger = services().messenger
    state = messenger.load_school_state(message.school_id)
    plan = plan_school(roster, state.followed_subject_classes())
    changes = diff(plan, state)
    warnings = [_issue(source, w.code, w.message) for w in plan.warnings]
    planned = planned_counts(part)
    if planned is not None:
        # A retry after a crash halfway: report what the first attempt planned, not the remainder.
        counts, share = planned
    else:
        counts, share = change_counts(changes), removal_share(state, changes)
        if must_hold(
            state, changes, bulk=update.is_bulk, threshold=settings().deletion_threshold, force=force
        ):
            warnings.append(
                _issue(
                    source,
                    "held_deletion_threshold",
                    f"This sync would end {share:.0%} of the school's memberships (limit "
                    f"{settings().deletion_threshold:.0%}); it was held. "
                    "An operator can re-run it with force.",
                )
            )
            _finish(store, message, PartStatus.HELD, counts=counts, warnings=warnings, share=share)
            return
        store.record_planned(message.import_id, message.school_id, counts=counts, removal_share=share)
    requests = messenger.apply_roster_changes(state, changes, now)
    # People gone from the roster leave every chat of the school, custom ones too (SPEC §4).
    enforce_departures(roster, now)
    key = save_roster(roster)
    schools.record_applied(
        message.school_id,
        fingerprint=fingerprint,
        roster_key=key,
        import_id=message.import_id,
        uploaded_at=uploaded_at,
        now=now,
    )
    record_metric("MembershipsChanged", counts["memberships_added"] + counts["memberships_removed"])
    log_event("school_sync_applied", school_id=message.school_id, requests=requests)
    _finish(store, message, PartStatus.SUCCEEDED, counts=counts, warnings=warnings, share=share)


def fail_school_after_retries(message: SchoolSyncMessage) -> None:
    """The sync failed on its last delivery: mark the part failed (a dead-letter replay reopens it)."""
    store = ImportStore()
    part = store.part(message.import_id, message.school_id)
    if part is None or PartStatus(part.status) not in (PartStatus.QUEUED, PartStatus.RUNNING):
        return
    detail = "The sync failed repeatedly; the message is in the dead-letter queue, and replaying it retries."
    _finish(store, message, PartStatus.FAILED, warnings=[_issue(None, "processing_error", detail)])
