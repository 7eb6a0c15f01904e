"""Pushes that follow who may see a chat (SPEC §10): teacher first, and calls ending.

Through a real websocket client on the local stack's socket server (the
``live`` fixture): a class or parents chat waiting for its class teacher
pushes nothing to its pupils and parents — not even ids — until the teacher
opens it, and then tells them it appeared; a call's end is pushed like its start.
"""

from __future__ import annotations

import pytest

from devstack.live import LiveServer
from tests.integration.chats.class_5v import CLASS_CHAT, PARENTS_CHAT
from tests.integration.chats.sockets import frame, journal_socket, nothing_more
from tests.integration.chats.world import World

pytestmark = pytest.mark.emulator


def test_a_waiting_chat_pushes_nothing_to_its_pupils_and_parents(held: World, live: LiveServer) -> None:
    pupil, parent, teacher = (journal_socket(live, who) for who in ("stu-new", "par-new", "t-spare"))
    for chat_id in (CLASS_CHAT, PARENTS_CHAT):
        sent = held.post("t-spare", f"/v1/chats/{chat_id}/messages", {"text": "Скоро откроем"})
        assert sent.status == 201
        held.fan_out()
        event = frame(teacher)
        assert (event["type"], event["chat_id"]) == ("message.created", chat_id)
    assert held.call("t-spare", "PATCH", f"/v1/chats/{CLASS_CHAT}", {"title": "5В"}).status == 200
    assert frame(teacher)["type"] == "chat.changed"
    nothing_more(pupil)  # not a message id, not a title: the chat is not theirs to see yet
    nothing_more(parent)
    for socket in (pupil, parent, teacher):
        socket.close()


def test_when_the_teacher_opens_it_the_chat_appears_and_then_pushes(held: World, live: LiveServer) -> None:
    pupil = journal_socket(live, "stu-new")
    assert held.post("t-spare", f"/v1/chats/{CLASS_CHAT}/open", None).status == 200
    appeared = frame(pupil)
    assert (appeared["type"], appeared["chat_id"]) == ("chat.appeared", CLASS_CHAT)
    assert held.post("t-spare", f"/v1/chats/{CLASS_CHAT}/open", None).status == 200  # again: no event
    nothing_more(pupil)
    welcome = held.post("t-spare", f"/v1/chats/{CLASS_CHAT}/messages", {"text": "Добро пожаловать"})
    assert welcome.status == 201
    held.fan_out()
    event = frame(pupil)
    assert (event["type"], event["chat_id"], event["message_id"]) == (
        "message.created",
        CLASS_CHAT,
        welcome.body["id"],
    )
    pupil.close()


def test_a_call_ending_is_pushed(world: World, live: LiveServer) -> None:
    member = journal_socket(live, "t-math")
    custom = world.chats["custom"]
    assert world.call("t-class", "POST", f"/v1/chats/{custom}/call", {}).status in (200, 201)
    started = frame(member)
    assert started["type"] == "call.started"
    assert world.call("t-class", "DELETE", f"/v1/chats/{custom}/call").status == 204
    ended = frame(member)
    assert ended == {"type": "call.ended", "chat_id": custom, "call_id": started["call_id"]}
    member.close()


def test_a_member_taken_out_is_told_and_then_gets_nothing_of_the_chat(world: World, live: LiveServer) -> None:
    parent = journal_socket(live, "par-1")
    custom = world.chats["custom"]
    assert world.call("t-class", "DELETE", f"/v1/chats/{custom}/members/par-1").status == 204
    assert frame(parent) == {"type": "chat.removed", "chat_id": custom}
    world.send("t-class", "custom", "Без родителей")
    nothing_more(parent)
    assert world.add_members("t-class", "custom", "par-1").status in (200, 201)
    assert frame(parent) == {"type": "chat.added", "chat_id": custom}
    world.send("t-class", "custom", "С возвращением")
    event = frame(parent)
    assert (event["type"], event["chat_id"]) == ("message.created", custom)
    parent.close()
