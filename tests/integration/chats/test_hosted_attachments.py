"""Attachments on the hosted page (SPEC §10): the send box's script endpoints, the page's links, its CSP.

The rules are the API's (``test_attachments``); what the page adds is checked
here: CSRF and origin on the script's posts, problems with a Russian
sentence, a send box whose form carries attachment ids, redirects to
short-lived links for members only, and a CSP that lets the page reach the
bucket and show its previews — and nothing more.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import requests

from chalicelib.attachments.rules import JPEG
from chalicelib.clock import MovableClock
from tests.attachment_files import EXECUTABLE, image
from tests.integration.chats.phone import Phone
from tests.integration.chats.world import World

pytestmark = [pytest.mark.emulator, pytest.mark.usefixtures("phone_answers_documented")]


def signed_in(world: World, clock: MovableClock, person: str) -> Phone:
    clock.advance(seconds=1)
    phone = Phone(world.api)
    phone.scan(person)
    return phone


def attach_on_phone(world: World, phone: Phone, data: bytes, name: str) -> tuple[str, dict[str, Any]]:
    """The script's steps: ticket, upload to the bucket, check. The CSRF token and the check's answer."""
    screen = phone.open(f"/m/chats/{world.chats['class']}")
    csrf = screen.field("csrf")
    base = f"/m/chats/{world.chats['class']}/attachments"
    issued = phone.post_json(base, {"name": name, "content_type": JPEG, "size": len(data)}, csrf=csrf)
    assert issued.status == 201, issued.html
    ticket = json.loads(issued.html)
    requests.post(
        ticket["upload"]["url"], data=ticket["upload"]["fields"], files={"file": ("f", data)}, timeout=20
    )
    checked = phone.post_json(f"{base}/{ticket['attachment']['id']}/check", {}, csrf=csrf)
    return csrf, {**json.loads(checked.html), "http_status": checked.status}


def test_a_photo_attached_on_the_phone_is_sent_and_shown_to_members_only(
    world: World, clock: MovableClock, services: Any
) -> None:
    teacher = signed_in(world, clock, "t-class")
    csrf, checked = attach_on_phone(world, teacher, image("JPEG"), "фото.jpg")
    assert checked["http_status"] == 200 and checked["preview_href"].endswith(
        f"/attachments/{checked['id']}/preview"
    )

    chat = f"/m/chats/{world.chats['class']}"
    screen = teacher.open(chat)
    policy = screen.headers["Content-Security-Policy"]
    bucket_origin = re.search(r"connect-src 'self' (\S+);", policy)
    assert bucket_origin and f"img-src 'self' {bucket_origin.group(1)};" in policy
    assert "script-src 'self';" in policy  # still no inline script
    assert 'id="attach-file"' in screen.html and 'name="attachments"' in screen.html

    sent = teacher.post_form(
        f"{chat}/messages",
        {"csrf": csrf, "text": "Экскурсия", "client_msg_id": "web-att-1", "attachments": checked["id"]},
    )
    assert sent.status == 303
    page = teacher.open(chat)
    assert f'src="{chat}/attachments/{checked["id"]}/preview"' in page.html
    assert 'alt="фото.jpg"' in page.html

    pupil = signed_in(world, clock, "stu-1")
    shown = pupil.open(f"{chat}/attachments/{checked['id']}/preview")
    assert shown.status == 303 and shown.headers["Referrer-Policy"] == "no-referrer"
    assert requests.get(shown.headers["Location"], timeout=20).headers["Content-Type"] == "image/jpeg"
    parent = signed_in(world, clock, "par-1")  # not in the pupils' chat
    assert parent.open(f"{chat}/attachments/{checked['id']}").status == 404


def test_script_posts_without_csrf_or_from_another_site_change_nothing(
    world: World, clock: MovableClock, services: Any
) -> None:
    teacher = signed_in(world, clock, "t-class")
    csrf = teacher.open(f"/m/chats/{world.chats['class']}").field("csrf")
    base = f"/m/chats/{world.chats['class']}/attachments"
    body = {"name": "a.jpg", "content_type": JPEG, "size": 10}
    for token, origin in (
        (None, "http://127.0.0.1:8000"),
        ("wrong", "http://127.0.0.1:8000"),
        (csrf, "https://evil.example"),
    ):
        refused = teacher.post_json(base, body, csrf=token, origin=origin)
        assert refused.status == 403 and refused.headers["Content-Type"] == "application/problem+json"
    assert services.attachment_records.of_uploader("t-class") == []


def test_a_refused_file_is_explained_in_russian(world: World, clock: MovableClock, services: Any) -> None:
    teacher = signed_in(world, clock, "t-class")
    _, refused = attach_on_phone(world, teacher, EXECUTABLE, "котик.jpg")
    assert refused["http_status"] == 422 and refused["type"].endswith("/attachment-refused")
    assert refused["detail_ru"].startswith("Файл не принят")
    assert services.attachment_records.of_uploader("t-class") == []


def test_the_send_box_sends_a_photo_without_text_but_not_an_empty_message(
    world: World, clock: MovableClock, services: Any
) -> None:
    teacher = signed_in(world, clock, "t-class")
    chat = f"/m/chats/{world.chats['class']}"
    csrf = teacher.open(chat).field("csrf")
    before = teacher.open(chat).html.count('class="message')

    # No text and no attachment: the page says so in Russian, keeps the form, and sends nothing.
    for form in (
        {"csrf": csrf, "text": "", "client_msg_id": "web-empty-1"},
        {"csrf": csrf, "text": "   ", "client_msg_id": "web-empty-2", "attachments": "  "},
    ):
        refused = teacher.post_form(f"{chat}/messages", form)
        assert refused.status == 422, refused.html
        assert "напишите текст или прикрепите файл" in refused.html
    # A hostile attachment list is refused without a message either.
    hostile = teacher.post_form(
        f"{chat}/messages", {"csrf": csrf, "text": "", "attachments": "att_nope " * 11}
    )
    assert hostile.status == 422 and "Сообщение не отправлено" in hostile.html
    assert teacher.open(chat).html.count('class="message') == before

    csrf, checked = attach_on_phone(world, teacher, image("JPEG"), "без подписи.jpg")
    sent = teacher.post_form(
        f"{chat}/messages",
        {"csrf": csrf, "text": "", "client_msg_id": "web-att-2", "attachments": checked["id"]},
    )
    assert sent.status == 303, sent.html
    page = teacher.open(chat)
    assert f'src="{chat}/attachments/{checked["id"]}/preview"' in page.html
    assert page.html.count('class="message') == before + 1
    # The chat list shows the attachment for its missing text.
    assert "Вложение" in teacher.open("/m/chats").html
