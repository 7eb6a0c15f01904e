"""``POST /v1/qr-links`` and ``GET /m/{token}`` (SPEC §7): single use, short-lived, stored hashed."""

from __future__ import annotations

import base64
import hashlib
import re
import threading
from datetime import datetime, timedelta
from typing import Any

import pytest

from chalicelib.clock import MovableClock
from chalicelib.config import ConfigurationError
from chalicelib.identity.signin import SignIn
from chalicelib.store.web import QrLinkItem, WebSessionItem
from tests.integration.chats.phone import Phone, qr_link
from tests.integration.chats.world import World
from tests.openapi import assert_documented
from tests.qr_reading import read_png, read_svg
from tests.support import assert_problem, auth_headers

pytestmark = [pytest.mark.emulator, pytest.mark.usefixtures("phone_answers_documented")]


EXPIRED_TEXT = "Ссылка устарела — отсканируйте новый QR-код"


def _token(url: str) -> str:
    return url.rsplit("/", 1)[1]


def _stored_links() -> list[QrLinkItem]:
    return list(QrLinkItem.scan(consistent_read=True))


# --- issuing -------------------------------------------------------------------------


def test_a_linked_user_gets_a_two_minute_link_whose_qr_codes_read_back_as_it(
    world: World, clock: MovableClock
) -> None:
    response = world.api.http.post("/v1/qr-links", headers=auth_headers("stu-1"), body="")

    assert response.status_code == 201, response.body
    body = response.json_body
    assert_documented("POST", "/v1/qr-links", 201, body, response.headers["Content-Type"])
    assert re.fullmatch(r"http://127\.0\.0\.1:8000/m/[A-Za-z0-9_-]{22}", body["url"]), body["url"]
    assert len(base64.urlsafe_b64decode(_token(body["url"]) + "==")) * 8 >= 128
    assert body["expires_at"] == "2026-09-01T08:02:00.000Z" and body["expires_in_s"] == 120
    assert read_png(base64.b64decode(body["png"], validate=True)) == body["url"]
    assert read_svg(body["svg"]) == body["url"]
    assert response.headers["Cache-Control"] == "no-store"


def test_only_a_hash_of_the_token_is_stored(world: World) -> None:
    url = qr_link(world.api, "stu-1")["url"]

    [stored] = _stored_links()
    token = _token(url)
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert stored.person_id == "stu-1" and stored.redeemed_at is None
    assert token not in repr(stored.attribute_values)


def test_each_link_is_new(world: World) -> None:
    urls = {qr_link(world.api, "stu-1")["url"] for _ in range(3)}
    assert len(urls) == 3


def test_an_unlinked_user_gets_link_required_and_nothing_is_stored(world: World) -> None:
    response = world.api.http.post("/v1/qr-links", headers=auth_headers("stu-3"), body="")
    assert_problem(response, 409, "link-required")
    assert _stored_links() == []


def test_without_a_journal_token_it_is_401(world: World) -> None:
    assert_problem(world.api.http.post("/v1/qr-links", body=""), 401, "unauthorized")


@pytest.mark.parametrize(
    ("body", "content_type", "status", "slug"),
    [
        ('{"person_id": "t-class"}', "application/json", 422, "validation"),
        ("[]", "application/json", 400, "bad-request"),
        ("{not json", "application/json", 400, "bad-request"),
        ("x" * 70_000, "application/json", 413, "payload-too-large"),
    ],
)
def test_hostile_bodies_are_refused_and_store_nothing(
    world: World, body: str, content_type: str, status: int, slug: str
) -> None:
    headers = {**auth_headers("stu-1"), "Content-Type": content_type}
    assert_problem(world.api.http.post("/v1/qr-links", headers=headers, body=body), status, slug)
    assert _stored_links() == []


def test_links_are_rate_limited_per_user(world: World, clock: MovableClock) -> None:
    for _ in range(6):
        qr_link(world.api, "stu-1")

    refused = world.api.http.post("/v1/qr-links", headers=auth_headers("stu-1"), body="")
    other_user = world.api.http.post("/v1/qr-links", headers=auth_headers("stu-2"), body="")
    body = assert_problem(refused, 429, "rate-limited")
    assert int(refused.headers["Retry-After"]) == body["retry_after_s"] > 0
    assert other_user.status_code == 201
    assert len(_stored_links()) == 7

    clock.advance(seconds=61)
    assert world.api.http.post("/v1/qr-links", headers=auth_headers("stu-1"), body="").status_code == 201


def test_a_link_never_lives_longer_than_two_minutes(world: World, configure: Any) -> None:
    assert qr_link(world.api, "stu-1")["expires_in_s"] == 120  # the default is the most SPEC §7 allows
    with pytest.raises(ConfigurationError, match="QR_LINK_TTL_S"):
        configure(QR_LINK_TTL_S="3600")  # a longer lifetime stops the service at start


