"""The demo journal's chat pane at 1280 px in Chromium (SPEC §10): attachments, «Открыть чат», quiet hours.

A school with teacher first on and posting hours that do not hold now gets its roster from the
local stack's bucket: its class and parents chats wait for the class teacher. People sign in to
the demo journal as the journal would sign them in: the journal's token endpoint is answered
with a journal token for the roster person (the demo journal mints tokens only for the demo
school's people; everything after that is the page's own script against the real ``/v1`` API).

* teacher first: the pupil's journal lists no class chat; the class teacher's journal shows
  «Открыть чат» in it; once pressed, the pupil's journal lists it;
* attachments: a renamed executable is refused in Russian and nothing is attached; a photo and a
  PDF go up through the presigned POST, are sent, and show on the pupil's phone page (a preview
  and a document link) and in the journal;
* quiet hours: a parent's post to the parents chat is refused and the journal says
  «Чат открыт для сообщений с …» beside the send box, the draft kept.

axe-core finds no serious or critical violation on each new state; screenshots go to
``test-output/browser/`` (``40-…`` to ``46-…``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from chalicelib.attachments.rules import DOCX
from tests.attachment_files import EXECUTABLE, PDF_BYTES, docx, image
from tests.browser.accessibility import assert_accessible
from tests.browser.support import (
    WITHOUT_DEMO,
    SignedIn,
    assert_fits_phone,
    journal_headers,
    journal_signed_in,
    link_person,
    operator_headers,
    phone_signed_in,
    upload_roster,
)
from tests.local_stack import Stack

pytestmark = [pytest.mark.browser, pytest.mark.emulator]

STACK_ENV = WITHOUT_DEMO
SCHOOL = "sch-jx"
ROSTER = (
    "school_id,school_name,class,role,person_id,last_name,first_name,middle_name,phone,guardian_of\n"
    f"{SCHOOL},Школа 7,4В,class_teacher,t-jx,Морозова,Ольга,Викторовна,,\n"
    f"{SCHOOL},Школа 7,4В,student,s-jx,Зайцев,Петя,,,\n"
    f"{SCHOOL},Школа 7,,parent,p-jx,Зайцева,Наталья,Андреевна,,s-jx\n"
)
NAMES = {"t-jx": "Морозова Ольга Викторовна", "s-jx": "Зайцев Петя", "p-jx": "Зайцева Наталья Андреевна"}
LOADED = "(img) => img.complete && img.naturalWidth > 0"


@pytest.fixture(scope="module")
def school(stack: Stack) -> dict[str, Any]:
    """Teacher first on, posting hours that start in two hours; the roster's chats; everyone linked."""
    api, emulator = stack.ready["api"], stack.ready["emulator"]
    start = datetime.now(UTC).astimezone(ZoneInfo("Europe/Moscow")) + timedelta(hours=2)
    hours = {"start": start.strftime("%H:%M"), "end": (start + timedelta(hours=1)).strftime("%H:%M")}
    changed = requests.patch(
        f"{api}/v1/schools/{SCHOOL}/settings",
        json={"teacher_first": True, "quiet_hours": hours, "time_zone": "Europe/Moscow"},
        headers=operator_headers(),
        timeout=10,
    )
    assert changed.status_code == 200, changed.text
    return {
        "chats": upload_roster(stack, SCHOOL, "school-7.csv", ROSTER, "class", "parents"),
        "opens": f"Чат открыт для сообщений с {start.hour}:{start.minute:02d}",
        "teacher": link_person(
            api, emulator, journal_headers("t-jx"), "Ольга", "Тестова", "1983-06-11", "female"
        ),
        "pupil": link_person(
            api, emulator, journal_headers("s-jx"), "Петя", "Тестова", "2010-02-03", "female"
        ),
        "parent": link_person(
            api, emulator, journal_headers("p-jx"), "Наталья", "Тестова", "1986-09-30", "female"
        ),
    }


def _journal(browser: Any, api: str, person_id: str) -> SignedIn:
    """The demo journal at 1280 px, signed in as the roster's ``person_id``, on its «Чаты» screen."""
    return journal_signed_in(browser, api, person_id, NAMES[person_id])


def _open(page: Any, title: str) -> None:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import expect

    # The list is drawn again when a live event (the chat appearing, a message) arrives: a click on
    # the button it just replaced opens nothing, so click the current one until the chat is open.
    entry = page.locator("#chat-list button", has=page.locator(".title", has_text=re.compile(f"^{title}$")))
    for _ in range(4):
        entry.click()
        try:
            expect(page.locator("#chat-title")).to_have_text(title, timeout=2_500)
            return
        except (AssertionError, PlaywrightError):
            continue
    expect(page.locator("#chat-title")).to_have_text(title)


