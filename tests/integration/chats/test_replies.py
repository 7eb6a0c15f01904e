"""Replies (issue #15, SPEC §10): a message may answer another message of the same chat."""

from __future__ import annotations

import pytest

from chalicelib.clock import MovableClock
from chalicelib.identity.journal_token import Caller
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


def _long_chat(world: World, services: object, clock: MovableClock, count: int) -> tuple[str, list[str]]:
    """The class chat with a first question and ``count`` messages after it; ids oldest first."""
    clock.advance(seconds=1)  # after the world's own messages: same-second messages order by random id
    asked = world.send("stu-1", "class", "Вопрос в самом начале")
    assert asked.status == 201
    ids = [asked.body["id"]]
    chat = services.chats.open_chat(Caller("t-class"), world.chats["class"]).chat  # type: ignore[attr-defined]
    for number in range(count):
        clock.advance(seconds=1)
        sent = services.messenger.post_message(  # type: ignore[attr-defined]
            chat.as_existing(), "t-class", "Классная Анна", f"Сообщение {number}", None, clock.now(), None
        )
        ids.append(sent.message.message_id)
    clock.advance(seconds=1)
    answer = world.send("t-class", "class", "Отвечаю на вопрос", reply_to=asked.body["id"])
    assert answer.status == 201
    return answer.body["id"], ids


def test_a_page_can_start_at_a_quoted_message_far_back(
    world: World, services: object, clock: MovableClock
) -> None:
    from tests.openapi import assert_documented

    answer_id, ids = _long_chat(world, services, clock, 12)
    base = f"/v1/chats/{world.chats['class']}/messages"
    newest = world.get("stu-1", f"{base}?limit=5").body["items"]
    assert newest[0]["id"] == answer_id and ids[0] not in {m["id"] for m in newest}

    page = world.get("stu-1", f"{base}?limit=5&start_at={ids[0]}")
    assert page.status == 200, page.body
    assert_documented("GET", "/v1/chats/{chat_id}/messages", 200, page.body, page.headers.get("Content-Type"))
    assert page.body["items"][0]["id"] == ids[0] and len(page.body["items"]) <= 5
    assert not {m["id"] for m in page.body["items"][1:]} & set(ids)  # only what came before it

    middle = world.get("stu-1", f"{base}?limit=5&start_at={ids[8]}").body
    assert [m["id"] for m in middle["items"]] == list(reversed(ids[4:9]))
    older = world.get("stu-1", f"{base}?limit=5&cursor={middle['next_cursor']}").body
    assert "items" in older, older
    assert [m["id"] for m in older["items"]][:4] == list(reversed(ids[0:4]))  # no gap, no repeat


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("start_at=msg_does_not_exist", 404),
        ("start_at=", 422),
        ("start_at=" + "x" * 201, 422),
        ("start_at=msg%00id", 422),
        ("start_at=%E2%80%AE", 404),
        ("start_at=a&start_at=b", None),
        ("start_at={first}&cursor=abc", 422),
        ("start_at={other_chat}", 404),
        ("start_at={first}&limit=0", 422),
    ],
)
def test_a_hostile_start_at_gets_a_clear_problem(world: World, query: str, status: int | None) -> None:
    first = world.send("stu-1", "class", "Первое").body["id"]
    other_chat = world.send("t-class", "parents", "Родителям").body["id"]
    path = f"/v1/chats/{world.chats['class']}/messages?" + query.format(first=first, other_chat=other_chat)
    reply = world.get("stu-1", path)
    if status is None:  # a repeated parameter: one of them is used, or it is refused; never a crash
        assert reply.status in (200, 404, 422), reply.body
    else:
        assert reply.status == status, (query, reply.body)
    if reply.status >= 400:
        assert reply.headers["Content-Type"].startswith("application/problem+json")


def test_only_members_start_a_page_at_a_message(world: World) -> None:
    first = world.send("stu-1", "class", "Только для класса").body["id"]
    for who in ("par-1", "t-other"):
        refused = world.get(who, f"/v1/chats/{world.chats['class']}/messages?start_at={first}")
        assert refused.status == 404 and refused.problem_type == "not-found", (who, refused.body)


def test_the_phone_quote_of_a_message_further_back_leads_to_the_page_starting_at_it(
    world: World, services: object, clock: MovableClock
) -> None:
    _, ids = _long_chat(world, services, clock, 35)  # more than a page (30)
    teacher = Phone(world.api)
    teacher.scan("t-class")
    path = f"/m/chats/{world.chats['class']}"
    newest = teacher.open(path)
    assert f'id="m-{ids[0]}"' not in newest.html
    link = f'<a class="quote quote-further" href="{path}?start_at={ids[0]}#m-{ids[0]}">'
    assert link in newest.html
    further = teacher.open(f"{path}?start_at={ids[0]}")
    assert further.status == 200 and f'id="m-{ids[0]}"' in further.html
    assert 'id="newest"' in further.html  # «К последним сообщениям»
    assert teacher.open(f"{path}?start_at=msg_nope").status == 404
    assert teacher.open(f"{path}?start_at=%00").status == 422
