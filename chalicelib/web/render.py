"""Server-rendered HTML: one way to fill a template, which escapes everything it is not told is HTML.

Templates are ``string.Template`` files (``$name`` placeholders). :func:`fill`
HTML-escapes every value (quotes included, so values are safe in attributes
too) unless it is :class:`Markup` — a fragment that was itself made by
:func:`fill`. So user text can only reach a page escaped, and a missing value
is an error, not an empty hole.

Pages are served with a Content Security Policy that allows scripts, styles
and connections from this origin only: no inline script, no inline style, no
third-party origin.
"""

from __future__ import annotations

import functools
import html
import re
import string
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from chalice import Response

HTML_CONTENT_TYPE = "text/html; charset=utf-8"


class Markup(str):
    """HTML that is safe to insert as it is (made by :func:`fill`, :func:`escape` or :func:`concat`).

    Adding text to it escapes the text, so ``markup + user_text`` stays safe.
    """

    __slots__ = ()

    def __add__(self, other: str) -> Markup:
        return Markup(str.__add__(self, escape(other)))

    def __radd__(self, other: str) -> Markup:
        return Markup(str.__add__(escape(other), self))


def escape(value: object) -> Markup:
    """``value`` as HTML text: escaped unless it is :class:`Markup` already; None is empty."""
    if isinstance(value, Markup):
        return value
    if value is None:
        return Markup("")
    return Markup(html.escape(str(value), quote=True))


def fill(template: str, /, **values: object) -> Markup:
    """The template with each ``$name`` replaced by its escaped value (KeyError for a missing one)."""
    return Markup(string.Template(template).substitute({name: escape(v) for name, v in values.items()}))


def concat(parts: Iterable[Markup]) -> Markup:
    """Fragments one after another."""
    return Markup("".join(escape(part) for part in parts))


class Templates:
    """The ``*.html`` templates of one directory, read once."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @functools.cache  # noqa: B019 - a few module-level instances, each living as long as the process
    def source(self, name: str) -> str:
        """The text of ``<name>.html``."""
        return (self.directory / f"{name}.html").read_text(encoding="utf-8")

    def render(self, template: str, /, **values: object) -> Markup:
        """``<template>.html`` filled with ``values`` (see :func:`fill`)."""
        return fill(self.source(template), **values)


def base_path(public_base_url: str) -> str:
    """The path prefix of the public URL (``/api`` behind an API Gateway stage, empty locally)."""
    return urlsplit(public_base_url).path.rstrip("/")


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL, lower-cased (what browsers send in ``Origin``)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


CHIME_ORIGINS = ("https://*.chime.aws", "wss://*.chime.aws", "https://*.amazonaws.com")
"""Where the Amazon Chime SDK for JavaScript connects (signalling, TURN, ingest): a Chime call page only."""


def content_security_policy(
    *, data_images: bool = False, connect: tuple[str, ...] = (), images_from: tuple[str, ...] = ()
) -> str:
    """This origin only; ``data_images`` also allows ``data:`` images (a QR code from the API),
    ``connect`` more origins for ``fetch``/WebSocket (a call provider's media service, the
    attachments' bucket), ``images_from`` more origins for images (attachment previews)."""
    images = " ".join(("'self' data:" if data_images else "'self'", *images_from))
    connect_src = " ".join(("'self'", *connect))
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; "
        f"img-src {images}; connect-src {connect_src}; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    )


def _live_sources() -> tuple[str, ...]:
    """The live socket's origin (``LIVE_URL``), which every page may connect to (SPEC §10)."""
    from chalicelib.config import settings

    live = settings().live_url
    return (origin_of(live),) if live else ()


def page_headers(
    *,
    data_images: bool = False,
    referrer_policy: str = "same-origin",
    media: bool = False,
    connect: tuple[str, ...] = (),
    images_from: tuple[str, ...] = (),
) -> dict[str, str]:
    """The headers of every HTML page: its CSP, no framing, no caching, no powerful features.

    ``same-origin`` referrers, not ``no-referrer``: with ``no-referrer`` a
    browser sends ``Origin: null`` on form posts, and the CSRF check needs the
    real origin; other sites still learn nothing. Only a call screen (``media``)
    may use the camera and microphone, and only this origin's own page.
    """
    devices = "camera=(self), microphone=(self)" if media else "camera=(), microphone=()"
    connect = (*connect, *_live_sources())
    return {
        "Content-Type": HTML_CONTENT_TYPE,
        "Content-Security-Policy": content_security_policy(
            data_images=data_images, connect=connect, images_from=images_from
        ),
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Resource-Policy": "same-origin",
        "Permissions-Policy": f"{devices}, geolocation=(), payment=()",
        "Referrer-Policy": referrer_policy,
        "Cache-Control": "no-store",
    }


def html_response(
    body: Markup,
    status: int = 200,
    headers: dict[str, str] | None = None,
    *,
    data_images: bool = False,
    referrer_policy: str = "same-origin",
    media: bool = False,
    connect: tuple[str, ...] = (),
    images_from: tuple[str, ...] = (),
) -> Response:
    """An HTML page with :func:`page_headers` (plus ``headers``)."""
    all_headers: dict[str, str | list[str]] = {
        **page_headers(
            data_images=data_images,
            referrer_policy=referrer_policy,
            media=media,
            connect=connect,
            images_from=images_from,
        ),
        **(headers or {}),
    }
    return Response(body=str(body), status_code=status, headers=all_headers)


STATIC_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",  # the licence of a bundled library, served beside it
}


def static_response(directory: Path, name: str) -> Response | None:
    """A CSS, JS, SVG or text file of ``directory`` (None for anything else: no paths, no other types)."""
    suffix = Path(name).suffix
    if "/" in name or "\\" in name or name.startswith(".") or suffix not in STATIC_TYPES:
        return None
    path = directory / name
    if not path.is_file():
        return None
    return Response(
        body=path.read_text(encoding="utf-8"),
        status_code=200,
        headers={
            "Content-Type": STATIC_TYPES[suffix],
            "Cache-Control": "public, max-age=300",
            "Cross-Origin-Resource-Policy": "same-origin",
        },
    )


_URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
_URL_TRAILING = ".,;:!?)»\u201d]"


def linkify(text: str) -> Markup:
    """``text`` escaped, with each ``http(s)://`` address made a link that opens apart from the page.

    Only http and https become links (no ``javascript:``, ``data:``…); trailing
    punctuation stays text; links get ``rel="noopener noreferrer"`` and
    ``target="_blank"``. Plain markup, so it is allowed by the page's CSP.
    """
    parts: list[Markup] = []
    position = 0
    for found in _URL.finditer(text):
        url = found.group(0)
        while url and url[-1] in _URL_TRAILING and not (url[-1] == ")" and url.count("(") >= url.count(")")):
            url = url[:-1]
        if len(url) <= len("https://"):
            continue
        start = found.start()
        parts.append(escape(text[position:start]))
        parts.append(fill('<a href="$url" rel="noopener noreferrer" target="_blank">$url</a>', url=url))
        position = start + len(url)
    parts.append(escape(text[position:]))
    return concat(parts)
