"""What the browser tests share: who signs in and how, the pages they open, the roster a school gets.

One function an idea, its real differences as parameters; the test modules import from here and
never from each other. A module whose school comes from a roster (not the demo school) sets
``STACK_ENV = WITHOUT_DEMO``: the ``stack`` fixture (conftest) starts the local stack with it, and the
tokens made here are signed with the secrets it names.
"""

from __future__ import annotations

import base64
import json
import re
import time
from typing import Any, NamedTuple

import boto3
import requests

from chalicelib.identity.journal_token import issue_journal_token, issue_operator_token
from tests.identity_support import link_over_api
from tests.local_stack import Stack

JOURNAL_SECRET = "browser-journal-secret-0123456789abcdef"
OPERATOR_SECRET = "browser-operator-secret-0123456789abcdef"
WITHOUT_DEMO = {"DEMO": "0", "JOURNAL_JWT_SECRET": JOURNAL_SECRET, "OPERATOR_JWT_SECRET": OPERATOR_SECRET}
"""A module's ``STACK_ENV``: the local stack without the demo school, with the tokens' secrets."""

PASSWORD = "Tishina-v-klasse-2026"
"""The password people choose on the demo journal's linking screens."""

PHONE_VIEWPORT = {"width": 360, "height": 740}
DESKTOP_VIEWPORT = {"width": 1280, "height": 900}
ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/150.0.0.0 Mobile Safari/537.36"
)
LIVE_MS = 2_000
"""How soon a live change must show on an open page (#14's acceptance bound; the fallback poll is 15 s)."""


class SignedIn(NamedTuple):
    """A page signed in, with the errors it reports and the socket frames it receives from its opening."""

    page: Any
    errors: list[str]
    frames: list[dict[str, Any]]


def watch_errors(page: Any) -> list[str]:
    """The errors the page reports from now on (console errors, a CSP violation among them, and uncaught
    exceptions): a list that fills as they come."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def socket_frames(page: Any) -> list[dict[str, Any]]:
    """Every frame the sockets the page opens from now on receive, decoded: a list that fills as they come."""
    received: list[dict[str, Any]] = []

    def watch(socket: Any) -> None:
        socket.on("framereceived", lambda payload: received.append(json.loads(payload)))

    page.on("websocket", watch)
    return received


def wait_socket_ready(page: Any, frames: list[dict[str, Any]]) -> None:
    """Wait (10 s at most) until the page's socket has said ``ready`` among ``frames``."""
    page.wait_for_function("() => true")  # let pending events run
    deadline = time.monotonic() + 10
    while {"type": "ready"} not in frames:
        assert time.monotonic() < deadline, f"the page's socket never became ready: {frames}"
        page.wait_for_timeout(50)


def journal_token(person_id: str) -> str:
    """A journal token for ``person_id``, valid for an hour, signed as the journal would (JOURNAL_SECRET)."""
    return issue_journal_token(person_id, JOURNAL_SECRET, issued_at=int(time.time()), lifetime_s=3600)


def journal_headers(person_id: str) -> dict[str, str]:
    """Auth headers with a journal token for ``person_id`` (``journal_token``)."""
    return {"Authorization": f"Bearer {journal_token(person_id)}"}


def operator_headers() -> dict[str, str]:
    """Auth headers with an operator token (OPERATOR_SECRET)."""
    token = issue_operator_token("operator-1", OPERATOR_SECRET, issued_at=int(time.time()))
    return {"Authorization": f"Bearer {token}"}


def demo_headers(api: str, person_id: str) -> dict[str, str]:
    """Auth headers with a token the demo journal mints for a person of the demo school."""
    token = requests.post(f"{api}/demo/tokens", json={"person_id": person_id}, timeout=10).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def link_person(
    api: str,
    emulator: str,
    headers: dict[str, str],
    first_name: str,
    last_name: str = "Тестов",
    birth_date: str = "2010-05-01",
    gender: str = "male",
) -> dict[str, str]:
    """Link the person the headers are for through the API, as the journal's screens would (SPEC §3: a new
    account for a fresh phone, its SMS code, a profile, confirm), unless an earlier test linked them;
    returns the headers.

    Born 2010 by default: 14 or older, so a pupil needs no guardian's consent (SPEC §11).
    """
    if requests.get(f"{api}/v1/me", headers=headers, timeout=10).json().get("link"):
        return headers
    profile = {"last_name": last_name, "first_name": first_name, "birth_date": birth_date, "gender": gender}
    link_over_api(api, emulator, headers, profile)
    return headers


