"""What the service holds about a person, as the export sees it (domain objects, no storage types)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.chats.directory import Chat, Membership


@dataclass(frozen=True, slots=True)
class HeldSeat:
    """One of the person's active memberships, with its chat and when it started."""

    membership: Membership
    chat: Chat
    joined_at: datetime | None


@dataclass(frozen=True, slots=True)
class PastSeat:
    """One membership the person has or had (``active`` false once they left), with its chat."""

    membership: Membership
    chat: Chat
    active: bool
    joined_at: datetime | None
    left_at: datetime | None
