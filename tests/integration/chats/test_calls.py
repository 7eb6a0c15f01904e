"""Video calls through the HTTP API (SPEC §9): who starts, who joins, how a call ends, the signal relay.

The world is ``world.py``'s: ``t-class`` moderates 5А's class and parents
chats, ``stu-1``/``stu-2`` are pupils of 5А, ``par-1`` a parent, ``adm`` the
administrator (back office only, in the class chat), ``t-far`` a teacher of
another school. The built-in provider is the default.
"""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.bootstrap import provider_from_settings
from chalicelib.clock import MovableClock
from chalicelib.config import settings
from tests.integration.chats.world import World
from tests.openapi import assert_documented

pytestmark = pytest.mark.emulator


def call_path(world: World, kind: str, rest: str = "") -> str:
    """``/v1/chats/{id}/call…`` of one of the world's chats."""
    return f"/v1/chats/{world.chats[kind]}/call{rest}"


def documented(reply: Any, method: str, template: str) -> Any:
    """The reply, after checking docs/openapi.yaml describes it."""
    assert_documented(method, template, reply.status, reply.body, reply.headers.get("Content-Type"))
    return reply


def start(world: World, who: str, kind: str) -> Any:
    """``POST …/call`` as ``who``."""
    return documented(world.post(who, call_path(world, kind), None), "POST", "/v1/chats/{chat_id}/call")


def listed_call(world: World, who: str, kind: str) -> Any:
    """The ``call`` field of a chat in ``who``'s chat list."""
    reply = world.get(who, "/v1/chats?limit=100")
    assert reply.status == 200, reply.body
    [chat] = [c for c in reply.body["items"] if c["id"] == world.chats[kind]]
    return chat["call"]


def test_a_class_teacher_starts_a_call_a_pupil_joins_and_both_see_it(world: World) -> None:
    assert listed_call(world, "stu-1", "class") is None
    started = start(world, "t-class", "class")
    assert started.status == 201, started.body
    call = started.body["call"]
    assert call["chat_id"] == world.chats["class"] and call["started_by"] == "t-class"
    assert [p["person_id"] for p in call["participants"]] == ["t-class"]
    assert started.body["join"] == {"provider": "builtin", "ice_servers": []}

    joined = start(world, "stu-1", "class")
    assert joined.status == 200 and joined.body["call"]["id"] == call["id"]
    assert {p["name"] for p in joined.body["call"]["participants"]} == {"Классная Анна", "Иванов Петя"}

    shown = documented(world.get("stu-2", call_path(world, "class")), "GET", "/v1/chats/{chat_id}/call")
    assert shown.status == 200 and shown.body["id"] == call["id"] and len(shown.body["participants"]) == 2
    assert listed_call(world, "stu-2", "class") == {
        "id": call["id"],
        "started_at": call["started_at"],
        "participant_count": 2,
    }
    detail = world.get("stu-2", f"/v1/chats/{world.chats['class']}")
    assert detail.body["call"]["participant_count"] == 2
    # The back office sees the chat, not its call.
    assert world.get("adm", f"/v1/chats/{world.chats['class']}").body["call"] is None
    # Joining twice (a reload) keeps one place.
    again = start(world, "stu-1", "class")
    assert again.status == 200 and len(again.body["call"]["participants"]) == 2


@pytest.mark.parametrize(
    ("kind", "member", "may_start"),
    [
        ("class", "stu-1", False),
        ("parents", "par-1", False),
        ("subject", "stu-1", False),
        ("staff", "t-other", True),
        ("custom", "par-1", True),
    ],
)
def test_who_may_start_a_call(world: World, kind: str, member: str, may_start: bool) -> None:
    reply = start(world, member, kind)
    if may_start:
        assert reply.status == 201, reply.body
    else:
        assert (reply.status, reply.body["type"].rsplit("/", 1)[-1]) == (403, "forbidden")
        assert world.get(member, call_path(world, kind)).status == 404  # nothing was started


def test_non_members_learn_nothing_and_the_back_office_cannot_join(world: World) -> None:
    before = {who: world.get(who, call_path(world, "class")).status for who in ("t-far", "par-1", "adm")}
    assert start(world, "t-class", "class").status == 201
    after = {who: world.get(who, call_path(world, "class")).status for who in ("t-far", "par-1", "adm")}
    assert before == after == {"t-far": 404, "par-1": 404, "adm": 403}
    assert start(world, "t-far", "class").status == 404
    assert start(world, "adm", "class").status == 403
    assert len(world.get("t-class", call_path(world, "class")).body["participants"]) == 1


def test_an_archived_chat_has_no_calls(world: World) -> None:
    assert world.call("t-class", "DELETE", f"/v1/chats/{world.chats['custom']}").status == 200
    refused = start(world, "t-class", "custom")
    assert (refused.status, refused.body["type"].rsplit("/", 1)[-1]) == (409, "read-only")
    assert world.get("t-class", call_path(world, "custom")).status == 404


