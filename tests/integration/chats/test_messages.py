"""The built-in messenger through the HTTP API: sending, idempotency, pages, read-only, deleting."""

from __future__ import annotations

import pytest

from chalicelib.clock import MovableClock
from tests.integration.chats.world import World

pytestmark = pytest.mark.emulator


def messages_path(world: World, kind: str, query: str = "") -> str:
    return f"/v1/chats/{world.chats[kind]}/messages{query}"


def test_a_retried_send_returns_the_first_message(world: World, clock: MovableClock) -> None:
    first = world.send("stu-1", "class", "Когда контрольная?", client_msg_id="c-1")
    clock.advance(seconds=5)
    retry = world.send("stu-1", "class", "Когда контрольная?", client_msg_id="c-1")

    assert first.status == 201 and retry.status == 200
    assert retry.body == first.body
    assert first.body["client_msg_id"] == "c-1"
    listed = world.get("stu-1", messages_path(world, "class")).body["items"]
    assert [m["id"] for m in listed].count(first.body["id"]) == 1
    assert len(listed) == 2  # the world's own message and this one, once
    chat = world.get("stu-1", f"/v1/chats/{world.chats['class']}").body
    assert chat["last_message"]["id"] == first.body["id"]


def test_a_client_msg_id_belongs_to_its_author_and_its_text(world: World) -> None:
    mine = world.send("stu-1", "class", "раз", client_msg_id="same")
    someone_else = world.send("stu-2", "class", "два", client_msg_id="same")
    reused = world.send("stu-1", "class", "другой текст", client_msg_id="same")

    assert mine.status == someone_else.status == 201
    assert mine.body["id"] != someone_else.body["id"]
    assert reused.status == 409 and reused.problem_type == "conflict"
    texts = [m["text"] for m in world.get("stu-1", messages_path(world, "class")).body["items"]]
    assert "другой текст" not in texts


def test_text_is_trimmed_and_at_most_4000_characters(world: World) -> None:
    padded = world.send("stu-1", "class", "  привет \n")
    longest = world.send("stu-1", "class", " " + "я" * 4000 + " ")
    too_long = world.send("stu-1", "class", "я" * 4001)
    blank = world.send("stu-1", "class", " \n\t ")

    assert padded.status == 201 and padded.body["text"] == "привет"
    assert longest.status == 201 and len(longest.body["text"]) == 4000
    assert too_long.status == 422 and too_long.problem_type == "validation"
    assert blank.status == 422
    assert len(world.get("stu-1", messages_path(world, "class")).body["items"]) == 3


def test_pages_have_no_gaps_or_duplicates_while_new_messages_arrive(
    world: World, clock: MovableClock
) -> None:
    before = {m["id"] for m in world.get("stu-1", messages_path(world, "class")).body["items"]}
    sent = []
    for number in range(59):
        clock.advance(milliseconds=250)
        author = "stu-1" if number % 2 else "t-class"
        sent.append(world.send(author, "class", f"сообщение {number}").body["id"])
    expected = list(reversed(sent)) + sorted(before)  # newest first, then the world's first message

    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        query = "?limit=20" + (f"&cursor={cursor}" if cursor else "")
        page = world.get("stu-1", messages_path(world, "class", query)).body
        seen += [m["id"] for m in page["items"]]
        pages += 1
        # New messages keep arriving between pages: they belong before page 1, never inside later pages.
        for extra in range(3):
            clock.advance(milliseconds=100)
            world.send("stu-2", "class", f"пока листали {pages}.{extra}")
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert pages == 3
    assert seen == expected
    fresh = world.get("stu-1", messages_path(world, "class")).body
    assert len(fresh["items"]) == 50  # the default page
    assert fresh["items"][0]["text"] == "пока листали 3.2"
    assert fresh["next_cursor"] is not None


def test_read_only_mode_lets_only_moderators_post(world: World) -> None:
    switched = world.call("t-class", "PATCH", f"/v1/chats/{world.chats['class']}", {"read_only": True})
    assert switched.status == 200 and switched.body["read_only"] is True

    refused = world.send("stu-1", "class", "можно спросить?")
    announced = world.send("t-class", "class", "Завтра экскурсия")
    seen_by_student = world.get("stu-1", f"/v1/chats/{world.chats['class']}").body

    assert refused.status == 409 and refused.problem_type == "read-only"
    assert announced.status == 201
    assert seen_by_student["read_only"] is True and seen_by_student["archived"] is False
    texts = [m["text"] for m in world.get("stu-1", messages_path(world, "class")).body["items"]]
    assert "можно спросить?" not in texts

    world.call("t-class", "PATCH", f"/v1/chats/{world.chats['class']}", {"read_only": False})
    assert world.send("stu-1", "class", "можно спросить?").status == 201


def test_deleting_leaves_a_placeholder_everywhere(world: World, clock: MovableClock) -> None:
    clock.advance(seconds=1)
    own = world.send("stu-2", "class", "ой, не туда").body
    deleted = world.call("stu-2", "DELETE", messages_path(world, "class", f"/{own['id']}"))
    again = world.call("t-class", "DELETE", messages_path(world, "class", f"/{own['id']}"))

    assert deleted.status == 200
    assert deleted.body["deleted"] is True and deleted.body["text"] == ""
    assert deleted.body["author_id"] == "stu-2" and deleted.body["sent_at"] == own["sent_at"]
    assert again.status == 200 and again.body == deleted.body
    listed = world.get("stu-1", messages_path(world, "class")).body["items"]
    assert listed[0] == deleted.body
    assert "ой, не туда" not in str(listed)
    chat = world.get("stu-1", f"/v1/chats/{world.chats['class']}").body
    assert chat["last_message"]["deleted"] is True and chat["last_message"]["text"] == ""


