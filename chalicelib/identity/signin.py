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

:class:`SignIn` holds the use cases on the ports it is given (``Services.signin``):
the sign-in store (``identity.stores.SignInStore``), the links and the counters.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.config import Settings
from chalicelib.identity import throttle
from chalicelib.identity.journal_token import Caller
from chalicelib.identity.links import require_link
from chalicelib.identity.stores import CounterStore, LinkStore, QrGrant, SignInStore, WebSessionRecord
from chalicelib.observability import log_event

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


def _session(record: WebSessionRecord) -> WebSession:
    return WebSession(
        session_hash=record.session_hash,
        person_id=record.person_id,
        profile_id=record.profile_id,
        csrf_token=record.csrf_token,
        expires_at=record.expires_at,
    )


class SignIn:
    """QR sign-in and the hosted page's sessions, on the ports handed in."""

    def __init__(self, store: SignInStore, links: LinkStore, counters: CounterStore) -> None:
        self.store = store
        self.links = links
        self.counters = counters

    def issue_qr_link(self, person_id: str, now: datetime, config: Settings) -> QrLink:
        """A single-use sign-in link for a linked journal user (409 ``link-required`` otherwise).

        Rate-limited per journal user (429): the journal refreshes the code
        before it expires, which stays far below the caps.
        """
        link = require_link(self.links, person_id)
        throttle.take(
            self.counters,
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
        grant = QrGrant(
            token_hash=_hash(token),
            person_id=person_id,
            profile_id=link.profile_id,
            created_at=now,
            expires_at=expires_at,
        )
        if not self.store.add_qr_link(grant, expires_at + _FORGET_MARGIN):
            raise RuntimeError("a fresh 128-bit token collided")
        log_event("qr_link_issued", person_id=person_id)
        return QrLink(url=f"{config.public_base_url}/m/{token}", expires_at=expires_at)

    def peek_qr_link(self, token: str, now: datetime) -> QrGrant | None:
        """A link that could still be redeemed, without using it (the page a GET shows); else None.

        Link previews and URL scanners fetch what is pasted or scanned: a GET must
        use nothing up (SPEC §7), so only :meth:`redeem_qr_link` writes.
        """
        if not _QR_TOKEN_SHAPE.match(token):
            return None
        grant = self.store.qr_link(_hash(token))
        if grant is None or grant.redeemed_at is not None or grant.expires_at <= now:
            return None
        return grant

    def redeem_qr_link(self, token: str, now: datetime) -> QrGrant | None:
        """Use a link once: its record if this call redeemed it, else None (used, expired or unknown)."""
        if not _QR_TOKEN_SHAPE.match(token):
            return None
        grant = self.store.redeem_qr_link(_hash(token), now)
        if grant is None:
            log_event("qr_link_refused")
            return None
        log_event("qr_link_redeemed", person_id=grant.person_id)
        return grant

    def start_session(self, redeemed: QrGrant, now: datetime, config: Settings) -> tuple[str, WebSession]:
        """A new session for the journal user of a redeemed link: (the cookie's secret, the session)."""
        token = secrets.token_urlsafe(SESSION_TOKEN_BYTES)
        expires_at = now + timedelta(seconds=config.web_session_ttl_s)
        record = WebSessionRecord(
            session_hash=_hash(token),
            person_id=redeemed.person_id,
            profile_id=redeemed.profile_id,
            csrf_token=secrets.token_urlsafe(CSRF_TOKEN_BYTES),
            created_at=now,
            expires_at=expires_at,
            last_seen_at=now,
        )
        if not self.store.add_web_session(record, expires_at + _FORGET_MARGIN):
            raise RuntimeError("a fresh 256-bit token collided")
        log_event("web_session_started", person_id=record.person_id)
        return token, _session(record)

    def resume_session(self, token: str | None, now: datetime, config: Settings) -> WebSession | None:
        """The live session a cookie names, or None (no cookie, unknown, expired, idle, unlinked).

        Moves the idle clock forward (at most once a minute).
        """
        if not token or not _SESSION_TOKEN_SHAPE.match(token):
            return None
        record = self.store.web_session(_hash(token))
        if record is None:
            return None
        idle_until = record.last_seen_at + timedelta(seconds=config.web_session_idle_s)
        if now >= record.expires_at or now >= idle_until:
            self._forget(record.session_hash, record.person_id, "expired")
            return None
        link = self.links.find(record.person_id)
        if link is None or link.profile_id != record.profile_id:
            self._forget(record.session_hash, record.person_id, "unlinked")
            return None
        if now - record.last_seen_at >= LAST_SEEN_GRANULARITY and not self.store.touch_web_session(
            record.session_hash, now
        ):
            return None  # logged out by a concurrent request
        return _session(record)

    def session_alive(self, session_hash: str, now: datetime) -> bool:
        """Whether a session (by its hash) is still signed in: not logged out, not past its end.

        What a socket ticket issued under the session is checked against when it is used.
        """
        record = self.store.web_session(session_hash)
        return record is not None and now < record.expires_at

    def _forget(self, session_hash: str, person_id: str, reason: str) -> None:
        self.store.delete_web_session(session_hash)
        log_event("web_session_ended", person_id=person_id, reason=reason)

    def end_session(self, session: WebSession) -> None:
        """Log out: the session's record is deleted, so its cookie opens nothing any more."""
        self._forget(session.session_hash, session.person_id, "logout")
