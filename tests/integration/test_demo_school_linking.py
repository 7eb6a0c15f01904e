"""The issue's acceptance for linking: demo users link through the HTTP API exactly as SPEC §3 says.

The demo school goes through the real pipeline (an upload under ``rosters/``,
S3 → SQS → the queue handlers, drained by the local stack's worker); every
step after that is an HTTP request whose answer is held to docs/openapi.yaml,
and the SMS code is read back from the emulator over HTTP, as a phone would
receive it.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from chalicelib.aws import client
from chalicelib.config import settings
from devstack.demo import SCHOOL_ID, demo_oneroster_zip
from tests.identity_support import STRONG_PASSWORD, call, last_code, sms_to, step, unique_phone
from tests.support import assert_problem

pytestmark = pytest.mark.emulator


@pytest.fixture
def demo_school(application: Any, clock: Any) -> None:
    """The demo school imported the way a journal uploads it."""
    from devstack.worker import app_worker

    key = f"rosters/demo-{uuid.uuid4().hex[:8]}.zip"
    client("s3").put_object(Bucket=settings().roster_bucket, Key=key, Body=demo_oneroster_zip())
    app_worker(application, school_concurrency=1).drain()


def masked(phone: str) -> str:
    """How the journal shows a Russian number back to its owner."""
    return f"+7 {phone[2:5]} ***-**-{phone[-2:]}"


def link_by_registering(api: Any, emulator: str, person_id: str, profile: dict[str, str]) -> dict[str, Any]:
    """SPEC §3 for a journal user with no messenger account: phone, new password, SMS code, profile, confirm.

    Returns the profile the session ends with, and the phone, under ``profile`` and ``phone``.
    """
    phone = unique_phone()
    opened = call(api, "post", "/v1/link/sessions", person_id, {"phone": phone})
    assert opened.status_code == 201, opened.body
    session = opened.json_body
    assert session["step"] == "password" and session["phone_masked"] == masked(phone)
    assert opened.headers["Location"] == f"/v1/link/sessions/{session['id']}"

    registering = step(api, person_id, session["id"], "register")
    assert registering.status_code == 200 and registering.json_body["step"] == "register"

    sent = step(api, person_id, session["id"], "password", {"password": STRONG_PASSWORD})
    assert sent.status_code == 200, sent.body
    code_step = sent.json_body
    assert code_step["step"] == "code" and code_step["phone_masked"] == masked(phone)
    # "SMS will arrive within 01:59": the resend cooldown and the code's life, in seconds.
    assert code_step["resend_after_s"] == 120 and code_step["expires_in_s"] == 300
    assert code_step["attempts_left"] == 5
    assert len(sms_to(emulator, phone)) == 1

    form = step(api, person_id, session["id"], "code", {"code": last_code(emulator, phone)})
    assert form.status_code == 200, form.body
    assert form.json_body["step"] == "create_profile" and form.json_body["phone_verified"] is True

    chosen = step(api, person_id, session["id"], "profile", profile)
    assert chosen.status_code == 200, chosen.body
    assert chosen.json_body["step"] == "choose_profile"
    shown = chosen.json_body["profile"]
    assert shown["name"] == f"{profile['first_name']} {profile['last_name']}"

    done = step(api, person_id, session["id"], "confirm")
    assert done.status_code == 200, done.body
    assert done.json_body["step"] == "done" and done.json_body["profile"] == shown
    return {"profile": shown, "phone": phone}


def chat_titles(api: Any, person_id: str) -> list[str]:
    """The titles of every chat in the person's list (all pages, small pages to walk the cursor)."""
    titles: list[str] = []
    path = "/v1/chats?limit=1"
    while True:
        page = call(api, "get", path, person_id)
        assert page.status_code == 200, page.body
        titles += [chat["title"] for chat in page.json_body["items"]]
        if page.json_body["next_cursor"] is None:
            return titles
        path = f"/v1/chats?limit=1&cursor={page.json_body['next_cursor']}"


def chats_by_title(api: Any, person_id: str) -> dict[str, dict[str, Any]]:
    """The person's chats, by title."""
    page = call(api, "get", "/v1/chats?limit=100", person_id)
    assert page.status_code == 200, page.body
    return {chat["title"]: chat for chat in page.json_body["items"]}


