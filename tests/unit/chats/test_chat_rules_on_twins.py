"""The chats use cases and their authorization rules, on the in-memory twin: no emulator, no HTTP.

The whole rule book — ``tests/integration/chats/test_authorization_matrix.py``,
every caller × route × chat kind through the app's routes — runs on the twins
(no emulator) and on DynamoDB from one table; this file checks rules (SPEC §6)
where they live — the pure ``chats.access`` and ``chats.service.ChatService``,
without HTTP — in milliseconds. ``tests/contract/`` is what makes the twin a fair stand-in.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.chats.service import ChatService
from chalicelib.clock import MovableClock
from chalicelib.errors import Conflict, Forbidden, LinkRequired, NotFound, ReadOnly, ValidationFailed
from chalicelib.identity.journal_token import Caller
from chalicelib.memory.chats import InMemoryChats
from chalicelib.memory.fanout import InlineFanOut
from chalicelib.messenger.port import ChatEdit
from chalicelib.planning.diff import diff
from chalicelib.planning.model import ChatKind, roster_chat_id
from chalicelib.planning.plan import plan_school
from tests.builders import sample_school

SCHOOL = "school-1"
ROSTER = sample_school(SCHOOL, classes=2, students=2, parents_per_student=1)
CLASS = roster_chat_id(SCHOOL, ChatKind.CLASS, "school-1-c0")
PARENTS = roster_chat_id(SCHOOL, ChatKind.PARENTS, "school-1-c0")
TEACHER, OTHER_TEACHER = "school-1-c0-t", "school-1-c1-t"
STUDENT, OTHER_STUDENT, PARENT = "school-1-c0-s0", "school-1-c1-s0", "school-1-c0-s0-p0"
ADMIN = "admin-school-1"


@pytest.fixture
def chats() -> ChatService:
    """A synced school on the twin; everyone but ``school-1-c0-s1`` linked."""
    twin = InMemoryChats()
    state = twin.load_school_state(SCHOOL)
    twin.apply_roster_changes(state, diff(plan_school(ROSTER, {}), state), datetime(2026, 9, 1, tzinfo=UTC))
    twin.save_roster(ROSTER)
    for person in (TEACHER, OTHER_TEACHER, STUDENT, OTHER_STUDENT, PARENT, ADMIN):
        twin.link(person)
    return ChatService(twin, twin, twin, MovableClock(), fan_out=InlineFanOut(twin))


def me(person_id: str, *, operator: bool = False) -> Caller:
    return Caller(person_id, is_operator=operator)


def test_members_see_their_chats_and_nobody_else_does(chats: ChatService) -> None:
    assert chats.open_chat(me(STUDENT), CLASS).my_role == "member"
    assert chats.open_chat(me(TEACHER), CLASS).is_moderator
    with pytest.raises(NotFound):
        chats.open_chat(me(OTHER_STUDENT), CLASS)
    with pytest.raises(NotFound):
        chats.open_chat(me(STUDENT), "ch_does_not_exist")  # the same answer: ids cannot be probed
    with pytest.raises(LinkRequired):
        chats.open_chat(me("school-1-c0-s1"), CLASS)  # a member, but not linked


def test_a_parent_never_counts_as_a_member_of_a_students_chat(chats: ChatService) -> None:
    assert chats.open_chat(me(PARENT), PARENTS).my_role == "member"
    with pytest.raises(NotFound):
        chats.open_chat(me(PARENT), CLASS)
    assert CLASS not in {chat.chat_id for _, chat in chats.list_chats(me(PARENT), 50, None).items}


def test_administrators_and_operators_see_through_the_back_office_but_read_no_messages(
    chats: ChatService,
) -> None:
    for caller in (me(ADMIN), me("operator-1", operator=True)):
        seen = chats.open_chat(caller, CLASS)
        assert seen.membership is None and seen.my_role is None
        with pytest.raises((Forbidden, LinkRequired)):
            chats.list_messages(caller, CLASS, 10, None)
    with pytest.raises(NotFound):
        chats.require_back_office(me(TEACHER), SCHOOL)
    chats.require_back_office(me(ADMIN), SCHOOL)
    assert chats.school_chats(me(ADMIN), SCHOOL, 100, None).items


def test_only_teachers_create_chats_and_only_with_people_of_their_school(chats: ChatService) -> None:
    made = chats.create_custom_chat(me(TEACHER), SCHOOL, "Кружок", [STUDENT], "req-1")
    assert made.created and made.access.is_moderator and made.access.chat.member_count == 2
    again = chats.create_custom_chat(me(TEACHER), SCHOOL, "Кружок", [STUDENT], "req-1")
    assert not again.created and again.access.chat.chat_id == made.access.chat.chat_id
    with pytest.raises(Conflict):
        chats.create_custom_chat(me(TEACHER), SCHOOL, "Другой", [STUDENT], "req-1")
    with pytest.raises(Forbidden):
        chats.create_custom_chat(me(STUDENT), SCHOOL, "Кружок", [], None)
    with pytest.raises(ValidationFailed):
        chats.create_custom_chat(me(TEACHER), SCHOOL, "Кружок", ["someone-else"], None)


def test_a_subject_chat_needs_a_scheduled_class_and_roster_chats_keep_their_members(
    chats: ChatService,
) -> None:
    with pytest.raises(ValidationFailed):
        chats.create_subject_chat(me(TEACHER), SCHOOL, "school-1-c0", None)  # a homeroom, not scheduled
    with pytest.raises(Conflict):
        chats.add_members(me(TEACHER), CLASS, [OTHER_STUDENT])
    with pytest.raises(NotFound):
        chats.add_members(me(OTHER_TEACHER), CLASS, [OTHER_STUDENT])


def test_roster_chats_follow_the_roster_and_archived_chats_take_no_posts(chats: ChatService) -> None:
    with pytest.raises(Conflict):
        chats.archive_chat(me(TEACHER), CLASS)
    with pytest.raises(Forbidden):
        chats.archive_chat(me(STUDENT), CLASS)
    custom = chats.create_custom_chat(me(TEACHER), SCHOOL, "Кружок", [STUDENT], None).access.chat.chat_id
    assert chats.archive_chat(me(TEACHER), custom).chat.archived
    with pytest.raises(ReadOnly):
        chats.send_message(me(STUDENT), custom, "привет", None)


def test_announcements_mode_and_deleting_messages(chats: ChatService) -> None:
    sent = chats.send_message(me(STUDENT), CLASS, "привет", "c-1")
    assert chats.send_message(me(STUDENT), CLASS, "привет", "c-1").created is False
    with pytest.raises(Conflict):
        chats.send_message(me(STUDENT), CLASS, "другое", "c-1")
    with pytest.raises(Forbidden):
        chats.edit_chat(me(STUDENT), CLASS, ChatEdit(read_only=True))
    edited = chats.edit_chat(me(TEACHER), CLASS, ChatEdit(read_only=True))
    assert edited.chat.read_only
    with pytest.raises(ReadOnly):
        chats.send_message(me(STUDENT), CLASS, "ещё", None)
    assert isinstance(chats.clock, MovableClock)
    chats.clock.advance(seconds=1)
    assert chats.send_message(me(TEACHER), CLASS, "объявление", None).created
    assert chats.delete_message(me(TEACHER), CLASS, sent.message.message_id).deleted  # a moderator may
    page = chats.list_messages(me(STUDENT), CLASS, 10, None)
    assert [m.text for m in page.items] == ["объявление", ""]
