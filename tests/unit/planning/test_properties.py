"""Planning and diffing over random rosters and stored states (hypothesis)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.planning.diff import apply_changes, diff, must_hold, removal_share
from chalicelib.planning.model import ChatKind, ChatRole, MemberSource, SchoolState
from chalicelib.planning.plan import plan_school
from chalicelib.roster.model import Role, SchoolRoster
from tests.unit.planning.builders import (
    active_chats,
    active_memberships,
    chat_labels,
    memberships,
    warning_codes,
)
from tests.unit.planning.oracle import expected_plan, staff_of, students_of
from tests.unit.planning.strategies import (
    PLANNING,
    SCHOOL_ID,
    any_states,
    reordered,
    rosters,
    subject_requests,
)

# --- the plan --------------------------------------------------------------------------


@given(rosters(), subject_requests)
@PLANNING
def test_plan_is_what_the_spec_says(roster: SchoolRoster, subjects: dict[str, str]) -> None:
    plan = plan_school(roster, subjects)
    chats, members, warnings = expected_plan(roster, subjects)
    assert chat_labels(plan) == chats
    assert memberships(plan) == members
    assert warning_codes(plan) == warnings


@given(st.data())
@PLANNING
def test_planning_is_deterministic(data: st.DataObject) -> None:
    roster = data.draw(rosters())
    subjects = data.draw(subject_requests)
    shuffled = data.draw(reordered(roster))
    shuffled_subjects = dict(data.draw(st.permutations(list(subjects.items()))))

    plan = plan_school(roster, subjects)
    assert plan == plan_school(roster, subjects)
    assert plan == plan_school(shuffled, shuffled_subjects)
    assert list(plan.warnings) == list(plan_school(shuffled, shuffled_subjects).warnings)


@given(rosters(), subject_requests)
@PLANNING
def test_plan_never_puts_anyone_where_they_do_not_belong(
    roster: SchoolRoster, subjects: dict[str, str]
) -> None:
    plan = plan_school(roster, subjects)
    students, staff = students_of(roster), staff_of(roster)
    for key, member in plan.members.items():
        assert key == member.key
        chat = plan.chats[member.chat_id]  # every membership is in a planned chat
        person = roster.people[member.person_id]
        assert person.active
        if chat.kind is ChatKind.PARENTS:
            assert member.person_id not in students
        if chat.kind is ChatKind.STAFF:
            assert member.person_id in staff
            assert member.person_role in person.roles
        if member.chat_role is ChatRole.MODERATOR:
            assert member.person_role in (Role.TEACHER, Role.ADMIN)
    for chat in plan.chats.values():
        assert chat.school_id == roster.school_id
        assert chat.class_id is None or chat.class_id in roster.classes


# --- one sync against whatever is stored ----------------------------------------------


@given(rosters(), subject_requests, any_states)
@PLANNING
def test_one_sync_reaches_the_plan_and_leaves_hand_made_rows_alone(
    roster: SchoolRoster, subjects: dict[str, str], state: SchoolState
) -> None:
    plan = plan_school(roster, subjects)
    changes = diff(plan, state)
    once = apply_changes(state, changes)

    assert apply_changes(once, changes) == once
    assert diff(plan, once).is_empty
    # Nothing is ever deleted.
    assert set(state.chats) <= set(once.chats)
    assert set(state.members) <= set(once.members)
    # Chats: exactly the planned ones are open, with the planned title unless a moderator locked it.
    assert {c for c, chat in once.chats.items() if not chat.archived} == set(plan.chats)
    for chat_id, planned_chat in plan.chats.items():
        previous = state.chats.get(chat_id)
        kept = previous.title if previous is not None and previous.title_locked else planned_chat.title
        assert once.chats[chat_id].title == kept
    # Members: hand-made rows (active manual members, excluded roster members) are untouched, and so is
    # every row the plan has no say over; every other planned row is active as planned; no active roster
    # row is left that the plan does not have. (A manual member a moderator removed again is an ended
    # row like any other: if the roster now wants that person, the roster adds them.)
    for key, before in state.members.items():
        hand_made = before.excluded or (before.active and before.source is MemberSource.MANUAL)
        ended = not before.active and key not in plan.members
        if hand_made or ended:
            assert once.members[key] == before
    for key, planned in plan.members.items():
        earlier = state.members.get(key)
        if earlier is not None and (
            earlier.excluded or (earlier.active and earlier.source is MemberSource.MANUAL)
        ):
            continue
        row = once.members[key]
        assert (row.active, row.source, row.chat_role, row.person_role, row.name) == (
            True,
            MemberSource.ROSTER,
            planned.chat_role,
            planned.person_role,
            planned.name,
        )
    # A chat archived by hand and not planned is detached: its rows stay exactly as they were.
    detached = {c for c, chat in state.chats.items() if chat.archived_by_user and c not in plan.chats}
    for key, row in once.members.items():
        if row.chat_id in detached:
            assert row == state.members[key]
        elif row.active and row.source is MemberSource.ROSTER:
            assert key in plan.members


@given(rosters(), subject_requests, any_states)
@PLANNING
def test_removals_count_the_memberships_of_archived_chats(
    roster: SchoolRoster, subjects: dict[str, str], state: SchoolState
) -> None:
    changes = diff(plan_school(roster, subjects), state)
    archived = {c.chat_id for c in changes.chats_to_archive}
    ending = {
        key
        for key, m in state.members.items()
        if m.chat_id in archived and m.active and m.source is MemberSource.ROSTER
    }
    assert ending <= {m.key for m in changes.members_to_remove}
    share = removal_share(state, changes)
    current = state.active_roster_member_count()
    assert share == (len(changes.members_to_remove) / current if current else 0.0)
    assert 0.0 <= share <= 1.0
    assert not must_hold(state, changes, bulk=False, threshold=0.0)
    assert not must_hold(state, changes, bulk=True, threshold=0.0, force=True)
    assert must_hold(state, changes, bulk=True, threshold=0.0) == bool(changes.members_to_remove)


# --- many syncs in a row --------------------------------------------------------------


@given(st.lists(st.tuples(rosters(), subject_requests), min_size=1, max_size=5))
@PLANNING
def test_any_sequence_of_rosters_ends_exactly_at_the_last_plan(
    steps: list[tuple[SchoolRoster, dict[str, str]]],
) -> None:
    """Each sync plans with the subject chats already followed plus any a teacher just asked for."""
    state = SchoolState(school_id=SCHOOL_ID)
    seen_chats: set[str] = set()
    for roster, requested in steps:
        plan = plan_school(roster, {**requested, **state.followed_subject_classes()})
        state = apply_changes(state, diff(plan, state))
        seen_chats |= set(plan.chats)

    assert active_chats(state) == chat_labels(plan)
    assert active_memberships(state) == memberships(plan)
    assert {(m.key, m.name) for m in state.members.values() if m.active} == {
        (m.key, m.name) for m in plan.members.values()
    }
    # Every chat ever planned is still stored (archived if gone): one row per chat, never two.
    assert set(state.chats) == seen_chats
    assert diff(plan, state).is_empty
