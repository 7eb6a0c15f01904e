"""A QR link is used by the person who presses «Продолжить», not by whoever fetches it (issue #10.6).

A link-preview bot or a URL scanner GETs the link: that must use nothing up.
Only the page's POST (from the page's own origin) redeems it.
"""

from __future__ import annotations

from chalicelib.store.web import WebSessionItem
from tests.integration.chats.phone import ORIGIN, Phone, path_of, qr_link
from tests.integration.chats.world import World


def _sessions() -> int:
    return len(list(WebSessionItem.scan(consistent_read=True)))


def test_fetching_the_link_uses_nothing_up_and_shows_whose_chats_it_opens(world: World) -> None:
    url = qr_link(world.api, "stu-1")["url"]
    bot = Phone(world.api)
    for _ in range(3):  # a preview bot, a URL scanner, the phone itself
        page = bot.open(url)
        assert page.status == 200, page.html
        assert "Продолжить" in page.html and "Иванов Петя" in page.html
        assert "Set-Cookie" not in page.headers and page.headers["Cache-Control"] == "no-store"
    assert _sessions() == 0 and not bot.cookies

    phone = Phone(world.api)
    redeemed = phone.post_form(path_of(url), {})
    assert redeemed.status == 303 and redeemed.headers["Location"] == "/m/chats"
    assert phone.open("/m/chats").status == 200 and _sessions() == 1
    assert Phone(world.api).post_form(path_of(url), {}).status == 410  # still single use


def test_a_post_from_another_site_redeems_nothing(world: World) -> None:
    url = qr_link(world.api, "stu-1")["url"]
    for options in (
        {"origin": "https://evil.example"},
        {"origin": None},
        {"origin": None, "Referer": "https://evil.example/x"},
    ):
        refused = Phone(world.api).post_form(path_of(url), {}, **options)
        assert refused.status == 403, options
        assert "Set-Cookie" not in refused.headers
    assert _sessions() == 0
    assert Phone(world.api).post_form(path_of(url), {}, origin=ORIGIN).status == 303


def test_the_page_says_so_before_replacing_someone_elses_session(world: World) -> None:
    phone = Phone(world.api)
    phone.scan("stu-1")
    url = qr_link(world.api, "par-1")["url"]
    page = phone.open(url)
    assert page.status == 200
    assert "Иванова Елена" in page.html and "Иванов Петя" in page.html and "выйдет" in page.html
    assert phone.open("/m/chats").status == 200  # looking changed nothing
    assert phone.post_form(path_of(url), {}).status == 303
    assert "5А — родители" in phone.open("/m/chats").html and _sessions() == 1


def test_the_same_persons_session_is_not_called_someone_elses(world: World) -> None:
    phone = Phone(world.api)
    phone.scan("stu-1")
    page = phone.open(qr_link(world.api, "stu-1")["url"])
    assert page.status == 200 and "выйдет" not in page.html
