"""Pages follow chats appearing and going away, live (SPEC §10: chat.appeared / chat.removed), in Chromium.

Teacher first is on for a new school: its class chat waits for the class teacher. The pupil's phone
is open on its (empty) chat list; the class teacher presses «Открыть чат» on their phone, and the
pupil's list shows the chat within 2 s, without a reload and without moving the pupil's keyboard
focus. Then the school takes the pupil out of the chat while it is open on their phone (and a moderator
out of a custom chat open in their demo journal): the composer gives way to a Russian notice.
Screenshots go to ``test-output/browser/`` (``40-…`` to ``42-…``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from chalicelib.identity.journal_token import issue_journal_token
from tests.browser.test_live_updates import LIVE_MS, _frames, _wait_ready
from tests.browser.test_school_settings_page import (
    JOURNAL_SECRET,
    OPERATOR_SECRET,
    PHONE_VIEWPORT,
    _link,
    _operator,
)
from tests.local_stack import Stack, start_stack, stop_stack

pytestmark = [pytest.mark.browser, pytest.mark.emulator]

SCHOOL = "sch-l3"
ROSTER = (
    "school_id,school_name,class,role,person_id,last_name,first_name,middle_name,phone,guardian_of\n"
    f"{SCHOOL},Школа 30,4В,class_teacher,t-l3,Зайцева,Вера,Павловна,,\n"
    f"{SCHOOL},Школа 30,4В,student,s-l3,Комаров,Лев,,,\n"
)


@pytest.fixture(scope="module")
def stack(browser: Any) -> Iterator[Stack]:
    """The local stack without the demo school, with secrets this test signs tokens with."""
    started = start_stack(
        {"DEMO": "0", "JOURNAL_JWT_SECRET": JOURNAL_SECRET, "OPERATOR_JWT_SECRET": OPERATOR_SECRET}
    )
    yield started
    stop_stack(started)


def _phone(browser: Any, api: str, headers: dict[str, str]) -> tuple[Any, list[dict[str, Any]], list[str]]:
    """A 360-px phone signed in by a fresh QR link, on its chat list; its socket frames and errors."""
    page = browser.new_context(
        viewport=PHONE_VIEWPORT, is_mobile=True, has_touch=True, locale="ru-RU"
    ).new_page()
    frames = _frames(page)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    link = requests.post(f"{api}/v1/qr-links", json={}, headers=headers, timeout=10).json()
    page.goto(link["url"])
    page.get_by_role("button", name="Продолжить").click()
    page.locator("#chats").wait_for()
    return page, frames, errors


def _class_chat(api: str) -> dict[str, Any]:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        listed = requests.get(f"{api}/v1/schools/{SCHOOL}/chats", headers=_operator(), timeout=10)
        found = [c for c in listed.json().get("items", []) if c["kind"] == "class"] if listed.ok else []
        if found:
            return found[0]
        time.sleep(0.3)
    raise AssertionError("the roster did not become chats")


def test_an_opened_chat_appears_on_the_pupils_list_and_a_removal_replaces_the_composer(
    browser: Any, stack: Stack, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    api, emulator = stack.ready["api"], stack.ready["emulator"]
    settings = requests.patch(
        f"{api}/v1/schools/{SCHOOL}/settings", json={"teacher_first": True}, headers=_operator(), timeout=10
    )
    assert settings.status_code == 200, settings.text
    s3 = boto3.client(
        "s3", endpoint_url=emulator, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    s3.put_object(Bucket=stack.ready["bucket"], Key="rosters/school-30.csv", Body=ROSTER.encode())
    class_chat = _class_chat(api)
    teacher = _link(api, emulator, "t-l3", "Вера", "1984-04-04")
    pupil = _link(api, emulator, "s-l3", "Лев", "2010-05-05")
    assert class_chat["id"] not in {
        c["id"] for c in requests.get(f"{api}/v1/chats", headers=pupil, timeout=10).json()["items"]
    }

    # The pupil's phone, on its chat list, live; keyboard focus on something outside the list.
    phone, frames, errors = _phone(browser, api, pupil)
    _wait_ready(phone, frames)
    expect(phone.locator("#chats .chat")).to_have_count(0)
    focused = phone.evaluate(
        """() => {
          const target = [...document.querySelectorAll("a[href], button")].find(e => !e.closest("#chats"));
          if (!target) { return null; }
          target.setAttribute("data-kept-focus", "1");
          target.focus();
          return document.activeElement === target;
        }"""
    )
    assert focused, "the chat list page has nothing focusable outside the list"
    phone.evaluate("window.__notReloaded = true")

    # The class teacher presses «Открыть чат» on their phone.
    teacher_phone, _, teacher_errors = _phone(browser, api, teacher)
    teacher_phone.locator(f'.chat a[href="/m/chats/{class_chat["id"]}"]').click()
    teacher_phone.get_by_role("button", name="Открыть чат").click()
    expect(teacher_phone.get_by_role("button", name="Открыть чат")).to_have_count(0)

    row = phone.locator(f'#chats .chat a[href="/m/chats/{class_chat["id"]}"]')
    expect(row).to_have_count(1, timeout=LIVE_MS)
    assert phone.evaluate("window.__notReloaded === true")  # the list changed in place
    assert phone.evaluate("document.activeElement.getAttribute('data-kept-focus')") == "1"
    assert any(f.get("type") == "chat.appeared" and f.get("chat_id") == class_chat["id"] for f in frames)
    phone.screenshot(path=str(screenshots / "40-phone-chat-appeared-live.png"), full_page=True)

    # The pupil opens it; the school takes them out of it: the composer gives way to a notice.
    row.click()
    expect(phone.locator("#composer")).to_be_visible()
    _wait_ready(phone, frames)
    phone.evaluate("window.__notReloaded = true")
    gone = requests.delete(f"{api}/v1/chats/{class_chat['id']}/members/s-l3", headers=_operator(), timeout=10)
    assert gone.status_code == 204, gone.text
    expect(phone.locator("#removed")).to_have_text(
        "Вас больше нет в этом чате: новые сообщения сюда не придут, писать в него нельзя.", timeout=LIVE_MS
    )
    expect(phone.locator("#composer")).to_have_count(0)
    assert phone.evaluate("window.__notReloaded === true")
    phone.screenshot(path=str(screenshots / "41-phone-removed-from-open-chat.png"), full_page=True)
    assert errors == [] and teacher_errors == []

    # The same in the demo journal: the pupil has a custom chat open; its moderator takes them out.
    club = requests.post(
        f"{api}/v1/chats",
        json={"kind": "custom", "title": "Кружок", "member_ids": ["s-l3"]},
        headers=teacher,
        timeout=10,
    )
    assert club.status_code == 201, club.text
    journal, journal_frames, journal_errors = _journal(browser, api, "s-l3", "Комаров Лев")
    journal.locator("#chat-list button", has=journal.locator(".title", has_text="Кружок")).click()
    expect(journal.locator("#journal-composer")).to_be_visible()
    _wait_ready(journal, journal_frames)
    journal.evaluate("window.__notReloaded = true")
    taken_out = requests.delete(
        f"{api}/v1/chats/{club.json()['id']}/members/s-l3", headers=teacher, timeout=10
    )
    assert taken_out.status_code == 204, taken_out.text
    expect(journal.locator("#journal-removed")).to_have_text(
        "Вас больше нет в этом чате: новые сообщения сюда не придут, писать в него нельзя.", timeout=LIVE_MS
    )
    expect(journal.locator("#journal-composer")).to_have_count(0)
    assert journal.evaluate("window.__notReloaded === true")
    journal.screenshot(path=str(screenshots / "42-journal-removed-from-open-chat.png"))
    assert journal_errors == []


def _journal(
    browser: Any, api: str, person_id: str, name: str
) -> tuple[Any, list[dict[str, Any]], list[str]]:
    """The demo journal at 1280 px signed in as ``person_id`` (its token endpoint answered with a journal
    token for them), on «Чаты»; its socket frames and errors."""
    from playwright.sync_api import expect

    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU").new_page()
    frames = _frames(page)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    token = issue_journal_token(person_id, JOURNAL_SECRET, issued_at=int(time.time()), lifetime_s=3600)
    signed = {"person_id": person_id, "name": name, "token": token}
    page.route("**/demo/tokens", lambda route: route.fulfill(json=signed))
    page.goto(f"{api}/demo")
    page.click("#sign-in-button")
    expect(page.locator("#home")).to_contain_text(name)
    page.click("#chats-button")
    expect(page.locator("#chats h1")).to_have_text("Чаты")
    return page, frames, errors
