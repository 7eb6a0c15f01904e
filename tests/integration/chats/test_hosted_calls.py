"""Calls on the hosted page (SPEC §9): the buttons, the call screen, and its script's JSON endpoints.

The script's endpoints are the API's rules behind the session cookie; what
this adds is checked here: the buttons each person is offered, the chat
list's mark, the screen's headers (camera and microphone on this page only),
CSRF on every POST, and ``call: null`` once a call is over.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from chalicelib.clock import MovableClock
from tests.integration.chats.phone import Page, Phone
from tests.integration.chats.world import World

pytestmark = [pytest.mark.emulator, pytest.mark.usefixtures("phone_answers_documented")]


def signed_in(world: World, clock: MovableClock, person: str) -> Phone:
    """``person``'s phone, signed in by a QR code."""
    clock.advance(seconds=1)
    phone = Phone(world.api)
    phone.scan(person)
    return phone


def chat_path(world: World, kind: str, rest: str = "") -> str:
    """``/m/chats/{id}…`` of one of the world's chats."""
    return f"/m/chats/{world.chats[kind]}{rest}"


def csrf_of(page: Page) -> str:
    """The CSRF token a page carries (in its forms)."""
    return page.field("csrf")


def body(page: Page) -> Any:
    """A JSON answer, decoded."""
    return json.loads(page.html) if page.html else None


@pytest.fixture
def teacher(world: World, clock: MovableClock) -> Phone:
    """The class teacher's phone."""
    return signed_in(world, clock, "t-class")


@pytest.fixture
def pupil(world: World, clock: MovableClock) -> Phone:
    """stu-1's phone."""
    return signed_in(world, clock, "stu-1")


def test_buttons_follow_who_may_start_and_whether_a_call_is_under_way(
    world: World, teacher: Phone, pupil: Phone
) -> None:
    chat = teacher.open(chat_path(world, "class"))
    assert chat.link("call-button") == chat_path(world, "class", "/call") and "Позвонить" in chat.html
    assert pupil.open(chat_path(world, "class")).link("call-button") is None
    # Nothing to join and not allowed to start: the call screen sends the pupil back to the chat.
    refused = pupil.open(chat_path(world, "class", "/call"))
    assert refused.status == 303 and refused.headers["Location"].endswith(chat_path(world, "class"))

    screen = teacher.open(chat_path(world, "class", "/call"))
    assert screen.status == 200 and 'id="end-for-all"' in screen.html
    assert "camera=(self), microphone=(self)" in screen.headers["Permissions-Policy"]
    assert "connect-src 'self';" in screen.headers["Content-Security-Policy"]
    assert "camera=()" in chat.headers["Permissions-Policy"]  # every other page: no camera
    started = teacher.post_json(chat_path(world, "class", "/call/join"), {}, csrf=csrf_of(screen))
    assert started.status == 201 and body(started)["me"] == "t-class"

    listed = pupil.open("/m/chats")
    assert "идёт звонок" in listed.html
    chat = pupil.open(chat_path(world, "class"))
    assert "Присоединиться к звонку" in chat.html
    screen = pupil.open(chat_path(world, "class", "/call"))
    assert screen.status == 200 and 'id="end-for-all"' not in screen.html
    joined = pupil.post_json(chat_path(world, "class", "/call/join"), {}, csrf=csrf_of(screen))
    assert joined.status == 200 and len(body(joined)["call"]["participants"]) == 2


@pytest.mark.parametrize(("csrf", "origin"), [(None, "http://127.0.0.1:8000"), ("wrong", None), ("", None)])
def test_script_posts_without_the_sessions_csrf_token_or_origin_change_nothing(
    world: World, teacher: Phone, csrf: str | None, origin: str | None
) -> None:
    screen = teacher.open(chat_path(world, "class", "/call"))
    token = csrf if csrf != "" else csrf_of(screen)  # "" stands for the right token from another site
    for action in ("join", "signals", "leave", "end"):
        refused = teacher.post_json(
            chat_path(world, "class", f"/call/{action}"), {}, csrf=token, origin=origin
        )
        assert refused.status == 403, (action, refused.html)
    assert world.get("t-class", f"/v1/chats/{world.chats['class']}/call").status == 404


