"""Stage 2 of an import: make one school's chats match its roster.

Steps: take the school's lease (renewed while the sync runs, ``pipeline.lease``);
skip an upload older than the roster already applied; build the school's new
roster (a delta is applied to the last one); stop if it equals the last applied
roster (fingerprint — no reads of chats, no writes); otherwise load the school's
chats, plan, diff, hold the sync if it would end too many memberships, apply,
remember the roster, and record the part's result. A crash anywhere is safe:
the retry recomputes the diff against whatever was already written and
converges on the same state, member counts included.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

from chalicelib.config import settings
from chalicelib.observability import Unit, log_event, record_metric, set_correlation_id
from chalicelib.pipeline.lease import LeaseHeartbeat
from chalicelib.pipeline.queue_payloads import SchoolSyncMessage
from chalicelib.pipeline.report import ImportSource, PartStatus, SchoolPart, change_counts
from chalicelib.planning.diff import ChangeSet, diff, must_hold, removal_share
from chalicelib.planning.model import SchoolState
from chalicelib.planning.plan import plan_school
from chalicelib.planning.rollover import carry_over
from chalicelib.roster.model import SchoolRoster, SchoolRosterUpdate, apply_update

if TYPE_CHECKING:
    from chalicelib.bootstrap import Services
    from chalicelib.pipeline.files import RosterFiles


def _issue(source: str | None, code: str, message: str) -> dict[str, Any]:
    return {"file": source or "", "line": None, "column": None, "code": code, "message": message}


def _finish(
    services: Services,
    message: SchoolSyncMessage,
    status: PartStatus,
    *,
    counts: dict[str, int] | None = None,
    warnings: list[dict[str, Any]] | None = None,
    share: float | None = None,
) -> None:
    store = services.imports
    now = services.clock.now()
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
    services.lifecycle.finish_if_complete(message.import_id, now)


def sync_school(services: Services, message: SchoolSyncMessage) -> None:
    """Run stage 2 for one school of one import (see the module docstring)."""
    set_correlation_id(message.import_id)
    store = services.imports
    part = store.part(message.import_id, message.school_id)
    if part is None:
        log_event("school_sync_unknown_part", school_id=message.school_id, import_id=message.import_id)
        return
    status = part.status
    if status is PartStatus.FAILED:
        # Only a dead-letter replay reaches a failed part: run it again.
        store.reopen_part(message.import_id, message.school_id, was=PartStatus.FAILED, force=False)
    elif status not in (PartStatus.QUEUED, PartStatus.RUNNING):
        log_event("school_sync_duplicate_delivery", school_id=message.school_id, status=status.value)
        services.lifecycle.finish_if_complete(message.import_id, services.clock.now())
        return
    source = store.source(message.import_id)
    schools = services.schools
    started = services.clock.now()
    # Each delivery holds the lease under its own name: two deliveries of the same
    # message (SQS is at-least-once) must take turns like two imports do.
    owner = f"{message.import_id}/{uuid.uuid4().hex}"
    previous = schools.acquire(message.school_id, part.school_name or message.school_id, owner, started)
    try:
        part = store.part(message.import_id, message.school_id) or part
        if part.status not in (PartStatus.QUEUED, PartStatus.RUNNING):
            # Another delivery finished it while this one waited for the lease.
            log_event("school_sync_duplicate_delivery", school_id=message.school_id, status=part.status.value)
            return
        with LeaseHeartbeat(schools, message.school_id, owner, services.clock):
            _sync_locked(
                services, message, part, source, previous.roster_fingerprint, previous.last_uploaded_at
            )
    finally:
        schools.release(message.school_id, owner)
    record_metric("SchoolSyncSeconds", (services.clock.now() - started).total_seconds(), Unit.Seconds)


class Verdict(Enum):
    """What a sync does with one school's part (the pure decision; :func:`_sync_locked` carries it out)."""

    SUPERSEDED = "superseded"
    UNCHANGED = "unchanged"
    HELD = "held"
    APPLY = "apply"


@dataclass(frozen=True)
class Decision:
    """A verdict with the figures the part's report gets."""

    verdict: Verdict
    counts: dict[str, int] = field(default_factory=dict)
    share: float = 0.0
    newly_planned: bool = False


def decide_early(
    *,
    uploaded_at: str | None,
    applied_uploaded_at: str | None,
    fingerprint: Callable[[], str],
    applied_fingerprint: str | None,
    force: bool,
) -> Verdict | None:
    """Superseded (an older upload than the roster applied), unchanged (same roster), or None: plan it.

    ``fingerprint`` is only called when the upload is not superseded (it reads the shard).
    """
    if applied_uploaded_at and uploaded_at and uploaded_at < applied_uploaded_at:
        return Verdict.SUPERSEDED
    if fingerprint() == applied_fingerprint and not force:
        return Verdict.UNCHANGED
    return None


def decide_changes(
    state: SchoolState,
    changes: ChangeSet,
    *,
    bulk: bool,
    threshold: float,
    force: bool,
    planned: tuple[dict[str, int], float] | None,
) -> Decision:
    """Hold a bulk sync that would end too many memberships (unless forced); else apply it.

    A retry after a crash halfway (``planned`` recorded) applies what is left and
    reports what the first attempt planned, not the remainder.
    """
    if planned is not None:
        counts, share = planned
        return Decision(Verdict.APPLY, counts, share)
    counts, share = change_counts(changes), removal_share(state, changes)
    if must_hold(state, changes, bulk=bulk, threshold=threshold, force=force):
        return Decision(Verdict.HELD, counts, share)
    return Decision(Verdict.APPLY, counts, share, newly_planned=True)


