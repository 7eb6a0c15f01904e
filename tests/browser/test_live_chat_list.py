"""Pages follow chats appearing and going away, live (SPEC §10: chat.appeared / chat.removed), in Chromium.

Teacher first is on for a new school: its class chat waits for the class teacher. The pupil's phone
is open on its (empty) chat list; the class teacher presses «Открыть чат» on their phone, and the
pupil's list shows the chat within 2 s, without a reload and without moving the pupil's keyboard
focus. Then the school takes the pupil out of the chat while it is open on their phone (and a moderator
out of a custom chat open in their demo journal): the composer gives way to a Russian notice.
Screenshots go to ``test-output/browser/`` (``40-…`` to ``42-…``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from tests.browser.support import (
    LIVE_MS,
    WITHOUT_DEMO,
    journal_headers,
    journal_signed_in,
    link_person,
    operator_headers,
    phone_signed_in,
    upload_roster,
    wait_socket_ready,
)
from tests.local_stack import Stack

pytestmark = [pytest.mark.browser, pytest.mark.emulator]

STACK_ENV = WITHOUT_DEMO
SCHOOL = "sch-l3"
ROSTER = (
    "school_id,school_name,class,role,person_id,last_name,first_name,middle_name,phone,guardian_of\n"
    f"{SCHOOL},Школа 30,4В,class_teacher,t-l3,Зайцева,Вера,Павловна,,\n"
    f"{SCHOOL},Школа 30,4В,student,s-l3,Комаров,Лев,,,\n"
)


def test_an_opened_chat_appears_on_the_pupils_list_and_a_removal_replaces_the_composer(
    browser: Any, stack: Stack, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    api, emulator = stack.ready["api"], stack.ready["emulator"]
    settings = requests.patch(
        f"{api}/v1/schools/{SCHOOL}/settings",
        json={"teacher_first": True},
        headers=operator_headers(),
        timeout=10,
    )
    assert settings.status_code == 200, settings.text
    class_chat = upload_roster(stack, SCHOOL, "school-30.csv", ROSTER, "class")["class"]
    teacher = link_person(api, emulator, journal_headers("t-l3"), "Вера", "Тестова", "1984-04-04", "female")
    pupil = link_person(api, emulator, journal_headers("s-l3"), "Лев", "Тестова", "2010-05-05", "female")
    assert class_chat["id"] not in {
        c["id"] for c in requests.get(f"{api}/v1/chats", headers=pupil, timeout=10).json()["items"]
    }

    # The pupil's phone, on its chat list, live; keyboard focus on something outside the list.
    phone, errors, frames = phone_signed_in(browser, api, pupil)
    wait_socket_ready(phone, frames)
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
    teacher_phone, teacher_errors, _ = phone_signed_in(browser, api, teacher)
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
    wait_socket_ready(phone, frames)
    phone.evaluate("window.__notReloaded = true")
    gone = requests.delete(
        f"{api}/v1/chats/{class_chat['id']}/members/s-l3", headers=operator_headers(), timeout=10
    )
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
    journal, journal_errors, journal_frames = journal_signed_in(browser, api, "s-l3", "Комаров Лев")
    journal.locator("#chat-list button", has=journal.locator(".title", has_text="Кружок")).click()
    expect(journal.locator("#journal-composer")).to_be_visible()
    wait_socket_ready(journal, journal_frames)
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
