"""A reply's quote in a chat longer than one page (issue #15, SPEC §10), in Debian's Chromium at 360 px.

The class teacher answers a question that has since scrolled off the newest page (35 messages later).
On the phone the reply's quote is a link; tapping it opens the page that starts at the question
(``?start_at=``), scrolls it into view and highlights it, and leaves keyboard focus alone (nothing
on the new page is focused, the send box least of all). Screenshots go to ``test-output/browser/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from tests.browser.accessibility import assert_accessible
from tests.browser.test_video_call import _link, _open_class_chat, _phone_signed_in_by_qr, _watch
from tests.local_stack import Stack

pytestmark = [pytest.mark.browser, pytest.mark.emulator]

LATER_MESSAGES = 35  # the hosted page shows 30 a page


def _class_chat_id(api: str, auth: dict[str, str]) -> str:
    chats = requests.get(f"{api}/v1/chats", headers=auth, timeout=20).json()["items"]
    return next(chat["id"] for chat in chats if chat["title"] == "5А")


def _send(api: str, auth: dict[str, str], chat_id: str, text: str, reply_to: str | None = None) -> str:
    body: dict[str, Any] = {"text": text}
    if reply_to:
        body["reply_to"] = reply_to
    sent = requests.post(f"{api}/v1/chats/{chat_id}/messages", json=body, headers=auth, timeout=20)
    assert sent.status_code == 201, sent.text
    return str(sent.json()["id"])


def test_tapping_the_quote_of_a_message_further_back_shows_it_highlighted(
    browser: Any, stack: Stack, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    api, emulator = stack.ready["api"], stack.ready["emulator"]
    auth = _link(api, emulator, "t-ivanova", "Мария", "Иванова")
    chat_id = _class_chat_id(api, auth)
    question = _send(api, auth, chat_id, "Кто забыл дневник на парте?")
    for number in range(LATER_MESSAGES):
        _send(api, auth, chat_id, f"Объявление номер {number + 1}")
    _send(api, auth, chat_id, "Дневник у меня в кабинете", reply_to=question)

    page = _phone_signed_in_by_qr(browser, api, auth)
    errors = _watch(page)
    _open_class_chat(page)
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
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(screenshots / "41-reply-quote-target-highlighted.png"), full_page=False)
    assert_accessible(page, "reply jump: the page starting at the quoted message")

    # Back to the newest messages: the reply is there again.
    page.locator("#newest").click()
    expect(page.locator(".message", has_text="Дневник у меня в кабинете")).to_have_count(1)
    assert errors == [], errors
