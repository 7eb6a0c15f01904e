"""The hosted mobile page (SPEC §7): sessions, screens, sending, CSRF, escaping, security headers."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest

from chalicelib.clock import MovableClock
from chalicelib.web.render import content_security_policy, origin_of
from tests.integration.chats.phone import Page, Phone
from tests.integration.chats.world import World

pytestmark = [pytest.mark.emulator, pytest.mark.usefixtures("phone_answers_documented")]


HOSTILE = "<script>alert('x')</script>\"><img src=x onerror=alert(1)>"


def _chat_path(world: World, kind: str) -> str:
    return f"/m/chats/{world.chats[kind]}"


def _api_texts(world: World, kind: str, who: str = "t-class") -> list[str]:
    reply = world.get(who, f"/v1/chats/{world.chats[kind]}/messages?limit=100")
    assert reply.status == 200, reply.body
    return [m["text"] for m in reply.body["items"]]


def _send(phone: Phone, world: World, kind: str, message: str, **overrides: Any) -> Page:
    page = phone.open(_chat_path(world, kind))
    fields = {"csrf": page.field("csrf"), "client_msg_id": page.field("client_msg_id"), "text": message}
    fields.update(overrides)
    return phone.post_form(
        f"{_chat_path(world, kind)}/messages", {k: v for k, v in fields.items() if v is not None}
    )


@pytest.fixture
def phone(world: World, clock: MovableClock) -> Phone:
    """stu-1's phone, signed in with a QR code a second after the world's messages were sent."""
    clock.advance(seconds=1)
    signed_in = Phone(world.api)
    signed_in.scan("stu-1")
    return signed_in


# --- screens -------------------------------------------------------------------------


def test_the_chat_list_shows_kind_title_and_last_message_of_my_chats_only(world: World, phone: Phone) -> None:
    page = phone.open("/m/chats")

    assert page.status == 200
    titles = re.findall(r'<span class="title">([^<]*)</span>', page.html)
    assert sorted(titles) == ["5А", "Математика 5А"]  # stu-1's chats, as GET /v1/chats lists them
    assert "Класс" in page.html and "Предмет" in page.html
    assert "Иванов Петя: hello from stu-1" in page.html
    assert f'href="{_chat_path(world, "class")}"' in page.html


def test_a_chat_shows_its_messages_and_a_send_box(world: World, phone: Phone) -> None:
    page = phone.open(_chat_path(world, "class"))

    assert page.status == 200
    assert "hello from stu-1" in page.html
    assert 'id="composer"' in page.html and page.field("csrf")
    assert "участников: 4" in page.html


def test_sending_posts_through_the_chat_service_and_comes_back_to_the_chat(
    world: World, phone: Phone
) -> None:
    sent = _send(phone, world, "class", "  Привет с телефона!  ")

    assert sent.status == 303 and sent.headers["Location"] == _chat_path(world, "class")
    assert _api_texts(world, "class")[0] == "Привет с телефона!"
    listed = world.get("t-class", f"/v1/chats/{world.chats['class']}/messages").body["items"][0]
    assert listed["author_id"] == "stu-1" and listed["client_msg_id"].startswith("web-")
    assert "Привет с телефона!" in phone.open(sent.headers["Location"]).html


def test_a_resubmitted_form_sends_once(world: World, phone: Phone) -> None:
    page = phone.open(_chat_path(world, "class"))
    fields = {"csrf": page.field("csrf"), "client_msg_id": page.field("client_msg_id"), "text": "один раз"}
    first = phone.post_form(f"{_chat_path(world, 'class')}/messages", fields)
    again = phone.post_form(f"{_chat_path(world, 'class')}/messages", fields)

    assert first.status == again.status == 303
    assert _api_texts(world, "class").count("один раз") == 1


def test_load_older_pages_through_the_history(world: World, phone: Phone, clock: MovableClock) -> None:
    for number in range(35):
        clock.advance(seconds=1)
        assert world.send("t-class", "class", f"сообщение {number:02}").status == 201

    newest = phone.open(_chat_path(world, "class"))
    shown = re.findall(r"сообщение (\d\d)", newest.html)
    assert shown == [f"{n:02}" for n in range(5, 35)]  # oldest at the top
    older_href = newest.link("older")
    assert older_href is not None and newest.link("newest") is None

    older = phone.open(older_href)
    assert re.findall(r"сообщение (\d\d)", older.html) == [f"{n:02}" for n in range(5)]
    assert "hello from stu-1" in older.html
    assert older.link("older") is None and older.link("newest") == _chat_path(world, "class")


def test_a_forged_cursor_is_refused(world: World, phone: Phone) -> None:
    page = phone.open(f"{_chat_path(world, 'class')}?cursor=eyJiZWZvcmUiOiAxfQ")
    assert page.status == 400 and "Запрос не понят" in page.html


def test_read_only_and_archived_chats_are_shown_as_such_and_refuse_posts(world: World, phone: Phone) -> None:
    assert (
        world.call("t-class", "PATCH", f"/v1/chats/{world.chats['class']}", {"read_only": True}).status == 200
    )
    assert world.call("t-math", "DELETE", f"/v1/chats/{world.chats['subject']}").status == 200

    listed = phone.open("/m/chats").html
    assert "только чтение" in listed and "в архиве" in listed
    announcements = phone.open(_chat_path(world, "class"))
    archived = phone.open(_chat_path(world, "subject"))
    assert 'id="read-only"' in announcements.html and 'id="composer"' not in announcements.html
    assert "пишут только модераторы" in announcements.html
    assert '<span class="badge">только чтение</span>' in announcements.html
    assert "Чат в архиве" in archived.html and 'id="composer"' not in archived.html

    refused = phone.post_form(
        f"{_chat_path(world, 'class')}/messages", {"csrf": announcements.field("csrf"), "text": "можно?"}
    )
    assert refused.status == 409 and "Сообщение не отправлено" in refused.html
    assert "можно?" not in _api_texts(world, "class")


def test_chats_i_am_not_in_are_not_found(world: World, phone: Phone) -> None:
    for chat_id in (world.chats["parents"], world.chats["staff"], "ch_nonexistent"):
        page = phone.open(f"/m/chats/{chat_id}")
        assert page.status == 404 and "Не найдено" in page.html
    csrf = phone.open("/m/chats").field("csrf")
    posted = phone.post_form(f"/m/chats/{world.chats['parents']}/messages", {"csrf": csrf, "text": "x"})
    assert posted.status == 404
    assert "x" not in _api_texts(world, "parents", who="par-1")


def test_a_parent_sees_the_parents_chat_and_not_the_class_chat(world: World) -> None:
    parent = Phone(world.api)
    parent.scan("par-1")
    assert parent.open(f"/m/chats/{world.chats['parents']}").status == 200
    assert parent.open(f"/m/chats/{world.chats['class']}").status == 404


# --- sessions ------------------------------------------------------------------------


@pytest.mark.parametrize("cookie", [None, "m_session=", "m_session=forged-value", "m_session=" + "A" * 43])
def test_without_a_live_session_every_screen_asks_for_a_qr_code(world: World, cookie: str | None) -> None:
    headers = {"Cookie": cookie} if cookie else {}
    for path in ("/m/chats", _chat_path(world, "class")):
        response = world.api.http.get(path, headers=headers)
        assert response.status_code == 401
        assert "отсканируйте QR-код" in response.body.decode()


def test_a_session_ends_after_30_idle_minutes(world: World, phone: Phone, clock: MovableClock) -> None:
    clock.advance(minutes=29)
    assert phone.open("/m/chats").status == 200
    clock.advance(minutes=29)
    assert phone.open("/m/chats").status == 200  # each visit restarts the idle clock
    clock.advance(minutes=30)
    assert phone.open("/m/chats").status == 401


def test_a_session_ends_after_12_hours_however_busy(world: World, phone: Phone, clock: MovableClock) -> None:
    for _ in range(24):
        clock.advance(minutes=29)
        assert phone.open("/m/chats").status == 200
    clock.advance(minutes=29)  # 11 h 36 min + 29 min > 12 h
    assert phone.open("/m/chats").status == 401


def test_unlinking_in_the_journal_ends_the_phones_session(world: World, phone: Phone, services: Any) -> None:
    from chalicelib.identity.links import remove_link

    remove_link(services.links, "stu-1")
    assert phone.open("/m/chats").status == 401


def test_logout_ends_the_session_and_clears_the_cookie(world: World, phone: Phone) -> None:
    cookie = dict(phone.cookies)
    csrf = phone.open("/m/chats").field("csrf")
    out = phone.post_form("/m/logout", {"csrf": csrf})

    assert out.status == 303 and out.headers["Location"] == "/m/chats"
    assert "Max-Age=0" in out.headers["Set-Cookie"] and "Path=/m" in out.headers["Set-Cookie"]
    assert Phone(world.api, cookie).open("/m/chats").status == 401


# --- CSRF ----------------------------------------------------------------------------


def _forgeries(phone: Phone, other_csrf: str) -> list[tuple[str, dict[str, str], dict[str, Any]]]:
    right = phone.open("/m/chats").field("csrf")
    return [
        ("no token", {}, {}),
        ("empty token", {"csrf": ""}, {}),
        ("wrong token", {"csrf": right[:-2] + "xx"}, {}),
        ("another session's token", {"csrf": other_csrf}, {}),
        ("another origin", {"csrf": right}, {"origin": "https://evil.example"}),
        ("Origin null", {"csrf": right}, {"origin": "null"}),
        (
            "no Origin, foreign Referer",
            {"csrf": right},
            {"origin": None, "Referer": "https://evil.example/x"},
        ),
        ("no Origin, no Referer", {"csrf": right}, {"origin": None}),
    ]


def test_a_send_without_the_sessions_csrf_token_or_from_another_origin_is_refused(
    world: World, phone: Phone
) -> None:
    other = Phone(world.api)
    other_csrf = other.scan("stu-2").field("csrf")
    for label, fields, options in _forgeries(phone, other_csrf):
        page = phone.post_form(
            f"{_chat_path(world, 'class')}/messages", {**fields, "text": f"forged: {label}"}, **options
        )
        assert page.status == 403, label
        assert "Действие отклонено" in page.html
    assert not [text for text in _api_texts(world, "class") if text.startswith("forged")]


def test_a_same_origin_referer_is_enough_when_there_is_no_origin(world: World, phone: Phone) -> None:
    csrf = phone.open("/m/chats").field("csrf")
    page = phone.post_form(
        f"{_chat_path(world, 'class')}/messages",
        {"csrf": csrf, "text": "через Referer"},
        origin=None,
        Referer=f"http://127.0.0.1:8000{_chat_path(world, 'class')}",
    )
    assert page.status == 303
    assert "через Referer" in _api_texts(world, "class")


def test_a_logout_without_the_csrf_token_is_refused(world: World, phone: Phone) -> None:
    other_csrf = Phone(world.api).scan("stu-2").field("csrf")
    for label, fields, options in _forgeries(phone, other_csrf):
        assert phone.post_form("/m/logout", fields, **options).status == 403, label
    assert phone.open("/m/chats").status == 200


# --- hostile input -------------------------------------------------------------------


def test_user_text_is_escaped_everywhere(world: World, phone: Phone) -> None:
    assert world.send("t-class", "class", HOSTILE).status == 201
    custom = world.post("t-class", "/v1/chats", {"kind": "custom", "title": HOSTILE, "member_ids": ["stu-1"]})
    assert custom.status == 201

    for page in (
        phone.open("/m/chats"),
        phone.open(_chat_path(world, "class")),
        phone.open(f"/m/chats/{custom.body['id']}"),
    ):
        assert page.status == 200
        assert "<script>alert" not in page.html and "<img src=x" not in page.html
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&quot;&gt;&lt;img src=x" in page.html
        scripts = re.findall(r"<script\b[^>]*>", page.html)
        # Only this site's own files: dates, live delivery, the page's script, and the send box's
        # attachments script (SPEC §10).
        assert scripts[:3] == [
            '<script src="/m/static/when.js" defer>',
            '<script src="/m/static/live.js" defer>',
            '<script src="/m/static/app.js" defer>',
        ]
        assert scripts[3:] in ([], ['<script src="/m/static/attach.js" defer>'])
        tags = re.findall(r"<[^>]*>", page.html)
        assert not [tag for tag in tags if re.search(r"\s(on[a-z]+|style)=", tag)]


def test_a_message_sent_from_the_phone_is_escaped_too(world: World, phone: Phone) -> None:
    assert _send(phone, world, "class", HOSTILE).status == 303
    assert _api_texts(world, "class")[0] == HOSTILE  # stored as written
    page = phone.open(_chat_path(world, "class"))
    assert "<script>alert" not in page.html and "&lt;script&gt;" in page.html


@pytest.mark.parametrize(
    ("overrides", "status"),
    [
        ({"text": "я" * 4001}, 422),
        ({"text": "   "}, 422),
        ({"text": "bell\x07"}, 422),
        ({"client_msg_id": "with space"}, 422),
        ({"extra": "field"}, 422),
    ],
)
def test_bad_sends_are_refused_and_send_nothing(
    world: World, phone: Phone, overrides: dict[str, str], status: int
) -> None:
    before = _api_texts(world, "class")
    page = _send(phone, world, "class", "ok", **overrides)
    assert page.status == status
    assert _api_texts(world, "class") == before


def test_a_refused_message_keeps_the_draft_and_says_why(world: World, phone: Phone) -> None:
    page = _send(phone, world, "class", "я" * 4001)
    assert "Сообщение не отправлено" in page.html and "я" * 4001 in page.html


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("csrf=a&csrf=b&text=x", "application/x-www-form-urlencoded", 400),
        ("text=%FF%FE", "application/x-www-form-urlencoded", 400),
        ("&".join(f"f{i}=1" for i in range(50)), "application/x-www-form-urlencoded", 400),
        ("text=" + "x" * 70_000, "application/x-www-form-urlencoded", 413),
        ('{"text": "json"}', "application/json", 415),
    ],
)
def test_malformed_forms_are_refused(
    world: World, phone: Phone, body: str, content_type: str, status: int
) -> None:
    before = _api_texts(world, "class")
    page = phone.post_form(f"{_chat_path(world, 'class')}/messages", body, **{"Content-Type": content_type})
    assert page.status == status
    assert _api_texts(world, "class") == before


# --- headers -------------------------------------------------------------------------


def test_pages_carry_a_strict_csp_and_the_other_security_headers(world: World, phone: Phone) -> None:
    pages = [
        phone.open("/m/chats"),
        phone.open(_chat_path(world, "class")),
        Phone(world.api).open("/m/chats"),  # 401
        Phone(world.api).open("/m/AAAAAAAAAAAAAAAAAAAAAA"),  # 410
    ]
    # The chat page also reaches the attachments' bucket (uploads) and shows its previews (SPEC §10).
    bucket = origin_of(os.environ["AWS_ENDPOINT_URL"])
    expected = [content_security_policy(), content_security_policy(connect=(bucket,), images_from=(bucket,))]
    expected += [content_security_policy()] * 2
    for page, policy in zip(pages, expected, strict=True):
        headers = page.headers
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert headers["Content-Security-Policy"] == policy
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Cache-Control"] == "no-store"
        assert headers["Referrer-Policy"] in ("same-origin", "no-referrer")
        assert "Strict-Transport-Security" in headers


def test_the_css_and_script_are_served_and_nothing_else(world: World) -> None:
    css = world.api.http.get("/m/static/app.css")
    js = world.api.http.get("/m/static/app.js")
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
    assert js.status_code == 200 and js.headers["Content-Type"].startswith("text/javascript")
    for name in ("qr.py", "..%2Fqr.py", "layout.html", "app.js.map"):
        assert world.api.http.get(f"/m/static/{name}").status_code == 404
