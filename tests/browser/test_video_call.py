"""A video call in a real browser (SPEC §9): a class teacher and a pupil see each other in the local stack.

Both link through the API (as the journal would), each scans their own QR
sign-in link into a fresh 360-px phone context of Debian's Chromium, which has
a fake camera and microphone. The teacher presses «Позвонить» in the class
chat, the pupil sees the call in the chat list and presses «Присоединиться к
звонку»; both ``RTCPeerConnection``s reach ``connected`` and decode each
other's video (``getStats``: ``inbound-rtp`` ``framesDecoded > 0``). The demo
journal marks the chat; the teacher ends the call for everyone and the
pupil's page says so. Screenshots go to ``test-output/browser/``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.browser.support import (
    PHONE_VIEWPORT,
    assert_fits_phone,
    demo_headers,
    journal_signed_in,
    link_person,
    open_chat_on_phone,
    phone_signed_in,
    watch_errors,
)
from tests.local_stack import Stack

pytestmark = [pytest.mark.browser, pytest.mark.emulator]

# The browser (conftest) gets a fake camera and microphone, allowed without asking.
CHROMIUM_EXTRA_ARGS = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
TEACHER, PUPIL = "t-ivanova", "s-orlov"
# Every RTCPeerConnection the page makes, kept where the test can ask it for its state and stats.
RECORD_CONNECTIONS = """
(() => {
  const Original = window.RTCPeerConnection;
  window.__connections = [];
  window.RTCPeerConnection = function (...args) {
    const pc = new Original(...args);
    window.__connections.push(pc);
    return pc;
  };
  window.RTCPeerConnection.prototype = Original.prototype;
})();
"""
CONNECTED_AND_DECODING = """
async () => {
  const open = window.__connections.filter((pc) => pc.connectionState !== "closed");
  if (open.length !== 1 || open[0].connectionState !== "connected") { return -1; }
  const stats = await open[0].getStats();
  let frames = 0;
  stats.forEach((s) => {
    if (s.type === "inbound-rtp" && s.kind === "video") { frames += s.framesDecoded || 0; }
  });
  return frames;
}
"""


def _wait_decoding(page: Any, timeout_s: float = 30) -> int:
    """Poll until the page's one connection is connected and has decoded video frames."""
    frames = -1
    for _ in range(int(timeout_s * 2)):
        frames = page.evaluate(CONNECTED_AND_DECODING)
        if frames > 0:
            return int(frames)
        page.wait_for_timeout(500)
    states = page.evaluate("window.__connections.map((pc) => pc.connectionState)")
    raise AssertionError(f"no decoded video: frames={frames}, connections={states}")


