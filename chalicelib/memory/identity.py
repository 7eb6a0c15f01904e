"""In-memory twins of the identity ports (``identity.stores``): the same answers as the DynamoDB
adapters in ``store/`` (``links.py``, ``link_sessions.py``, ``counters.py``, ``accounts.py``,
``signin.py``), held to them by ``tests/contract/test_identity_contract.py``.

Each keeps its records in a dict behind one lock, and makes every conditional
write the way DynamoDB does: a whole-record write on the version that was read
(``VersionAttribute``: a write bumps it, an absent record has none), the
other conditions exactly as the adapter states them.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from chalicelib.identity.link_flow import LinkSession, Step
from chalicelib.identity.profiles import Profile
from chalicelib.identity.stores import Counter, Link, QrGrant, StoredAccount, WebSessionRecord


class LinkMirror(Protocol):
    """What else keeps a copy of who is linked (the chats twin answers ``linked`` from it)."""

    def link(self, person_id: str, consent: str | None = None) -> None:
        """The journal user linked (or the link's consent changed)."""
        ...

    def unlink(self, person_id: str) -> None:
        """The journal user unlinked."""
        ...


class InMemoryLinkStore:
    """:class:`~chalicelib.identity.stores.LinkStore` in two dicts (by journal user, by profile).

    In production the chat directory reads the same ``links`` table; here a
    ``mirror`` (the chats twin) is told of every change instead.
    """

    def __init__(self, mirror: LinkMirror | None = None) -> None:
        self._lock = threading.Lock()
        self._by_person: dict[str, Link] = {}
        self._by_profile: dict[str, str] = {}
        self._mirror = mirror

    def find(self, person_id: str) -> Link | None:
        """The journal user's link, or None."""
        with self._lock:
            return self._by_person.get(person_id)

    def create(self, link: Link) -> bool:
        """Both sides, or nothing when either is taken."""
        with self._lock:
            if link.person_id in self._by_person or link.profile_id in self._by_profile:
                return False
            self._by_person[link.person_id] = link
            self._by_profile[link.profile_id] = link.person_id
        if self._mirror is not None:
            self._mirror.link(link.person_id, link.consent)
        return True

    def remove(self, link: Link) -> bool:
        """Both sides, while the journal user's link is still to that profile."""
        with self._lock:
            stored = self._by_person.get(link.person_id)
            holder = self._by_profile.get(link.profile_id)
            if stored is None or stored.profile_id != link.profile_id:
                return False
            if holder is not None and holder != link.person_id:
                return False
            del self._by_person[link.person_id]
            self._by_profile.pop(link.profile_id, None)
        if self._mirror is not None:
            self._mirror.unlink(link.person_id)
        return True

    def set_consent(self, person_id: str, profile_id: str, consent: str) -> bool:
        """Only the link to that profile."""
        with self._lock:
            stored = self._by_person.get(person_id)
            if stored is None or stored.profile_id != profile_id:
                return False
            self._by_person[person_id] = dataclasses.replace(stored, consent=consent)
        if self._mirror is not None:
            self._mirror.link(person_id, consent)
        return True


def _next_version(version: int | None) -> int:
    return (version or 0) + 1


class InMemoryLinkSessionStore:
    """:class:`~chalicelib.identity.stores.LinkSessionStore` in a dict."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sessions: dict[str, LinkSession] = {}

    def get(self, session_id: str) -> LinkSession | None:
        """The session, or None."""
        with self._lock:
            return self._sessions.get(session_id)

    def save(self, session: LinkSession) -> LinkSession | None:
        """Whole-session write on the version read (a new one: the id must be free)."""
        with self._lock:
            stored = self._sessions.get(session.session_id)
            if (stored.version if stored else None) != session.version:
                return None
            saved = dataclasses.replace(session, version=_next_version(session.version))
            self._sessions[session.session_id] = saved
            return saved

    def reserve_code_entry(self, session: LinkSession, max_entries: int) -> LinkSession | None:
        """One more entry while at ``code`` with that code and entries left."""
        with self._lock:
            stored = self._sessions.get(session.session_id)
            if (
                stored is None
                or stored.step is not Step.CODE
                or stored.code_digest != (session.code_digest or "")
                or stored.wrong_codes >= max_entries
            ):
                return None
            counted = dataclasses.replace(
                stored, wrong_codes=stored.wrong_codes + 1, version=_next_version(stored.version)
            )
            self._sessions[session.session_id] = counted
            return counted

    def claim_code(self, session: LinkSession) -> int | None:
        """Remove the code while it is still the same one."""
        with self._lock:
            stored = self._sessions.get(session.session_id)
            if stored is None or stored.code_digest != (session.code_digest or ""):
                return None
            claimed = dataclasses.replace(
                stored, code_digest=None, code_salt=None, wrong_codes=0, version=_next_version(stored.version)
            )
            self._sessions[session.session_id] = claimed
            return claimed.version


class InMemoryCounterStore:
    """:class:`~chalicelib.identity.stores.CounterStore` in a dict."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[str, Counter] = {}

    def keys(self) -> set[str]:
        """Every stored key (what a test looks at: the twin's view of the table)."""
        with self._lock:
            return set(self._counters)

    def load(self, key: str) -> Counter:
        """The record, or an empty one."""
        with self._lock:
            return self._counters.get(key) or Counter(key)

    def _unchanged(self, counter: Counter) -> bool:
        stored = self._counters.get(counter.key)
        return (stored.version if stored else None) == counter.version

    def save_all(self, counters: Sequence[tuple[Counter, datetime]]) -> bool:
        """All or nothing, each on the version read."""
        with self._lock:
            if not all(self._unchanged(counter) for counter, _ in counters):
                return False
            for counter, _ in counters:
                self._counters[counter.key] = dataclasses.replace(
                    counter, version=_next_version(counter.version)
                )
            return True

    def save(self, counter: Counter, forget_at: datetime) -> bool:
        """On the version read."""
        return self.save_all([(counter, forget_at)])

    def add_spent(self, key: str, limit: int, forget_at: datetime) -> bool:
        """One more while under ``limit`` (a record that never spent anything: always)."""
        with self._lock:
            stored = self._counters.get(key) or Counter(key)
            if stored.spent and stored.spent >= limit:
                return False
            # DynamoDB's update sets the version of an item it was not given a version for to 1.
            self._counters[key] = dataclasses.replace(stored, spent=stored.spent + 1, version=1)
            return True

    def delete(self, key: str) -> None:
        """Forget the record."""
        with self._lock:
            self._counters.pop(key, None)


class InMemoryAccountStore:
    """:class:`~chalicelib.identity.stores.AccountStore` in a dict by phone."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_phone: dict[str, StoredAccount] = {}

    def by_phone(self, phone: str) -> StoredAccount | None:
        """The phone's account, or None."""
        with self._lock:
            return self._by_phone.get(phone)

    def by_id(self, account_id: str) -> StoredAccount | None:
        """An account by id, or None."""
        with self._lock:
            return next((a for a in self._by_phone.values() if a.account_id == account_id), None)

    def add(self, account: StoredAccount) -> bool:
        """Unless the phone has an account."""
        with self._lock:
            if account.phone in self._by_phone:
                return False
            self._by_phone[account.phone] = account
            return True

    def set_password(self, phone: str, password_hash: str) -> StoredAccount | None:
        """The account after the change, or None."""
        with self._lock:
            stored = self._by_phone.get(phone)
            if stored is None:
                return None
            changed = dataclasses.replace(stored, password_hash=password_hash)
            self._by_phone[phone] = changed
            return changed

    def set_profile(self, phone: str, profile: Profile, now: datetime) -> bool:
        """Unless the account is gone or has a profile."""
        with self._lock:
            stored = self._by_phone.get(phone)
            if stored is None or stored.profile is not None:
                return False
            self._by_phone[phone] = dataclasses.replace(stored, profile=profile)
            return True


class InMemorySignInStore:
    """:class:`~chalicelib.identity.stores.SignInStore` in two dicts."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._links: dict[str, QrGrant] = {}
        self._sessions: dict[str, WebSessionRecord] = {}

    def session_count(self) -> int:
        """How many sessions are kept (the twin's view of the table)."""
        with self._lock:
            return len(self._sessions)

    def add_qr_link(self, grant: QrGrant, forget_at: datetime) -> bool:
        """Unless the hash is taken."""
        with self._lock:
            if grant.token_hash in self._links:
                return False
            self._links[grant.token_hash] = grant
            return True

    def qr_link(self, token_hash: str) -> QrGrant | None:
        """The link, or None."""
        with self._lock:
            return self._links.get(token_hash)

    def redeem_qr_link(self, token_hash: str, now: datetime) -> QrGrant | None:
        """Once, while unexpired."""
        with self._lock:
            grant = self._links.get(token_hash)
            if grant is None or grant.redeemed_at is not None or not grant.expires_at > now:
                return None
            redeemed = dataclasses.replace(grant, redeemed_at=now)
            self._links[token_hash] = redeemed
            return redeemed

    def add_web_session(self, session: WebSessionRecord, forget_at: datetime) -> bool:
        """Unless the hash is taken."""
        with self._lock:
            if session.session_hash in self._sessions:
                return False
            self._sessions[session.session_hash] = session
            return True

    def web_session(self, session_hash: str) -> WebSessionRecord | None:
        """The session, or None."""
        with self._lock:
            return self._sessions.get(session_hash)

    def touch_web_session(self, session_hash: str, now: datetime) -> bool:
        """While the session exists."""
        with self._lock:
            stored = self._sessions.get(session_hash)
            if stored is None:
                return False
            self._sessions[session_hash] = dataclasses.replace(stored, last_seen_at=now)
            return True

    def delete_web_session(self, session_hash: str) -> None:
        """Forget the session."""
        with self._lock:
            self._sessions.pop(session_hash, None)
