"""Replies (issue #15, SPEC §10): a message may answer another message of the same chat."""

from __future__ import annotations

import pytest

from chalicelib.clock import MovableClock
from tests.integration.chats.phone import Phone
from tests.integration.chats.world import World

pytestmark = pytest.mark.emulator


def _messages(world: World, who: str, kind: str) -> list[dict]:
    reply = world.get(who, f"/v1/chats/{world.chats[kind]}/messages?limit=50")
    assert reply.status == 200, reply.body
    items: list[dict] = reply.body["items"]
    return items


def test_a_reply_names_the_message_it_answers(world: World) -> None:
    asked = world.send("stu-1", "class", "Что задали?")
    assert asked.status == 201 and asked.body["reply_to"] is None
    answer = world.send("t-class", "class", "Номер 5", reply_to=asked.body["id"])
    assert answer.status == 201, answer.body
    assert answer.body["reply_to"] == asked.body["id"]
    shown = {m["id"]: m for m in _messages(world, "stu-1", "class")}
    assert shown[answer.body["id"]]["reply_to"] == asked.body["id"]


@pytest.mark.parametrize(
    "reply_to",
    [
        "msg_does_not_exist",
        "",
        "x" * 201,
        "msg\u0000id",
        12,
    ],
)
def test_a_reply_to_something_that_is_not_a_message_of_the_chat_is_refused(
    world: World, reply_to: object
) -> None:
    before = [m["id"] for m in _messages(world, "t-class", "class")]
    refused = world.send("t-class", "class", "Ответ в никуда", reply_to=reply_to)
    assert refused.status == 422, refused.body
    assert any(error["field"].startswith("reply_to") for error in refused.body["errors"])
    assert [m["id"] for m in _messages(world, "t-class", "class")] == before


def test_a_message_of_another_chat_cannot_be_answered(world: World) -> None:
    elsewhere = world.send("t-class", "parents", "Собрание в четверг")
    assert elsewhere.status == 201
    before = [m["id"] for m in _messages(world, "t-class", "class")]
    refused = world.send("t-class", "class", "Подглядываю", reply_to=elsewhere.body["id"])
    assert refused.status == 422, refused.body
    assert refused.body["errors"] == [{"field": "reply_to", "message": "not a message of this chat"}]
    assert [m["id"] for m in _messages(world, "t-class", "class")] == before


def test_the_phone_answers_a_message_and_shows_the_quote_as_a_link_to_it(
    world: World, clock: MovableClock
) -> None:
    asked = world.send("stu-1", "class", "Можно сдать завтра?")
    assert asked.status == 201
    clock.advance(seconds=1)
    teacher = Phone(world.api)
    teacher.scan("t-class")
    path = f"/m/chats/{world.chats['class']}"
    page = teacher.open(f"{path}?reply={asked.body['id']}")
    assert page.status == 200 and 'id="reply-to"' in page.html and "Ответ: Иванов Петя" in page.html
    done = teacher.post_form(
        f"{path}/messages",
        {"csrf": page.field("csrf"), "text": "Можно", "reply_to": asked.body["id"], "client_msg_id": "r-1"},
    )
    assert done.status == 303, done.html
    newest = _messages(world, "t-class", "class")[0]
    assert newest["text"] == "Можно" and newest["reply_to"] == asked.body["id"]
    shown = teacher.open(path)
    assert f'<a class="quote" href="#m-{asked.body["id"]}">' in shown.html
    assert f'id="m-{asked.body["id"]}"' in shown.html

    # Not a message of this chat: refused in Russian, the draft kept, nothing sent.
    other = world.send("t-class", "parents", "Родителям")
    refused = teacher.post_form(
        f"{path}/messages", {"csrf": page.field("csrf"), "text": "Ответ", "reply_to": other.body["id"]}
    )
    assert refused.status == 422
    assert "сообщения, на которое вы отвечаете, в этом чате нет" in refused.html
    assert _messages(world, "t-class", "class")[0]["id"] == newest["id"]
