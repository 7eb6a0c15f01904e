"""The identity feature's storage ports and the frozen records they trade in.

The use cases (``identity.linking``, ``identity.links``, ``identity.throttle``,
``identity.signin``, ``identity.provider``) speak only these ports; their
DynamoDB adapters are in ``chalicelib/store/`` (``links.py``, ``identity.py``,
``web.py``) and their in-memory twins in ``chalicelib/memory/identity.py``, both
held to the same contract by ``tests/contract/test_identity_contract.py``.
Every write that can lose a race is conditional and says so in its answer
(False or None), never with a storage exception.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib.identity.link_flow import LinkSession
from chalicelib.identity.profiles import Profile

# --- links ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """A journal user's link to an educational profile (SPEC §2: one journal user ↔ one profile)."""

    person_id: str
    account_id: str
    profile_id: str
    linked_at: datetime
    # A young pupil's link waits for a guardian (``safety.consent``): pending, approved or refused.
    consent: str | None = None


class LinkStore(Protocol):
    """Links, by journal user and by profile: neither side ever has two."""

    def find(self, person_id: str) -> Link | None:
        """The journal user's link, or None."""
        ...

    def create(self, link: Link) -> bool:
        """Write the link unless the journal user or the profile is linked already (then False)."""
        ...

    def remove(self, link: Link) -> bool:
        """Remove the link (both sides at once) while it is still this one; False when it is not."""
        ...

    def set_consent(self, person_id: str, profile_id: str, consent: str) -> bool:
        """Set the consent of the journal user's link to that profile; False when there is no such link."""
        ...


# --- link sessions -------------------------------------------------------------------


class LinkSessionStore(Protocol):
    """Link sessions, each write conditional on the version that was read."""

    def get(self, session_id: str) -> LinkSession | None:
        """The session (strongly consistent), or None."""
        ...

    def save(self, session: LinkSession) -> LinkSession | None:
        """Write the whole session if nobody changed it since it was read (a new one: if the id is free).

        The saved session with its new version, or None when the write lost.
        """
        ...

    def reserve_code_entry(self, session: LinkSession, max_entries: int) -> LinkSession | None:
        """Count one entry of the session's current code, atomically: only while the session is at
        ``code`` with that same code and fewer than ``max_entries`` entries. The stored session after
        it, or None when the code is gone, replaced or used up."""
        ...

    def claim_code(self, session: LinkSession) -> int | None:
        """Remove the session's current code (and reset its entries) if it is still there: the new
        version, or None when another request used the code first."""
        ...


# --- throttling counters -------------------------------------------------------------


@dataclass(frozen=True)
class Counter:
    """A throttling record (``identity.throttle`` makes the keys and reads the fields).

    An event log (``times``, epoch seconds), a run of password failures
    (``failures``, ``last_at``) or a fixed-window budget (``spent``);
    ``version`` is None for a record not stored yet.
    """

    key: str
    times: tuple[float, ...] = ()
    failures: int = 0
    last_at: datetime | None = None
    spent: int = 0
    version: int | None = None


class CounterStore(Protocol):
    """Throttling records, written conditionally on the version that was read."""

    def load(self, key: str) -> Counter:
        """The record (strongly consistent), or an empty one with ``version`` None."""
        ...

    def save_all(self, counters: Sequence[tuple[Counter, datetime]]) -> bool:
        """Write every (record, forget-at) in one all-or-nothing step, each only if unchanged since
        read; False when any of them changed."""
        ...

    def save(self, counter: Counter, forget_at: datetime) -> bool:
        """Write one record if unchanged since read; False when it changed (or the write failed)."""
        ...

    def add_spent(self, key: str, limit: int, forget_at: datetime) -> bool:
        """Count one event against a budget record while it is under ``limit``; False when it is not."""
        ...

    def delete(self, key: str) -> None:
        """Forget a record (nothing there: nothing to do)."""
        ...


# --- accounts (the built-in identity provider) ---------------------------------------


@dataclass(frozen=True)
class StoredAccount:
    """A messenger account as kept by the built-in provider (its password only as a hash)."""

    account_id: str
    phone: str
    password_hash: str
    created_at: datetime
    profile: Profile | None = None


class AccountStore(Protocol):
    """Messenger accounts, unique by phone, found by id too."""

    def by_phone(self, phone: str) -> StoredAccount | None:
        """The phone's account (strongly consistent), or None."""
        ...

    def by_id(self, account_id: str) -> StoredAccount | None:
        """An account by its id, or None."""
        ...

    def add(self, account: StoredAccount) -> bool:
        """Write a new account unless the phone has one (then False)."""
        ...

    def set_password(self, phone: str, password_hash: str) -> StoredAccount | None:
        """Replace the password hash of the phone's account: the account after it, or None (no account)."""
        ...

    def set_profile(self, phone: str, profile: Profile, now: datetime) -> bool:
        """Give the phone's account its profile unless it has one or is gone (then False)."""
        ...


# --- QR sign-in links and hosted-page sessions ---------------------------------------


@dataclass(frozen=True)
class QrGrant:
    """A QR sign-in link as stored (by the SHA-256 of its token): whose, until when, redeemed when."""

    token_hash: str
    person_id: str
    profile_id: str
    created_at: datetime
    expires_at: datetime
    redeemed_at: datetime | None = None


@dataclass(frozen=True)
class WebSessionRecord:
    """A hosted-page session as stored (by the SHA-256 of its cookie)."""

    session_hash: str
    person_id: str
    profile_id: str
    csrf_token: str
    created_at: datetime
    expires_at: datetime
    last_seen_at: datetime


class SignInStore(Protocol):
    """QR sign-in links and the hosted page's sessions, each forgotten a while after it ends."""

    def add_qr_link(self, grant: QrGrant, forget_at: datetime) -> bool:
        """Keep a new link unless its hash is taken (then False)."""
        ...

    def qr_link(self, token_hash: str) -> QrGrant | None:
        """A link by hash (strongly consistent), or None."""
        ...

    def redeem_qr_link(self, token_hash: str, now: datetime) -> QrGrant | None:
        """Mark the link redeemed at ``now``, once, while it is unexpired: the link, or None."""
        ...

    def add_web_session(self, session: WebSessionRecord, forget_at: datetime) -> bool:
        """Keep a new session unless its hash is taken (then False)."""
        ...

    def web_session(self, session_hash: str) -> WebSessionRecord | None:
        """A session by hash (strongly consistent), or None."""
        ...

    def touch_web_session(self, session_hash: str, now: datetime) -> bool:
        """Move the session's last request to ``now``; False when the session is gone."""
        ...

    def delete_web_session(self, session_hash: str) -> None:
        """Forget a session (nothing there: nothing to do)."""
        ...