def test_only_the_author_or_a_moderator_deletes(world: World, clock: MovableClock) -> None:
    clock.advance(seconds=1)
    by_teacher = world.send("t-class", "class", "объявление").body
    target = f"/{by_teacher['id']}"

    assert world.call("stu-1", "DELETE", messages_path(world, "class", target)).status == 403
    assert world.call("stu-1", "DELETE", messages_path(world, "class", "/msg_nosuchmessage")).status == 404
    # A message id of another chat is not a message of this one.
    other_chat = world.call("t-class", "DELETE", messages_path(world, "parents", target))
    assert other_chat.status == 404 and other_chat.problem_type == "not-found"
    listed = world.get("stu-1", messages_path(world, "class")).body["items"]
    assert listed[0]["text"] == "объявление" and listed[0]["deleted"] is False


def test_sending_moves_the_chat_to_the_top_of_every_members_list(world: World, clock: MovableClock) -> None:
    clock.advance(minutes=1)
    world.send("t-class", "parents", "Собрание в четверг")
    clock.advance(minutes=1)
    world.send("stu-2", "class", "Кто решил задачу?")

    assert world.chat_ids_of("stu-1")[0] == world.chats["class"]
    assert world.chat_ids_of("t-class")[:2] == [world.chats["class"], world.chats["parents"]]
    assert world.chat_ids_of("par-1")[0] == world.chats["parents"]
    top = world.get("stu-1", "/v1/chats?limit=1").body
    assert top["items"][0]["last_message"]["text"] == "Кто решил задачу?"
    assert top["items"][0]["member_count"] == 4 and top["items"][0]["my_role"] == "member"
    assert top["next_cursor"] is not None


def test_chat_list_pages_cover_every_chat_once(world: World, clock: MovableClock) -> None:
    for number in range(7):
        clock.advance(seconds=1)
        body = {"kind": "custom", "title": f"Группа {number}", "member_ids": ["stu-1"]}
        made = world.post("t-class", "/v1/chats", body)
        assert made.status == 201
    everything = world.chat_ids_of("stu-1")
    assert len(everything) == 9 and len(set(everything)) == 9

    seen: list[str] = []
    cursor = None
    while True:
        reply = world.get("stu-1", "/v1/chats?limit=2" + (f"&cursor={cursor}" if cursor else ""))
        assert len(reply.body["items"]) <= 2
        seen += [chat["id"] for chat in reply.body["items"]]
        cursor = reply.body["next_cursor"]
        if cursor is None:
            break
        # Activity in a chat already listed moves it up: it must not come round again.
        clock.advance(seconds=1)
        moved = world.post("stu-1", f"/v1/chats/{seen[-1]}/messages", {"text": "наверх"})
        assert moved.status == 201

    assert len(seen) == len(set(seen)) == 9
    assert set(seen) == set(everything)


def test_an_archived_chat_keeps_its_history_read_only(world: World) -> None:
    chat = world.chats["custom"]
    archived = world.call("t-class", "DELETE", f"/v1/chats/{chat}")
    again = world.call("t-class", "DELETE", f"/v1/chats/{chat}")

    assert archived.status == 200 and archived.body["archived"] is True and archived.body["read_only"] is True
    assert again.status == 200 and again.body == archived.body
    assert chat in world.chat_ids_of("par-1")
    history = world.get("par-1", f"/v1/chats/{chat}/messages")
    assert history.status == 200 and history.body["items"][0]["text"] == "hello from par-1"
    for who, method, path, body in [
        ("par-1", "POST", f"/v1/chats/{chat}/messages", {"text": "ещё"}),
        ("t-class", "POST", f"/v1/chats/{chat}/messages", {"text": "ещё"}),
        ("t-class", "PATCH", f"/v1/chats/{chat}", {"title": "Новое"}),
        ("t-class", "POST", f"/v1/chats/{chat}/members", {"person_ids": ["t-spare"]}),
        ("t-class", "DELETE", f"/v1/chats/{chat}/members/par-1", None),
        ("par-1", "DELETE", f"/v1/chats/{chat}/messages/{world.targets['custom']}", None),
    ]:
        reply = world.call(who, method, path, body)
        assert (reply.status, reply.problem_type) == (409, "read-only"), (method, path, reply.body)
    after = world.get("par-1", f"/v1/chats/{chat}").body
    assert after["title"] == "Поездка" and after["member_count"] == 4
    assert world.member_ids("custom") == {"t-class", "t-math", "par-1", "t-other"}


def test_a_cursor_from_someone_elses_list_is_refused(world: World, clock: MovableClock) -> None:
    for number in range(3):
        clock.advance(seconds=1)
        world.post("t-class", "/v1/chats", {"kind": "custom", "title": f"Учителя {number}", "member_ids": []})
    theirs = world.get("t-class", "/v1/chats?limit=1").body["next_cursor"]

    # A cursor is bound to its list and its caller (api.http): another caller's is a 400.
    mine = world.get("stu-1", f"/v1/chats?limit=100&cursor={theirs}")
    assert (mine.status, mine.problem_type) == (400, "bad-request")
    foreign = world.get("stu-1", f"/v1/chats/{world.chats['class']}/messages?cursor={theirs}")
    assert (foreign.status, foreign.problem_type) == (400, "bad-request")