def send_message(
    api: str, headers: dict[str, str], chat_id: str, text: str, reply_to: str | None = None
) -> str:
    """Post ``text`` to the chat through the API as the person the headers are for (a reply to
    ``reply_to`` if given); the new message's id."""
    body: dict[str, Any] = {"text": text}
    if reply_to:
        body["reply_to"] = reply_to
    sent = requests.post(f"{api}/v1/chats/{chat_id}/messages", json=body, headers=headers, timeout=20)
    assert sent.status_code == 201, sent.text
    return str(sent.json()["id"])


def phone_signed_in(
    browser: Any,
    api: str,
    headers: dict[str, str],
    *,
    user_agent: str | None = None,
    init_script: str | None = None,
    read_qr: bool = False,
) -> SignedIn:
    """A fresh 360-px phone, signed in by a new QR link of the person the headers are for, on its chat list.

    ``read_qr`` reads the link off the QR code's PNG, as a phone's camera would (OpenCV now and then
    misses a code, then the API's own URL is used); ``init_script`` runs in every page before its own.
    """
    from playwright.sync_api import expect

    from tests.qr_reading import read_png

    issued = requests.post(f"{api}/v1/qr-links", json={}, headers=headers, timeout=10)
    assert issued.status_code == 201, issued.text
    url = issued.json()["url"]
    if read_qr:
        read = read_png(base64.b64decode(issued.json()["png"])) or url
        assert read == url
        assert re.fullmatch(re.escape(api) + r"/m/[A-Za-z0-9_-]{22}", url), url
    context = browser.new_context(
        viewport=PHONE_VIEWPORT, is_mobile=True, has_touch=True, user_agent=user_agent, locale="ru-RU"
    )
    if init_script is not None:
        context.add_init_script(init_script)
    page = context.new_page()
    errors, frames = watch_errors(page), socket_frames(page)
    page.goto(url)
    page.get_by_role("button", name="Продолжить").click()  # only the button's POST redeems (SPEC §7)
    page.wait_for_url(f"{api}/m/chats")
    expect(page.locator("#chats")).to_be_visible()
    return SignedIn(page, errors, frames)


def journal_signed_in(browser: Any, api: str, person_id: str, name: str | None = None) -> SignedIn:
    """The demo journal at 1280 px, signed in as ``person_id``, on its «Чаты» screen.

    A person of the demo school (no ``name``) is picked from the journal's list; anyone else is signed
    in by answering the journal's token request with a journal token for them, and the journal greets
    them by ``name``.
    """
    from playwright.sync_api import expect

    page = browser.new_context(viewport=DESKTOP_VIEWPORT, locale="ru-RU").new_page()
    errors, frames = watch_errors(page), socket_frames(page)
    if name is not None:
        signed = {"person_id": person_id, "name": name, "token": journal_token(person_id)}
        page.route("**/demo/tokens", lambda route: route.fulfill(json=signed))
    page.goto(f"{api}/demo")
    if name is None:
        page.select_option("#user", person_id)
    page.click("#sign-in-button")
    expect(page.locator("#home")).to_contain_text(name or "Здравствуйте")
    page.click("#chats-button")
    expect(page.locator("#chats h1")).to_have_text("Чаты")
    return SignedIn(page, errors, frames)


def open_chat_on_phone(page: Any, title: str) -> None:
    """On the phone's chat list, open the chat called exactly ``title``."""
    from playwright.sync_api import expect

    page.locator(".chat a").filter(
        has=page.locator(".title", has_text=re.compile(f"^{re.escape(title)}$"))
    ).click()
    expect(page.locator("h1")).to_have_text(title)


def assert_fits_phone(page: Any, screen: str = "") -> None:
    """Nothing on the page is wider than the phone (no sideways scrolling at 360 px)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"], screen


def upload_roster(stack: Stack, school: str, key: str, roster: str, *kinds: str) -> dict[str, dict[str, Any]]:
    """Put ``roster`` (CSV) in the stack's bucket under ``rosters/<key>`` and wait (90 s at most) until
    ``school`` has a chat of each of ``kinds``; those chats, by kind."""
    api, emulator = stack.ready["api"], stack.ready["emulator"]
    s3 = boto3.client(
        "s3", endpoint_url=emulator, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    s3.put_object(Bucket=stack.ready["bucket"], Key=f"rosters/{key}", Body=roster.encode())
    chats: dict[str, dict[str, Any]] = {}
    deadline = time.monotonic() + 90
    while set(chats) != set(kinds) and time.monotonic() < deadline:
        listed = requests.get(f"{api}/v1/schools/{school}/chats", headers=operator_headers(), timeout=10)
        chats = (
            {c["kind"]: c for c in listed.json().get("items", []) if c["kind"] in kinds} if listed.ok else {}
        )
        if set(chats) != set(kinds):
            time.sleep(0.3)
    assert set(chats) == set(kinds), "the roster did not become chats"
    return chats
