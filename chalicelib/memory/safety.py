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
