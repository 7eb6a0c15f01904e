"""A reply's quote in a chat longer than one page (issue #15, SPEC §10), in Debian's Chromium at 360 px.

The class teacher answers a question that has since scrolled off the newest page (35 messages later).
On the phone the reply's quote is a link; tapping it opens the page that starts at the question
(``?start_at=``), scrolls it into view and highlights it, and leaves keyboard focus alone (nothing
on the new page is focused, the send box least of all). Screenshots go to ``test-output/browser/``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.browser.accessibility import assert_accessible
from tests.browser.support import (
    assert_fits_phone,
    demo_headers,
    journal_signed_in,
    link_person,
    open_chat_on_phone,
    phone_signed_in,
    send_message,
)
from tests.local_stack import Stack

pytestmark = [pytest.mark.browser, pytest.mark.emulator]

LATER_MESSAGES = 35  # the hosted page shows 30 a page


def _ivanova(api: str, emulator: str) -> dict[str, str]:
    """The class teacher of 5А, linked (by the first test to ask: each test may run alone)."""
    return link_person(
        api, emulator, demo_headers(api, "t-ivanova"), "Мария", "Иванова", "1990-01-01", "female"
    )


def _class_chat_id(api: str, auth: dict[str, str]) -> str:
    chats = requests.get(f"{api}/v1/chats", headers=auth, timeout=20).json()["items"]
    return next(chat["id"] for chat in chats if chat["title"] == "5А")


def test_tapping_the_quote_of_a_message_further_back_shows_it_highlighted(
    browser: Any, stack: Stack, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    api, emulator = stack.ready["api"], stack.ready["emulator"]
    auth = _ivanova(api, emulator)
    chat_id = _class_chat_id(api, auth)
    question = send_message(api, auth, chat_id, "Кто забыл дневник на парте?")
    for number in range(LATER_MESSAGES):
        send_message(api, auth, chat_id, f"Объявление номер {number + 1}")
    send_message(api, auth, chat_id, "Дневник у меня в кабинете", reply_to=question)

    page, errors, _ = phone_signed_in(browser, api, auth, read_qr=True)
    open_chat_on_phone(page, "5А")
    expect(page.locator(f"#m-{question}")).to_have_count(0)  # not on the newest page
    quote = page.locator(".message", has_text="Дневник у меня в кабинете").locator("a.quote-further")
    expect(quote).to_have_text("Ответ на более раннее сообщение")
    box = quote.bounding_box()
    assert box is not None and box["height"] >= 44  # a tap target
    page.screenshot(path=str(screenshots / "40-reply-quote-further-back.png"), full_page=False)

    quote.click()
    page.wait_for_url(f"**start_at={question}#m-{question}")
    target = page.locator(f"#m-{question}")
    expect(target).to_contain_text("Кто забыл дневник на парте?")
    assert page.evaluate("document.querySelector('.message:target') !== null")
    assert page.evaluate("document.querySelector('.message:target').id") == f"m-{question}"
    expect(target).to_be_in_viewport()
    highlighted = page.evaluate("getComputedStyle(document.querySelector('.message:target')).outlineStyle")
    assert highlighted == "solid"
    # Keyboard focus is not moved anywhere: nothing on the new page holds it.
    assert page.evaluate("document.activeElement === document.body")
    expect(page.locator("#newest")).to_have_text("К последним сообщениям")
    assert_fits_phone(page)
    page.screenshot(path=str(screenshots / "41-reply-quote-target-highlighted.png"), full_page=False)
    assert_accessible(page, "reply jump: the page starting at the quoted message")

    # Back to the newest messages: the reply is there again.
    page.locator("#newest").click()
    expect(page.locator(".message", has_text="Дневник у меня в кабинете")).to_have_count(1)
    assert errors == [], errors


def test_the_journal_loads_the_page_of_a_quoted_message_further_back_and_highlights_it(
    browser: Any, stack: Stack, screenshots: Path
) -> None:
    """The demo journal at 1280 px: the quote of a message not loaded leads to it through ``?start_at=``."""
    from playwright.sync_api import expect

    api, emulator = stack.ready["api"], stack.ready["emulator"]
    auth = _ivanova(api, emulator)
    chat_id = _class_chat_id(api, auth)
    question = send_message(api, auth, chat_id, "Где журнал посещаемости?")
    for number in range(LATER_MESSAGES):  # the journal loads 30 a page too
        send_message(api, auth, chat_id, f"Напоминание номер {number + 1}")
    send_message(api, auth, chat_id, "Журнал в учительской", reply_to=question)

    journal, errors, _ = journal_signed_in(browser, api, "t-ivanova")
    start_ats: list[str] = []
    journal.on("request", lambda r: start_ats.append(r.url) if "start_at=" in r.url else None)
    journal.locator("#chat-list button", has=journal.locator(".title", has_text=re.compile("^5А$"))).click()
    expect(journal.locator("#chat-title")).to_have_text("5А")
    reply = journal.locator("#chat-messages .message", has_text="Журнал в учительской")
    expect(reply).to_have_count(1)
    expect(journal.locator(f"#m-{question}")).to_have_count(0)  # not on the newest page
    quote = reply.locator("a.quote-further")
    expect(quote).to_have_text("Ответ на более раннее сообщение")
    assert_accessible(journal, "journal: a reply to a message further back")

    quote.focus()
    journal.keyboard.press("Enter")
    target = journal.locator(f"#m-{question}")
    expect(target).to_contain_text("Где журнал посещаемости?")
    expect(target).to_have_class(re.compile(r"\bhighlight\b"))
    expect(target).to_be_in_viewport()
    # Nothing silently missing between it and the pages already loaded: the next message is the one after it.
    following = journal.locator(f"#m-{question} ~ .message").first
    expect(following).to_contain_text("Напоминание номер 1")
    assert any(f"start_at={question}" in url for url in start_ats), start_ats
    outline = "getComputedStyle(document.querySelector('.message.highlight')).outlineStyle"
    assert journal.evaluate(outline) == "solid"
    # Keyboard focus stays on the quote that was used (redrawn, now quoting the loaded message),
    # not on the message it led to.
    focused = journal.evaluate(
        "[document.activeElement.tagName, document.activeElement.className,"
        " (document.activeElement.closest('.message') || {}).id]"
    )
    reply_id = reply.get_attribute("id")
    assert focused == ["A", "quote", reply_id], focused
    expect(reply.locator("a.quote")).to_contain_text("Где журнал посещаемости?")
    journal.screenshot(path=str(screenshots / "42-journal-reply-quote-target-highlighted.png"))
    assert_accessible(journal, "journal: the quoted message loaded and highlighted")
    # The newest messages are still there, and «Загрузить более ранние» still fills what lies between.
    expect(reply).to_have_count(1)
    assert errors == [], errors
