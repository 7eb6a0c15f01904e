"""The in-memory twin of the live connections table (``store.connections``), for unit tests."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import datetime

from chalicelib.live.connections import TicketGrant, unexpired


class MemoryConnectionStore:
    """:class:`~chalicelib.live.connections.ConnectionStore` in dicts, one lock around every change."""

    def __init__(self) -> None:
        self._person: dict[str, tuple[str, datetime, str | None]] = {}
        self._open: dict[str, dict[str, datetime]] = {}
        self._sessions: dict[str, set[str]] = {}
        self._tickets: dict[str, TicketGrant] = {}
        self._lock = threading.Lock()

    def connected(
        self, connection_id: str, person_id: str, expires_at: datetime, session_hash: str | None = None
    ) -> None:
        """Record the connection as the person's (and its session's), with its own expiry."""
        with self._lock:
            self._person[connection_id] = (person_id, expires_at, session_hash)
            self._open.setdefault(person_id, {})[connection_id] = expires_at
            if session_hash is not None:
                self._sessions.setdefault(session_hash, set()).add(connection_id)

    def person_of(self, connection_id: str, now: datetime) -> str | None:
        """Whose the connection is, unless unknown or expired."""
        with self._lock:
            found = self._person.get(connection_id)
        if found is None or found[1] <= now:
            return None
        return found[0]

    def sockets_of(self, person_ids: Iterable[str]) -> dict[str, dict[str, datetime]]:
        """Each listed person's connections with their expiries."""
        with self._lock:
            return {
                person_id: dict(self._open[person_id])
                for person_id in dict.fromkeys(person_ids)
                if self._open.get(person_id)
            }

    def connections_of(self, person_ids: Iterable[str], now: datetime) -> dict[str, set[str]]:
        """Each listed person's open connections (unexpired)."""
        return unexpired(self.sockets_of(person_ids), now)

    def of_session(self, session_hash: str) -> set[str]:
        """The connections opened with the session."""
        with self._lock:
            return set(self._sessions.get(session_hash, set()))

    def forget(self, connection_id: str) -> None:
        """Drop the connection."""
        with self._lock:
            found = self._person.pop(connection_id, None)
            if found is not None:
                self._open.get(found[0], {}).pop(connection_id, None)
                if found[2] is not None:
                    self._sessions.get(found[2], set()).discard(connection_id)

    def add_ticket(self, ticket_hash: str, grant: TicketGrant) -> None:
        """Keep the ticket's grant under its hash."""
        with self._lock:
            self._tickets[ticket_hash] = grant

    def take_ticket(self, ticket_hash: str, now: datetime) -> TicketGrant | None:
        """Remove and return the grant (once), unless unknown or expired."""
        with self._lock:
            grant = self._tickets.pop(ticket_hash, None)
        if grant is None or grant.expires_at <= now:
            return None
        return grant
