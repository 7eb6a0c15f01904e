"""End to end in a real browser (SPEC §3, §7): link in the demo journal, scan its QR code, chat by phone.

The journal runs in a desktop-sized context, the phone in a fresh 360-px-wide
one that shares nothing with it; the phone gets its URL the way a phone does,
by reading the QR code off the journal's screen. Screenshots of each key
screen go to ``test-output/browser/``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.browser.support import (
    ANDROID,
    DESKTOP_VIEWPORT,
    PASSWORD,
    PHONE_VIEWPORT,
    assert_fits_phone,
    demo_headers,
    journal_signed_in,
    link_person,
    open_chat_on_phone,
    phone_signed_in,
    send_message,
    watch_errors,
)
from tests.identity_support import last_code, unique_phone
from tests.local_stack import Stack
from tests.qr_reading import read_png

pytestmark = [pytest.mark.browser, pytest.mark.emulator]

MESSAGE = "Завтра экскурсия, сбор в 8:30 <b>не опаздывайте</b>"


def _post_as_teacher(api: str, chat_id: str, texts: list[str]) -> None:
    """Messages from the linked teacher, through the API with a token the demo journal mints."""
    headers = demo_headers(api, "t-ivanova")
    for text in texts:
        send_message(api, headers, chat_id, text)


def _link_a_teacher(journal: Any, emulator: str, shots: Path, phone_number: str) -> None:
    from playwright.sync_api import expect

    journal.select_option("#user", "t-ivanova")
    journal.click("#sign-in-button")
    expect(journal.locator("#home")).to_contain_text("Иванова Мария Петровна")
    journal.click("#chats-button")

    expect(journal.locator("#link-phone")).to_contain_text("Подключите чаты")
    journal.fill("#phone", phone_number)
    journal.get_by_role("button", name="Продолжить").click()
    expect(journal.locator("#link-password")).to_contain_text("Введите пароль")
    journal.screenshot(path=str(shots / "01-journal-password.png"))

    journal.click("#register")  # a new messenger account for this number
    expect(journal.locator("#link-register")).to_contain_text("Придумайте пароль")
    journal.fill("#new-password", PASSWORD)
    journal.get_by_role("button", name="Продолжить").click()

    expect(journal.locator("#link-code")).to_contain_text(
        re.compile(r"Код отправлен на номер \+7 \d{3} \*\*\*-\*\*-\d\d"),
        timeout=30_000,  # hashing the new password is slow on a loaded machine
    )
    expect(journal.locator("#timer")).to_have_text(re.compile(r"SMS придёт в течение 01:5\d"))
    journal.screenshot(path=str(shots / "02-journal-sms-code-0159.png"))
    journal.fill("#code", last_code(emulator, phone_number))
    journal.get_by_role("button", name="Подтвердить").click()

    expect(journal.locator("#link-create")).to_contain_text("Создать учебный профиль")
    journal.fill("#last-name", "Иванова")
    journal.fill("#first-name", "Мария")
    journal.fill("#patronymic", "Петровна")
    journal.fill("#birth-date", "1984-03-14")
    journal.select_option("#gender", "female")
    journal.screenshot(path=str(shots / "03-journal-create-profile.png"))
    journal.get_by_role("button", name="Создать учебный профиль").click()

    expect(journal.locator("#link-choose")).to_contain_text("учебный профиль")
    expect(journal.locator("#continue-profile")).to_have_text("Продолжить в учебном профиле")
    journal.screenshot(path=str(shots / "04-journal-continue-in-profile.png"))
    journal.click("#continue-profile")


def test_a_teacher_links_in_the_journal_then_chats_from_the_phone_by_qr_code(
    browser: Any, stack: Stack, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    api, emulator = stack.ready["api"], stack.ready["emulator"]
    journal_context = browser.new_context(viewport=DESKTOP_VIEWPORT, locale="ru-RU")
    journal = journal_context.new_page()
    journal_errors = watch_errors(journal)
    journal.goto(f"{api}/demo")
    _link_a_teacher(journal, emulator, screenshots, unique_phone())

    # The journal's Chats screen: the chats, "Open messenger", and the QR code.
    expect(journal.locator("#chat-list")).to_contain_text("5А — родители")
    expect(journal.locator("#open-messenger")).to_have_text("Открыть мессенджер")
    expect(journal.locator("#qr-countdown")).to_contain_text("Код обновится через")
    journal.screenshot(path=str(screenshots / "05-journal-chats-and-qr.png"))

    # The phone reads the QR code off the screen, as its camera would.
    url = read_png(journal.locator("#qr-image").screenshot())
    assert re.fullmatch(re.escape(api) + r"/m/[A-Za-z0-9_-]{22}", url), url

    # A messenger's link preview fetches the URL first: that uses nothing up.
    preview = browser.new_context().request.get(url)
    assert preview.status == 200 and "Продолжить" in preview.text()

    phone_context = browser.new_context(
        viewport=PHONE_VIEWPORT, is_mobile=True, has_touch=True, user_agent=ANDROID, locale="ru-RU"
    )
    phone = phone_context.new_page()
    phone_errors = watch_errors(phone)
    phone.goto(url)
    # The page says whose chats the link opens; only its button signs the phone in.
    expect(phone.locator("main")).to_contain_text("Откроются чаты: Иванова Мария")
    assert phone_context.cookies() == []
    assert_fits_phone(phone)
    phone.screenshot(path=str(screenshots / "06a-phone-continue.png"), full_page=True)
    continue_box = phone.get_by_role("button", name="Продолжить").bounding_box()
    assert continue_box is not None
    assert min(continue_box["width"], continue_box["height"]) >= 44  # a tap target
    phone.get_by_role("button", name="Продолжить").click()
    phone.wait_for_url(f"{api}/m/chats")
    assert phone.url == f"{api}/m/chats"
    expect(phone.locator("#chats")).to_contain_text("Учительская")
    [cookie] = phone_context.cookies()
    assert (cookie["name"], cookie["path"], cookie["httpOnly"], cookie["secure"], cookie["sameSite"]) == (
        "m_session",
        "/m",
        True,
        True,
        "Lax",
    )
    assert_fits_phone(phone)
    phone.screenshot(path=str(screenshots / "06-phone-chat-list.png"), full_page=True)

    open_chat_on_phone(phone, "5А")
    phone.fill("#text", MESSAGE)
    phone.get_by_role("button", name="Отправить").click()
    expect(phone.locator("#messages .message.mine .text")).to_have_text(MESSAGE)
    assert_fits_phone(phone)
    phone.screenshot(path=str(screenshots / "07-phone-chat-sent.png"), full_page=True)

    # The same code scanned again, by another phone: used, and it says so.
    second_phone = browser.new_context(viewport=PHONE_VIEWPORT, is_mobile=True, user_agent=ANDROID).new_page()
    refused = second_phone.goto(url)
    assert refused is not None and refused.status == 410
    expect(second_phone.locator("body")).to_contain_text("Ссылка устарела — отсканируйте новый QR-код")
    assert second_phone.context.cookies() == []
    second_phone.screenshot(path=str(screenshots / "08-phone-used-link.png"))

    # Back in the journal: the message is there.
    expect(journal.locator("#chat-list")).to_contain_text(MESSAGE, timeout=15_000)
    journal.locator("#chat-list button", has_text=re.compile(r"^Класс5А")).click()
    expect(journal.locator("#chat-messages")).to_contain_text(MESSAGE)
    journal.screenshot(path=str(screenshots / "09-journal-sees-the-message.png"))

    # The journal refreshes its list by itself when a chat changes (live, SPEC §10): keyboard focus
    # stays on the chat it was on.
    focused = journal.locator("#chat-list button").nth(1)
    focused_id = focused.get_attribute("data-chat-id")
    focused.focus()
    journal.evaluate("document.querySelectorAll('#chat-list li').forEach((li) => li.dataset.shown = '1')")
    _post_as_teacher(api, str(focused_id), ["Список обновился сам"])
    expect(journal.locator("#chat-list li[data-shown]")).to_have_count(0, timeout=15_000)  # rebuilt
    expect(journal.locator("#chat-list li")).not_to_have_count(0)
    assert journal.evaluate("document.activeElement.getAttribute('data-chat-id')") == focused_id

    # "Open messenger" opens the hosted page in a new tab, signed in the same way.
    with journal_context.expect_page() as opened:
        journal.click("#open-messenger")
    messenger = opened.value
    messenger.get_by_role("button", name="Продолжить").click()
    messenger.wait_for_url(f"{api}/m/chats")
    expect(messenger.locator("#chats")).to_contain_text("5А")

    # "Load older" on the phone fetches the previous page in place (its script, under the CSP).
    chat_id = phone.url.rsplit("/", 1)[1]
    _post_as_teacher(api, chat_id, [f"Объявление {n:02}" for n in range(30)])
    phone.reload()
    expect(phone.locator("#messages .message")).to_have_count(30)
    phone.click("#older")
    expect(phone.locator("#messages .message")).to_have_count(31)
    expect(phone.locator("#messages .message .text").first).to_have_text(MESSAGE)
    expect(phone.locator("#older")).to_have_count(0)
    assert phone.url == f"{api}/m/chats/{chat_id}"
    phone.screenshot(path=str(screenshots / "10-phone-loaded-older.png"))

    assert journal_errors == [] and phone_errors == []  # no CSP violation, no script error, nothing missing

    # Logging out on the phone ends its session.
    phone.get_by_role("button", name="Выйти").click()
    expect(phone.locator("body")).to_contain_text("Вы не вошли")
    assert phone.url == f"{api}/m/chats" and phone_context.cookies() == []
    phone.screenshot(path=str(screenshots / "11-phone-logged-out.png"))


def test_the_phone_shows_unread_badges_and_where_new_messages_start(
    browser: Any, stack: Stack, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    api, emulator = stack.ready["api"], stack.ready["emulator"]
    reader = link_person(api, emulator, demo_headers(api, "s-orlov"), "Олег")
    writer = link_person(api, emulator, demo_headers(api, "t-ivanova"), "Мария")
    chats = requests.get(f"{api}/v1/chats?limit=100", headers=reader, timeout=10).json()["items"]
    [class_chat] = [chat for chat in chats if chat["kind"] == "class"]
    if class_chat["last_message"]:  # what the test above wrote: read already
        read = requests.post(
            f"{api}/v1/chats/{class_chat['id']}/read",
            json={"up_to": class_chat["last_message"]["id"]},
            headers=reader,
            timeout=10,
        )
        assert read.status_code == 204, read.text
    for text in ("Кто решил задачу 5?", "Ответ пришлите до пятницы"):
        send_message(api, writer, class_chat["id"], text)

    phone, errors, _ = phone_signed_in(browser, api, reader, user_agent=ANDROID)
    item = phone.locator(".chat").filter(has=phone.locator(".title", has_text=class_chat["title"]))
    expect(item.locator(".badge.unread")).to_have_text("2")
    phone.screenshot(path=str(screenshots / "12-phone-unread-badge.png"), full_page=True)

    item.locator("a").click()
    expect(phone.locator("#new-messages")).to_have_text("Новые сообщения")
    expect(phone.locator("#new-messages + li.message .text")).to_have_text("Кто решил задачу 5?")
    assert_fits_phone(phone)
    phone.screenshot(path=str(screenshots / "13-phone-new-messages-divider.png"), full_page=True)

    phone.get_by_role("link", name="← Все чаты").click()
    expect(item.locator(".badge.unread")).to_have_count(0)
    assert errors == []

    # The student's journal: a new message from the teacher is read out (aria-live), focus stays put.
    journal, journal_errors, _ = journal_signed_in(browser, api, "s-orlov")
    expect(journal.locator("#chat-list")).to_contain_text(class_chat["title"])
    journal.locator("#chat-list button").first.focus()
    focused_id = journal.locator("#chat-list button").first.get_attribute("data-chat-id")
    send_message(api, writer, class_chat["id"], "Урок перенесён")
    expect(journal.locator("#announcer[aria-live=polite]")).to_contain_text("Урок перенесён", timeout=15_000)
    expect(journal.locator("#chat-list .badge.unread")).to_have_text("1")
    assert journal.evaluate("document.activeElement.getAttribute('data-chat-id')") == focused_id
    assert journal_errors == []

    # The phone's open chat fetches new messages by itself (every 15 s until live delivery),
    # reads them out, and leaves the half-typed draft and its focus alone.
    item.locator("a").click()
    phone.fill("#text", "Я почти дописал")
    phone.focus("#text")
    send_message(api, writer, class_chat["id"], "Контрольная в среду")
    expect(phone.locator("#messages .message .text").last).to_have_text("Контрольная в среду", timeout=40_000)
    expect(phone.locator("#announcer[aria-live=polite]")).to_contain_text("Контрольная в среду")
    assert phone.evaluate("document.activeElement.id") == "text"
    expect(phone.locator("#text")).to_have_value("Я почти дописал")
    assert errors == []
