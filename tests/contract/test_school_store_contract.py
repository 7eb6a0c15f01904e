"""The school sync state port (``pipeline.schools.SchoolStates``): the twin and ``store.schools`` alike.

Leases (taken, refused, expired, renewed, given back) and the applied roster
with the conditional ``mark_unchanged``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.pipeline.schools import LEASE_SECONDS, SchoolBusy, SchoolStates, SchoolSyncState

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
SCHOOL = "school-1"


@pytest.fixture(params=["memory", "dynamodb"])
def schools(request: pytest.FixtureRequest) -> SchoolStates:
    """The twin, then the DynamoDB adapter (fresh tables per test)."""
    if request.param == "memory":
        from chalicelib.memory.schools import InMemorySchoolStore

        return InMemorySchoolStore()
    request.getfixturevalue("aws")
    from chalicelib.store.schools import SchoolStore

    return SchoolStore()


def _applied(schools: SchoolStates, uploaded_at: str | None = "2026-09-01T07:00:00Z") -> None:
    schools.record_applied(
        SCHOOL,
        fingerprint="fp-1",
        roster_key="rosters/school-1",
        import_id="imp-1",
        uploaded_at=uploaded_at,
        now=T0,
    )


def test_a_school_never_synced_has_an_empty_state(schools: SchoolStates) -> None:
    assert schools.state(SCHOOL) == SchoolSyncState(SCHOOL, None, None, None)


def test_one_owner_at_a_time_until_the_lease_expires_or_is_given_back(schools: SchoolStates) -> None:
    assert schools.acquire(SCHOOL, "Школа", "imp-1", T0) == SchoolSyncState(SCHOOL, None, None, None)
    assert schools.acquire(SCHOOL, "Школа", "imp-1", T0)  # its own lease again
    with pytest.raises(SchoolBusy):
        schools.acquire(SCHOOL, "Школа", "imp-2", T0 + timedelta(seconds=LEASE_SECONDS))
    assert schools.acquire(SCHOOL, "Школа", "imp-2", T0 + timedelta(seconds=LEASE_SECONDS + 1))  # expired
    schools.release(SCHOOL, "imp-1")  # not imp-1's any more: nothing happens
    with pytest.raises(SchoolBusy):
        schools.acquire(SCHOOL, "Школа", "imp-3", T0 + timedelta(seconds=LEASE_SECONDS + 2))
    schools.release(SCHOOL, "imp-2")
    assert schools.acquire(SCHOOL, "Школа", "imp-3", T0 + timedelta(seconds=LEASE_SECONDS + 2))


def test_only_the_owner_renews_and_not_after_giving_the_lease_back(schools: SchoolStates) -> None:
    assert not schools.renew(SCHOOL, "imp-1", T0)  # nobody's lease
    schools.acquire(SCHOOL, "Школа", "imp-1", T0)
    later = T0 + timedelta(seconds=LEASE_SECONDS - 1)
    assert schools.renew(SCHOOL, "imp-1", later)
    assert not schools.renew(SCHOOL, "imp-2", later)
    with pytest.raises(SchoolBusy):  # renewed: still held past the first minute
        schools.acquire(SCHOOL, "Школа", "imp-2", T0 + timedelta(seconds=LEASE_SECONDS + 1))
    schools.release(SCHOOL, "imp-1")
    assert not schools.renew(SCHOOL, "imp-1", later)


def test_the_applied_roster_is_remembered(schools: SchoolStates) -> None:
    _applied(schools)
    assert schools.state(SCHOOL) == SchoolSyncState(SCHOOL, "fp-1", "imp-1", "2026-09-01T07:00:00Z")
    schools.record_applied(
        SCHOOL, fingerprint="fp-2", roster_key="rosters/school-1", import_id="imp-2", uploaded_at=None, now=T0
    )
    assert schools.state(SCHOOL) == SchoolSyncState(SCHOOL, "fp-2", "imp-2", "2026-09-01T07:00:00Z")


def test_an_unchanged_upload_is_recorded_only_when_nothing_stands_in_its_way(schools: SchoolStates) -> None:
    later = T0 + timedelta(minutes=5)
    assert not schools.mark_unchanged(
        SCHOOL, fingerprint="fp-1", import_id="imp-2", uploaded_at=None, now=later
    )
    _applied(schools)
    kwargs = {"import_id": "imp-2", "now": later}
    assert not schools.mark_unchanged(SCHOOL, fingerprint="fp-9", uploaded_at=None, **kwargs)  # type: ignore[arg-type]
    assert not schools.mark_unchanged(
        SCHOOL,
        fingerprint="fp-1",
        uploaded_at="2026-09-01T06:00:00Z",
        **kwargs,  # type: ignore[arg-type]
    )  # an older upload than the one applied
    schools.acquire(SCHOOL, "Школа", "imp-3", later)
    assert not schools.mark_unchanged(
        SCHOOL,
        fingerprint="fp-1",
        uploaded_at="2026-09-01T07:30:00Z",
        **kwargs,  # type: ignore[arg-type]
    )  # another import holds the lease
    schools.release(SCHOOL, "imp-3")
    assert schools.mark_unchanged(
        SCHOOL,
        fingerprint="fp-1",
        uploaded_at="2026-09-01T07:30:00Z",
        **kwargs,  # type: ignore[arg-type]
    )
    assert schools.state(SCHOOL) == SchoolSyncState(SCHOOL, "fp-1", "imp-2", "2026-09-01T07:30:00Z")
    assert schools.mark_unchanged(SCHOOL, fingerprint="fp-1", import_id="imp-4", uploaded_at=None, now=later)
    assert schools.state(SCHOOL) == SchoolSyncState(SCHOOL, "fp-1", "imp-4", "2026-09-01T07:30:00Z")
