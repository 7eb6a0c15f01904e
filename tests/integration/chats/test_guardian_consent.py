"""Guardian consent for young pupils (SPEC §11): a pupil under 14 links, but sees no chats until a
linked guardian from the roster approves. Through the HTTP API, with the real linking flow.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.identity_support import STRONG_PASSWORD, last_code, make_account, open_session, step, unique_phone
from tests.integration.chats.world import OPERATOR, World
from tests.openapi import assert_documented

pytestmark = pytest.mark.emulator


def link_pupil(world: World, emulator: str, person_id: str, birth_date: str) -> None:
    """Re-link a world pupil through the flow with a new account and a profile born on ``birth_date``."""
    assert world.call(person_id, "DELETE", "/v1/link").status == 204
    phone = unique_phone()
    make_account(phone, with_profile=False)
    session_id = open_session(world.api, person_id, phone)
    assert (
        step(world.api, person_id, session_id, "password", {"password": STRONG_PASSWORD}).status_code == 200
    )
    coded = step(world.api, person_id, session_id, "code", {"code": last_code(emulator, phone)})
    assert coded.json_body["step"] == "create_profile", coded.body
    profile = {
        "first_name": "Маша",
        "last_name": "Петрова",
        "birth_date": birth_date,
        "gender": "female",
    }
    made = step(world.api, person_id, session_id, "profile", profile)
    assert made.status_code == 200, made.body
    assert step(world.api, person_id, session_id, "confirm").json_body["step"] == "done"


def consents(world: World, who: str) -> list[dict[str, Any]]:
    reply = world.get(who, "/v1/consents")
    assert reply.status == 200, reply.body
    assert_documented("GET", "/v1/consents", 200, reply.body, None)
    return list(reply.body["items"])


def test_a_young_pupil_waits_until_a_guardian_approves(world: World, emulator: str) -> None:
    link_pupil(world, emulator, "stu-2", "2015-03-01")  # 11 on the world's clock (2026-09-01)

    me = world.get("stu-2", "/v1/me")
    assert me.body["link"]["consent"] == "pending"
    assert_documented("GET", "/v1/me", 200, me.body, None)
    for method, path, body in (
        ("GET", "/v1/chats", None),
        ("GET", f"/v1/chats/{world.chats['class']}", None),
        ("GET", f"/v1/chats/{world.chats['class']}/messages", None),
        ("POST", f"/v1/chats/{world.chats['class']}/messages", {"text": "привет"}),
        ("GET", "/v1/chats/ch_unknown", None),
    ):
        reply = world.call("stu-2", method, path, body)
        assert (reply.status, reply.problem_type) == (409, "consent-required"), (path, reply.body)

    # Only the pupil's own guardian, linked, is asked; others see nothing and decide nothing.
    pending = consents(world, "par-2")
    assert [(c["pupil_id"], c["pupil_name"], c["status"]) for c in pending] == [
        ("stu-2", "Петрова Маша", "pending")
    ]
    assert consents(world, "par-1") == []
    request_path = f"/v1/consents/{pending[0]['id']}"
    for who in ("par-1", "stu-2", "t-class"):
        assert world.post(who, request_path, {"approve": True}).status == 404
    assert world.post("par-2", request_path, {"approve": "yes"}).status == 422
    assert world.post("par-2", request_path, {}).status == 422
    assert world.post("par-2", "/v1/consents/cons_unknown", {"approve": True}).status == 404
    assert world.get("stu-2", "/v1/chats").status == 409

    approved = world.post("par-2", request_path, {"approve": True})
    assert approved.status == 200 and approved.body["status"] == "approved"
    assert_documented("POST", "/v1/consents/{consent_id}", 200, approved.body, None)
    assert world.get("stu-2", "/v1/me").body["link"]["consent"] == "approved"
    assert world.chats["class"] in world.chat_ids_of("stu-2")
    assert consents(world, "par-2") == []
    again = world.post("par-2", request_path, {"approve": False})
    assert (again.status, again.problem_type) == (409, "conflict")

    actions = [
        (r["action"], r["actor_id"], r["target_id"])
        for r in world.get(OPERATOR, "/v1/schools/sch-1/audit").body["items"]
        if r["action"].startswith("consent")
    ]
    assert sorted(actions) == [
        ("consent_approved", "par-2", "stu-2"),
        ("consent_requested", "system", "stu-2"),
    ]


def test_a_refusal_keeps_the_pupil_out(world: World, emulator: str) -> None:
    link_pupil(world, emulator, "stu-1", "2016-01-10")
    request_id = consents(world, "par-1")[0]["id"]
    refused = world.post("par-1", f"/v1/consents/{request_id}", {"approve": False})
    assert refused.status == 200 and refused.body["status"] == "refused"
    assert world.get("stu-1", "/v1/me").body["link"]["consent"] == "refused"
    assert world.get("stu-1", f"/v1/chats/{world.chats['subject']}").problem_type == "consent-required"


def test_an_older_pupil_and_an_unlinked_guardian(world: World, emulator: str) -> None:
    link_pupil(world, emulator, "stu-2", "2010-02-02")  # 16: no consent needed
    assert world.get("stu-2", "/v1/me").body["link"]["consent"] is None
    assert world.chats["class"] in world.chat_ids_of("stu-2")
    assert consents(world, "par-2") == []
    # A guardian who has not linked cannot list or decide (409 link-required).
    unlinked = world.get("stu-3", "/v1/consents")
    assert (unlinked.status, unlinked.problem_type) == (409, "link-required")


def test_a_pupil_who_erases_their_data_takes_the_consent_requests_with_them(
    world: World, emulator: str
) -> None:
    link_pupil(world, emulator, "stu-2", "2015-03-01")
    assert len(consents(world, "par-2")) == 1
    assert world.call("stu-2", "DELETE", "/v1/me").status == 204
    assert consents(world, "par-2") == []