def _open_for_pupils(api: str, school: dict[str, Any], kind: str) -> None:
    opened = requests.post(
        f"{api}/v1/chats/{school['chats'][kind]['id']}/open", json={}, headers=school["teacher"], timeout=10
    )
    assert opened.status_code == 200, opened.text


def _chat_ids(api: str, headers: dict[str, str]) -> set[str]:
    return {c["id"] for c in requests.get(f"{api}/v1/chats", headers=headers, timeout=10).json()["items"]}


def test_the_class_teacher_opens_the_class_chat_from_the_journal_and_the_pupil_then_sees_it(
    browser: Any, stack: Stack, school: dict[str, Any], screenshots: Path
) -> None:
    from playwright.sync_api import expect

    api = stack.ready["api"]
    chat = school["chats"]["class"]
    pupil, pupil_errors, _ = _journal(browser, api, "s-jx")
    expect(pupil.locator("#chat-list-empty")).to_have_text("Чатов пока нет.", timeout=10_000)
    expect(pupil.locator("#chat-list .title", has_text=re.compile(f"^{chat['title']}$"))).to_have_count(0)
    expect(pupil.locator("#qr-image")).to_be_visible()
    assert_accessible(pupil, "journal: a pupil with no chat yet")
    pupil.screenshot(path=str(screenshots / "40-journal-pupil-before-opening.png"))

    teacher, errors, _ = _journal(browser, api, "t-jx")
    _open(teacher, chat["title"])
    expect(teacher.locator("#journal-open")).to_contain_text("Ученики и родители пока не видят этот чат.")
    button = teacher.get_by_role("button", name="Открыть чат")
    expect(button).to_be_visible()
    assert_accessible(teacher, "journal: «Открыть чат»")
    teacher.screenshot(path=str(screenshots / "41-journal-teacher-open-chat.png"))
    button.click()
    expect(teacher.locator("#journal-open")).to_have_count(0)
    assert chat["id"] in _chat_ids(api, school["pupil"])

    # The pupil's open journal lists the chat by itself: the opening is pushed live (chat.appeared),
    # or, without a socket, found by the 15 s poll. No reload: a redrawn screen would race the click.
    title = re.compile(f"^{chat['title']}$")
    expect(pupil.locator("#chat-list .title", has_text=title)).to_have_count(1, timeout=20_000)
    _open(pupil, chat["title"])
    expect(pupil.locator("#journal-open")).to_have_count(0)  # only the class teacher opens chats
    expect(pupil.get_by_role("button", name="Отправить")).to_be_visible()
    expect(pupil.locator("#chat-messages")).to_contain_text("Сообщений пока нет.")
    expect(pupil.locator("#chat-list .open .title")).to_have_text(chat["title"])
    expect(pupil.locator("#qr-image")).to_be_visible()
    assert_accessible(pupil, "journal: the pupil's opened class chat")
    pupil.screenshot(path=str(screenshots / "42-journal-pupil-after-opening.png"))
    assert errors == [] and pupil_errors == [], (errors, pupil_errors)


