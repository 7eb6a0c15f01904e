"""Socket tickets (SPEC §10): how a page whose cookie cannot reach the socket's domain signs it in.

On AWS the socket is served from API Gateway's own ``execute-api`` domain,
where the hosted page's session cookie is never sent. So a page first asks its
own origin for a ticket (``POST /m/live/ticket`` under its cookie, or
``POST /v1/live/ticket`` with a journal token) and opens
``wss://…?ticket=<ticket>``:

* 256 bits from the OS CSPRNG, stored only as their SHA-256 hash (nothing to
  brute-force, so no salt), never logged;
* valid :data:`TICKET_TTL` and used at most once (a conditional delete: two
  connects with one ticket, exactly one is signed in);
* bound to its person and, for the hosted page, its session: the socket it
  opens is filed under that session (logging out closes it) and lives no
  longer than the session or token it was issued under.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from chalicelib.live.connections import ConnectionStore, TicketGrant

TICKET_BYTES = 32
TICKET_TTL = timedelta(seconds=60)
_TICKET_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def ticket_hash(ticket: str) -> str:
    """What is stored for a ticket."""
    return hashlib.sha256(ticket.encode()).hexdigest()


def issue_ticket(
    store: ConnectionStore, person_id: str, session_hash: str | None, auth_until: datetime, now: datetime
) -> tuple[str, datetime]:
    """A new ticket for ``person_id`` (and its session), valid until the returned moment."""
    ticket = secrets.token_urlsafe(TICKET_BYTES)
    expires_at = min(now + TICKET_TTL, auth_until)
    store.add_ticket(ticket_hash(ticket), TicketGrant(person_id, session_hash, auth_until, expires_at))
    return ticket, expires_at


def redeem_ticket(store: ConnectionStore, ticket: object, now: datetime) -> TicketGrant | None:
    """The grant of a well-formed, unused, unexpired ticket, used up by this call; else None."""
    if not isinstance(ticket, str) or not _TICKET_SHAPE.match(ticket):
        return None
    grant = store.take_ticket(ticket_hash(ticket), now)
    if grant is None or grant.auth_until <= now:
        return None
    return grant
