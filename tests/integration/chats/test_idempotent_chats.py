"""A retried ``POST /v1/chats {kind: custom}`` with a ``client_request_id`` makes one chat, not two."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.store import moderation
from chalicelib.store.tables import ChatItem, MembershipItem
from tests.integration.chats.world import SCHOOL, World

pytestmark = pytest.mark.emulator

TRIP = {
    "kind": "custom",
    "title": "Экскурсия",
    "member_ids": ["t-math", "par-1"],
    "client_request_id": "req-1",
}


def custom_chat_ids() -> set[str]:
    """Every custom chat stored, whoever sees it."""
    return {chat.chat_id for chat in ChatItem.by_school.query(SCHOOL) if chat.kind == "custom"}


def test_a_retry_returns_the_chat_the_first_request_made(world: World) -> None:
    before = custom_chat_ids()
    first = world.post("t-class", "/v1/chats", TRIP)
    again = world.post("t-class", "/v1/chats", TRIP)
    reordered = world.post("t-class", "/v1/chats", {**TRIP, "member_ids": ["par-1", "t-math", "par-1"]})

    assert first.status == 201, first.body
    assert again.status == 200 and reordered.status == 200
    assert again.body == first.body == reordered.body
    assert custom_chat_ids() == before | {first.body["id"]}
    assert first.body["member_count"] == 3
    assert world.member_ids(first.body["id"]) == {"t-class", "t-math", "par-1"}
    assert world.chat_ids_of("t-class").count(first.body["id"]) == 1


def test_without_a_request_id_each_request_makes_a_chat(world: World) -> None:
    body = {key: value for key, value in TRIP.items() if key != "client_request_id"}
    first = world.post("t-class", "/v1/chats", body)
    second = world.post("t-class", "/v1/chats", body)
    assert (first.status, second.status) == (201, 201)
    assert first.body["id"] != second.body["id"]


def test_request_ids_belong_to_their_teacher(world: World) -> None:
    mine = world.post("t-class", "/v1/chats", TRIP)
    theirs = world.post("t-math", "/v1/chats", {**TRIP, "member_ids": ["t-class", "par-1"]})
    assert (mine.status, theirs.status) == (201, 201)
    assert mine.body["id"] != theirs.body["id"]
    assert theirs.body["my_role"] == "moderator"


@pytest.mark.parametrize(
    "changed",
    [{"title": "Другая экскурсия"}, {"member_ids": ["t-math"]}, {"member_ids": ["t-math", "par-1", "par-2"]}],
)
def test_a_request_id_reused_for_another_chat_is_a_conflict_and_changes_nothing(
    world: World, changed: dict[str, Any]
) -> None:
    first = world.post("t-class", "/v1/chats", TRIP)
    chats = custom_chat_ids()
    reused = world.post("t-class", "/v1/chats", {**TRIP, **changed})

    assert (reused.status, reused.problem_type) == (409, "conflict")
    assert reused.headers["Content-Type"] == "application/problem+json"
    assert custom_chat_ids() == chats
    assert world.get("t-class", f"/v1/chats/{first.body['id']}").body == first.body
    assert world.member_ids(first.body["id"]) == {"t-class", "t-math", "par-1"}


def test_a_retry_finishes_a_first_attempt_that_stopped_half_way(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the Lambda timed out")

    with monkeypatch.context() as patched:
        patched.setattr(moderation, "batch_put", crash)
        stopped = world.post("t-class", "/v1/chats", TRIP)
    assert stopped.status == 500
    (half_made,) = custom_chat_ids() - {world.chats["custom"]}
    assert MembershipItem.count(half_made) == 0  # the chat item is there, its members are not

    retried = world.post("t-class", "/v1/chats", TRIP)
    assert retried.status == 200, retried.body
    assert retried.body["id"] == half_made and retried.body["member_count"] == 3
    assert world.member_ids(half_made) == {"t-class", "t-math", "par-1"}
    assert half_made in world.chat_ids_of("par-1")


def test_a_late_retry_does_not_undo_what_the_moderator_changed(world: World) -> None:
    made = world.post("t-class", "/v1/chats", TRIP).body
    removed = world.call("t-class", "DELETE", f"/v1/chats/{made['id']}/members/par-1")
    renamed = world.call("t-class", "PATCH", f"/v1/chats/{made['id']}", {"title": "Поход"})
    assert (removed.status, renamed.status) == (204, 200)

    retried = world.post("t-class", "/v1/chats", TRIP)
    assert retried.status == 200, retried.body
    assert retried.body["title"] == "Поход" and retried.body["member_count"] == 2
    assert world.member_ids(made["id"]) == {"t-class", "t-math"}
