"""Who has which page open (SPEC §10): the connections port the live delivery reads and the socket writes.

A connection belongs to one person, set when it is authenticated (a socket
ticket or the hosted page's session cookie at connect, or a journal token in
the socket's first message) and forgotten when it closes, when API Gateway
says it is gone, or by its TTL (API Gateway closes a socket after two hours at
most). Each connection keeps its own expiry: never later than the session or
token it was opened with, so a push never reaches a socket whose sign-in has
lapsed. A connection opened with a hosted page session is filed under that
session too, so logging out closes it. Socket tickets (``live/tickets.py``)
live beside them, stored by hash only. Adapters: the ``live-connections``
table (``store/connections.py``) and its in-memory twin
(``memory/connections.py``), held to one contract by ``tests/contract``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class TicketGrant:
    """What a socket ticket stands for: whose it is, its session (None: a journal token's), until when."""

    person_id: str
    session_hash: str | None
    auth_until: datetime  # the connection opened with it lives no longer than its sign-in
    expires_at: datetime  # the ticket itself


class ConnectionStore(Protocol):
    """Person ↔ open socket connections, each kept until its own ``expires_at`` at the latest."""

    def connected(
        self, connection_id: str, person_id: str, expires_at: datetime, session_hash: str | None = None
    ) -> None:
        """Record ``connection_id`` as ``person_id``'s page until ``expires_at`` (and under its session)."""
        ...

    def person_of(self, connection_id: str, now: datetime) -> str | None:
        """Whose page the connection is (None: unknown, closed or past its expiry)."""
        ...

    def sockets_of(self, person_ids: Iterable[str]) -> dict[str, dict[str, datetime]]:
        """Each listed person's recorded connections with their expiries, lapsed ones included."""
        ...

    def connections_of(self, person_ids: Iterable[str], now: datetime) -> dict[str, set[str]]:
        """Each listed person's open, unexpired connections (people with none are left out)."""
        ...

    def of_session(self, session_hash: str) -> set[str]:
        """The connections opened with a hosted page session (to close them when it ends)."""
        ...

    def forget(self, connection_id: str) -> None:
        """The connection is closed or gone: nothing is sent to it any more (unknown ids are ignored)."""
        ...

    def add_ticket(self, ticket_hash: str, grant: TicketGrant) -> None:
        """Keep a socket ticket (by its hash only) until it is taken or expires."""
        ...

    def take_ticket(self, ticket_hash: str, now: datetime) -> TicketGrant | None:
        """Use a ticket once: its grant if this call took it before it expired, else None."""
        ...


def unexpired(sockets: dict[str, dict[str, datetime]], now: datetime) -> dict[str, set[str]]:
    """Of each person's connections, those whose expiry is still ahead (people left with none dropped)."""
    found: dict[str, set[str]] = {}
    for person_id, expiries in sockets.items():
        live = {connection_id for connection_id, until in expiries.items() if until > now}
        if live:
            found[person_id] = live
    return found
