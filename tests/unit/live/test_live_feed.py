"""Live delivery's rules on the in-memory twins (no emulator): who gets a chat's events, and when.

The delivery port is a list here; ``tests/integration/chats/test_live_delivery.py``
runs the same over real sockets, and ``test_websocket_delivery.py`` the
management-API adapter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.chats.service import ChatService
from chalicelib.clock import MovableClock
from chalicelib.identity.journal_token import Caller
from chalicelib.live.feed import ChatFeed
from chalicelib.live.port import NoLiveDelivery
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
TEACHER, STUDENT, OTHER_STUDENT = "school-1-c0-t", "school-1-c0-s0", "school-1-c1-s0"
PARENT = "school-1-c0-s0-p0"


class Recorded:
    """A LiveDelivery that keeps what it was asked to push."""

    def __init__(self) -> None:
        self.pushes: list[tuple[set[str], dict[str, Any]]] = []

    def push(self, person_ids: Iterable[str], event: Mapping[str, Any]) -> None:
        self.pushes.append((set(person_ids), dict(event)))


class Failing:
    """A LiveDelivery whose transport is down."""

    def push(self, person_ids: Iterable[str], event: Mapping[str, Any]) -> None:
        raise ConnectionError("the gateway is unreachable")


@pytest.fixture
def twin() -> InMemoryChats:
    chats = InMemoryChats()
    state = chats.load_school_state(SCHOOL)
    chats.apply_roster_changes(state, diff(plan_school(ROSTER, {}), state), datetime(2026, 9, 1, tzinfo=UTC))
    chats.save_roster(ROSTER)
    for person in (TEACHER, STUDENT, OTHER_STUDENT, PARENT):
        chats.link(person)
    return chats


def _service(twin: InMemoryChats, live: Any) -> ChatService:
    # A send's push goes out from its fan-out (run at once here), everything else from the service.
    return ChatService(
        twin, twin, twin, MovableClock(), fan_out=InlineFanOut(twin, live), feed=ChatFeed(twin, live)
    )


def test_a_message_goes_to_the_chats_members_of_the_moment_and_nobody_else(twin: InMemoryChats) -> None:
    live = Recorded()
    chats = _service(twin, live)
    sent = chats.send_message(Caller(STUDENT), CLASS, "Привет", None)
    [(people, event)] = live.pushes
    members = {m.person_id for m in twin.members(CLASS, 500, None).items}
    assert people == members and TEACHER in people and STUDENT in people
    assert (
        OTHER_STUDENT not in people and PARENT not in people
    )  # another class; a parent: never a students' chat
    assert event == {
        "type": "message.created",
        "chat_id": CLASS,
        "message_id": sent.message.message_id,
    }  # ids only: the page fetches the message through its own membership check


def test_a_retried_send_announces_the_same_message(twin: InMemoryChats) -> None:
    """A retry queues its fan-out again (the first may have stopped early); pages know a message by its id."""
    live = Recorded()
    chats = _service(twin, live)
    first = chats.send_message(Caller(STUDENT), CLASS, "Привет", "retry-1")
    chats.send_message(Caller(STUDENT), CLASS, "Привет", "retry-1")
    assert {event["message_id"] for _, event in live.pushes} == {first.message.message_id}
    assert len(twin.list_messages(CLASS, 10, None).items) == 1


def test_edits_deletions_and_archiving_are_pushed(twin: InMemoryChats) -> None:
    live = Recorded()
    chats = _service(twin, live)
    custom = chats.create_custom_chat(Caller(TEACHER), SCHOOL, "Поход", [STUDENT]).access.chat.chat_id
    sent = chats.send_message(Caller(STUDENT), custom, "Беру палатку", None)
    chats.delete_message(Caller(TEACHER), custom, sent.message.message_id)
    chats.edit_chat(Caller(TEACHER), custom, ChatEdit(title="Поход в лес"))
    chats.archive_chat(Caller(TEACHER), custom)
    kinds = [(event["type"], people) for people, event in live.pushes]
    assert kinds == [
        ("message.created", {TEACHER, STUDENT}),
        ("message.deleted", {TEACHER, STUDENT}),
        ("chat.changed", {TEACHER, STUDENT}),
        ("chat.changed", {TEACHER, STUDENT}),
    ]
    assert live.pushes[2][1]["title"] == "Поход в лес"
    assert live.pushes[3][1]["archived"] is True and live.pushes[3][1]["read_only"] is True


def test_a_removed_member_gets_nothing_more(twin: InMemoryChats) -> None:
    live = Recorded()
    chats = _service(twin, live)
    custom = chats.create_custom_chat(Caller(TEACHER), SCHOOL, "Поход", [STUDENT]).access.chat.chat_id
    chats.remove_member(Caller(TEACHER), custom, STUDENT)
    chats.send_message(Caller(TEACHER), custom, "Без тебя", None)
    assert live.pushes[-1][0] == {TEACHER}


def test_with_live_delivery_off_nothing_is_read(twin: InMemoryChats) -> None:
    class Untouchable(InMemoryChats):
        def members(self, chat_id: str, limit: int, after: str | None) -> Any:
            raise AssertionError("no member list is read when nothing is pushed")

    feed = ChatFeed(Untouchable(), NoLiveDelivery())
    feed.publish(CLASS, {"type": "message.created", "chat_id": CLASS})


def test_a_failing_push_never_fails_the_change(twin: InMemoryChats) -> None:
    chats = _service(twin, Failing())
    sent = chats.send_message(Caller(STUDENT), CLASS, "Всё равно дошло", None)
    assert twin.get_message(CLASS, sent.message.message_id) is not None


def test_membership_changes_are_told_to_the_people_they_concern(twin: InMemoryChats) -> None:
    live = Recorded()
    chats = _service(twin, live)
    custom = chats.create_custom_chat(Caller(TEACHER), SCHOOL, "Поход", [STUDENT]).access.chat.chat_id
    live.pushes.clear()
    chats.add_members(Caller(TEACHER), custom, [OTHER_STUDENT])
    chats.remove_member(Caller(TEACHER), custom, STUDENT)
    assert live.pushes == [
        ({OTHER_STUDENT}, {"type": "chat.added", "chat_id": custom}),
        ({STUDENT}, {"type": "chat.removed", "chat_id": custom}),
    ]


@pytest.mark.parametrize("waits", [True, False])
def test_a_sync_tells_who_left_and_who_joined_but_not_pupils_of_a_chat_that_waits(
    twin: InMemoryChats, waits: bool
) -> None:
    from chalicelib.planning.diff import ChangeSet
    from chalicelib.planning.model import ChatRole, ExistingMember, PlannedMember
    from chalicelib.roster.model import Role

    live = Recorded()
    feed = ChatFeed(twin, live, held=lambda chat: waits and chat.kind in (ChatKind.CLASS, ChatKind.PARENTS))
    state = twin.load_school_state(SCHOOL)
    parents = roster_chat_id(SCHOOL, ChatKind.PARENTS, "school-1-c0")
    subject = next(
        chat.chat_id for chat in state.chats.values() if chat.kind in (ChatKind.SUBJECT, ChatKind.STAFF)
    )
    left = ExistingMember(CLASS, STUDENT, ChatRole.MEMBER, Role.STUDENT, "Ученик")
    changes = ChangeSet(
        SCHOOL,
        members_to_add=(
            PlannedMember(CLASS, OTHER_STUDENT, ChatRole.MEMBER, Role.STUDENT, "Новенький"),  # may wait
            PlannedMember(CLASS, "t-new", ChatRole.MODERATOR, Role.TEACHER, "Учитель"),
            PlannedMember(parents, PARENT, ChatRole.MEMBER, Role.PARENT, "Родитель"),  # may wait
            PlannedMember(subject, PARENT, ChatRole.MEMBER, Role.PARENT, "Родитель"),
        ),
        members_to_remove=(left,),
    )
    feed.tell_roster_changes(state, changes)
    # Teacher first off (or the chat opened): a pupil put in the class chat is told, with the teacher.
    told_class = {"t-new"} if waits else {OTHER_STUDENT, "t-new"}
    told_parent = [] if waits else [({PARENT}, {"type": "chat.added", "chat_id": parents})]
    # One push per chat and event (each push reads its people's sockets), in the order of the changes.
    assert live.pushes == [
        ({STUDENT}, {"type": "chat.removed", "chat_id": CLASS}),
        (told_class, {"type": "chat.added", "chat_id": CLASS}),
        *told_parent,
        ({PARENT}, {"type": "chat.added", "chat_id": subject}),
    ]