def test_the_class_teacher_of_5a_links_and_sees_exactly_her_chats(api: Any, emulator: str, demo_school: None):
    teacher = "t-ivanova"
    # 1. "Chats": not linked yet; the rosters say who she is.
    assert call(api, "get", "/v1/me", teacher).json_body == {
        "person_id": teacher,
        "name": "Иванова Мария Петровна",
        "roles": ["teacher"],
        "school_ids": [SCHOOL_ID],
        "link": None,
    }
    assert_problem(call(api, "get", "/v1/chats", teacher), 409, "link-required")

    # 2–4. Register an account for her phone, confirm it by SMS, create the profile, link.
    linked = link_by_registering(
        api,
        emulator,
        teacher,
        {
            "first_name": "Мария",
            "last_name": "Иванова",
            "patronymic": "Петровна",
            "birth_date": "1984-02-29",
            "gender": "female",
        },
    )
    me = call(api, "get", "/v1/me", teacher).json_body
    expected_link = {"profile": linked["profile"], "phone_masked": masked(linked["phone"]), "consent": None}
    assert me["link"] == expected_link
    assert linked["phone"][2:] not in str(me)  # only the mask, never the number

    # Exactly her chats: the staff room and her class's two chats, none of 5Б or 6А.
    titles = chat_titles(api, teacher)
    assert sorted(titles) == sorted(["Учительская", "5А", "5А — родители"])
    chats = chats_by_title(api, teacher)
    assert {title: chat["kind"] for title, chat in chats.items()} == {
        "Учительская": "staff",
        "5А": "class",
        "5А — родители": "parents",
    }
    assert chats["5А"]["my_role"] == "moderator" and chats["Учительская"]["my_role"] == "member"
    assert chats["5А"]["member_count"] == 5  # four students and their class teacher

    # A message can be sent and read back.
    class_chat = chats["5А"]["id"]
    sent = call(api, "post", f"/v1/chats/{class_chat}/messages", teacher, {"text": "Завтра экскурсия"})
    assert sent.status_code == 201, sent.body
    page = call(api, "get", f"/v1/chats/{class_chat}/messages", teacher).json_body
    assert [(m["text"], m["author_id"], m["author_name"]) for m in page["items"]] == [
        ("Завтра экскурсия", teacher, "Иванова Мария Петровна")
    ]
    assert chats_by_title(api, teacher)["5А"]["last_message"]["id"] == sent.json_body["id"]


def test_a_parent_of_children_in_5a_and_6a_sees_both_parents_chats_and_no_class_chat(
    api: Any, emulator: str, clock: Any, demo_school: None
):
    parent, teacher = "p-orlova", "t-ivanova"
    me = call(api, "get", "/v1/me", parent).json_body
    assert (me["name"], me["roles"], me["school_ids"], me["link"]) == (
        "Орлова Наталья Викторовна",
        ["parent"],
        [SCHOOL_ID],
        None,
    )
    link_by_registering(
        api,
        emulator,
        parent,
        {"first_name": "Наталья", "last_name": "Орлова", "birth_date": "1986-07-15", "gender": "female"},
    )
    link_by_registering(
        api,
        emulator,
        teacher,
        {"first_name": "Мария", "last_name": "Иванова", "birth_date": "1984-02-29", "gender": "female"},
    )

    assert sorted(chat_titles(api, parent)) == ["5А — родители", "6А — родители"]
    mine = chats_by_title(api, parent)
    assert {chat["kind"] for chat in mine.values()} == {"parents"}
    # A class chat of her children's class is not hers to open, not even by id.
    class_chat = chats_by_title(api, teacher)["5А"]["id"]
    assert_problem(call(api, "get", f"/v1/chats/{class_chat}", parent), 404, "not-found")
    assert_problem(call(api, "get", f"/v1/chats/{class_chat}/messages", parent), 404, "not-found")

    # The class teacher writes in the parents chat; the parent reads it and answers.
    parents_chat = mine["5А — родители"]["id"]
    asked = call(api, "post", f"/v1/chats/{parents_chat}/messages", teacher, {"text": "Собрание в четверг"})
    assert asked.status_code == 201, asked.body
    clock.advance(seconds=30)
    answered = call(api, "post", f"/v1/chats/{parents_chat}/messages", parent, {"text": "Буду"})
    assert answered.status_code == 201, answered.body
    read = call(api, "get", f"/v1/chats/{parents_chat}/messages", parent).json_body["items"]
    assert [(m["author_id"], m["text"]) for m in read] == [(parent, "Буду"), (teacher, "Собрание в четверг")]