def test_the_url_uses_the_public_base_url(world: World, configure: Any) -> None:
    configure(PUBLIC_BASE_URL="https://chats.example.org/api/")
    url = qr_link(world.api, "stu-1")["url"]
    assert url.startswith("https://chats.example.org/api/m/")


# --- redeeming -----------------------------------------------------------------------


def test_redeeming_sets_a_locked_down_session_cookie_and_goes_to_the_chat_list(world: World) -> None:
    phone = Phone(world.api)
    redeemed = phone.redeem(qr_link(world.api, "stu-1")["url"])

    assert redeemed.status == 303
    assert redeemed.headers["Location"] == "/m/chats"
    cookie = redeemed.headers["Set-Cookie"]
    name_value, *attributes = [part.strip() for part in cookie.split(";")]
    assert name_value.startswith("m_session=")
    assert set(attributes) == {"Path=/m", "Max-Age=43200", "HttpOnly", "Secure", "SameSite=Lax"}
    secret = name_value.split("=", 1)[1]
    assert len(base64.urlsafe_b64decode(secret + "=")) * 8 >= 128
    assert redeemed.headers["Referrer-Policy"] == "no-referrer"
    assert redeemed.headers["Cache-Control"] == "no-store"
    [session] = list(WebSessionItem.scan(consistent_read=True))
    assert session.session_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in repr(session.attribute_values)
    assert session.person_id == "stu-1"

    chats = phone.open(redeemed.headers["Location"])
    assert chats.status == 200 and "5А" in chats.html


def _expired_page(page: Any) -> None:
    assert page.status == 410
    assert EXPIRED_TEXT in page.html
    assert "Set-Cookie" not in page.headers
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert page.headers["Referrer-Policy"] == "no-referrer"


def test_a_link_works_once(world: World) -> None:
    url = qr_link(world.api, "stu-1")["url"]
    first, second = Phone(world.api).redeem(url), Phone(world.api).redeem(url)

    assert first.status == 303
    _expired_page(second)
    assert len(list(WebSessionItem.scan(consistent_read=True))) == 1


def _scan_at_once(signin: SignIn, token: str, now: datetime, phones: int = 2) -> list[Any]:
    """Redeem one token from several threads released together; what each got."""
    barrier = threading.Barrier(phones)
    outcomes: list[Any] = []

    def scan() -> None:
        barrier.wait()
        outcomes.append(signin.redeem_qr_link(token, now))

    threads = [threading.Thread(target=scan) for _ in range(phones)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_two_phones_scanning_at_once_exactly_one_wins(
    world: World, clock: MovableClock, services: Any
) -> None:
    for _ in range(5):
        outcomes = _scan_at_once(services.signin, _token(qr_link(world.api, "stu-1")["url"]), clock.now())
        assert len(outcomes) == 2
        assert sum(outcome is not None for outcome in outcomes) == 1
        clock.advance(seconds=11)  # stay inside the per-minute cap


def test_a_link_expires_after_two_minutes(world: World, clock: MovableClock) -> None:
    early, late = qr_link(world.api, "stu-1")["url"], qr_link(world.api, "stu-1")["url"]

    clock.advance(seconds=119)
    assert Phone(world.api).redeem(early).status == 303
    clock.advance(seconds=1)
    _expired_page(Phone(world.api).redeem(late))
    assert [item.redeemed_at for item in _stored_links() if item.redeemed_at] == [
        clock.now() - timedelta(seconds=1)
    ]


@pytest.mark.parametrize(
    "token",
    [
        "never-issued-token-xyz",
        "bfvDrWijB9CKTigyh16lvQ",  # the shape of a real token
        "A" * 22,
        "%3Cscript%3E",
        "a" * 500,
        "..%2F..%2Fv1%2Fme",
    ],
)
def test_unknown_and_malformed_tokens_get_the_same_page_as_a_used_one(world: World, token: str) -> None:
    used = qr_link(world.api, "stu-1")["url"]
    Phone(world.api).redeem(used)
    used_page = Phone(world.api).open(used)

    unknown = Phone(world.api).open(f"/m/{token}")

    _expired_page(unknown)
    assert unknown.html == used_page.html
    assert len(list(WebSessionItem.scan(consistent_read=True))) == 1  # the used link's, nothing more


def test_a_new_scan_replaces_the_phones_previous_session(world: World) -> None:
    phone = Phone(world.api)
    phone.scan("stu-1")
    first_cookie = dict(phone.cookies)
    phone.scan("stu-1")

    assert phone.cookies != first_cookie
    assert len(list(WebSessionItem.scan(consistent_read=True))) == 1
    assert Phone(world.api, first_cookie).open("/m/chats").status == 401


def test_the_link_leads_to_the_person_who_asked_for_it(world: World) -> None:
    parent_phone = Phone(world.api)
    page = parent_phone.scan("par-1")
    assert "5А — родители" in page.html
    assert 'class="title">5А<' not in page.html  # a parent never sees the students' class chat
