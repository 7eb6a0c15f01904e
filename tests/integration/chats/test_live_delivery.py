"""Live delivery (SPEC §10) through a real websocket client, on the local stack's socket server.

The socket server is ``devstack/live.py`` (the local stack's stand-in for API
Gateway) running this test app's own ``live_*`` handlers; the service posts
to it through boto3's ``apigatewaymanagementapi`` client, as it does on AWS.
Events are pushed before the API answers, so after a change the next frame a
socket reads is that change's event, or nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from websockets.sync.client import connect

from devstack.live import LiveServer
from tests.integration.chats.phone import ORIGIN, Phone
from tests.integration.chats.sockets import ask, frame, journal_socket, nothing_more
from tests.integration.chats.world import OPERATOR, World
from tests.support import token_for

pytestmark = pytest.mark.emulator


def test_a_message_reaches_the_other_members_pages_and_no_one_else(world: World, live: LiveServer) -> None:
    teacher = journal_socket(live, "t-class")
    outsider = journal_socket(live, "stu-4")  # 5Б: not in 5А's class chat
    sent = world.send("stu-1", "class", "Домашнее задание на завтра?")
    assert sent.status == 201
    event = frame(teacher)
    assert event["type"] == "message.created"
    assert event["chat_id"] == world.chats["class"]
    assert event["message_id"] == sent.body["id"]
    assert "text" not in event  # the page fetches it, membership checked again
    nothing_more(outsider)
    teacher.close()
    outsider.close()


def test_the_hosted_page_signs_in_with_its_session_cookie(api: Any, world: World, live: LiveServer) -> None:
    phone = Phone(api)
    phone.scan("par-1")
    cookie = "; ".join(f"{k}={v}" for k, v in phone.cookies.items())
    socket = connect(live.url, origin=ORIGIN, additional_headers={"Cookie": cookie})  # type: ignore[arg-type]
    assert ask(socket, {"action": "auth"}) == {"type": "ready"}
    world.send("t-class", "parents", "Собрание в четверг")
    event = frame(socket)
    assert (event["type"], event["chat_id"]) == ("message.created", world.chats["parents"])
    socket.close()


def test_another_site_cannot_use_the_visitors_cookie(api: Any, world: World, live: LiveServer) -> None:
    phone = Phone(api)
    phone.scan("par-1")
    cookie = "; ".join(f"{k}={v}" for k, v in phone.cookies.items())
    socket = connect(live.url, origin="https://evil.example", additional_headers={"Cookie": cookie})  # type: ignore[arg-type]
    assert ask(socket, {"action": "auth"}) == {"type": "error", "error": "unauthorized"}
    world.send("t-class", "parents", "Собрание в четверг")
    nothing_more(socket)
    socket.close()


@pytest.mark.parametrize(
    "frame, error",
    [
        ("not json", "bad-request"),
        ("[1, 2]", "bad-request"),
        ({"action": "subscribe", "chat_id": "anything"}, "bad-request"),
        ({"action": "auth", "token": "not-a-jwt"}, "unauthorized"),
        ({"action": "auth", "token": 12345}, "unauthorized"),
        ({"action": "auth", "token": "x" * 9000}, "bad-request"),  # over the frame limit
        ({"action": "auth"}, "unauthorized"),  # no cookie, no token
    ],
)
def test_hostile_frames_are_refused_and_change_nothing(
    world: World, live: LiveServer, services: Any, frame: Any, error: str
) -> None:
    socket = connect(live.url)
    assert ask(socket, frame) == {"type": "error", "error": error}
    world.send("stu-1", "class", "После уроков")
    nothing_more(socket)
    assert services.connections.connections_of(["t-class", "stu-1", "stu-4"], services.clock.now()) == {}
    socket.close()


def test_an_operator_token_or_an_unlinked_person_follows_nothing(world: World, live: LiveServer) -> None:
    socket = connect(live.url)
    assert ask(socket, {"action": "auth", "token": token_for(OPERATOR, operator=True)})["type"] == "error"
    assert ask(socket, {"action": "auth", "token": token_for("stu-3")}) == {  # never linked
        "type": "error",
        "error": "link-required",
    }
    socket.close()


def test_a_removed_member_gets_nothing_more(world: World, live: LiveServer) -> None:
    parent = journal_socket(live, "par-1")
    assert world.call("t-class", "DELETE", f"/v1/chats/{world.chats['custom']}/members/par-1").status == 204
    assert frame(parent) == {"type": "chat.removed", "chat_id": world.chats["custom"]}  # and nothing after
    world.send("t-class", "custom", "Без родителей")
    nothing_more(parent)
    parent.close()


def test_deletions_chat_changes_and_calls_are_pushed(world: World, live: LiveServer) -> None:
    member = journal_socket(live, "t-math")
    custom = world.chats["custom"]
    message_id = world.targets["custom"]
    assert world.call("par-1", "DELETE", f"/v1/chats/{custom}/messages/{message_id}").status in (200, 204)
    assert frame(member) == {"type": "message.deleted", "chat_id": custom, "message_id": message_id}
    assert world.call("t-class", "PATCH", f"/v1/chats/{custom}", {"title": "Экскурсия"}).status == 200
    renamed = frame(member)
    assert (renamed["type"], renamed["title"], renamed["read_only"]) == ("chat.changed", "Экскурсия", False)
    assert world.call("t-class", "PATCH", f"/v1/chats/{custom}", {"read_only": True}).status == 200
    assert frame(member)["read_only"] is True
    assert world.call("t-class", "POST", f"/v1/chats/{custom}/call", {}).status in (200, 201)
    call = frame(member)
    assert (call["type"], call["chat_id"]) == ("call.started", custom)
    assert world.call("t-class", "DELETE", f"/v1/chats/{custom}").status in (200, 204)
    archived = frame(member)
    assert (archived["type"], archived["archived"]) == ("chat.changed", True)
    member.close()


def test_a_closed_page_is_dropped_when_the_gateway_says_it_is_gone(
    world: World, live: LiveServer, services: Any
) -> None:
    now = services.clock.now()
    services.connections.connected("vanished-connection", "t-class", now.replace(year=now.year + 1))
    teacher = journal_socket(live, "t-class")
    world.send("stu-1", "class", "Есть кто?")
    assert frame(teacher)["type"] == "message.created"
    assert services.connections.person_of("vanished-connection", now) is None
    open_now = services.connections.connections_of(["t-class"], now)["t-class"]
    assert len(open_now) == 1
    teacher.close()


def test_a_closed_socket_is_forgotten(world: World, live: LiveServer, services: Any) -> None:
    teacher = journal_socket(live, "t-class")
    teacher.close()
    for _ in range(50):  # $disconnect runs on the server's thread once the close is seen
        if not services.connections.connections_of(["t-class"], services.clock.now()):
            break
        import time

        time.sleep(0.05)
    assert services.connections.connections_of(["t-class"], services.clock.now()) == {}
