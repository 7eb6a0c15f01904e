"""Teacher first and quiet hours on the hosted page, in Debian's Chromium at 360 px (SPEC §10).

An operator switches teacher first on and sets quiet hours for a new school, then its roster is
uploaded to the local stack's bucket: its parents chat waits for the class teacher. The class
teacher's phone shows «Открыть чат»; once pressed, the parent's phone lists the chat and, outside
the posting hours, says when posting opens instead of offering the send button. Screenshots go to
``test-output/browser/`` (``20-…``, ``21-…``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest
import requests

from chalicelib.identity.journal_token import issue_journal_token, issue_operator_token
from tests.identity_support import link_over_api
from tests.local_stack import Stack, start_stack, stop_stack

pytestmark = [pytest.mark.browser, pytest.mark.emulator]

JOURNAL_SECRET = "browser-journal-secret-0123456789abcdef"
OPERATOR_SECRET = "browser-operator-secret-0123456789abcdef"
SCHOOL = "sch-tf"
PHONE_VIEWPORT = {"width": 360, "height": 740}
ROSTER = (
    "school_id,school_name,class,role,person_id,last_name,first_name,middle_name,phone,guardian_of\n"
    f"{SCHOOL},Школа 12,3Б,class_teacher,t-tf,Соколова,Анна,Игоревна,,\n"
    f"{SCHOOL},Школа 12,3Б,student,s-tf,Белов,Миша,,,\n"
    f"{SCHOOL},Школа 12,,parent,p-tf,Белова,Ирина,Сергеевна,,s-tf\n"
)


@pytest.fixture(scope="module")
def stack(browser: Any) -> Iterator[Stack]:
    """The local stack without the demo school, with secrets this test signs tokens with."""
    started = start_stack(
        {"DEMO": "0", "JOURNAL_JWT_SECRET": JOURNAL_SECRET, "OPERATOR_JWT_SECRET": OPERATOR_SECRET}
    )
    yield started
    stop_stack(started)


def _as(person_id: str) -> dict[str, str]:
    token = issue_journal_token(person_id, JOURNAL_SECRET, issued_at=int(time.time()), lifetime_s=3600)
    return {"Authorization": f"Bearer {token}"}


def _operator() -> dict[str, str]:
    token = issue_operator_token("operator-1", OPERATOR_SECRET, issued_at=int(time.time()))
    return {"Authorization": f"Bearer {token}"}


def _link(api: str, emulator: str, person_id: str, first_name: str, born: str) -> dict[str, str]:
    """Link a journal user through the API (register, SMS code, profile, confirm); their headers."""
    headers = _as(person_id)
    profile = {"last_name": "Тестова", "first_name": first_name, "birth_date": born, "gender": "female"}
    link_over_api(api, emulator, headers, profile, "Tishina-v-klasse-2026")
    return headers


def _phone(browser: Any, api: str, headers: dict[str, str]) -> tuple[Any, list[str]]:
    """A 360-px phone signed in by a fresh QR link; the errors its pages report (CSP ones included)."""
    page = browser.new_context(
        viewport=PHONE_VIEWPORT, is_mobile=True, has_touch=True, locale="ru-RU"
    ).new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    link = requests.post(f"{api}/v1/qr-links", json={}, headers=headers, timeout=10).json()
    page.goto(link["url"])
    page.get_by_role("button", name="Продолжить").click()
    return page, errors


def _fits(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]


def test_the_class_teacher_opens_the_chat_and_the_parent_is_told_when_posting_opens(
    browser: Any, stack: Stack, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    api, emulator = stack.ready["api"], stack.ready["emulator"]
    # Posting hours that do not hold now: they start in two hours, Moscow time.
    start = datetime.now(UTC).astimezone(ZoneInfo("Europe/Moscow")) + timedelta(hours=2)
    end = start + timedelta(hours=1)
    hours = {"start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")}
    settings = requests.patch(
        f"{api}/v1/schools/{SCHOOL}/settings",
        json={"teacher_first": True, "quiet_hours": hours},
        headers=_operator(),
        timeout=10,
    )
    assert settings.status_code == 200, settings.text

    s3 = boto3.client(
        "s3", endpoint_url=emulator, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    s3.put_object(Bucket=stack.ready["bucket"], Key="rosters/school-12.csv", Body=ROSTER.encode())
    parents_chat = None
    deadline = time.monotonic() + 90
    while parents_chat is None and time.monotonic() < deadline:
        listed = requests.get(f"{api}/v1/schools/{SCHOOL}/chats", headers=_operator(), timeout=10)
        found = [c for c in listed.json().get("items", []) if c["kind"] == "parents"] if listed.ok else []
        parents_chat = found[0] if found else None
        time.sleep(0.3)
    assert parents_chat is not None, "the roster did not become chats"

    teacher = _link(api, emulator, "t-tf", "Анна", "1985-03-02")
    parent = _link(api, emulator, "p-tf", "Ирина", "1987-11-20")
    parent_chats = requests.get(f"{api}/v1/chats", headers=parent, timeout=10).json()["items"]
    assert parents_chat["id"] not in {c["id"] for c in parent_chats}  # waits for the class teacher

    # The class teacher's phone: «Открыть чат» in the waiting parents chat.
    phone, errors = _phone(browser, api, teacher)
    phone.locator(".chat a", has_text=parents_chat["title"]).click()
    button = phone.get_by_role("button", name="Открыть чат")
    expect(button).to_be_visible()
    expect(phone.locator("#open-chat")).to_contain_text("Ученики и родители пока не видят этот чат.")
    box = button.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 44  # a thumb-sized target
    _fits(phone)
    phone.screenshot(path=str(screenshots / "20-phone-teacher-open-chat.png"), full_page=True)
    button.click()
    expect(phone.get_by_role("button", name="Открыть чат")).to_have_count(0)
    expect(phone.get_by_role("button", name="Отправить")).to_be_visible()  # the moderator posts any time
    assert errors == []

    # The parent's phone: the chat is there now; outside the posting hours, no send button.
    phone, errors = _phone(browser, api, parent)
    phone.locator(".chat a", has_text=parents_chat["title"]).click()
    opens = f"Чат открыт для сообщений с {start.hour}:{start.minute:02d}"
    expect(phone.locator("#quiet-hours")).to_have_text(opens)
    expect(phone.get_by_role("button", name="Отправить")).to_have_count(0)
    expect(phone.locator("#text")).to_have_count(0)  # nothing typed: no box to type into
    _fits(phone)
    phone.screenshot(path=str(screenshots / "21-phone-parent-quiet-hours.png"), full_page=True)
    assert errors == []
