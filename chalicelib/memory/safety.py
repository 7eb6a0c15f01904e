"""In-memory twins of two ``chalicelib.safety`` ports: the audit log and the guardian consent requests.

The same answers as ``store/safety.py``'s ``DynamoAuditLog`` and
``DynamoConsentStore``, held to them by ``tests/contract/test_safety_contract.py``.
(The report store and the school seats have no twin yet.)
"""

from __future__ import annotations

import dataclasses
import threading
from datetime import datetime

from chalicelib.clock import isoformat_utc
from chalicelib.ids import random_id
from chalicelib.safety.audit import AuditEntry, AuditPage
from chalicelib.safety.consent import ConsentRequest, ConsentState
from chalicelib.store.paging import one_page


class InMemoryAuditLog:
    """:class:`~chalicelib.safety.audit.AuditLog` in a list per school."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, list[AuditEntry]] = {}

    def record(self, entry: AuditEntry) -> None:
        """Keep the record under a new ``<time>#<random id>`` entry id."""
        kept = dataclasses.replace(entry, entry_id=f"{isoformat_utc(entry.at)}#{random_id('aud')}")
        with self._lock:
            self._entries.setdefault(entry.school_id, []).append(kept)

    def page(self, school_id: str, limit: int, before: str | None) -> AuditPage:
        """A school's records newest first (by entry id), after the position ``before``."""
        with self._lock:
            rows = sorted(self._entries.get(school_id, []), key=lambda e: e.entry_id, reverse=True)
        if before is not None:
            rows = [row for row in rows if row.entry_id < before]
        shown, position = one_page(rows, limit, lambda row: row.entry_id)
        return AuditPage(items=tuple(shown), before=position)

    def about_person(self, person_id: str) -> list[AuditEntry]:
        """Every record the person did or that was done to them, in every school, oldest first."""
        with self._lock:
            rows = [e for rows in self._entries.values() for e in rows]
        found = [e for e in rows if person_id in (e.actor_id, e.target_id)]
        return sorted(found, key=lambda e: e.entry_id)


class InMemoryConsentStore:
    """:class:`~chalicelib.safety.consent.ConsentStore` in a dict."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: dict[str, ConsentRequest] = {}

    def request(self, request: ConsentRequest) -> None:
        """Keep it pending (asking again resets a decided one)."""
        with self._lock:
            self._requests[request.consent_id] = dataclasses.replace(request, status=ConsentState.PENDING)

    def get(self, consent_id: str) -> ConsentRequest | None:
        """One request, or None."""
        with self._lock:
            return self._requests.get(consent_id)

    def pending_for(self, guardian_id: str) -> list[ConsentRequest]:
        """A guardian's pending requests, oldest first."""
        with self._lock:
            found = [
                r
                for r in self._requests.values()
                if r.guardian_id == guardian_id and r.status is ConsentState.PENDING
            ]
        return sorted(found, key=lambda request: request.requested_at)

    def decide(self, consent_id: str, status: ConsentState, now: datetime) -> bool:
        """Only a pending request is decided."""
        with self._lock:
            stored = self._requests.get(consent_id)
            if stored is None or stored.status is not ConsentState.PENDING:
                return False
            self._requests[consent_id] = dataclasses.replace(stored, status=status)
            return True

    def involving(self, person_id: str) -> list[ConsentRequest]:
        """Every request about the person (as a pupil) or to them (as a guardian), oldest first."""
        with self._lock:
            found = [r for r in self._requests.values() if person_id in (r.pupil_id, r.guardian_id)]
        return sorted(found, key=lambda request: request.requested_at)

    def delete_about_pupil(self, pupil_id: str) -> int:
        """Delete the requests about a pupil; how many."""
        with self._lock:
            gone = [cid for cid, r in self._requests.items() if r.pupil_id == pupil_id]
            for consent_id in gone:
                del self._requests[consent_id]
        return len(gone)
