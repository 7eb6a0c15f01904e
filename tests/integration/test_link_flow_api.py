"""Linking through the HTTP API (SPEC §3): every step, against moto server, SMS read back from SNS."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.planning.model import ChatKind, roster_chat_id
from tests.identity_support import (
    DEMO_TEACHER_ID,
    STRONG_PASSWORD,
    call,
    documented_request,
    last_code,
    make_account,
    open_session,
    seed_demo_school,
    sms_to,
    step,
    unique_phone,
)
from tests.support import assert_problem


def test_a_demo_teacher_registers_creates_a_profile_and_links(services: Any, api, clock, emulator):
    """SPEC §3 end to end: a roster teacher with no messenger account links through the API."""
    seed_demo_school(services)
    teacher = DEMO_TEACHER_ID
    me = call(api, "get", "/v1/me", teacher).json_body
    assert me == {
        "person_id": teacher,
        "name": "Петрова Анна",
        "roles": ["teacher"],
        "school_ids": ["demo-school"],
        "link": None,
    }
    # A chat request before linking: 409 link-required (SPEC §6).
    members = f"/v1/chats/{roster_chat_id('demo-school', ChatKind.CLASS, '5a')}/members"
    assert_problem(call(api, "get", members, teacher), 409, "link-required")

    phone = unique_phone()
    typed = f"8 ({phone[2:5]}) {phone[5:8]}-{phone[8:10]}-{phone[10:]}"  # as people type it
    session_id = open_session(api, teacher, typed)
    registering = step(api, teacher, session_id, "register")
    assert registering.status_code == 200 and registering.json_body["step"] == "register"
    sent = step(api, teacher, session_id, "password", {"password": STRONG_PASSWORD}).json_body
    assert sent["step"] == "code"
    assert sent["phone_masked"] == f"+7 *** ** *{phone[-2:]}"
    assert sent["resend_after_s"] == 120 and sent["expires_in_s"] == 300
    assert len(sms_to(emulator, phone)) == 1

    created = step(api, teacher, session_id, "code", {"code": last_code(emulator, phone)})
    assert created.status_code == 200 and created.json_body["step"] == "create_profile"
    chosen = step(
        api,
        teacher,
        session_id,
        "profile",
        {
            "first_name": "Анна",
            "last_name": "Петрова",
            "patronymic": "Сергеевна",
            "birth_date": "1988-04-02",
            "gender": "female",
        },
    ).json_body
    assert chosen["step"] == "choose_profile"
    assert chosen["profile"]["name"] == "Анна Петрова"
    done = step(api, teacher, session_id, "confirm").json_body
    assert done["step"] == "done" and done["profile"] == chosen["profile"]

    me = call(api, "get", "/v1/me", teacher).json_body
    assert me["link"] == {
        "profile": chosen["profile"],
        "phone_masked": f"+7 *** ** *{phone[-2:]}",
        "consent": None,
    }
    assert call(api, "get", members, teacher).status_code == 200

    assert call(api, "delete", "/v1/link", teacher).status_code == 204
    assert call(api, "get", "/v1/me", teacher).json_body["link"] is None
    assert_problem(call(api, "get", members, teacher), 409, "link-required")
    assert_problem(call(api, "delete", "/v1/link", teacher), 404, "not-found")


def test_an_existing_account_signs_in_with_password_and_code(api, clock, emulator):
    phone = unique_phone()
    make_account(phone)
    session_id = open_session(api, "journal-1", phone)
    sent = step(api, "journal-1", session_id, "password", {"password": STRONG_PASSWORD})
    assert sent.status_code == 200, sent.body
    assert sent.json_body["step"] == "code"
    chosen = step(api, "journal-1", session_id, "code", {"code": last_code(emulator, phone)}).json_body
    assert chosen["step"] == "choose_profile"
    assert chosen["profile"]["name"] == "Иван Иванов"
    assert chosen["profile"]["patronymic"] == "Петрович"
    current = call(api, "get", f"/v1/link/sessions/{session_id}", "journal-1").json_body
    assert current["step"] == "choose_profile"
    done = step(api, "journal-1", session_id, "confirm").json_body
    assert done["step"] == "done"
    assert call(api, "get", "/v1/me", "journal-1").json_body["link"]["profile"] == chosen["profile"]


def test_an_account_without_a_profile_creates_one(api, clock, emulator):
    phone = unique_phone()
    make_account(phone, with_profile=False)
    session_id = open_session(api, "journal-2", phone)
    step(api, "journal-2", session_id, "password", {"password": STRONG_PASSWORD})
    form = step(api, "journal-2", session_id, "code", {"code": last_code(emulator, phone)}).json_body
    assert form["step"] == "create_profile" and "profile" not in form
    profile = {"first_name": "Олег", "last_name": "Смирнов", "birth_date": "1979-12-31", "gender": "male"}
    chosen = step(api, "journal-2", session_id, "profile", profile).json_body
    assert chosen["step"] == "choose_profile" and chosen["profile"]["patronymic"] is None
    assert step(api, "journal-2", session_id, "confirm").json_body["step"] == "done"


def test_registering_a_taken_number_reveals_it_only_after_the_code(api, clock, emulator):
    phone = unique_phone()
    make_account(phone)
    session_id = open_session(api, "journal-3", phone)
    step(api, "journal-3", session_id, "register")
    sent = step(api, "journal-3", session_id, "password", {"password": "a brand new passphrase"})
    # The same answer as for a free number: a code went to the phone.
    assert sent.status_code == 200 and sent.json_body["step"] == "code"
    proven = step(api, "journal-3", session_id, "code", {"code": last_code(emulator, phone)}).json_body
    assert proven["step"] == "password" and proven["phone_verified"] is True
    # The new password did not replace the account's: it is refused, the old one works, no second SMS.
    assert_problem(
        step(api, "journal-3", session_id, "password", {"password": "a brand new passphrase"}),
        400,
        "invalid-credentials",
    )
    chosen = step(api, "journal-3", session_id, "password", {"password": STRONG_PASSWORD}).json_body
    assert chosen["step"] == "choose_profile" and chosen["profile"]["name"] == "Иван Иванов"
    assert len(sms_to(emulator, phone)) == 1


def test_a_linked_journal_user_cannot_open_another_session(api, clock, emulator):
    phone = unique_phone()
    make_account(phone)
    _link(api, emulator, "journal-4", phone)
    assert_problem(
        call(api, "post", "/v1/link/sessions", "journal-4", {"phone": unique_phone()}), 409, "already-linked"
    )


def test_a_profile_links_to_one_journal_user_only(api, clock, emulator):
    phone = unique_phone()
    make_account(phone)
    _link(api, emulator, "journal-5", phone)
    clock.advance(seconds=121)  # past the resend cooldown's reach; the SMS caps allow a second code
    session_id = open_session(api, "journal-6", phone)
    step(api, "journal-6", session_id, "password", {"password": STRONG_PASSWORD})
    step(api, "journal-6", session_id, "code", {"code": last_code(emulator, phone)})
    assert_problem(step(api, "journal-6", session_id, "confirm"), 409, "already-linked")
    assert call(api, "get", "/v1/me", "journal-6").json_body["link"] is None
    # Once the first journal user unlinks, the profile is free again.
    assert call(api, "delete", "/v1/link", "journal-5").status_code == 204
    assert step(api, "journal-6", session_id, "confirm").json_body["step"] == "done"


def test_me_for_someone_the_rosters_do_not_know(api, clock):
    assert call(api, "get", "/v1/me", "stranger").json_body == {
        "person_id": "stranger",
        "name": None,
        "roles": [],
        "school_ids": [],
        "link": None,
    }


def test_me_and_link_routes_need_a_journal_token(api):
    for method, path in (
        ("get", "/v1/me"),
        ("delete", "/v1/link"),
        ("post", "/v1/link/sessions"),
        ("get", "/v1/link/sessions/abc"),
    ):
        response = documented_request(api, method, path, {"Content-Type": "application/json"}, "{}")
        assert_problem(response, 401, "unauthorized")


def _link(api, emulator, person_id, phone):
    session_id = open_session(api, person_id, phone)
    step(api, person_id, session_id, "password", {"password": STRONG_PASSWORD})
    step(api, person_id, session_id, "code", {"code": last_code(emulator, phone)})
    assert step(api, person_id, session_id, "confirm").json_body["step"] == "done"


def test_an_account_has_at_most_one_profile(aws):
    from datetime import UTC, date, datetime

    from chalicelib.identity.profiles import Gender, ProfileInput
    from chalicelib.identity.provider import BuiltinIdentityProvider, ProfileAlreadyExists
    from chalicelib.store.accounts import DynamoAccountStore

    provider = BuiltinIdentityProvider(DynamoAccountStore())
    account_id = make_account(unique_phone(), with_profile=False)
    now = datetime(2026, 9, 1, tzinfo=UTC)
    first = provider.create_profile(
        account_id, ProfileInput("А", "Б", None, date(1990, 1, 1), Gender.MALE), now
    )
    with pytest.raises(ProfileAlreadyExists):
        provider.create_profile(
            account_id, ProfileInput("В", "Г", None, date(1991, 1, 1), Gender.FEMALE), now
        )
    stored = provider.account(account_id)
    assert stored is not None and stored.profile == first


def test_codes_never_live_longer_than_ten_minutes(api, clock, configure, emulator):
    configure(SMS_CODE_TTL_S="3600")
    phone = unique_phone()
    make_account(phone)
    session_id = open_session(api, "journal-7", phone)
    assert (
        step(api, "journal-7", session_id, "password", {"password": STRONG_PASSWORD}).json_body[
            "expires_in_s"
        ]
        == 600
    )
