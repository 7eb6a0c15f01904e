"""A send and the fan-out behind it, on the in-memory twin: what is queued, and what delivering it does."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.chats.service import ChatService
from chalicelib.clock import MovableClock, isoformat_utc
from chalicelib.errors import Conflict
from chalicelib.fanout.deliver import deliver
from chalicelib.fanout.payload import message_sent, to_body
from chalicelib.identity.journal_token import Caller
from chalicelib.memory.chats import InMemoryChats
from chalicelib.memory.fanout import HeldFanOut
from chalicelib.pipeline.queue_payloads import MalformedMessage
from chalicelib.planning.diff import diff
from chalicelib.planning.model import ChatKind, roster_chat_id
from chalicelib.planning.plan import plan_school
from tests.builders import sample_school

SCHOOL = "school-1"
ROSTER = sample_school(SCHOOL, classes=2, students=2, parents_per_student=1)
CLASS = roster_chat_id(SCHOOL, ChatKind.CLASS, "school-1-c0")
PARENTS = roster_chat_id(SCHOOL, ChatKind.PARENTS, "school-1-c0")
TEACHER, STUDENT = "school-1-c0-t", "school-1-c0-s0"


class RecordingLive:
    def __init__(self) -> None:
        self.pushes: list[tuple[list[str], dict[str, Any]]] = []

    def push(self, person_ids: Iterable[str], event: Mapping[str, Any]) -> None:
        self.pushes.append((sorted(person_ids), dict(event)))


@pytest.fixture
def twin() -> InMemoryChats:
    chats = InMemoryChats()
    state = chats.load_school_state(SCHOOL)
    chats.apply_roster_changes(state, diff(plan_school(ROSTER, {}), state), datetime(2026, 9, 1, tzinfo=UTC))
    chats.save_roster(ROSTER)
    for person in (TEACHER, STUDENT):
        chats.link(person)
    return chats


def order(service: ChatService, person_id: str) -> list[str]:
    return [chat.chat_id for _, chat in service.list_chats(Caller(person_id), 50, None).items]


def test_a_send_is_queued_once_per_call_and_lists_move_only_when_it_is_delivered(twin: InMemoryChats) -> None:
    clock, queue, live = MovableClock(), HeldFanOut(), RecordingLive()
    service = ChatService(twin, twin, twin, clock, fan_out=queue)
    clock.advance(minutes=1)
    service.send_message(Caller(TEACHER), PARENTS, "Собрание", None)
    clock.advance(minutes=1)
    sent = service.send_message(Caller(TEACHER), CLASS, "Контрольная", "c-1")
    retry = service.send_message(Caller(TEACHER), CLASS, "Контрольная", "c-1")
    with pytest.raises(Conflict):
        service.send_message(Caller(TEACHER), CLASS, "другой текст", "c-1")
    # A retry is queued again (its first attempt may have stopped before); a refused send is not.
    assert [m.message_id for m in queue.queued][1:] == [sent.message.message_id] * 2 and not retry.created
    assert queue.queued[1].sent_at == isoformat_utc(sent.message.sent_at)
    before = order(service, TEACHER)

    for job in reversed(queue.queued):  # newest first, the retry's duplicate among them
        deliver(twin, live, job)
    assert order(service, TEACHER)[:2] == [CLASS, PARENTS] != before[:2]
    members = sorted(m.person_id for m in service.directory.members(CLASS, 100, None).items)
    assert live.pushes[0] == (
        members,
        {"type": "message.created", "chat_id": CLASS, "message_id": sent.message.message_id},
    )
    assert len(live.pushes) == 3


def test_the_queue_message_round_trips_and_refuses_what_is_not_one(twin: InMemoryChats) -> None:
    queue = HeldFanOut()
    service = ChatService(twin, twin, twin, MovableClock(), fan_out=queue)
    service.send_message(Caller(STUDENT), CLASS, "привет", None)
    (job,) = queue.queued
    assert message_sent(to_body(job)) == job
    for hostile in (
        "",
        "{}",
        '{"chat_id": 1}',
        to_body(job).replace("msg_", "../"),
        to_body(job) + " " * 5000,
    ):
        with pytest.raises(MalformedMessage):
            message_sent(hostile)
