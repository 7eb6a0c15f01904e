"""A person's own data (SPEC §11): ``GET /v1/me/data`` exports it, ``DELETE /v1/me`` erases it.

The person links through the real flow (account, password, SMS code), writes
in their chats, opens the hosted page from a QR code; then erases everything.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.store.identity import AccountItem, CounterItem, LinkSessionItem
from chalicelib.store.web import QrLinkItem, WebSessionItem
from tests.identity_support import STRONG_PASSWORD, last_code, make_account, open_session, step, unique_phone
from tests.integration.chats.phone import Phone, qr_link
from tests.integration.chats.world import OPERATOR, World
from tests.openapi import assert_documented

pytestmark = pytest.mark.emulator

PERSON = "par-1"


def link_for_real(world: World, emulator: str) -> str:
    """Re-link ``par-1`` through the linking flow with a real account; returns its phone."""
    assert world.call(PERSON, "DELETE", "/v1/link").status == 204
    phone = unique_phone()
    make_account(phone)
    session_id = open_session(world.api, PERSON, phone)
    assert step(world.api, PERSON, session_id, "password", {"password": STRONG_PASSWORD}).status_code == 200
    step(world.api, PERSON, session_id, "code", {"code": last_code(emulator, phone)})
    assert step(world.api, PERSON, session_id, "confirm").json_body["step"] == "done"
    return phone


def export(world: World, who: str = PERSON) -> dict[str, Any]:
    reply = world.get(who, "/v1/me/data")
    assert reply.status == 200, reply.body
    assert_documented("GET", "/v1/me/data", 200, reply.body, reply.headers.get("Content-Type"))
    body: dict[str, Any] = reply.body
    return body


def test_the_export_holds_account_profile_link_chats_and_own_messages_and_no_phone(
    world: World, emulator: str
) -> None:
    phone = link_for_real(world, emulator)
    assert world.send(PERSON, "parents", "Спасибо за собрание").status == 201

    data = export(world)
    assert data["person_id"] == PERSON
    assert data["account"]["phone_masked"].endswith(phone[-2:]) and "*" in data["account"]["phone_masked"]
    assert phone not in json.dumps(data) and phone[1:] not in json.dumps(data)
    assert data["profile"]["name"] == "Иван Иванов"
    assert data["link"]["profile_id"] == data["profile"]["id"]
    assert {c["id"] for c in data["chats"]} == {world.chats["parents"], world.chats["custom"]}
    assert sorted(m["text"] for m in data["messages"]) == sorted(
        ["hello from par-1", "hello from par-1", "Спасибо за собрание"]
    )
    # Only one's own: another person's export has none of these messages.
    assert "Спасибо за собрание" not in json.dumps(export(world, "t-class"))


def test_erasure_removes_the_account_and_leaves_messages_as_a_deleted_user(
    world: World, emulator: str
) -> None:
    phone = link_for_real(world, emulator)
    sent = world.send(PERSON, "parents", "Мой номер телефона в профиле")
    assert sent.status == 201
    phone_browser = Phone(world.api)
    assert phone_browser.scan(PERSON).status == 200
    unused_qr = qr_link(world.api, PERSON)

    erased = world.call(PERSON, "DELETE", "/v1/me")
    assert erased.status == 204, erased.body
    assert_documented("DELETE", "/v1/me", 204, None, None)

    # The account, its profile, the link, sessions, sign-in links and throttle rows are gone.
    assert world.get(PERSON, "/v1/me").body["link"] is None
    assert AccountItem.count(phone) == 0
    assert [s for s in WebSessionItem.scan() if s.person_id == PERSON] == []
    assert [q for q in QrLinkItem.scan() if q.person_id == PERSON] == []
    assert [s for s in LinkSessionItem.scan() if s.person_id == PERSON] == []
    # Only the global SMS budget's windows stay: they count sends, not people.
    assert [c.key for c in CounterItem.scan() if not c.key.startswith("budget#")] == []
    assert phone_browser.open("/m/chats").status == 401
    assert phone_browser.open(unused_qr["url"]).status == 410
    data = export(world)
    assert data["account"] is None and data["profile"] is None and data["link"] is None
    assert all(m["text"] == "" and m["deleted"] for m in data["messages"])

    # The messages stay in the chat, without text, signed «Удалённый пользователь».
    history = world.get("t-class", f"/v1/chats/{world.chats['parents']}/messages").body["items"]
    mine = [m for m in history if m["author_id"] == PERSON]
    assert len(mine) == 2
    assert all(m["author_name"] == "Удалённый пользователь" and m["text"] == "" for m in mine)
    listed = {c["id"]: c for c in world.get("t-class", "/v1/chats").body["items"]}
    assert listed[world.chats["parents"]]["last_message"]["text"] == ""
    assert listed[world.chats["parents"]]["last_message"]["author_name"] == "Удалённый пользователь"
    assert "Мой номер" not in json.dumps(history)

    # The old password signs nobody in: the number has no account any more.
    session_id = open_session(world.api, "someone-else", phone)
    refused = step(world.api, "someone-else", session_id, "password", {"password": STRONG_PASSWORD})
    assert refused.status_code == 400 and refused.json_body["type"].endswith("/invalid-credentials")

    records = world.get(OPERATOR, "/v1/schools/sch-1/audit").body["items"]
    assert [(r["action"], r["actor_id"]) for r in records if r["action"] == "erased"] == [("erased", PERSON)]
    assert phone not in json.dumps(records)


def test_erasing_twice_or_without_a_link_changes_nothing_else(world: World) -> None:
    assert world.call("stu-3", "DELETE", "/v1/me").status == 204
    assert world.call("stu-3", "DELETE", "/v1/me").status == 204
    # Other people's data is untouched.
    assert world.get("t-class", "/v1/me").body["link"] is not None
    history = world.get("t-class", f"/v1/chats/{world.chats['class']}/messages").body["items"]
    assert [m["text"] for m in history] == ["hello from stu-1"]
    assert world.get("stu-1", "/v1/me/data").status == 200
    unauthenticated = world.api.http.get("/v1/me/data")
    assert unauthenticated.status_code == 401
