"""Malformed and hostile input on every chats route: a clear problem, and nothing changes."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.integration.chats.world import World

pytestmark = pytest.mark.emulator


def forged_cursor(position: Any) -> str:
    """A cursor this API never made (valid base64 JSON, wrong contents)."""
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode().rstrip("=")


LONG_ID = "x" * 201

CHATS = "/v1/chats"
MSG = "/v1/chats/{class}/messages"
MEM = "/v1/chats/{custom}/members"
BAD = (400, "bad-request")
MISSING = (404, "not-found")
INVALID = (422, "validation")
HUGE = b'{"text": "' + b"a" * 70_000 + b'"}'

# (who, method, path template, body or raw bytes, (status, problem type));
# {class} and {custom} stand for the world's chat ids.
CASES: list[tuple[str, str, str, Any, tuple[int, str]]] = [
    # --- bodies that are not JSON objects (every route that takes one) ---
    ("t-class", "POST", CHATS, b"{not json", BAD),
    ("t-class", "POST", CHATS, b"[]", BAD),
    ("t-class", "PATCH", "/v1/chats/{class}", b'"title"', BAD),
    ("t-class", "POST", MEM, b"\xff\xfe", BAD),
    ("stu-1", "POST", MSG, b"null", BAD),
    ("stu-1", "POST", MSG, HUGE, (413, "payload-too-large")),
    # --- POST /v1/chats ---
    ("t-math", "POST", CHATS, {}, INVALID),
    ("t-math", "POST", CHATS, {"kind": "class", "class_id": "5a"}, INVALID),
    ("t-math", "POST", CHATS, {"kind": "subject"}, INVALID),
    ("t-math", "POST", CHATS, {"kind": "subject", "class_id": 7}, INVALID),
    ("t-math", "POST", CHATS, {"kind": "subject", "class_id": LONG_ID}, INVALID),
    ("t-math", "POST", CHATS, {"kind": "subject", "class_id": "math-5a", "extra": 1}, INVALID),
    ("t-math", "POST", CHATS, {"kind": "subject", "class_id": "a\u0000b"}, INVALID),
    ("t-class", "POST", CHATS, {"kind": "custom"}, INVALID),
    ("t-class", "POST", CHATS, {"kind": "custom", "title": "   "}, INVALID),
    ("t-class", "POST", CHATS, {"kind": "custom", "title": "a" * 201}, INVALID),
    ("t-class", "POST", CHATS, {"kind": "custom", "title": "две\nстроки"}, INVALID),
    ("t-class", "POST", CHATS, {"kind": "custom", "title": "x", "member_ids": "stu-1"}, INVALID),
    ("t-class", "POST", CHATS, {"kind": "custom", "title": "x", "member_ids": [1]}, INVALID),
    ("t-class", "POST", CHATS, {"kind": "custom", "title": "x", "member_ids": ["s"] * 501}, INVALID),
    ("t-class", "POST", CHATS, {"kind": "custom", "title": "x", "member_ids": ["ghost"]}, INVALID),
    # --- PATCH /v1/chats/{id} ---
    ("t-class", "PATCH", "/v1/chats/{class}", {}, INVALID),
    ("t-class", "PATCH", "/v1/chats/{class}", {"title": ""}, INVALID),
    ("t-class", "PATCH", "/v1/chats/{class}", {"read_only": "yes"}, INVALID),
    ("t-class", "PATCH", "/v1/chats/{class}", {"read_only": 1}, INVALID),
    ("t-class", "PATCH", "/v1/chats/{class}", {"archived": False}, INVALID),
    # --- POST /v1/chats/{id}/members ---
    ("t-class", "POST", MEM, {}, INVALID),
    ("t-class", "POST", MEM, {"person_ids": []}, INVALID),
    ("t-class", "POST", MEM, {"person_ids": ["p"] * 101}, INVALID),
    ("t-class", "POST", MEM, {"person_ids": "stu-1"}, INVALID),
    ("t-class", "POST", MEM, {"person_ids": ["stu-1", None]}, INVALID),
    ("t-class", "POST", MEM, {"person_ids": ["stu-1", "ghost"]}, INVALID),
    # --- POST /v1/chats/{id}/messages ---
    ("stu-1", "POST", MSG, {}, INVALID),
    ("stu-1", "POST", MSG, {"text": ""}, INVALID),
    ("stu-1", "POST", MSG, {"text": 42}, INVALID),
    ("stu-1", "POST", MSG, {"text": "a\u0000b"}, INVALID),
    ("stu-1", "POST", MSG, {"text": "\ud800"}, INVALID),
    ("stu-1", "POST", MSG, {"text": "hi", "client_msg_id": ""}, INVALID),
    ("stu-1", "POST", MSG, {"text": "hi", "client_msg_id": "a b"}, INVALID),
    ("stu-1", "POST", MSG, {"text": "hi", "client_msg_id": "c" * 129}, INVALID),
    ("stu-1", "POST", MSG, {"text": "hi", "client_msg_id": 5}, INVALID),
    ("stu-1", "POST", MSG, {"text": "hi", "sent_at": "2020"}, INVALID),
    ("t-class", "POST", CHATS, {"kind": "custom", "title": "x", "client_request_id": ""}, INVALID),
    ("t-class", "POST", CHATS, {"kind": "custom", "title": "x", "client_request_id": "a b"}, INVALID),
    ("t-class", "POST", CHATS, {"kind": "custom", "title": "x", "client_request_id": "r" * 129}, INVALID),
    ("t-class", "POST", CHATS, {"kind": "custom", "title": "x", "client_request_id": 7}, INVALID),
    ("t-class", "POST", CHATS, {"kind": "custom", "title": "x", "client_request_id": "\u0442"}, INVALID),
    ("t-math", "POST", CHATS, {"kind": "subject", "class_id": "math-5a", "client_request_id": "r1"}, INVALID),
    # --- list routes: limit and cursor ---
    ("stu-1", "GET", "/v1/chats?limit=0", None, INVALID),
    ("stu-1", "GET", "/v1/chats?limit=101", None, INVALID),
    ("stu-1", "GET", "/v1/chats?limit=-1", None, INVALID),
    ("stu-1", "GET", "/v1/chats?cursor=%%%", None, BAD),
    ("stu-1", "GET", "/v1/chats?cursor=" + forged_cursor({"before": "no-hash"}), None, BAD),
    ("stu-1", "GET", "/v1/chats?cursor=" + forged_cursor({"before": 5}), None, BAD),
    ("stu-1", "GET", "/v1/chats?cursor=" + forged_cursor({"member_of": {"S": "t-class"}}), None, BAD),
    ("stu-1", "GET", MSG + "?limit=abc", None, INVALID),
    ("stu-1", "GET", MSG + "?cursor=" + forged_cursor(["x"]), None, BAD),
    ("stu-1", "GET", MSG + "?cursor=" + forged_cursor({"after": "a#b"}), None, BAD),
    ("stu-1", "GET", "/v1/chats/{class}/members?limit=501", None, INVALID),
    ("stu-1", "GET", "/v1/chats/{class}/members?cursor=" + forged_cursor({"after": ""}), None, BAD),
    # --- ids no record can have, or that name nothing ---
    ("stu-1", "GET", "/v1/chats/" + LONG_ID, None, MISSING),
    ("stu-1", "GET", "/v1/chats/ch_nosuchchat", None, MISSING),
    ("stu-1", "GET", "/v1/chats/ch_nosuchchat/members", None, MISSING),
    ("stu-1", "GET", "/v1/chats/ch_nosuchchat/messages", None, MISSING),
    ("stu-1", "POST", "/v1/chats/ch_nosuchchat/messages", {"text": "hi"}, MISSING),
    ("t-class", "PATCH", "/v1/chats/ch_nosuchchat", {"title": "x"}, MISSING),
    ("t-class", "DELETE", "/v1/chats/ch_nosuchchat", None, MISSING),
    ("t-class", "POST", "/v1/chats/ch_nosuchchat/members", {"person_ids": ["stu-1"]}, MISSING),
    ("t-class", "DELETE", MEM + "/" + LONG_ID, None, MISSING),
    ("stu-1", "DELETE", MSG + "/" + LONG_ID, None, MISSING),
    ("stu-1", "DELETE", MSG + "/msg_nosuchmessage", None, MISSING),
    # --- wrong method ---
    ("stu-1", "PUT", "/v1/chats/{class}", {"title": "x"}, (405, "method-not-allowed")),
]


def snapshot(world: World) -> dict[str, Any]:
    """What a bad request must not change: chats, members, messages."""
    state: dict[str, Any] = {"lists": {who: world.chat_ids_of(who) for who in ("t-class", "t-math", "stu-1")}}
    for kind in ("class", "custom", "subject"):
        state[kind] = world.get("adm", f"/v1/chats/{world.chats[kind]}").body
        state[f"{kind} members"] = world.member_ids(kind)
        state[f"{kind} messages"] = world.get(
            "t-class" if kind != "subject" else "t-math", f"/v1/chats/{world.chats[kind]}/messages"
        ).body
    return state


def test_every_route_refuses_malformed_input_and_changes_nothing(world: World) -> None:
    before = snapshot(world)
    ids = {**world.chats, "msg": world.targets["class"]}
    failures = []
    for who, method, template, body, (status, problem) in CASES:
        path = template.format(**ids)
        if isinstance(body, bytes):
            reply = world.call(who, method, path, raw=body)
        else:
            reply = world.call(who, method, path, body)
        if (reply.status, reply.problem_type) != (status, problem):
            request = f"{method} {template} {str(body)[:60]!r}"
            failures.append(f"{request}: want {status} {problem}, got {reply.status} {reply.body}")
        elif reply.headers.get("Content-Type") != "application/problem+json":
            failures.append(f"{method} {template}: not problem+json")
    assert not failures, "\n".join(failures)
    assert snapshot(world) == before


def test_validation_problems_name_the_bad_fields(world: World) -> None:
    bad = {"text": "", "client_msg_id": "a b"}
    reply = world.post("stu-1", f"/v1/chats/{world.chats['class']}/messages", bad)
    fields = sorted(error["field"] for error in reply.body["errors"])
    assert reply.status == 422 and fields == ["client_msg_id", "text"]


def test_a_wrong_content_type_is_refused(world: World) -> None:
    response = world.api.http.post(
        f"/v1/chats/{world.chats['class']}/messages",
        headers={"Authorization": f"Bearer {_token('stu-1')}", "Content-Type": "text/plain"},
        body='{"text": "hi"}',
    )
    assert response.status_code == 415
    assert json.loads(response.body)["type"].endswith("/unsupported-media-type")


def test_chat_routes_need_a_journal_token(world: World) -> None:
    for method, path in [
        ("get", "/v1/chats"),
        ("post", "/v1/chats"),
        ("get", f"/v1/chats/{world.chats['class']}"),
        ("get", f"/v1/chats/{world.chats['class']}/messages"),
        ("post", f"/v1/chats/{world.chats['class']}/messages"),
    ]:
        response = getattr(world.api.http, method)(path, headers={"Authorization": "Bearer not-a-token"})
        assert response.status_code == 401, path
        assert response.headers["Content-Type"] == "application/problem+json"


def _token(person_id: str) -> str:
    from tests.support import token_for

    return token_for(person_id)
