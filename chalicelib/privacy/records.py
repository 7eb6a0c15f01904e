"""What the service holds about a person, as the export sees it (domain objects, no storage types),
and the port export and erasure read and erase it through (``PersonRecords``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib.chats.directory import Chat, Membership
from chalicelib.messenger.port import Message


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


class PersonRecords(Protocol):
    """A person's rows across the tables, by key or index (adapter: ``store.privacy.DynamoPersonRecords``)."""

    def own_messages(self, person_id: str) -> list[Message]:
        """Every message the person wrote, oldest first."""
        ...

    def memberships_of(self, person_id: str) -> list[HeldSeat]:
        """The person's active memberships with their chats."""
        ...

    def seats_of(self, person_id: str) -> list[PastSeat]:
        """Every membership the person has or had, with its chat."""
        ...

    def scrub_message(self, chat_id: str, message_id: str, author_name: str, now: datetime) -> None:
        """Keep a message as a placeholder without text, signed ``author_name``."""
        ...

    def delete_account(self, phone: str) -> None:
        """Delete a messenger account and its profile (none: nothing to do)."""
        ...

    def delete_counters(self, keys: Iterable[str]) -> None:
        """Delete throttling records by key."""
        ...

    def delete_person_sessions(self, person_id: str) -> int:
        """Delete the person's hosted-page sessions, QR sign-in links and link sessions; how many."""
        ...
