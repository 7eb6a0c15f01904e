"""Live delivery in a real browser (SPEC §10): a message reaches another member's open phone page within
2 seconds, over the local stack's socket; the journal follows it without moving focus; a non-member's
page gets nothing.

The 2 s bound is the issue's acceptance criterion (#14); the fallback poll is 15 s, so a pass proves the
socket carried it. Screenshots go to ``test-output/browser/``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.browser.test_journal_to_phone import ANDROID, PHONE_VIEWPORT, _link_by_api, _watch
from tests.local_stack import Stack

pytestmark = [pytest.mark.browser, pytest.mark.emulator]

LIVE_MS = 2_000


def _frames(page: Any) -> list[dict[str, Any]]:
    """Every frame the page's sockets receive, decoded."""
    received: list[dict[str, Any]] = []

    def watch(socket: Any) -> None:
        socket.on("framereceived", lambda payload: received.append(json.loads(payload)))

    page.on("websocket", watch)
    return received


def _phone(browser: Any, api: str, headers: dict[str, str]) -> Any:
    """A phone signed in with a fresh QR link of the person the headers are for, on its chat list."""
    from playwright.sync_api import expect

    link = requests.post(f"{api}/v1/qr-links", json={}, headers=headers, timeout=10).json()
    page = browser.new_context(
        viewport=PHONE_VIEWPORT, is_mobile=True, has_touch=True, user_agent=ANDROID, locale="ru-RU"
    ).new_page()
    page.goto(link["url"])
    page.get_by_role("button", name="Продолжить").click()
    expect(page.locator("#chats")).to_be_visible()
    return page


def _wait_ready(page: Any, frames: list[dict[str, Any]]) -> None:
    page.wait_for_function("() => true")  # let pending events run
    deadline = time.monotonic() + 10
    while {"type": "ready"} not in frames:
        assert time.monotonic() < deadline, f"the page's socket never became ready: {frames}"
        page.wait_for_timeout(50)


