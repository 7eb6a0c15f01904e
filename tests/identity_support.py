"""Helpers for the linking tests: a school on the roster, accounts, SMS read back from the emulator."""

from __future__ import annotations

import json
import re
import secrets
from datetime import UTC, datetime
from typing import Any

import requests

from devstack.emulator import SENT_SMS_PATH
from tests.openapi import assert_response_documented
from tests.support import auth_headers, install_roster

DEMO_SCHOOL_ID = "demo-school"
DEMO_TEACHER_ID = "demo-teacher-1"
STRONG_PASSWORD = "correct horse battery staple"


def unique_phone() -> str:
    """A Russian mobile number (E.164) no other test uses."""
    return "+7916" + "".join(secrets.choice("0123456789") for _ in range(7))


def sms_to(emulator: str, phone: str) -> list[str]:
    """Every SMS the emulator's SNS has sent to a number, oldest first (``devstack.emulator``'s inbox)."""
    found = requests.get(f"{emulator}{SENT_SMS_PATH}", params={"phone": phone}, timeout=10)
    found.raise_for_status()
    return list(found.json()["messages"])


def last_code(emulator: str, phone: str) -> str:
    """The code in the newest SMS to a number."""
    messages = sms_to(emulator, phone)
    assert messages, f"no SMS was sent to {phone}"
    found = re.search(r"\b(\d{6})\b", messages[-1])
    assert found, messages[-1]
    return found.group(1)


def link_over_api(
    api: str,
    emulator: str,
    headers: dict[str, str],
    profile: dict[str, str],
    password: str = STRONG_PASSWORD,
) -> None:
    """SPEC §3 through the HTTP API, as the journal's screens go: a fresh phone, a new account with
    ``password``, its SMS code, the ``profile`` (names, birth date, gender), confirm."""
    phone_number = unique_phone()
    reply = requests.post(
        f"{api}/v1/link/sessions", json={"phone": phone_number}, headers=headers, timeout=10
    )
    assert reply.status_code in (200, 201), reply.text
    body = reply.json()
    steps: dict[str, tuple[str, dict[str, str]]] = {
        "password": ("register", {}),
        "register": ("password", {"password": password}),
        "create_profile": ("profile", profile),
        "choose_profile": ("confirm", {}),
    }
    for _ in range(8):
        if body["step"] == "done":
            return
        if body["step"] == "code":
            action, payload = "code", {"code": last_code(emulator, phone_number)}
        else:
            action, payload = steps[body["step"]]
        reply = requests.post(
            f"{api}/v1/link/sessions/{body['id']}/{action}", json=payload, headers=headers, timeout=10
        )
        assert reply.status_code == 200, reply.text
        body = reply.json()
    raise AssertionError(f"linking did not finish: {body}")


def documented_request(api: Any, method: str, path: str, headers: dict[str, str], body: Any) -> Any:
    """An API request whose answer must be one docs/openapi.yaml describes (status and body)."""
    response = getattr(api.http, method.lower())(path, headers=headers, body=body)
    assert_response_documented(method, path, response)
    return response


def call(api: Any, method: str, path: str, person_id: str, body: Any = None, raw: str | None = None) -> Any:
    """An API request from a journal user with a JSON body (its answer held to the document)."""
    payload = raw if raw is not None else ("" if body is None else json.dumps(body))
    return documented_request(api, method, path, auth_headers(person_id), payload)


def step(api: Any, person_id: str, session_id: str, action: str, body: Any = None) -> Any:
    """``POST /v1/link/sessions/{id}/{action}``."""
    return call(api, "post", f"/v1/link/sessions/{session_id}/{action}", person_id, body)


def open_session(api: Any, person_id: str, phone: str) -> str:
    """A new link session (asserting it opened at ``password``); returns its id."""
    response = call(api, "post", "/v1/link/sessions", person_id, {"phone": phone})
    assert response.status_code == 201, response.body
    assert response.json_body["step"] == "password"
    return str(response.json_body["id"])


def make_account(phone: str, password: str = STRONG_PASSWORD, *, with_profile: bool = True) -> str:
    """An existing messenger account (optionally with a profile); returns its id."""
    from chalicelib.identity.passwords import hash_password
    from chalicelib.identity.profiles import Gender, ProfileInput
    from chalicelib.identity.provider import BuiltinIdentityProvider
    from chalicelib.store.accounts import DynamoAccountStore

    provider = BuiltinIdentityProvider(DynamoAccountStore())
    now = datetime(2026, 1, 1, tzinfo=UTC)
    account = provider.create_account(phone, hash_password(password), now)
    if with_profile:
        provider.create_profile(
            account.account_id,
            ProfileInput("Иван", "Иванов", "Петрович", datetime(1985, 3, 14).date(), Gender.MALE),
            now,
        )
    return account.account_id


def seed_demo_school(services: Any) -> None:
    """A small school on the roster, written the way a roster sync writes it (plan → diff → messenger)."""
    from chalicelib.roster.model import (
        ClassKind,
        ClassRecord,
        EnrollmentRecord,
        EnrollmentRole,
        PersonRecord,
        Role,
        SchoolRoster,
    )

    people = {
        DEMO_TEACHER_ID: PersonRecord(DEMO_TEACHER_ID, frozenset({Role.TEACHER}), "Петрова", "Анна"),
        "demo-admin": PersonRecord("demo-admin", frozenset({Role.ADMIN}), "Смирнов", "Олег"),
        "demo-student": PersonRecord("demo-student", frozenset({Role.STUDENT}), "Козлов", "Миша"),
    }
    roster = SchoolRoster(
        school_id=DEMO_SCHOOL_ID,
        school_name="Школа № 1",
        people=people,
        classes={"5a": ClassRecord("5a", "5А", ClassKind.HOMEROOM)},
        enrollments={
            "e1": EnrollmentRecord("e1", "5a", DEMO_TEACHER_ID, EnrollmentRole.TEACHER, primary=True),
            "e2": EnrollmentRecord("e2", "5a", "demo-student", EnrollmentRole.STUDENT),
        },
    )
    install_roster(services, roster, datetime(2026, 8, 31, tzinfo=UTC))