def test_a_class_teacher_and_a_pupil_see_each_other_and_the_teacher_ends_the_call(
    browser: Any, stack: Stack, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    api, emulator = stack.ready["api"], stack.ready["emulator"]
    teacher_auth = link_person(
        api, emulator, demo_headers(api, TEACHER), "Мария", "Иванова", "1990-01-01", "female"
    )
    pupil_auth = link_person(api, emulator, demo_headers(api, PUPIL), "Пётр", "Орлов", "1990-01-01", "female")

    teacher, teacher_errors, _ = phone_signed_in(
        browser, api, teacher_auth, init_script=RECORD_CONNECTIONS, read_qr=True
    )
    pupil, pupil_errors, _ = phone_signed_in(
        browser, api, pupil_auth, init_script=RECORD_CONNECTIONS, read_qr=True
    )

    # The pupil may not start a call in the class chat: no button.
    open_chat_on_phone(pupil, "5А")
    expect(pupil.locator("#call-button")).to_have_count(0)

    open_chat_on_phone(teacher, "5А")
    expect(teacher.locator("#call-button")).to_have_text("Позвонить")
    teacher.screenshot(path=str(screenshots / "20-call-teacher-chat.png"))
    teacher.click("#call-button")
    expect(teacher.locator("#call-status")).to_have_text("Ждём участников…", timeout=15_000)
    expect(teacher.locator(".tile.mine figcaption")).to_have_text("Вы")
    expect(teacher.locator("#end-for-all")).to_have_text("Завершить для всех")

    # The pupil's chat list marks the chat; the chat offers to join.
    pupil.goto(f"{api}/m/chats")
    marked = pupil.locator(".chat a").filter(has=pupil.locator(".title", has_text=re.compile(r"^5А$")))
    expect(marked.locator(".call-badge")).to_have_text("идёт звонок")
    assert_fits_phone(pupil)
    pupil.screenshot(path=str(screenshots / "21-call-pupil-chat-list.png"), full_page=True)
    marked.click()
    expect(pupil.locator("#call-button")).to_have_text("Присоединиться к звонку")
    pupil.click("#call-button")
    expect(pupil.locator("#end-for-all")).to_have_count(0)  # only moderators end a call for everyone

    assert _wait_decoding(teacher) > 0
    assert _wait_decoding(pupil) > 0
    expect(teacher.locator('.tile[data-person="s-orlov"] figcaption')).to_have_text("Орлов Пётр")
    expect(pupil.locator('.tile[data-person="t-ivanova"] figcaption')).to_have_text("Иванова Мария Петровна")
    expect(teacher.locator("#call-status")).to_have_text("В звонке: 2")
    for page in (teacher, pupil):
        assert_fits_phone(page)
    teacher.screenshot(path=str(screenshots / "22-call-teacher-sees-pupil.png"), full_page=True)
    pupil.screenshot(path=str(screenshots / "23-call-pupil-sees-teacher.png"), full_page=True)

    # Microphone and camera off, and on again.
    pupil.click("#mute")
    expect(pupil.locator("#mute")).to_have_text("Включить микрофон")
    assert pupil.evaluate("document.querySelector('#mute').getAttribute('aria-pressed')") == "true"
    pupil.click("#camera")
    expect(pupil.locator("#camera")).to_have_text("Включить камеру")
    pupil.screenshot(path=str(screenshots / "24-call-pupil-muted.png"), full_page=True)
    pupil.click("#mute")
    expect(pupil.locator("#mute")).to_have_text("Выключить микрофон")

    # The pupil reloads the call screen: leaving as the page goes, joining again, both reconnect.
    pupil.reload()
    expect(pupil.locator("#call-status")).to_have_text("В звонке: 2", timeout=15_000)
    assert _wait_decoding(pupil) > 0
    assert _wait_decoding(teacher) > 0
    # Requests the old page had in flight as it went may fail (403: no longer in the call); that is the
    # reload, not an error of the pages. Everything after it must be clean.
    reloading = [e for e in teacher_errors + pupil_errors if not e.startswith("Failed to load resource")]
    assert reloading == []
    teacher_errors.clear()
    pupil_errors.clear()

    # The demo journal marks the chat with the call under way.
    journal = journal_signed_in(browser, api, TEACHER).page
    marked_in_journal = journal.locator("#chat-list button").filter(has=journal.locator(".call-badge"))
    expect(marked_in_journal).to_have_count(1, timeout=15_000)
    expect(marked_in_journal.locator(".title")).to_have_text("5А")
    expect(marked_in_journal.locator(".call-badge")).to_have_text("идёт звонок · 2")
    journal.screenshot(path=str(screenshots / "25-call-journal-mark.png"))

    # The teacher ends the call for everyone; the pupil's page says it ended.
    teacher.click("#end-for-all")
    expect(teacher.locator("#call-ended")).to_be_visible()
    expect(pupil.locator("#call-status")).to_have_text("Звонок завершён", timeout=10_000)
    expect(pupil.locator("#call-ended")).to_contain_text("Вернуться в чат")
    expect(pupil.locator("#call-controls")).to_be_hidden()
    expect(pupil.locator(".tile")).to_have_count(0)
    pupil.screenshot(path=str(screenshots / "26-call-pupil-ended.png"), full_page=True)
    ended = requests.get(f"{api}/v1/chats?limit=100", headers=pupil_auth, timeout=10).json()["items"]
    assert all(chat["call"] is None for chat in ended)

    assert teacher_errors == [] and pupil_errors == []


def test_the_chime_sdk_bundle_loads_under_the_pages_policy_and_builds_a_meeting_session(
    browser: Any, stack: Stack
) -> None:
    """``CALL_PROVIDER=chime`` needs AWS to connect; offline, the bundle and the page's adapter are checked:
    both load from this origin under the page's CSP, and a join answer becomes a Chime meeting session."""
    from tests.chime_support import attendee, meeting

    api = stack.ready["api"]
    page = browser.new_context(viewport=PHONE_VIEWPORT, locale="ru-RU").new_page()
    page.goto(f"{api}/m/chats")  # signed out (401): a page of the site, with its CSP
    errors = watch_errors(page)
    for script in ("call-screen.js", "amazon-chime-sdk.js", "chime-call.js"):
        page.add_script_tag(url=f"{api}/m/static/{script}")
    join = {"provider": "chime", "meeting": meeting("call_x"), "attendee": attendee("t-ivanova")}
    built = page.evaluate(
        """(join) => {
          const session = window.SchoolChatsChime.meetingSession(join);
          return [session.configuration.meetingId, session.configuration.credentials.attendeeId,
                  typeof session.audioVideo.start];
        }""",
        join,
    )
    assert built == [join["meeting"]["MeetingId"], join["attendee"]["AttendeeId"], "function"]
    assert errors == []
    for name in ("amazon-chime-sdk.LICENSE.txt", "amazon-chime-sdk.js.LEGAL.txt"):
        licence = requests.get(f"{api}/m/static/{name}", timeout=10)
        assert licence.status_code == 200 and "License" in licence.text