def test_a_message_appears_on_another_members_phone_within_two_seconds(
    browser: Any, stack: Stack, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    api, emulator = stack.ready["api"], stack.ready["emulator"]
    assert stack.ready["live"].startswith("ws://127.0.0.1:")
    reader = _link_by_api(api, emulator, "s-orlov", "Олег")
    writer = _link_by_api(api, emulator, "t-ivanova", "Мария")
    outsider = _link_by_api(api, emulator, "p-orlova", "Ольга")  # a parent: not in the class chat
    chats = requests.get(f"{api}/v1/chats?limit=100", headers=reader, timeout=10).json()["items"]
    [class_chat] = [chat for chat in chats if chat["kind"] == "class"]

    # The student's phone, open on the class chat, a draft half typed.
    phone = _phone(browser, api, reader)
    phone_errors = _watch(phone)
    phone_frames = _frames(phone)
    phone_sockets: list[str] = []
    phone.on("websocket", lambda socket: phone_sockets.append(socket.url))
    phone.locator(".chat").filter(has=phone.locator(".title", has_text=class_chat["title"])).locator(
        "a"
    ).click()
    phone.wait_for_url(f"**/m/chats/{class_chat['id']}")
    _wait_ready(phone, phone_frames)
    # Signed in by a one-use ticket fetched first, as on AWS (where the cookie never reaches the socket).
    assert phone_sockets and all("?ticket=" in url for url in phone_sockets), phone_sockets
    phone.fill("#text", "Я почти дописал")
    phone.focus("#text")

    # The parent's phone, on her chat list: her socket must carry nothing about the class chat.
    other = _phone(browser, api, outsider)
    other_frames = _frames(other)
    other.reload()
    _wait_ready(other, other_frames)

    # The teacher's journal, keyboard focus on one of the chats in the list.
    journal = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU").new_page()
    journal_errors = _watch(journal)
    journal_frames = _frames(journal)
    journal.goto(f"{api}/demo")
    journal.select_option("#user", "t-ivanova")
    journal.click("#sign-in-button")
    journal.click("#chats-button")
    expect(journal.locator("#chat-list")).to_contain_text(class_chat["title"])
    _wait_ready(journal, journal_frames)
    journal.locator("#chat-list button").last.focus()
    focused_id = journal.locator("#chat-list button").last.get_attribute("data-chat-id")

    sent = requests.post(
        f"{api}/v1/chats/{class_chat['id']}/messages",
        json={"text": "Контрольная в среду"},
        headers=writer,
        timeout=10,
    )
    assert sent.status_code == 201, sent.text
    expect(phone.locator("#messages .message .text").last).to_have_text(
        "Контрольная в среду", timeout=LIVE_MS
    )
    expect(phone.locator("#announcer[aria-live=polite]")).to_contain_text("Контрольная в среду")
    assert phone.evaluate("document.activeElement.id") == "text"
    assert phone.input_value("#text") == "Я почти дописал"
    phone.screenshot(path=str(screenshots / "20-phone-live-message.png"), full_page=True)

    # The journal's list follows (its own message, as the preview), and focus stays where it was.
    item = journal.locator(f'#chat-list button[data-chat-id="{class_chat["id"]}"] .last')
    expect(item).to_contain_text("Контрольная в среду", timeout=LIVE_MS)
    assert journal.evaluate("document.activeElement.getAttribute('data-chat-id')") == focused_id
    journal.screenshot(path=str(screenshots / "21-journal-live-focus-kept.png"))

    events = [f for f in phone_frames if f.get("type") == "message.created"]
    assert [e["message_id"] for e in events] == [sent.json()["id"]]
    assert not [f for f in other_frames if f.get("chat_id") == class_chat["id"]], other_frames
    assert phone_errors == [] and journal_errors == []


# A socket that never opens: each attempt is counted and closes at once, as a refused connection does.
BROKEN_SOCKET = """
window.__socketAttempts = [];
window.WebSocket = function (url) {
  window.__socketAttempts.push(Date.now());
  var self = this, listeners = {};
  this.readyState = 3;
  this.addEventListener = function (type, fn) { (listeners[type] = listeners[type] || []).push(fn); };
  this.send = function () { throw new Error("not open"); };
  this.close = function () {};
  setTimeout(function () { (listeners.close || []).forEach(function (fn) { fn.call(self, {}); }); }, 0);
};
window.WebSocket.OPEN = 1;
"""


def test_without_a_socket_the_page_polls_every_15_s_and_retries_with_back_off(
    browser: Any, stack: Stack
) -> None:
    api, emulator = stack.ready["api"], stack.ready["emulator"]
    reader = _link_by_api(api, emulator, "s-orlov", "Олег")
    chats = requests.get(f"{api}/v1/chats?limit=100", headers=reader, timeout=10).json()["items"]
    [class_chat] = [chat for chat in chats if chat["kind"] == "class"]
    link = requests.post(f"{api}/v1/qr-links", json={}, headers=reader, timeout=10).json()
    context = browser.new_context(viewport=PHONE_VIEWPORT, is_mobile=True, user_agent=ANDROID, locale="ru-RU")
    context.add_init_script(BROKEN_SOCKET)
    page = context.new_page()
    page.goto(link["url"])
    page.get_by_role("button", name="Продолжить").click()
    page.wait_for_url(f"{api}/m/chats")
    page.clock.install()
    polls: list[str] = []
    chat_path = f"/m/chats/{class_chat['id']}"
    page.on(
        "request",
        lambda r: polls.append(r.url) if r.resource_type == "fetch" and chat_path in r.url else None,
    )
    page.goto(f"{api}{chat_path}")

    # Fake time in steps, real time between them: each retry first fetches its socket ticket over
    # the network, which a single 14 s jump would leave unanswered until after the check.
    for _ in range(28):
        page.clock.run_for(500)
        page.wait_for_timeout(60)
    page.wait_for_timeout(300)
    assert polls == []  # never sooner than 15 s
    attempts = page.evaluate("window.__socketAttempts.length")
    assert 2 <= attempts <= 5, attempts  # retried, with growing pauses (1, 2, 4, 8 s ± jitter), not hammered
    page.clock.run_for(2_000)
    deadline = time.monotonic() + 5
    while not polls and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert len(polls) == 1
    page.clock.run_for(15_000)
    deadline = time.monotonic() + 5
    while len(polls) < 2 and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert len(polls) == 2
    gaps = page.evaluate(
        "window.__socketAttempts.slice(1).map(function (t, i) { return t - window.__socketAttempts[i]; })"
    )
    assert gaps == sorted(gaps), gaps  # each pause at least as long as the one before
    context.close()
