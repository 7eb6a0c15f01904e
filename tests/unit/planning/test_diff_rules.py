"""SPEC §4 over time: what a sync writes when the roster changes, and what it leaves alone."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.planning.diff import apply_changes, diff
from chalicelib.planning.model import (
    ChatKind,
    ChatRole,
    ExistingChat,
    ExistingMember,
    MemberSource,
)
from chalicelib.planning.plan import plan_school
from chalicelib.roster.model import Role, SchoolRoster
from tests.unit.planning.builders import (
    EMPTY,
    active_memberships,
    changes_between,
    chat_id_of,
    homeroom,
    leads,
    member_row,
    memberships,
    parent,
    scheduled,
    school,
    student,
    studies,
    synced,
    teacher,
    teaches,
    with_chat,
    with_chats,
    with_members,
)


def two_classes(*, mover_in: str = "5a", with_5b: bool = True, title_5a: str = "5А") -> SchoolRoster:
    """5А (led by ct5) and 5Б (led by ct6); mover ``m`` in ``mover_in``; their sibling ``k`` in 5А.

    ``g`` is the guardian of m only; ``h`` of m and k; ``gx`` of x, who is in 5Б.
    """
    records: list[object] = [
        teacher("ct5"),
        teacher("ct6"),
        student("m"),
        student("k"),
        student("x"),
        parent("g", "m"),
        parent("h", "m", "k"),
        parent("gx", "x"),
        homeroom("5a", title_5a),
        leads("ct5", "5a"),
        studies("m", mover_in),
        studies("k", "5a"),
    ]
    if with_5b:
        records += [homeroom("5b", "5Б"), leads("ct6", "5b"), studies("x", "5b")]
    return school(*records)  # type: ignore[arg-type]


BEFORE = synced(plan_school(two_classes()))


# --- a student moves from 5А to 5Б --------------------------------------------------------


def test_student_moving_class_takes_their_guardians_along() -> None:
    changes = changes_between(plan_school(two_classes(mover_in="5b")), BEFORE)

    assert changes.removed == {("class:5a", "m"), ("parents:5a", "g")}
    assert changes.added == {("class:5b", "m"), ("parents:5b", "g"), ("parents:5b", "h")}
    # h still has k in 5А: h stays there.
    assert ("parents:5a", "h") not in changes.removed
    assert changes.updated == set()
    assert changes.created == changes.restored == changes.archived == set()
    assert changes.retitled == {}


def test_a_moved_students_old_rows_are_kept_inactive() -> None:
    after = synced(plan_school(two_classes(mover_in="5b")), BEFORE)
    assert member_row(after, "class:5a", "m").active is False
    assert member_row(after, "parents:5a", "g").active is False
    assert member_row(after, "class:5b", "m").active is True
    assert member_row(after, "parents:5a", "h").active is True
    assert set(BEFORE.members) < set(after.members)


def test_moving_back_restores_the_same_rows() -> None:
    moved = synced(plan_school(two_classes(mover_in="5b")), BEFORE)
    changes = changes_between(plan_school(two_classes()), moved)
    assert changes.added == {("class:5a", "m"), ("parents:5a", "g")}
    assert changes.removed == {("class:5b", "m"), ("parents:5b", "g"), ("parents:5b", "h")}
    back = apply_changes(moved, changes.raw)
    assert active_memberships(back) == active_memberships(BEFORE)


# --- a class that disappears, and comes back -----------------------------------------------


def test_class_that_disappears_is_archived_and_its_memberships_end() -> None:
    changes = changes_between(plan_school(two_classes(with_5b=False)), BEFORE)

    assert changes.archived == {"class:5b", "parents:5b"}
    assert changes.removed == {
        ("class:5b", "ct6"),
        ("class:5b", "x"),
        ("parents:5b", "ct6"),
        ("parents:5b", "gx"),
    }
    assert changes.created == changes.restored == changes.added == set()
    assert len(changes.raw.members_to_remove) == 4


def test_an_archived_class_keeps_its_chats_and_rows() -> None:
    after = synced(plan_school(two_classes(with_5b=False)), BEFORE)
    assert set(after.chats) == set(BEFORE.chats)
    assert set(after.members) == set(BEFORE.members)
    for label in ("class:5b", "parents:5b"):
        assert after.chats[chat_id_of(label)].archived is True
    assert not any(m.active for m in after.members.values() if m.chat_id == chat_id_of("class:5b"))
    assert after.chats[chat_id_of("class:5a")].archived is False


def test_class_that_comes_back_is_restored_not_duplicated() -> None:
    archived = synced(plan_school(two_classes(with_5b=False)), BEFORE)
    changes = changes_between(plan_school(two_classes()), archived)

    assert changes.restored == {"class:5b", "parents:5b"}
    assert changes.created == changes.archived == set()
    assert changes.added == {
        ("class:5b", "ct6"),
        ("class:5b", "x"),
        ("parents:5b", "ct6"),
        ("parents:5b", "gx"),
    }
    restored = apply_changes(archived, changes.raw)
    assert restored == BEFORE
    assert len(restored.chats) == 5


def test_archiving_twice_writes_nothing_the_second_time() -> None:
    plan = plan_school(two_classes(with_5b=False))
    assert diff(plan, synced(plan, BEFORE)).is_empty


# --- unchanged roster: nothing to write ---------------------------------------------------


@pytest.mark.parametrize(
    "roster",
    [
        pytest.param(two_classes(), id="two-classes"),
        pytest.param(two_classes(with_5b=False), id="one-class"),
        pytest.param(school(), id="empty-school"),
        pytest.param(school(student("s1"), homeroom("5a"), studies("s1", "5a")), id="no-class-teacher"),
    ],
)
def test_unchanged_roster_gives_an_empty_diff(roster: SchoolRoster) -> None:
    state = synced(plan_school(roster))
    changes = diff(plan_school(roster), state)
    assert changes.is_empty
    assert changes.touched_chat_ids == set()


def test_first_sync_of_an_empty_school_writes_nothing() -> None:
    assert diff(plan_school(school()), EMPTY).is_empty


# --- titles ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locked", "retitled"),
    [
        pytest.param((), {"class:5a": "5А профиль", "parents:5a": "5А профиль — родители"}, id="both-follow"),
        pytest.param(("class:5a",), {"parents:5a": "5А профиль — родители"}, id="class-chat-locked"),
        pytest.param(("parents:5a",), {"class:5a": "5А профиль"}, id="parents-chat-locked"),
        pytest.param(("class:5a", "parents:5a"), {}, id="both-locked"),
    ],
)
def test_class_title_change_retitles_chats_unless_locked(
    locked: tuple[str, ...], retitled: dict[str, str]
) -> None:
    state = BEFORE
    for label in locked:
        state = with_chat(state, label, title="Наш класс", title_locked=True)
    changes = changes_between(plan_school(two_classes(title_5a="5А профиль")), state)

    assert changes.retitled == retitled
    assert changes.created == changes.restored == changes.archived == set()
    assert changes.added == changes.removed == changes.updated == set()
    after = apply_changes(state, changes.raw)
    for label in locked:
        assert after.chats[chat_id_of(label)].title == "Наш класс"
        assert after.chats[chat_id_of(label)].title_locked is True
    assert diff(plan_school(two_classes(title_5a="5А профиль")), after).is_empty


def test_restoring_a_locked_chat_keeps_the_moderators_title() -> None:
    archived = synced(plan_school(two_classes(with_5b=False)), BEFORE)
    archived = with_chat(archived, "class:5b", title="Бэшки", title_locked=True)
    restored = synced(plan_school(two_classes()), archived)
    assert restored.chats[chat_id_of("class:5b")].title == "Бэшки"
    assert restored.chats[chat_id_of("parents:5b")].title == "5Б — родители"


# --- role and name changes update rows in place --------------------------------------------


def test_guardian_who_becomes_class_teacher_is_promoted_in_place() -> None:
    roster = school(
        teacher("ct"),
        student("s1"),
        parent("g", "s1"),
        homeroom("5a"),
        leads("ct", "5a"),
        studies("s1", "5a"),
    )
    state = synced(plan_school(roster))
    promoted = school(
        *roster.people.values(),
        *roster.classes.values(),
        studies("s1", "5a"),
        leads("g", "5a"),
    )
    changes = changes_between(plan_school(promoted), state)
    assert changes.updated == {("parents:5a", "g")}
    assert changes.added == {("class:5a", "g")}
    assert changes.removed == {("class:5a", "ct"), ("parents:5a", "ct")}
    row = member_row(apply_changes(state, changes.raw), "parents:5a", "g")
    assert (row.chat_role, row.person_role, row.active) == (ChatRole.MODERATOR, Role.TEACHER, True)


def test_renamed_person_is_updated_not_readded() -> None:
    roster = school(teacher("ct"), homeroom("5a"), leads("ct", "5a"))
    state = synced(plan_school(roster))
    renamed = replace(roster, people={"ct": replace(teacher("ct"), family_name="Петрова", given_name="Анна")})
    changes = changes_between(plan_school(renamed), state)
    assert changes.updated == {("staff", "ct"), ("class:5a", "ct"), ("parents:5a", "ct")}
    assert changes.added == changes.removed == set()
    after = apply_changes(state, changes.raw)
    assert member_row(after, "staff", "ct").name == "Петрова Анна"


def test_person_who_becomes_inactive_leaves_every_chat() -> None:
    roster = two_classes()
    people = {**roster.people, "h": parent("h", "m", "k", active=False), "ct5": teacher("ct5", active=False)}
    changes = changes_between(plan_school(replace(roster, people=people)), BEFORE)
    assert changes.removed == {
        ("parents:5a", "h"),
        ("staff", "ct5"),
        ("class:5a", "ct5"),
        ("parents:5a", "ct5"),
    }
    assert changes.added == changes.updated == set()


# --- what the sync leaves alone: manual and excluded members ------------------------------


def manual(label: str, person_id: str, *, active: bool = True) -> ExistingMember:
    return ExistingMember(
        chat_id=chat_id_of(label),
        person_id=person_id,
        chat_role=ChatRole.MEMBER,
        person_role=Role.PARENT,
        name="Guest",
        active=active,
        source=MemberSource.MANUAL,
    )


def excluded(label: str, person_id: str, role: Role) -> ExistingMember:
    return ExistingMember(
        chat_id=chat_id_of(label),
        person_id=person_id,
        chat_role=ChatRole.MEMBER,
        person_role=role,
        name="X",
        active=False,
        source=MemberSource.ROSTER,
        excluded=True,
    )


def test_manual_members_are_never_touched() -> None:
    state = with_members(
        BEFORE,
        manual("class:5a", "guest"),  # someone the roster knows nothing about
        manual("parents:5a", "h"),  # the roster also wants h here: the manual row stays as it is
        manual("class:5b", "gone", active=False),  # a manual member a moderator removed again
    )
    for roster in (two_classes(), two_classes(mover_in="5b"), two_classes(with_5b=False)):
        changes = changes_between(plan_school(roster), state)
        touched = changes.added | changes.updated | changes.removed
        assert ("class:5a", "guest") not in touched
        assert ("parents:5a", "h") not in touched
        assert ("class:5b", "gone") not in touched
        after = apply_changes(state, changes.raw)
        assert member_row(after, "class:5a", "guest") == manual("class:5a", "guest")
        assert member_row(after, "parents:5a", "h") == manual("parents:5a", "h")


def test_manual_members_stay_when_their_chat_is_archived() -> None:
    state = with_members(BEFORE, manual("class:5b", "guest"))
    changes = changes_between(plan_school(two_classes(with_5b=False)), state)
    assert changes.archived == {"class:5b", "parents:5b"}
    assert ("class:5b", "guest") not in changes.removed
    assert member_row(apply_changes(state, changes.raw), "class:5b", "guest").active is True


def test_excluded_members_are_not_added_back() -> None:
    state = with_members(
        BEFORE, excluded("parents:5a", "h", Role.PARENT), excluded("class:5a", "k", Role.STUDENT)
    )
    changes = changes_between(plan_school(two_classes()), state)
    assert changes.raw.is_empty
    after = apply_changes(state, changes.raw)
    assert member_row(after, "parents:5a", "h").excluded is True
    assert member_row(after, "parents:5a", "h").active is False


def test_excluded_member_who_leaves_the_class_stays_excluded_and_inactive() -> None:
    state = with_members(BEFORE, excluded("class:5a", "m", Role.STUDENT))
    changes = changes_between(plan_school(two_classes(mover_in="5b")), state)
    assert ("class:5a", "m") not in changes.removed
    assert ("class:5b", "m") in changes.added


# --- subject chats -----------------------------------------------------------------------


def subject_school(*extra: object) -> SchoolRoster:
    return school(
        teacher("t1"),
        student("s1"),
        student("s2"),
        scheduled("alg", "Алгебра 7"),
        teaches("t1", "alg"),
        studies("s1", "alg"),
        *extra,  # type: ignore[arg-type]
    )


def test_subject_chat_follows_the_roster() -> None:
    state = synced(plan_school(subject_school(), {"alg": "Алгебра 7А"}))
    roster = subject_school(studies("s2", "alg"))
    changes = changes_between(plan_school(roster, state.followed_subject_classes()), state)
    assert changes.added == {("subject:alg", "s2")}
    assert changes.removed == changes.updated == set()
    assert changes.retitled == {}


def test_subject_chat_archived_by_a_user_stays_out_of_the_plan() -> None:
    """Archiving by hand keeps messages and members (read-only); the roster no longer follows the chat."""
    state = synced(plan_school(subject_school(), {"alg": "Алгебра 7А"}))
    state = with_chat(state, "subject:alg", archived=True, archived_by_user=True)

    roster = subject_school(studies("s2", "alg"))
    plan = plan_school(roster, state.followed_subject_classes())
    assert chat_id_of("subject:alg") not in plan.chats
    assert {label for (label, *_rest) in memberships(plan)} == {"staff"}
    changes = changes_between(plan, state)
    assert changes.raw.is_empty
    after = apply_changes(state, changes.raw)
    assert member_row(after, "subject:alg", "s1").active is True
    assert after.chats[chat_id_of("subject:alg")].archived is True


def test_subject_chat_archived_by_a_user_is_left_alone_even_when_its_class_goes() -> None:
    state = synced(plan_school(subject_school(), {"alg": "Алгебра 7А"}))
    state = with_chat(state, "subject:alg", archived=True, archived_by_user=True)
    plan = plan_school(school(teacher("t1")), state.followed_subject_classes())
    changes = changes_between(plan, state)
    assert changes.raw.is_empty


def test_unarchived_subject_chat_follows_the_roster_again() -> None:
    state = synced(plan_school(subject_school(), {"alg": "Алгебра 7А"}))
    state = with_chat(state, "subject:alg", archived=True, archived_by_user=True)
    state = with_chat(state, "subject:alg", archived=False, archived_by_user=False)
    roster = subject_school(studies("s2", "alg"))
    changes = changes_between(plan_school(roster, state.followed_subject_classes()), state)
    assert changes.added == {("subject:alg", "s2")}
    assert changes.removed == set()


def test_subject_chat_archived_because_its_class_went_comes_back_with_it() -> None:
    state = synced(plan_school(subject_school(), {"alg": "Алгебра 7А"}))
    gone = school(teacher("t1"), student("s1"))
    state = synced(plan_school(gone, state.followed_subject_classes()), state)
    assert state.chats[chat_id_of("subject:alg")].archived is True
    changes = changes_between(plan_school(subject_school(), state.followed_subject_classes()), state)
    assert changes.restored == {"subject:alg"}
    assert changes.added == {("subject:alg", "t1"), ("subject:alg", "s1")}


# --- chats the sync does not manage -------------------------------------------------------


def test_apply_changes_keeps_what_the_store_keeps_on_restore() -> None:
    """The store only flips ``archived`` and sets the title; the user's archive flag and activity stay."""
    chat = ExistingChat(
        chat_id=chat_id_of("class:5b"),
        school_id="s1",
        kind=ChatKind.CLASS,
        class_id="5b",
        title="5Б",
        archived=True,
        archived_by_user=True,
        last_activity="2025-09-01T08:00:00Z",
    )
    state = with_chats(BEFORE, chat)
    plan = plan_school(two_classes())
    after = apply_changes(state, diff(plan, state))
    restored = after.chats[chat.chat_id]
    assert restored.archived is False
    assert restored.archived_by_user is True
    assert restored.last_activity == "2025-09-01T08:00:00Z"
