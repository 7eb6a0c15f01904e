"""Signing a phone in with a QR code (SPEC §7): single-use links, and the hosted page's sessions.

The journal asks for a link for its signed-in, linked user; the phone opens
it; redeeming it starts a session on the hosted page, kept in a cookie.

* Secrets come from the OS CSPRNG (``secrets``), 128 bits for a link (short,
  so the QR code stays small) and 256 bits for a session, and are stored only
  as their SHA-256 hash. With that much entropy a plain hash is enough: there
  is nothing to brute-force, so no salt or slow hash is needed.
* A link is valid at most 2 minutes and redeemed at most once, by one
  conditional update (two phones scanning the same code: exactly one wins).
  Every refusal looks the same, whether the link was used, expired, malformed
  or never existed.
* A session ends 12 hours after it started, after 30 minutes without a
  request, on logout, and as soon as the journal user is no longer linked to
  the profile they were linked to when the QR code was made.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.config import Settings
from chalicelib.identity import throttle
from chalicelib.identity.journal_token import Caller
from chalicelib.identity.links import find_link, require_link
from chalicelib.observability import log_event
from chalicelib.store.conditions import is_condition_failure
from chalicelib.store.web import QrLinkItem, WebSessionItem

QR_TOKEN_BYTES = 16  # 128 bits
SESSION_TOKEN_BYTES = 32  # 256 bits
CSRF_TOKEN_BYTES = 32
MINUTE_S = 60
HOUR_S = 3600
# The idle clock is written at most this often: a page view is not worth a write each time.
LAST_SEEN_GRANULARITY = timedelta(seconds=60)
# Records outlive their validity a little: DynamoDB's TTL is only garbage collection.
_FORGET_MARGIN = timedelta(days=1)

_QR_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{22}$")
_SESSION_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# --- QR links ------------------------------------------------------------------------


@dataclass(frozen=True)
class QrLink:
    """A new sign-in link: ``url`` (with the token in it) goes to the journal user only."""

    url: str
    expires_at: datetime


def issue_qr_link(person_id: str, now: datetime, config: Settings) -> QrLink:
    """A single-use sign-in link for a linked journal user (409 ``link-required`` otherwise).

    Rate-limited per journal user (429): the journal refreshes the code
    before it expires, which stays far below the caps.
    """
    link = require_link(person_id)
    throttle.take(
        [
            throttle.EventLog(
                throttle.subject_key("qr-person", person_id),
                (
                    throttle.Cap(config.qr_links_per_user_minute, MINUTE_S),
                    throttle.Cap(config.qr_links_per_user_hour, HOUR_S),
                ),
            )
        ],
        now,
        "Too many QR codes; try again shortly.",
    )
    token = secrets.token_urlsafe(QR_TOKEN_BYTES)
    expires_at = now + timedelta(seconds=config.qr_link_ttl_s)
    QrLinkItem(
        token_hash=_hash(token),
        person_id=person_id,
        profile_id=link.profile_id,
        created_at=now,
        expires_at=expires_at,
        forget_at=expires_at + _FORGET_MARGIN,
    ).save(condition=QrLinkItem.token_hash.does_not_exist())
    log_event("qr_link_issued", person_id=person_id)
    return QrLink(url=f"{config.public_base_url}/m/{token}", expires_at=expires_at)


def redeem_qr_link(token: str, now: datetime) -> QrLinkItem | None:
    """Use a link once: its record if this call redeemed it, else None (used, expired or unknown)."""
    if not _QR_TOKEN_SHAPE.match(token):
        return None
    item = QrLinkItem(token_hash=_hash(token))
    try:
        item.update(
            actions=[QrLinkItem.redeemed_at.set(now)],
            condition=(
                QrLinkItem.token_hash.exists()
                & QrLinkItem.redeemed_at.does_not_exist()
                & (QrLinkItem.expires_at > now)
            ),
        )
    except UpdateError as exc:
        if is_condition_failure(exc):
            log_event("qr_link_refused")
            return None
        raise
    log_event("qr_link_redeemed", person_id=item.person_id)
    return item


# --- sessions ------------------------------------------------------------------------


@dataclass(frozen=True)
class WebSession:
    """A signed-in phone: who it is, and the CSRF token its forms carry."""

    session_hash: str
    person_id: str
    profile_id: str
    csrf_token: str
    expires_at: datetime

    @property
    def caller(self) -> Caller:
        """The journal user the session acts for, as the chat service knows callers."""
        return Caller(person_id=self.person_id)

    def csrf_matches(self, sent: str | None) -> bool:
        """Whether a form carried this session's CSRF token (compared in constant time)."""
        return bool(sent) and hmac.compare_digest(str(sent).encode(), self.csrf_token.encode())


def _session(item: WebSessionItem) -> WebSession:
    return WebSession(
        session_hash=item.session_hash,
        person_id=item.person_id,
        profile_id=item.profile_id,
        csrf_token=item.csrf_token,
        expires_at=item.expires_at,
    )


def start_session(redeemed: QrLinkItem, now: datetime, config: Settings) -> tuple[str, WebSession]:
    """A new session for the journal user of a redeemed link: (the cookie's secret, the session)."""
    token = secrets.token_urlsafe(SESSION_TOKEN_BYTES)
    expires_at = now + timedelta(seconds=config.web_session_ttl_s)
    item = WebSessionItem(
        session_hash=_hash(token),
        person_id=redeemed.person_id,
        profile_id=redeemed.profile_id,
        csrf_token=secrets.token_urlsafe(CSRF_TOKEN_BYTES),
        created_at=now,
        expires_at=expires_at,
        last_seen_at=now,
        forget_at=expires_at + _FORGET_MARGIN,
    )
    item.save(condition=WebSessionItem.session_hash.does_not_exist())
    log_event("web_session_started", person_id=item.person_id)
    return token, _session(item)


def resume_session(token: str | None, now: datetime, config: Settings) -> WebSession | None:
    """The live session a cookie names, or None (no cookie, unknown, expired, idle, unlinked).

    Moves the idle clock forward (at most once a minute).
    """
    if not token or not _SESSION_TOKEN_SHAPE.match(token):
        return None
    try:
        item = WebSessionItem.get(_hash(token), consistent_read=True)
    except DoesNotExist:
        return None
    idle_until = item.last_seen_at + timedelta(seconds=config.web_session_idle_s)
    if now >= item.expires_at or now >= idle_until:
        _forget(item, "expired")
        return None
    link = find_link(item.person_id)
    if link is None or link.profile_id != item.profile_id:
        _forget(item, "unlinked")
        return None
    if now - item.last_seen_at >= LAST_SEEN_GRANULARITY:
        try:
            item.update(
                actions=[WebSessionItem.last_seen_at.set(now)],
                condition=WebSessionItem.session_hash.exists(),
            )
        except UpdateError as exc:
            if is_condition_failure(exc):  # logged out by a concurrent request
                return None
            raise
    return _session(item)


def _forget(item: WebSessionItem, reason: str) -> None:
    item.delete()
    log_event("web_session_ended", person_id=item.person_id, reason=reason)


def end_session(session: WebSession) -> None:
    """Log out: the session's record is deleted, so its cookie opens nothing any more."""
    _forget(WebSessionItem(session_hash=session.session_hash, person_id=session.person_id), "logout")
