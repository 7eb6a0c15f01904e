"""Teacher first and quiet hours on the hosted page, in Debian's Chromium at 360 px (SPEC §10).

An operator switches teacher first on and sets quiet hours for a new school, then its roster is
uploaded to the local stack's bucket: its parents chat waits for the class teacher. The class
teacher's phone shows «Открыть чат»; once pressed, the parent's phone lists the chat and, outside
the posting hours, says when posting opens instead of offering the send button. Screenshots go to
``test-output/browser/`` (``20-…``, ``21-…``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.browser.support import (
    WITHOUT_DEMO,
    assert_fits_phone,
    journal_headers,
    link_person,
    operator_headers,
    phone_signed_in,
    upload_roster,
)
from tests.local_stack import Stack

pytestmark = [pytest.mark.browser, pytest.mark.emulator]

STACK_ENV = WITHOUT_DEMO
SCHOOL = "sch-tf"
ROSTER = (
    "school_id,school_name,class,role,person_id,last_name,first_name,middle_name,phone,guardian_of\n"
    f"{SCHOOL},Школа 12,3Б,class_teacher,t-tf,Соколова,Анна,Игоревна,,\n"
    f"{SCHOOL},Школа 12,3Б,student,s-tf,Белов,Миша,,,\n"
    f"{SCHOOL},Школа 12,,parent,p-tf,Белова,Ирина,Сергеевна,,s-tf\n"
)


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
        headers=operator_headers(),
        timeout=10,
    )
    assert settings.status_code == 200, settings.text

    parents_chat = upload_roster(stack, SCHOOL, "school-12.csv", ROSTER, "parents")["parents"]

    teacher = link_person(api, emulator, journal_headers("t-tf"), "Анна", "Тестова", "1985-03-02", "female")
    parent = link_person(api, emulator, journal_headers("p-tf"), "Ирина", "Тестова", "1987-11-20", "female")
    parent_chats = requests.get(f"{api}/v1/chats", headers=parent, timeout=10).json()["items"]
    assert parents_chat["id"] not in {c["id"] for c in parent_chats}  # waits for the class teacher

    # The class teacher's phone: «Открыть чат» in the waiting parents chat.
    phone, errors, _ = phone_signed_in(browser, api, teacher)
    phone.locator(".chat a", has_text=parents_chat["title"]).click()
    button = phone.get_by_role("button", name="Открыть чат")
    expect(button).to_be_visible()
    expect(phone.locator("#open-chat")).to_contain_text("Ученики и родители пока не видят этот чат.")
    box = button.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 44  # a thumb-sized target
    assert_fits_phone(phone)
    phone.screenshot(path=str(screenshots / "20-phone-teacher-open-chat.png"), full_page=True)
    button.click()
    expect(phone.get_by_role("button", name="Открыть чат")).to_have_count(0)
    expect(phone.get_by_role("button", name="Отправить")).to_be_visible()  # the moderator posts any time
    assert errors == []

    # The parent's phone: the chat is there now; outside the posting hours, no send button.
    phone, errors, _ = phone_signed_in(browser, api, parent)
    phone.locator(".chat a", has_text=parents_chat["title"]).click()
    opens = f"Чат открыт для сообщений с {start.hour}:{start.minute:02d}"
    expect(phone.locator("#quiet-hours")).to_have_text(opens)
    expect(phone.get_by_role("button", name="Отправить")).to_have_count(0)
    expect(phone.locator("#text")).to_have_count(0)  # nothing typed: no box to type into
    assert_fits_phone(phone)
    phone.screenshot(path=str(screenshots / "21-phone-parent-quiet-hours.png"), full_page=True)
    assert errors == []