def test_the_teacher_attaches_a_photo_and_a_pdf_in_the_journal_and_the_pupil_sees_them_by_phone(
    browser: Any, stack: Stack, school: dict[str, Any], screenshots: Path
) -> None:
    from playwright.sync_api import expect

    api = stack.ready["api"]
    chat = school["chats"]["class"]
    _open_for_pupils(api, school, "class")  # opening again changes nothing
    teacher, errors, _ = _journal(browser, api, "t-jx")
    _open(teacher, chat["title"])
    expect(teacher.locator("label[for=journal-attach-file]")).to_have_text("Прикрепить фото или файл")

    # A program renamed to look like a photo: refused by the content check, in Russian; nothing attached.
    teacher.set_input_files(
        "#journal-attach-file", {"name": "котик.jpg", "mimeType": "image/jpeg", "buffer": EXECUTABLE}
    )
    status = teacher.locator("#journal-attach-status")
    expect(status).to_have_text(
        "Файл не принят: его содержимое не совпадает с типом файла. Файл удалён.", timeout=20_000
    )
    expect(teacher.locator("#journal-attached li")).to_have_count(0)
    assert_accessible(teacher, "journal: attachment refused")
    teacher.screenshot(path=str(screenshots / "43-journal-attachment-refused.png"))

    # A file the service does not take at all: refused before anything is uploaded.
    teacher.set_input_files(
        "#journal-attach-file",
        {"name": "setup.exe", "mimeType": "application/x-msdownload", "buffer": EXECUTABLE},
    )
    expect(status).to_have_text(re.compile(r"^Такой файл прикрепить нельзя: только фото"), timeout=20_000)
    expect(teacher.locator("#journal-attached li")).to_have_count(0)
    # Over 20 MB: said before anything is asked of the service.
    too_big = b"%PDF-1.4\n" + bytes(20 * 1024 * 1024)
    teacher.set_input_files(
        "#journal-attach-file", {"name": "скан.pdf", "mimeType": "application/pdf", "buffer": too_big}
    )
    expect(status).to_have_text("Файл «скан.pdf» больше 20 МБ.", timeout=20_000)
    expect(teacher.locator("#journal-attached li")).to_have_count(0)

    photo = image("JPEG", (1600, 1200), "orange")
    teacher.set_input_files(
        "#journal-attach-file",
        [
            {"name": "экскурсия.jpg", "mimeType": "image/jpeg", "buffer": photo},
            {"name": "план-экскурсии.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES},
            {"name": "лишний.docx", "mimeType": DOCX, "buffer": docx()},
        ],
    )
    expect(status).to_have_text("Файл «лишний.docx» прикреплён.", timeout=30_000)
    expect(teacher.locator("#journal-attached li")).to_have_count(3)
    teacher.get_by_role("button", name="Убрать файл «лишний.docx»").click()  # changed their mind
    expect(status).to_have_text("Файл «лишний.docx» убран.")
    expect(teacher.locator("#journal-attached li")).to_have_count(2)
    teacher.wait_for_function(
        f"() => ({LOADED})(document.querySelector('#journal-attached img'))", timeout=15_000
    )
    assert_accessible(teacher, "journal: files attached in the send box")
    teacher.screenshot(path=str(screenshots / "44-journal-attached-in-send-box.png"))

    teacher.fill("#journal-text", "Фото и план экскурсии")
    teacher.get_by_role("button", name="Отправить").click()
    sent = teacher.locator(".message", has_text="Фото и план экскурсии")
    expect(sent.locator(".attachments img")).to_have_attribute("alt", "экскурсия.jpg")
    expect(sent.locator(".attachments .file a")).to_have_accessible_name("план-экскурсии.pdf")
    expect(teacher.locator("#journal-attached li")).to_have_count(0)  # the send box is empty again
    expect(sent.locator(".attachments li")).to_have_count(2)  # not the file taken back
    teacher.wait_for_function(
        f"() => [...document.querySelectorAll('.message .attachments img')].some({LOADED})", timeout=15_000
    )
    width = teacher.evaluate("[...document.querySelectorAll('.message .attachments img')].pop().naturalWidth")
    assert width == 320  # the service's preview, not the 1600-px photo
    pdf_link = sent.locator(".attachments .file a")
    expect(pdf_link).to_have_attribute("href", re.compile("^" + re.escape(stack.ready["emulator"])))
    pdf_href = pdf_link.get_attribute("href") or ""  # a presigned link to the bucket
    fetched = requests.get(pdf_href, timeout=10)
    assert fetched.status_code == 200 and fetched.content == PDF_BYTES
    assert_accessible(teacher, "journal: a message with a photo and a PDF")
    teacher.screenshot(path=str(screenshots / "45-journal-photo-and-pdf-sent.png"))
    assert [e for e in errors if "status of 422" not in e and "status of 400" not in e] == [], errors

    # The other member, on the phone: the preview and the document's link.
    phone, phone_errors, _ = phone_signed_in(browser, api, school["pupil"])
    phone.locator(".chat a", has=phone.locator(".title", has_text=re.compile(f"^{chat['title']}$"))).click()
    message = phone.locator(".message", has_text="Фото и план экскурсии")
    expect(message.locator(".attachments img")).to_have_attribute("alt", "экскурсия.jpg")
    expect(message.locator(".attachments .file a")).to_contain_text("план-экскурсии.pdf")
    phone.wait_for_function(
        f"() => [...document.querySelectorAll('.message .attachments img')].some({LOADED})", timeout=15_000
    )
    phone.screenshot(path=str(screenshots / "46a-phone-pupil-sees-journal-attachments.png"), full_page=True)
    assert phone_errors == [], phone_errors


def test_a_parent_is_told_in_the_journal_when_the_parents_chat_opens_for_messages(
    browser: Any, stack: Stack, school: dict[str, Any], screenshots: Path
) -> None:
    from playwright.sync_api import expect

    api = stack.ready["api"]
    chat = school["chats"]["parents"]
    _open_for_pupils(api, school, "parents")
    parent, errors, _ = _journal(browser, api, "p-jx")
    _open(parent, chat["title"])
    parent.fill("#journal-text", "Когда родительское собрание?")
    parent.get_by_role("button", name="Отправить").click()
    expect(parent.locator("#journal-quiet-hours")).to_have_text(school["opens"])
    expect(parent.locator("#journal-send-error")).to_have_text(
        "Сообщение не отправлено: сейчас в этом чате пишут только модераторы."
    )
    expect(parent.locator("#journal-text")).to_have_value("Когда родительское собрание?")  # the draft stays
    sent = requests.get(
        f"{api}/v1/chats/{chat['id']}/messages", headers=journal_headers("t-jx"), timeout=10
    ).json()
    assert [m for m in sent["items"] if "собрание" in m["text"]] == []  # nothing was posted
    assert_accessible(parent, "journal: quiet hours")
    parent.screenshot(path=str(screenshots / "46-journal-parent-quiet-hours.png"))
    # Opened again, the chat says it before the parent tries, until posting opens.
    _open(parent, chat["title"])
    expect(parent.locator("#journal-text")).to_have_value("")
    expect(parent.locator("#journal-quiet-hours")).to_have_text(school["opens"])
    assert [e for e in errors if "status of 403" not in e] == [], errors

    # The class teacher (a moderator) posts any time, from the journal too.
    teacher, teacher_errors, _ = _journal(browser, api, "t-jx")
    _open(teacher, chat["title"])
    teacher.fill("#journal-text", "Собрание в четверг в 18:00")
    teacher.get_by_role("button", name="Отправить").click()
    expect(teacher.locator(".message", has_text="Собрание в четверг в 18:00")).to_have_count(1)
    expect(teacher.locator("#journal-quiet-hours")).to_be_hidden()
    assert teacher_errors == [], teacher_errors


def test_the_parent_sees_when_the_parents_chat_opens_before_trying_in_the_journal_and_on_the_phone(
    browser: Any, stack: Stack, school: dict[str, Any], screenshots: Path
) -> None:
    """The chat itself says when posting opens (``posting_notice``): no refused send is needed first."""
    from playwright.sync_api import expect

    api = stack.ready["api"]
    chat = school["chats"]["parents"]
    _open_for_pupils(api, school, "parents")
    # A fresh journal that never tried to send here: the notice is there on opening, above the composer.
    parent, errors, _ = _journal(browser, api, "p-jx")
    sent: list[str] = []
    parent.on(
        "request", lambda r: sent.append(r.url) if r.method == "POST" and "/messages" in r.url else None
    )
    _open(parent, chat["title"])
    notice = parent.locator("#journal-quiet-hours")
    expect(notice).to_have_text(school["opens"])
    expect(notice).to_be_visible()
    composer = parent.locator("#journal-text").bounding_box()
    box = notice.bounding_box()
    assert box is not None and composer is not None and box["y"] < composer["y"]  # said above the box
    expect(parent.locator("#journal-send-error")).to_have_text("")
    assert sent == []  # nothing was tried
    assert_accessible(parent, "journal: quiet hours before a try")
    parent.screenshot(path=str(screenshots / "47-journal-parent-quiet-hours-before-a-try.png"))
    assert errors == [], errors

    # The class teacher moderates the chat: quiet hours do not apply, nothing is said.
    teacher, teacher_errors, _ = _journal(browser, api, "t-jx")
    _open(teacher, chat["title"])
    expect(teacher.get_by_role("button", name="Отправить")).to_be_visible()
    expect(teacher.locator("#journal-quiet-hours")).to_be_hidden()
    assert teacher_errors == [], teacher_errors

    # The parent's phone at 360 px says it on opening too, before any send.
    phone, phone_errors, _ = phone_signed_in(browser, api, school["parent"])
    phone.locator(".chat a", has=phone.locator(".title", has_text=re.compile(f"^{chat['title']}$"))).click()
    expect(phone.locator("#quiet-hours")).to_have_text(school["opens"])
    assert_fits_phone(phone)
    assert_accessible(phone, "phone: quiet hours before a try")
    phone.screenshot(path=str(screenshots / "47a-phone-parent-quiet-hours-before-a-try.png"), full_page=True)
    assert phone_errors == [], phone_errors
