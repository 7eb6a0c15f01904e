"""In-memory twins of ``chalicelib.safety`` ports: the audit log, the guardian consent requests and
the reports of messages.

The same answers as ``store/safety.py``'s ``DynamoAuditLog``, ``DynamoConsentStore``
and ``DynamoReportStore``, held to them by ``tests/contract/test_safety_contract.py``.
(The school seats' twin is ``memory/seats.py``, over the chats twin's rows.)
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from datetime import datetime

from chalicelib.clock import isoformat_utc
from chalicelib.ids import random_id
from chalicelib.safety.audit import AuditEntry, AuditPage
from chalicelib.safety.consent import ConsentRequest, ConsentState
from chalicelib.safety.reports import Report, ReportPage, ReportStatus
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


def _open_key(report: Report) -> str:
    return f"{isoformat_utc(report.created_at)}#{report.report_id}"


class InMemoryReportStore:
    """:class:`~chalicelib.safety.reports.ReportStore` in a dict by (chat id, report id)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reports: dict[tuple[str, str], Report] = {}

    def add(self, report: Report) -> tuple[Report, bool]:
        """The first report of a message by a reporter stays (open)."""
        key = (report.chat_id, report.report_id)
        with self._lock:
            stored = self._reports.get(key)
            if stored is not None:
                return stored, False
            kept = dataclasses.replace(report, status=ReportStatus.OPEN)
            self._reports[key] = kept
            return kept, True

    @staticmethod
    def _open_page(
        rows: list[Report], limit: int, before: str | None, position: Callable[[Report], str]
    ) -> ReportPage:
        """Open reports newest first by open key, after the open key ``before``."""
        rows = sorted((r for r in rows if r.status is ReportStatus.OPEN), key=_open_key, reverse=True)
        if before is not None:
            rows = [row for row in rows if _open_key(row) < before]
        shown, following = one_page(rows, limit, position)
        return ReportPage(items=tuple(shown), before=following)

    def open_in_school(self, school_id: str, limit: int, before: str | None) -> ReportPage:
        """A school's open reports, newest first; the position is ``<chat id>|<open key>``."""
        with self._lock:
            rows = [r for r in self._reports.values() if r.school_id == school_id]
        after = None if before is None else before.rpartition("|")[2]
        return self._open_page(rows, limit, after, lambda r: f"{r.chat_id}|{_open_key(r)}")

    def open_in_chat(self, chat_id: str, limit: int, before: str | None) -> ReportPage:
        """A chat's open reports, newest first; the position is the open key."""
        with self._lock:
            rows = [r for r in self._reports.values() if r.chat_id == chat_id]
        return self._open_page(rows, limit, before, _open_key)

    def resolve_message(self, chat_id: str, message_id: str) -> int:
        """Close the message's open reports; how many."""
        with self._lock:
            found = [
                key
                for key, r in self._reports.items()
                if r.chat_id == chat_id and r.message_id == message_id and r.status is ReportStatus.OPEN
            ]
            for key in found:
                self._reports[key] = dataclasses.replace(self._reports[key], status=ReportStatus.RESOLVED)
        return len(found)

    def filed_by(self, reporter_id: str) -> list[Report]:
        """The person's reports, oldest first."""
        with self._lock:
            found = [r for r in self._reports.values() if r.reporter_id == reporter_id]
        return sorted(found, key=lambda r: r.created_at)

    def anonymise_reporter(self, reporter_id: str, placeholder: str) -> int:
        """The reporter's id becomes ``placeholder`` and their reason empty; how many."""
        with self._lock:
            found = [key for key, r in self._reports.items() if r.reporter_id == reporter_id]
            for key in found:
                self._reports[key] = dataclasses.replace(
                    self._reports[key], reporter_id=placeholder, reason=""
                )
        return len(found)

    def delete_about(self, chat_id: str, message_ids: set[str]) -> int:
        """Delete the reports (open or closed) of these messages of one chat; how many."""
        with self._lock:
            found = [
                key
                for key, r in self._reports.items()
                if r.chat_id == chat_id and r.message_id in message_ids
            ]
            for key in found:
                del self._reports[key]
        return len(found)
