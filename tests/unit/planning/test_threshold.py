"""The deletion safety valve (SPEC §4): a bulk sync ending more than 30 % of memberships is held."""

from __future__ import annotations

import pytest

from chalicelib.planning.diff import DEFAULT_DELETION_THRESHOLD, ChangeSet, diff, must_hold, removal_share
from chalicelib.planning.model import ChatRole, ExistingMember, MemberSource, SchoolState
from chalicelib.planning.plan import plan_school
from chalicelib.roster.model import Role, SchoolRoster
from tests.unit.planning.builders import (
    EMPTY,
    chat_id_of,
    homeroom,
    leads,
    scheduled,
    school,
    student,
    studies,
    synced,
    teacher,
    teaches,
    with_chat,
    with_members,
)


def staff_of(count: int) -> SchoolRoster:
    """A school whose only chat is a staff room of ``count`` teachers: one membership each."""
    return school(*(teacher(f"t{i}") for i in range(count)))


TEN = synced(plan_school(staff_of(10)))


def sync_down_to(kept: int, state: SchoolState = TEN) -> tuple[SchoolState, ChangeSet]:
    return state, diff(plan_school(staff_of(kept)), state)


def test_the_default_is_thirty_percent() -> None:
    assert DEFAULT_DELETION_THRESHOLD == 0.30


@pytest.mark.parametrize(
    ("kept", "share", "held"),
    [
        pytest.param(10, 0.0, False, id="nothing-ends"),
        pytest.param(8, 0.2, False, id="below"),
        pytest.param(7, 0.3, False, id="at-30-percent-not-held"),
        pytest.param(6, 0.4, True, id="above"),
        pytest.param(0, 1.0, True, id="everyone-gone"),
    ],
)
def test_bulk_sync_is_held_above_the_threshold(kept: int, share: float, held: bool) -> None:
    state, changes = sync_down_to(kept)
    assert len(changes.members_to_remove) == 10 - kept
    assert removal_share(state, changes) == pytest.approx(share)
    assert must_hold(state, changes, bulk=True) is held


def test_just_over_the_threshold_is_held() -> None:
    state = synced(plan_school(staff_of(1000)))
    at, over = diff(plan_school(staff_of(700)), state), diff(plan_school(staff_of(699)), state)
    assert not must_hold(state, at, bulk=True)
    assert must_hold(state, over, bulk=True)


@pytest.mark.parametrize(
    ("kept", "threshold", "held"),
    [
        pytest.param(6, 0.5, False, id="40-percent-under-50"),
        pytest.param(4, 0.5, True, id="60-percent-over-50"),
        pytest.param(5, 0.5, False, id="50-percent-at-50"),
        pytest.param(9, 0.0, True, id="zero-holds-any-removal"),
        pytest.param(10, 0.0, False, id="zero-without-removals"),
        pytest.param(0, 1.0, False, id="one-never-holds"),
    ],
)
def test_threshold_is_configurable(kept: int, threshold: float, held: bool) -> None:
    state, changes = sync_down_to(kept)
    assert must_hold(state, changes, bulk=True, threshold=threshold) is held


@pytest.mark.parametrize("kept", [0, 3, 6])
def test_delta_sync_is_never_held(kept: int) -> None:
    """A delta file names each deletion; it is applied however many it names."""
    state, changes = sync_down_to(kept)
    assert not must_hold(state, changes, bulk=False)
    assert not must_hold(state, changes, bulk=False, threshold=0.0)


@pytest.mark.parametrize("kept", [0, 3, 6])
def test_force_overrides_the_hold(kept: int) -> None:
    state, changes = sync_down_to(kept)
    assert not must_hold(state, changes, bulk=True, force=True)
    assert not must_hold(state, changes, bulk=True, threshold=0.0, force=True)


