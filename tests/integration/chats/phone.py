"""A phone on the hosted page, through the Chalice test client: it keeps its cookie and reads its pages."""

from __future__ import annotations

import json
import re
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from tests.openapi import assert_documented
from tests.support import auth_headers

ORIGIN = "http://127.0.0.1:8000"  # PUBLIC_BASE_URL's default: the origin the hosted page is served from

ANSWERS: list[tuple[str, str, int, str | None]] = []
"""(method, path, status, content type) of every request a :class:`Phone` made in the current test."""


def assert_answers_documented() -> None:
    """Every status the phones got is one docs/openapi.yaml lists for that route."""
    from chalice.local import RouteMatcher

    import app as application

    matcher = RouteMatcher(list(application.app.routes))
    for method, path, status, content_type in ANSWERS:
        template = matcher.match_route(path).route
        assert_documented(method, template, status, None, content_type)


@dataclass
class Page:
    """An HTTP response of the hosted page."""

    status: int
    html: str
    headers: dict[str, str]

    def field(self, name: str) -> str:
        """The value of a form field on the page (the first one of that name)."""
        found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', self.html)
        assert found, f"no field {name!r} on the page"
        return found.group(1)

    def link(self, element_id: str) -> str | None:
        """The ``href`` of the link with this id, unescaped, or None."""
        found = re.search(rf'<a href="([^"]*)" id="{re.escape(element_id)}"', self.html)
        return found.group(1).replace("&amp;", "&") if found else None


def path_of(url: str) -> str:
    """The path (and query) of a URL, which is what the test client requests."""
    parts = urllib.parse.urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def qr_link(api: Any, person_id: str) -> dict[str, Any]:
    """``POST /v1/qr-links`` as a journal user; the response body."""
    response = api.http.post("/v1/qr-links", headers=auth_headers(person_id), body="")
    assert response.status_code == 201, response.body
    body: dict[str, Any] = response.json_body
    return body


@dataclass
class Phone:
    """A browser on a phone: one cookie jar, requests from the hosted page's origin."""

    api: Any
    cookies: dict[str, str] = field(default_factory=dict)

    def _send(self, method: str, path: str, headers: dict[str, str], body: str | None = None) -> Page:
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = getattr(self.api.http, method)(path, headers=headers, body=body)
        set_cookie = response.headers.get("Set-Cookie")
        if set_cookie:
            name, _, rest = set_cookie.partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0" in set_cookie:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        html = response.body.decode() if isinstance(response.body, bytes) else str(response.body or "")
        ANSWERS.append((method.upper(), path, response.status_code, response.headers.get("Content-Type")))
        return Page(response.status_code, html, dict(response.headers))

    def open(self, url_or_path: str) -> Page:
        """GET, as following a link or scanning a code."""
        return self._send("get", path_of(url_or_path), {})

    def redeem(self, url: str) -> Page:
        """Open a QR link and press «Продолжить»: the page's POST redeems it (a GET uses nothing up)."""
        shown = self.open(url)
        if shown.status != 200:
            return shown
        return self.post_form(path_of(url), {})

    def scan(self, api_person: str) -> Page:
        """Scan a fresh QR code of a journal user, press «Продолжить», follow the redirect to the chats."""
        redeemed = self.redeem(qr_link(self.api, api_person)["url"])
        assert redeemed.status == 303, redeemed.html
        return self.open(redeemed.headers["Location"])

    def post_json(self, path: str, body: Any, *, csrf: str | None, origin: str | None = ORIGIN) -> Page:
        """A script's JSON post (the call screen's), with the CSRF token in ``X-CSRF-Token``."""
        headers = {"Content-Type": "application/json"}
        if csrf is not None:
            headers["X-CSRF-Token"] = csrf
        if origin is not None:
            headers["Origin"] = origin
        return self._send("post", path, headers, json.dumps(body))

    def post_form(
        self, path: str, fields: dict[str, str] | str, *, origin: str | None = ORIGIN, **headers: str
    ) -> Page:
        """A form post (``origin=None`` sends no ``Origin`` header)."""
        body = fields if isinstance(fields, str) else urllib.parse.urlencode(fields)
        all_headers = {"Content-Type": "application/x-www-form-urlencoded", **headers}
        if origin is not None:
            all_headers["Origin"] = origin
        return self._send("post", path, all_headers, body)
