"""Live delivery in a real browser (SPEC §10): a message reaches another member's open phone page within
2 seconds, over the local stack's socket; the journal follows it without moving focus; a non-member's
page gets nothing.

The 2 s bound is the issue's acceptance criterion (#14); the fallback poll is 15 s, so a pass proves the
socket carried it. Screenshots go to ``test-output/browser/``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.browser.support import (
    ANDROID,
    LIVE_MS,
    demo_headers,
    journal_signed_in,
    link_person,
    phone_signed_in,
    send_message,
    socket_frames,
    wait_socket_ready,
)
from tests.local_stack import Stack

pytestmark = [pytest.mark.browser, pytest.mark.emulator]


def test_a_message_appears_on_another_members_phone_within_two_seconds(
    browser: Any, stack: Stack, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    api, emulator = stack.ready["api"], stack.ready["emulator"]
    assert stack.ready["live"].startswith("ws://127.0.0.1:")
    reader = link_person(api, emulator, demo_headers(api, "s-orlov"), "Олег")
    writer = link_person(api, emulator, demo_headers(api, "t-ivanova"), "Мария")
    outsider = link_person(
        api, emulator, demo_headers(api, "p-orlova"), "Ольга"
    )  # a parent: not in the class chat
    chats = requests.get(f"{api}/v1/chats?limit=100", headers=reader, timeout=10).json()["items"]
    [class_chat] = [chat for chat in chats if chat["kind"] == "class"]

    # The student's phone, open on the class chat, a draft half typed.
    phone, phone_errors, _ = phone_signed_in(browser, api, reader, user_agent=ANDROID)
    phone_frames = socket_frames(phone)  # from the chat on: the chat list's socket said «ready» already
    phone_sockets: list[str] = []
    phone.on("websocket", lambda socket: phone_sockets.append(socket.url))
    phone.locator(".chat").filter(has=phone.locator(".title", has_text=class_chat["title"])).locator(
        "a"
    ).click()
    phone.wait_for_url(f"**/m/chats/{class_chat['id']}")
    wait_socket_ready(phone, phone_frames)
    # Signed in by a one-use ticket fetched first, as on AWS (where the cookie never reaches the socket).
    assert phone_sockets and all("?ticket=" in url for url in phone_sockets), phone_sockets
    phone.fill("#text", "Я почти дописал")
    phone.focus("#text")

    # The parent's phone, on her chat list: her socket must carry nothing about the class chat.
    other = phone_signed_in(browser, api, outsider, user_agent=ANDROID).page
    other_frames = socket_frames(other)
    other.reload()
    wait_socket_ready(other, other_frames)

    # The teacher's journal, keyboard focus on one of the chats in the list.
    journal, journal_errors, journal_frames = journal_signed_in(browser, api, "t-ivanova")
    expect(journal.locator("#chat-list")).to_contain_text(class_chat["title"])
    wait_socket_ready(journal, journal_frames)
    journal.locator("#chat-list button").last.focus()
    focused_id = journal.locator("#chat-list button").last.get_attribute("data-chat-id")

    sent = send_message(api, writer, class_chat["id"], "Контрольная в среду")
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
    assert [e["message_id"] for e in events] == [sent]
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
    reader = link_person(api, emulator, demo_headers(api, "s-orlov"), "Олег")
    chats = requests.get(f"{api}/v1/chats?limit=100", headers=reader, timeout=10).json()["items"]
    [class_chat] = [chat for chat in chats if chat["kind"] == "class"]
    page = phone_signed_in(browser, api, reader, user_agent=ANDROID, init_script=BROKEN_SOCKET).page
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
    page.context.close()