def test_a_new_school_is_never_held() -> None:
    plan = plan_school(staff_of(5))
    changes = diff(plan, EMPTY)
    assert EMPTY.active_roster_member_count() == 0
    assert removal_share(EMPTY, changes) == 0.0
    assert not must_hold(EMPTY, changes, bulk=True, threshold=0.0)


def test_a_school_with_only_manual_members_is_never_held() -> None:
    chat_id = chat_id_of("staff")
    manual = [
        ExistingMember(chat_id, f"g{i}", ChatRole.MEMBER, Role.TEACHER, "Guest", source=MemberSource.MANUAL)
        for i in range(3)
    ]
    state = SchoolState(TEN.school_id, TEN.chats, {m.key: m for m in manual})
    changes = diff(plan_school(school()), state)
    assert state.active_roster_member_count() == 0
    assert removal_share(state, changes) == 0.0
    assert not must_hold(state, changes, bulk=True)


def test_manual_and_ended_rows_are_not_current_memberships() -> None:
    """The base is the school's active roster memberships: manual rows and ended rows don't count."""
    ended = synced(plan_school(staff_of(12)))
    ended = synced(plan_school(staff_of(10)), ended)  # t10 and t11 ended: rows stay, inactive
    manual = ExistingMember(
        chat_id_of("staff"), "guest", ChatRole.MEMBER, Role.TEACHER, "G", source=MemberSource.MANUAL
    )
    state = with_members(ended, manual)
    assert state.active_roster_member_count() == 10
    state, changes = sync_down_to(7, state)
    assert len(changes.members_to_remove) == 3
    assert removal_share(state, changes) == pytest.approx(0.3)
    assert not must_hold(state, changes, bulk=True)


def class_with_staff() -> SchoolRoster:
    """Staff room t0..t3 (4), class 5А: t0 + 4 students (5), parents chat: t0 (1) — 10 memberships."""
    return school(
        *(teacher(f"t{i}") for i in range(4)),
        *(student(f"s{i}") for i in range(4)),
        homeroom("5a"),
        leads("t0", "5a"),
        *(studies(f"s{i}", "5a") for i in range(4)),
    )


def test_memberships_of_archived_chats_count_as_removals() -> None:
    state = synced(plan_school(class_with_staff()))
    assert state.active_roster_member_count() == 10
    without_class = school(*class_with_staff().people.values())  # the class is gone; everyone stays
    changes = diff(plan_school(without_class), state)

    assert {c.class_id for c in changes.chats_to_archive} == {"5a"}
    assert len(changes.members_to_remove) == 6
    assert removal_share(state, changes) == pytest.approx(0.6)
    assert must_hold(state, changes, bulk=True)


def test_memberships_still_active_in_an_archived_chat_are_current() -> None:
    """A chat archived earlier whose rows are still active counts in the base, and they end now."""
    state = with_chat(synced(plan_school(class_with_staff())), "class:5a", archived=True)
    changes = diff(plan_school(school(*class_with_staff().people.values())), state)
    assert state.active_roster_member_count() == 10
    assert {c.class_id for c in changes.chats_to_archive} == {"5a"}  # the parents chat
    assert len(changes.members_to_remove) == 6
    assert removal_share(state, changes) == pytest.approx(0.6)


def test_memberships_of_a_chat_archived_by_hand_are_not_removals() -> None:
    """A moderator's archive keeps the members; the next bulk sync must not end them (nor be held for it)."""
    roster = school(
        *(teacher(f"t{i}") for i in range(2)),
        *(student(f"s{i}") for i in range(6)),
        scheduled("alg"),
        teaches("t0", "alg"),
        *(studies(f"s{i}", "alg") for i in range(6)),
    )
    state = synced(plan_school(roster, {"alg": "Алгебра"}))
    assert state.active_roster_member_count() == 9
    state = with_chat(state, "subject:alg", archived=True, archived_by_user=True)
    changes = diff(plan_school(roster, state.followed_subject_classes()), state)
    assert changes.is_empty
    assert removal_share(state, changes) == 0.0
    assert not must_hold(state, changes, bulk=True)