def test_the_call_ends_when_its_last_participant_leaves(world: World) -> None:
    start(world, "t-class", "class")
    start(world, "stu-1", "class")
    template = "/v1/chats/{chat_id}/call/participants/me"
    left = documented(
        world.call("t-class", "DELETE", call_path(world, "class", "/participants/me")), "DELETE", template
    )
    assert left.status == 204
    assert [p["person_id"] for p in world.get("stu-1", call_path(world, "class")).body["participants"]] == [
        "stu-1"
    ]
    # Leaving a call one is not in: 404.
    assert world.call("stu-2", "DELETE", call_path(world, "class", "/participants/me")).status == 404
    assert world.call("stu-1", "DELETE", call_path(world, "class", "/participants/me")).status == 204
    assert world.get("stu-1", call_path(world, "class")).status == 404
    assert listed_call(world, "stu-1", "class") is None
    # The next press starts a new call.
    assert start(world, "t-class", "class").status == 201


def test_a_moderator_ends_the_call_for_everyone_and_nobody_else_can(world: World) -> None:
    first = start(world, "t-class", "class").body["call"]["id"]
    start(world, "stu-1", "class")
    refused = world.call("stu-1", "DELETE", call_path(world, "class"))
    assert refused.status == 403
    ended = documented(
        world.call("t-class", "DELETE", call_path(world, "class")), "DELETE", "/v1/chats/{chat_id}/call"
    )
    assert ended.status == 204
    assert world.get("stu-1", call_path(world, "class")).status == 404
    assert world.call("t-class", "DELETE", call_path(world, "class")).status == 404
    assert start(world, "stu-1", "class").status == 403  # a pupil cannot start the next one
    assert start(world, "t-class", "class").body["call"]["id"] != first


def test_a_call_ends_at_its_maximum_length(world: World, clock: MovableClock) -> None:
    start(world, "t-class", "class")
    clock.advance(hours=2, minutes=59)
    assert world.get("stu-1", call_path(world, "class")).status == 200
    assert listed_call(world, "stu-1", "class") is not None
    clock.advance(minutes=1)
    assert listed_call(world, "stu-1", "class") is None
    assert world.get("stu-1", call_path(world, "class")).status == 404
    assert start(world, "stu-1", "class").status == 403  # the old call is gone, not joinable


def test_a_call_has_a_participant_limit(world: World, services: Any, configure: Any) -> None:
    configure(CALL_MAX_PARTICIPANTS="2")
    services.call_provider = provider_from_settings(settings())
    start(world, "t-class", "class")
    assert start(world, "stu-1", "class").status == 200
    full = start(world, "stu-2", "class")
    assert (full.status, full.body["type"].rsplit("/", 1)[-1]) == (409, "conflict")
    assert len(world.get("stu-2", call_path(world, "class")).body["participants"]) == 2
    world.call("stu-1", "DELETE", call_path(world, "class", "/participants/me"))
    assert start(world, "stu-2", "class").status == 200


def test_signals_go_only_between_participants_of_the_same_call(world: World) -> None:
    start(world, "t-class", "class")
    start(world, "stu-1", "class")
    signals = call_path(world, "class", "/signals")
    template = "/v1/chats/{chat_id}/call/signals"
    offer = {"to": "stu-1", "kind": "offer", "payload": '{"type":"offer","sdp":"v=0"}'}
    sent = documented(world.post("t-class", signals, offer), "POST", template)
    assert sent.status == 201 and sent.body["from"] == "t-class"

    got = documented(world.get("stu-1", signals), "GET", template)
    assert [(s["from"], s["kind"], s["payload"]) for s in got.body["items"]] == [
        ("t-class", "offer", offer["payload"])
    ]
    assert got.body["next_cursor"]
    later = world.get("stu-1", f"{signals}?cursor={got.body['next_cursor']}")
    assert later.status == 200 and later.body["items"] == []
    assert later.body["next_cursor"] == got.body["next_cursor"]
    assert world.get("t-class", signals).body["items"] == []  # nobody else reads stu-1's signals

    # A member who is not in the call neither sends nor reads; nobody signals outside the call.
    assert world.post("stu-2", signals, {**offer, "to": "t-class"}).status == 403
    assert world.get("stu-2", signals).status == 403
    assert world.post("t-class", signals, {**offer, "to": "stu-2"}).status == 422
    assert world.post("t-class", signals, {**offer, "to": "t-class"}).status == 422
    assert world.get("t-far", signals).status == 404


@pytest.mark.parametrize(
    "body",
    [
        {"to": "stu-1", "kind": "offer"},
        {"to": "stu-1", "kind": "sabotage", "payload": "x"},
        {"to": "stu-1", "kind": "offer", "payload": "x" * 16_001},
        {"to": "stu-1", "kind": "offer", "payload": 5},
        {"to": "", "kind": "offer", "payload": "x"},
        {"to": "stu-1", "kind": "offer", "payload": "x", "extra": 1},
        [],
    ],
)
def test_malformed_signals_are_refused_and_nothing_is_relayed(world: World, body: Any) -> None:
    start(world, "t-class", "class")
    start(world, "stu-1", "class")
    reply = world.post("t-class", call_path(world, "class", "/signals"), body)
    assert reply.status in (400, 422) and reply.headers["Content-Type"] == "application/problem+json"
    assert world.get("stu-1", call_path(world, "class", "/signals")).body["items"] == []


@pytest.mark.parametrize("cursor", ["garbage", "eyJhZnRlciI6ICIuLi4ifQ", "eyJiZWZvcmUiOiAiMSJ9"])
def test_a_forged_signal_cursor_is_refused(world: World, cursor: str) -> None:
    start(world, "t-class", "class")
    reply = world.get("t-class", call_path(world, "class", f"/signals?cursor={cursor}"))
    assert reply.status == 400 and reply.body["type"].endswith("/bad-request")