def test_the_screen_polls_signals_and_learns_when_the_call_ended(
    world: World, teacher: Phone, pupil: Phone
) -> None:
    t_csrf = csrf_of(teacher.open(chat_path(world, "class", "/call")))
    teacher.post_json(chat_path(world, "class", "/call/join"), {}, csrf=t_csrf)
    p_csrf = csrf_of(pupil.open(chat_path(world, "class", "/call")))
    pupil.post_json(chat_path(world, "class", "/call/join"), {}, csrf=p_csrf)

    signal = {"to": "t-class", "kind": "offer", "payload": '{"id":"a1","data":{"type":"offer","sdp":"v=0"}}'}
    sent = pupil.post_json(chat_path(world, "class", "/call/signals"), signal, csrf=p_csrf)
    assert sent.status == 201
    polled = body(teacher.open(chat_path(world, "class", "/call/poll")))
    assert [s["from"] for s in polled["signals"]] == ["stu-1"] and polled["next_cursor"]
    assert len(polled["call"]["participants"]) == 2 and polled["in_call"] is True
    again = body(teacher.open(chat_path(world, "class", f"/call/poll?cursor={polled['next_cursor']}")))
    assert again["signals"] == []
    bad = teacher.post_json(chat_path(world, "class", "/call/signals"), {**signal, "kind": "x"}, csrf=t_csrf)
    assert bad.status == 422

    # A pupil cannot end it for everyone; the teacher can, and the pupil's next poll says so.
    assert pupil.post_json(chat_path(world, "class", "/call/end"), {}, csrf=p_csrf).status == 403
    assert teacher.post_json(chat_path(world, "class", "/call/end"), {}, csrf=t_csrf).status == 204
    assert body(pupil.open(chat_path(world, "class", "/call/poll"))) == {
        "call": None,
        "in_call": False,
        "signals": [],
        "next_cursor": None,
    }
    assert "идёт звонок" not in pupil.open("/m/chats").html


def test_a_screen_whose_person_left_from_another_page_is_told_to_join_again(
    world: World, teacher: Phone, pupil: Phone
) -> None:
    csrf = csrf_of(teacher.open(chat_path(world, "class", "/call")))
    teacher.post_json(chat_path(world, "class", "/call/join"), {}, csrf=csrf)
    p_csrf = csrf_of(pupil.open(chat_path(world, "class", "/call")))
    pupil.post_json(chat_path(world, "class", "/call/join"), {}, csrf=p_csrf)
    # A reload: the old page's leave arrives after the new page joined.
    pupil.post_json(chat_path(world, "class", "/call/leave"), {}, csrf=p_csrf)
    state = body(pupil.open(chat_path(world, "class", "/call/poll")))
    assert state["call"] is not None and state["in_call"] is False and state["signals"] == []


def test_leaving_from_the_screen_ends_a_call_with_no_one_left(world: World, teacher: Phone) -> None:
    csrf = csrf_of(teacher.open(chat_path(world, "class", "/call")))
    teacher.post_json(chat_path(world, "class", "/call/join"), {}, csrf=csrf)
    assert teacher.post_json(chat_path(world, "class", "/call/leave"), {}, csrf=csrf).status == 204
    assert body(teacher.open(chat_path(world, "class", "/call/poll")))["call"] is None
    assert world.get("stu-1", f"/v1/chats/{world.chats['class']}/call").status == 404


def test_with_chime_the_screen_loads_the_sdk_and_may_connect_to_chime_only(
    world: World, teacher: Phone, services: Any, configure: Any
) -> None:
    from chalicelib.bootstrap import provider_from_settings
    from chalicelib.config import settings

    configure(CALL_PROVIDER="chime")
    services.call_provider = provider_from_settings(settings())
    screen = teacher.open(chat_path(world, "class", "/call"))
    assert screen.status == 200 and 'data-provider="chime"' in screen.html
    scripts = re.findall(r'<script src="([^"]+)"', screen.html)
    chime_scripts = ["/m/static/call-screen.js", "/m/static/amazon-chime-sdk.js", "/m/static/chime-call.js"]
    assert scripts[-3:] == chime_scripts
    policy = screen.headers["Content-Security-Policy"]
    assert "connect-src 'self' https://*.chime.aws wss://*.chime.aws https://*.amazonaws.com;" in policy
    assert "script-src 'self';" in policy
