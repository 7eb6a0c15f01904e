"""Stage 2's pure decision: superseded, unchanged, held or apply (the shell in ``school_sync`` obeys it)."""

from __future__ import annotations

import pytest

from chalicelib.pipeline.school_sync import Verdict, decide_changes, decide_early
from chalicelib.planning.diff import diff
from chalicelib.planning.model import SchoolState
from chalicelib.planning.plan import plan_school
from tests.builders import sample_school


def _never() -> str:
    raise AssertionError("a superseded upload must not be read")


def test_an_older_upload_than_the_one_applied_is_superseded_without_reading_it() -> None:
    verdict = decide_early(
        uploaded_at="2026-09-01T08:00:00Z",
        applied_uploaded_at="2026-09-02T08:00:00Z",
        fingerprint=_never,
        applied_fingerprint="f",
        force=True,
    )
    assert verdict is Verdict.SUPERSEDED


@pytest.mark.parametrize(
    ("fingerprint", "force", "expected"),
    [("same", False, Verdict.UNCHANGED), ("same", True, None), ("other", False, None)],
)
def test_the_same_roster_again_is_unchanged_unless_forced(
    fingerprint: str, force: bool, expected: Verdict | None
) -> None:
    verdict = decide_early(
        uploaded_at="2026-09-02T08:00:00Z",
        applied_uploaded_at="2026-09-01T08:00:00Z",
        fingerprint=lambda: fingerprint,
        applied_fingerprint="same",
        force=force,
    )
    assert verdict is expected


def _synced(classes: int) -> SchoolState:
    from chalicelib.planning.diff import apply_changes

    empty = SchoolState("school-1")
    return apply_changes(empty, diff(plan_school(sample_school(classes=classes), {}), empty))


def test_a_bulk_sync_ending_too_many_memberships_is_held_unless_forced_or_a_delta() -> None:
    state = _synced(classes=4)
    changes = diff(plan_school(sample_school(classes=1), {}), state)
    held = decide_changes(state, changes, bulk=True, threshold=0.3, force=False, planned=None)
    assert held.verdict is Verdict.HELD and held.share > 0.3 and held.counts["memberships_removed"] > 0
    for bulk, force in ((True, True), (False, False)):
        applied = decide_changes(state, changes, bulk=bulk, threshold=0.3, force=force, planned=None)
        assert applied.verdict is Verdict.APPLY and applied.newly_planned and applied.counts == held.counts


def test_a_retry_applies_the_rest_and_reports_what_was_first_planned() -> None:
    state = _synced(classes=4)
    changes = diff(plan_school(sample_school(classes=1), {}), state)
    planned = ({"memberships_removed": 99}, 0.9)
    retry = decide_changes(state, changes, bulk=True, threshold=0.3, force=False, planned=planned)
    assert retry.verdict is Verdict.APPLY and not retry.newly_planned
    assert (retry.counts, retry.share) == planned