class _ShardReading:
    """The school's new roster, read from its shard only when the decision first needs it."""

    def __init__(self, files: RosterFiles, message: SchoolSyncMessage, part: SchoolPart) -> None:
        self._files, self._message, self._part = files, message, part
        self.update: SchoolRosterUpdate | None = None
        self.roster: SchoolRoster | None = None
        self.found: str | None = None

    def fingerprint(self) -> str:
        """Read the shard, apply a delta to the last roster, and fingerprint the result."""
        part = self._part
        if part.shard_key is None:
            raise LookupError(f"part {self._message.import_id}/{self._message.school_id} has no shard")
        self.update = self._files.load_shard(part.shard_key)
        last = None if self.update.is_bulk else self._files.load_roster(self._message.school_id)
        self.roster = apply_update(last, self.update)
        # Stage 1 already fingerprinted a bulk school's roster; only a delta's result is new here.
        self.found = part.fingerprint or self._files.roster_fingerprint(self.roster)
        return self.found


def _sync_locked(
    services: Services,
    message: SchoolSyncMessage,
    part: SchoolPart,
    source_file: ImportSource,
    applied_fingerprint: str | None,
    applied_uploaded_at: str | None,
) -> None:
    """Carry out the decision for one school, holding its lease."""
    services.imports.mark_running(message.import_id, message.school_id)
    force = message.force or bool(part.force)
    reading = _ShardReading(services.roster_files, message, part)
    early = decide_early(
        uploaded_at=source_file.uploaded_at,
        applied_uploaded_at=applied_uploaded_at,
        fingerprint=reading.fingerprint,
        applied_fingerprint=applied_fingerprint,
        force=force,
    )
    if early is Verdict.SUPERSEDED:
        warning = _issue(
            source_file.source_key, "superseded", "A newer roster of this school was already applied."
        )
        _finish(services, message, PartStatus.SUPERSEDED, warnings=[warning])
    elif early is Verdict.UNCHANGED:
        # Nothing to write to chats; remember the upload so an older one arriving late is refused.
        _record_applied(
            services, message, reading, source_file, services.roster_files.roster_key(message.school_id)
        )
        _finish(services, message, PartStatus.UNCHANGED)
    else:
        _plan_and_apply(services, message, part, source_file, reading, force)


def _record_applied(
    services: Services,
    message: SchoolSyncMessage,
    reading: _ShardReading,
    source_file: ImportSource,
    roster_key: str,
) -> None:
    assert reading.found is not None  # the decision read the shard before anything is recorded
    services.schools.record_applied(
        message.school_id,
        fingerprint=reading.found,
        roster_key=roster_key,
        import_id=message.import_id,
        uploaded_at=source_file.uploaded_at,
        now=services.clock.now(),
    )


def _plan_and_apply(
    services: Services,
    message: SchoolSyncMessage,
    part: SchoolPart,
    source_file: ImportSource,
    reading: _ShardReading,
    force: bool,
) -> None:
    """Plan the school's chats from its new roster, then hold the changes or write them."""
    assert reading.roster is not None and reading.update is not None
    roster, messenger, source = reading.roster, services.messenger, source_file.source_key
    state = messenger.load_school_state(message.school_id)
    plan = plan_school(
        roster, state.followed_subject_classes(), carry_over(roster, state, settings().rollover_overlap)
    )
    changes = diff(plan, state)
    warnings = [_issue(source, w.code, w.message) for w in plan.warnings]
    threshold = settings().deletion_threshold
    decision = decide_changes(
        state, changes, bulk=reading.update.is_bulk, threshold=threshold, force=force, planned=part.planned
    )
    counts, share = decision.counts, decision.share
    if decision.verdict is Verdict.HELD:
        limit = f"This sync would end {share:.0%} of the school's memberships (limit {threshold:.0%}); "
        warnings.append(
            _issue(
                source,
                "held_deletion_threshold",
                limit + "it was held. An operator can re-run it with force.",
            )
        )
        _finish(services, message, PartStatus.HELD, counts=counts, warnings=warnings, share=share)
        return
    if decision.newly_planned:
        services.imports.record_planned(
            message.import_id, message.school_id, counts=counts, removal_share=share
        )
    now = services.clock.now()
    requests = messenger.apply_roster_changes(state, changes, now)
    services.feed.tell_roster_changes(state, changes)  # who was put in or taken out of which chat
    # People gone from the roster leave every chat of the school, custom ones too (SPEC §4).
    services.school.enforce_departures(roster, now)
    _record_applied(services, message, reading, source_file, services.roster_files.save_roster(roster))
    record_metric("MembershipsChanged", counts["memberships_added"] + counts["memberships_removed"])
    log_event("school_sync_applied", school_id=message.school_id, requests=requests)
    _finish(services, message, PartStatus.SUCCEEDED, counts=counts, warnings=warnings, share=share)


def fail_school_after_retries(services: Services, message: SchoolSyncMessage) -> None:
    """The sync failed on its last delivery: mark the part failed (a dead-letter replay reopens it)."""
    store = services.imports
    part = store.part(message.import_id, message.school_id)
    if part is None or part.status not in (PartStatus.QUEUED, PartStatus.RUNNING):
        return
    detail = "The sync failed repeatedly; the message is in the dead-letter queue, and replaying it retries."
    _finish(services, message, PartStatus.FAILED, warnings=[_issue(None, "processing_error", detail)])
