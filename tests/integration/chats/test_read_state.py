"""Read state through the HTTP API: read positions, unread counts, read reports (SPEC §10, issue #14)."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.clock import MovableClock
from tests.integration.chats.world import World

pytestmark = pytest.mark.emulator


def unread(world: World, who: str, kind: str) -> int:
    """The ``unread_count`` of one of the world's chats in ``who``'s list."""
    for chat in world.get(who, "/v1/chats?limit=100").body["items"]:
        if chat["id"] == world.chats[kind]:
            return int(chat["unread_count"])
    raise AssertionError(f"{kind} is not in {who}'s list")


def mark_read(world: World, who: str, kind: str, message_id: Any) -> Any:
    return world.post(who, f"/v1/chats/{world.chats[kind]}/read", {"up_to": message_id})


def test_every_chat_in_the_list_carries_an_unread_count(world: World) -> None:
    chats = world.get("stu-2", "/v1/chats?limit=100").body["items"]
    assert chats and all(isinstance(chat["unread_count"], int) for chat in chats)
    # stu-1 wrote the class chat's one message: nothing unread for stu-1, one for stu-2.
    assert unread(world, "stu-1", "class") == 0
    assert unread(world, "stu-2", "class") == 1


def test_own_messages_are_never_unread_and_reading_moves_forward_only(
    world: World, clock: MovableClock
) -> None:
    ids = []
    for number in range(3):
        clock.advance(seconds=1)
        ids.append(world.send("t-class", "class", f"объявление {number}").body["id"])
    clock.advance(seconds=1)
    world.send("stu-2", "class", "моё")
    assert unread(world, "stu-2", "class") == 4  # stu-1's greeting and the teacher's three
    assert unread(world, "t-class", "class") == 2  # stu-1's greeting and stu-2's message

    assert mark_read(world, "stu-2", "class", ids[1]).status == 204
    assert unread(world, "stu-2", "class") == 1
    assert mark_read(world, "stu-2", "class", ids[0]).status == 204  # an older position: no change
    assert unread(world, "stu-2", "class") == 1
    assert mark_read(world, "stu-2", "class", ids[2]).status == 204
    assert unread(world, "stu-2", "class") == 0
    assert unread(world, "stu-1", "class") == 4  # someone else's reading changes nothing for stu-1


def test_deleted_messages_are_not_unread(world: World, clock: MovableClock) -> None:
    clock.advance(seconds=1)
    sent = world.send("stu-2", "class", "ой").body["id"]
    assert unread(world, "t-class", "class") == 2
    deleted = world.call("stu-2", "DELETE", f"/v1/chats/{world.chats['class']}/messages/{sent}")
    assert deleted.status == 200
    assert unread(world, "t-class", "class") == 1


def test_marking_read_is_for_members_and_existing_messages(world: World) -> None:
    target = world.targets["class"]
    outsider = mark_read(world, "par-4", "class", target)
    assert outsider.status in (403, 404)
    missing = mark_read(world, "stu-2", "class", "msg-nope")
    assert missing.status == 404
    assert unread(world, "stu-2", "class") == 1


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"up_to": ""},
        {"up_to": 5},
        {"up_to": "x" * 1000},
        {"up_to": "a\u0000b"},
        ["up_to"],
        {"up_to": "m", "x": 1},
    ],
)
def test_malformed_read_positions_are_refused_and_change_nothing(world: World, body: Any) -> None:
    reply = world.post("stu-2", f"/v1/chats/{world.chats['class']}/read", body)
    assert reply.status in (400, 422) and reply.problem_type in ("validation", "bad-request"), reply.body
    assert reply.headers["Content-Type"].startswith("application/problem+json")
    assert unread(world, "stu-2", "class") == 1


def announce(world: World) -> str:
    """Switch the class chat to announcements mode and post one announcement."""
    path = f"/v1/chats/{world.chats['class']}"
    assert world.call("t-class", "PATCH", path, {"read_only": True}).status == 200
    sent = world.send("t-class", "class", "Завтра собрание")
    assert sent.status == 201, sent.body
    return str(sent.body["id"])


def test_moderators_see_who_has_read_an_announcement(world: World, clock: MovableClock) -> None:
    clock.advance(seconds=1)
    message_id = announce(world)
    path = f"/v1/chats/{world.chats['class']}/messages/{message_id}/reads"
    members = world.member_ids("class") - {"t-class"}

    before = world.get("t-class", path)
    assert before.status == 200, before.body
    assert before.body["read_count"] == 0
    assert before.body["member_count"] == len(members)
    assert {m["person_id"] for m in before.body["not_read"]} == members

    assert mark_read(world, "stu-1", "class", message_id).status == 204
    after = world.get("t-class", path).body
    assert after["read_count"] == 1
    assert {m["person_id"] for m in after["not_read"]} == members - {"stu-1"}
    assert set(after["not_read"][0]) == {"person_id", "name", "role", "chat_role"}


def test_nobody_but_moderators_of_announcements_sees_read_reports(world: World) -> None:
    plain = world.get("t-class", f"/v1/chats/{world.chats['class']}/messages/{world.targets['class']}/reads")
    assert plain.status == 409  # not an announcements chat
    message_id = announce(world)
    path = f"/v1/chats/{world.chats['class']}/messages/{message_id}/reads"
    for who in ("stu-1", "par-1", "adm", "t-far"):
        assert world.get(who, path).status in (403, 404), who
    assert world.get("t-class", f"/v1/chats/{world.chats['class']}/messages/msg-nope/reads").status == 404


@pytest.mark.parametrize("message_id", ["x" * 2000, "a%00b", "%F0%9F"])
def test_hostile_message_ids_in_the_reads_path_are_not_found(world: World, message_id: str) -> None:
    path = f"/v1/chats/{world.chats['class']}"
    assert world.call("t-class", "PATCH", path, {"read_only": True}).status == 200
    reply = world.get("t-class", f"{path}/messages/{message_id}/reads")
    assert reply.status in (400, 404), reply.body
    assert reply.headers["Content-Type"].startswith("application/problem+json")
