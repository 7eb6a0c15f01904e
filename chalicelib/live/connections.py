"""Who has which page open (SPEC §10): the connections port the live delivery reads and the socket writes.

A connection belongs to one person, set when it is authenticated (the hosted
page's session cookie at connect, or a journal token in the socket's first
message) and forgotten when it closes, when API Gateway says it is gone, or by
its TTL (API Gateway closes a socket after two hours at most). Adapters: the
``live-connections`` table (``store/connections.py``) and its in-memory twin
(``memory/connections.py``), held to one contract by ``tests/contract``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol


class ConnectionStore(Protocol):
    """Person ↔ open socket connections, each kept until ``expires_at`` at the latest."""

    def connected(self, connection_id: str, person_id: str, expires_at: datetime) -> None:
        """Record that ``connection_id`` is ``person_id``'s open page, until ``expires_at`` at the latest."""
        ...

    def person_of(self, connection_id: str, now: datetime) -> str | None:
        """Whose page the connection is (None: unknown, closed or past its expiry)."""
        ...

    def connections_of(self, person_ids: Iterable[str], now: datetime) -> dict[str, set[str]]:
        """Each listed person's open connections (people with none are left out)."""
        ...

    def forget(self, connection_id: str) -> None:
        """The connection is closed or gone: nothing is sent to it any more (unknown ids are ignored)."""
        ...
