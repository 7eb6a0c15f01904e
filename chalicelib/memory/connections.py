"""The in-memory twin of the live connections table (``store.connections``), for unit tests."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import datetime


class MemoryConnectionStore:
    """:class:`~chalicelib.live.connections.ConnectionStore` in dicts, one lock around every change."""

    def __init__(self) -> None:
        self._person: dict[str, tuple[str, datetime]] = {}
        self._open: dict[str, set[str]] = {}
        self._person_expiry: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def connected(self, connection_id: str, person_id: str, expires_at: datetime) -> None:
        """Record the connection as the person's."""
        with self._lock:
            self._person[connection_id] = (person_id, expires_at)
            self._open.setdefault(person_id, set()).add(connection_id)
            self._person_expiry[person_id] = expires_at

    def person_of(self, connection_id: str, now: datetime) -> str | None:
        """Whose the connection is, unless unknown or expired."""
        with self._lock:
            found = self._person.get(connection_id)
        if found is None or found[1] <= now:
            return None
        return found[0]

    def connections_of(self, person_ids: Iterable[str], now: datetime) -> dict[str, set[str]]:
        """Each listed person's open connections (unexpired)."""
        with self._lock:
            return {
                person_id: set(self._open[person_id])
                for person_id in dict.fromkeys(person_ids)
                if self._open.get(person_id) and self._person_expiry[person_id] > now
            }

    def forget(self, connection_id: str) -> None:
        """Drop the connection."""
        with self._lock:
            found = self._person.pop(connection_id, None)
            if found is not None:
                self._open.get(found[0], set()).discard(connection_id)
