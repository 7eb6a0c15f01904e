"""In-memory twins of the school seats (``safety.school.SchoolSeats``) and of what the retention sweep
reads and rewrites (``safety.retention.RetentionStore``), over the chats twin's rows.

The same answers as ``store/safety.py``'s ``DynamoSchoolSeats`` and
``DynamoRetention``, held to them by ``tests/contract/test_seats_contract.py``.
Both work on :class:`~chalicelib.memory.chats.InMemoryChats`' rows under its
lock, as the DynamoDB adapters work on the chats tables; the departures and
the hand-archive stamps are the seats twin's own (DynamoDB: the departures
table, the chat item's ``archived_at``). A chat the roster sync archives is
stamped by the DynamoDB adapter of the sync; the chats twin does not stamp it,
so only chats archived by hand reach :meth:`InMemoryRetention.archived_chats_before`.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from chalicelib.chats.directory import Chat
from chalicelib.memory.chats import InMemoryChats
from chalicelib.planning.model import ChatRole
from chalicelib.safety.departures import SeatRow


class InMemorySchoolSeats:
    """:class:`~chalicelib.safety.school.SchoolSeats` on the chats twin's rows."""

    def __init__(self, chats: InMemoryChats) -> None:
        self.chats = chats
        # (person id, school id) -> when they left; chat id -> when it was archived by hand.
        self.departures: dict[tuple[str, str], datetime] = {}
        self.archived_at: dict[str, datetime] = {}

    def load_school_seats(self, school_id: str) -> tuple[dict[str, Chat], list[SeatRow]]:
        """Every chat of the school and every membership row of those chats (ended ones too)."""
        twin = self.chats
        with twin._lock:
            chats = {cid: row.chat() for cid, row in twin._chat_rows.items() if row.school_id == school_id}
            rows = [
                SeatRow(
                    chat_id=row.chat_id, person_id=row.person_id, chat_role=row.chat_role, active=row.active
                )
                for _, row in sorted(twin._member_rows.items())
                if row.school_id == school_id and row.chat_id in chats
            ]
        return chats, rows

    def make_moderator(self, chat_id: str, person_id: str) -> bool:
        """Make an active member a moderator; False when they are not an active member."""
        twin = self.chats
        with twin._lock:
            row = twin._member_rows.get((chat_id, person_id))
            if row is None or not row.active:
                return False
            row.chat_role = ChatRole.MODERATOR
            return True

    def record_departure(self, person_id: str, school_id: str, now: datetime) -> None:
        """Remember when a person left a school's roster (the first time counts)."""
        with self.chats._lock:
            self.departures.setdefault((person_id, school_id), now)

    def stamp_archived(self, chat_id: str, now: datetime) -> None:
        """Remember when an existing chat was archived by hand."""
        with self.chats._lock:
            self.chats._chat(chat_id)  # a missing chat raises, as the conditional update does
            self.archived_at[chat_id] = now


class InMemoryRetention:
    """:class:`~chalicelib.safety.retention.RetentionStore` on the chats twin and the seats twin."""

    def __init__(self, chats: InMemoryChats, seats: InMemorySchoolSeats) -> None:
        self.chats = chats
        self.seats = seats

    def departures_before(self, cutoff: datetime) -> dict[str, set[str]]:
        """People with a departure older than ``cutoff``, with the schools they left."""
        found: dict[str, set[str]] = {}
        with self.chats._lock:
            for (person_id, school_id), left_at in self.seats.departures.items():
                if left_at < cutoff:
                    found.setdefault(person_id, set()).add(school_id)
        return found

    def is_on_a_roster(self, person_id: str) -> bool:
        """Whether the person holds an active membership anywhere."""
        with self.chats._lock:
            return any(row.active for (_, pid), row in self.chats._member_rows.items() if pid == person_id)

    def forget_departures(self, person_id: str) -> None:
        """Delete the person's departure records."""
        with self.chats._lock:
            for key in [key for key in self.seats.departures if key[0] == person_id]:
                del self.seats.departures[key]

    def pseudonymise(self, person_id: str, school_ids: set[str], name: str) -> int:
        """The person's name becomes ``name`` in their memberships of those schools and on every
        message they wrote (the chat's preview too); how many rows changed."""
        twin = self.chats
        changed = 0
        with twin._lock:
            for (_, pid), row in twin._member_rows.items():
                if pid == person_id and row.school_id in school_ids:
                    row.name = name
                    changed += 1
            for (chat_id, message_id), kept in twin._message_rows.items():
                if kept.message.author_id != person_id:
                    continue
                kept.message = dataclasses.replace(kept.message, author_name=name)
                chat = twin._chat_rows.get(chat_id)
                if (
                    chat is not None
                    and chat.last_message is not None
                    and chat.last_message.message_id == message_id
                ):
                    chat.last_message = dataclasses.replace(chat.last_message, author_name=name)
                changed += 1
        return changed

    def archived_chats_before(self, cutoff: datetime) -> list[Chat]:
        """Chats archived (by hand, see the module docstring) before ``cutoff``, still archived and not
        purged since."""
        twin = self.chats
        with twin._lock:
            return [
                twin._chat_rows[chat_id].chat()
                for chat_id, at in sorted(self.seats.archived_at.items())
                if at < cutoff and chat_id in twin._chat_rows and twin._chat_rows[chat_id].archived
            ]

    def purge_messages(self, chat_id: str, now: datetime) -> int:
        """Delete every message of the chat and its preview; how many went."""
        twin = self.chats
        with twin._lock:
            twin._chat(chat_id)
            keys = [key for key in twin._message_rows if key[0] == chat_id]
            for key in keys:
                del twin._message_rows[key]
            twin._chat_rows[chat_id].last_message = None
            # Off the archive listing until archived by hand again (DynamoDB drops ``archive_listing``).
            self.seats.archived_at.pop(chat_id, None)
        return len(keys)
