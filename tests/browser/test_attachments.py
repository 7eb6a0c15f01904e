"""Attaching a photo on the hosted page in a real browser (SPEC §10), at 360 px.

A class teacher, linked through the API and signed in on a phone-sized page
by their QR sign-in link, picks a photo in the class chat's send box: the
page's script uploads it straight to the bucket (the local stack's emulator,
which enforces the presigned POST's policy as S3 does), the service checks it
and makes its preview, and the preview shows in the send box and, once sent,
in the chat. A renamed executable is refused with a Russian sentence. No CSP
violation or script error on the way. Screenshots go to ``test-output/browser/``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.attachment_files import EXECUTABLE, PDF_BYTES, image
from tests.browser.support import (
    assert_fits_phone,
    demo_headers,
    link_person,
    open_chat_on_phone,
    phone_signed_in,
)
from tests.local_stack import Stack

pytestmark = [pytest.mark.browser, pytest.mark.emulator]

LOADED = "(img) => img.complete && img.naturalWidth > 0"


def test_a_teacher_attaches_a_photo_at_360_px_and_sees_its_preview(
    browser: Any, stack: Stack, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    api, emulator = stack.ready["api"], stack.ready["emulator"]
    auth = link_person(
        api, emulator, demo_headers(api, "t-ivanova"), "Мария", "Иванова", "1990-01-01", "female"
    )
    page, errors, _ = phone_signed_in(browser, api, auth, read_qr=True)
    open_chat_on_phone(page, "5А")
    expect(page.locator("label[for=attach-file]")).to_have_text("Прикрепить фото или файл")

    # A program renamed to look like a photo is refused, in Russian, and nothing is attached.
    page.set_input_files(
        "#attach-file", {"name": "котик.jpg", "mimeType": "image/jpeg", "buffer": EXECUTABLE}
    )
    expect(page.locator("#attach-status")).to_have_text(re.compile("Файл не принят"), timeout=20_000)
    expect(page.locator("#attached li")).to_have_count(0)

    photo = image("JPEG", (1600, 1200), "orange")
    page.set_input_files("#attach-file", {"name": "экскурсия.jpg", "mimeType": "image/jpeg", "buffer": photo})
    expect(page.locator("#attach-status")).to_have_text("Файл «экскурсия.jpg» прикреплён.", timeout=20_000)
    pending = page.locator("#attached li.image img")
    expect(pending).to_have_count(1)
    page.wait_for_function(f"() => ({LOADED})(document.querySelector('#attached img'))", timeout=15_000)
    assert_fits_phone(page)
    page.screenshot(path=str(screenshots / "30-attach-photo-in-send-box.png"), full_page=True)

    page.fill("#text", "Фото с экскурсии")
    page.get_by_role("button", name="Отправить").click()
    sent = page.locator(".message", has_text="Фото с экскурсии")
    expect(sent.locator(".attachments img")).to_have_count(1)
    preview = sent.locator(".attachments img").first
    expect(preview).to_have_attribute("alt", "экскурсия.jpg")
    preview.scroll_into_view_if_needed()
    page.wait_for_function(
        f"() => [...document.querySelectorAll('.message .attachments img')].some({LOADED})", timeout=15_000
    )
    width = page.evaluate("[...document.querySelectorAll('.message .attachments img')].pop().naturalWidth")
    assert width == 320  # the preview the service made, not the 1600-px photo
    assert_fits_phone(page)
    page.screenshot(path=str(screenshots / "31-attach-photo-sent.png"), full_page=True)

    # A document alone, without text: the text box stops being required once a file is attached.
    assert page.evaluate("document.getElementById('text').required") is True
    page.set_input_files(
        "#attach-file", {"name": "план урока.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
    )
    expect(page.locator("#attach-status")).to_have_text("Файл «план урока.pdf» прикреплён.", timeout=20_000)
    assert page.evaluate("document.getElementById('text').required") is False
    expect(page.locator("#text")).to_have_value("")
    page.get_by_role("button", name="Отправить").click()
    alone = page.locator(".message", has=page.locator(".attachments", has_text="план урока.pdf"))
    expect(alone).to_have_count(1, timeout=15_000)
    expect(alone.locator(".text")).to_have_text("")
    assert page.evaluate("document.getElementById('text').required") is True  # a fresh send box
    page.wait_for_function(
        f"() => [...document.querySelectorAll('.message .attachments img')].every({LOADED})", timeout=15_000
    )
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(screenshots / "32-attach-document-without-text.png"), full_page=True)
    # Chromium logs the refusal's 422 as a failed load; anything else (a CSP violation) is a failure.
    assert [e for e in errors if "status of 422" not in e] == [], errors
