"""In-memory twin of the export and erasure port (``privacy.records.PersonRecords``), over the other
twins' rows: the chats twin (memberships, messages), the accounts, counters, sign-in and link-session
twins (what erasure deletes).

The same answers as ``store/privacy.py``'s ``DynamoPersonRecords``, held to it by
``tests/contract/test_person_records_contract.py``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import datetime

from chalicelib.memory.chats import InMemoryChats
from chalicelib.memory.identity import (
    InMemoryAccountStore,
    InMemoryCounterStore,
    InMemoryLinkSessionStore,
    InMemorySignInStore,
)
from chalicelib.messenger.port import Message
from chalicelib.privacy.records import HeldSeat, PastSeat


class InMemoryPersonRecords:
    """:class:`~chalicelib.privacy.records.PersonRecords` on the twins that hold a person's rows."""

    def __init__(
        self,
        chats: InMemoryChats,
        accounts: InMemoryAccountStore,
        counters: InMemoryCounterStore,
        signin: InMemorySignInStore,
        link_sessions: InMemoryLinkSessionStore,
    ) -> None:
        self.chats = chats
        self.accounts = accounts
        self.counters = counters
        self.signin = signin
        self.link_sessions = link_sessions

    def own_messages(self, person_id: str) -> list[Message]:
        """Every message the person wrote, oldest first."""
        twin = self.chats
        with twin._lock:
            rows = [row for row in twin._message_rows.values() if row.message.author_id == person_id]
            return [row.message for row in sorted(rows, key=lambda row: row.sent_key)]

    def memberships_of(self, person_id: str) -> list[HeldSeat]:
        """The person's active memberships with their chats."""
        twin = self.chats
        with twin._lock:
            return [
                HeldSeat(row.membership(), twin._chat_rows[chat_id].chat(), row.joined_at)
                for (chat_id, pid), row in sorted(twin._member_rows.items())
                if pid == person_id and row.active and chat_id in twin._chat_rows
            ]

    def seats_of(self, person_id: str) -> list[PastSeat]:
        """Every membership the person ever had, by chat id, with its chat."""
        twin = self.chats
        with twin._lock:
            return [
                PastSeat(
                    row.membership(), twin._chat_rows[chat_id].chat(), row.active, row.joined_at, row.left_at
                )
                for (chat_id, pid), row in sorted(twin._member_rows.items())
                if pid == person_id and chat_id in twin._chat_rows
            ]

    def scrub_message(self, chat_id: str, message_id: str, author_name: str, now: datetime) -> None:
        """The message becomes a placeholder without text, signed ``author_name`` (its preview too)."""
        twin = self.chats
        with twin._lock:
            row = twin._message_rows.get((chat_id, message_id))
            if row is None:
                raise LookupError(f"no message {chat_id}/{message_id}")
            row.message = dataclasses.replace(row.message, text="", author_name=author_name, deleted=True)
            chat = twin._chat_rows.get(chat_id)
            if (
                chat is not None
                and chat.last_message is not None
                and chat.last_message.message_id == message_id
            ):
                chat.last_message = dataclasses.replace(
                    chat.last_message, text="", author_name=author_name, deleted=True
                )

    def delete_account(self, phone: str) -> None:
        """Forget the phone's account (none: nothing to do)."""
        with self.accounts._lock:
            self.accounts._by_phone.pop(phone, None)

    def delete_counters(self, keys: Iterable[str]) -> None:
        """Forget the throttling records."""
        for key in keys:
            self.counters.delete(key)

    def delete_person_sessions(self, person_id: str) -> int:
        """Forget the person's hosted-page sessions, QR links and link sessions; how many."""
        deleted = 0
        with self.signin._lock:
            for store in (self.signin._sessions, self.signin._links):
                gone = [key for key, record in store.items() if record.person_id == person_id]
                for key in gone:
                    del store[key]
                deleted += len(gone)
        with self.link_sessions._lock:
            gone = [
                key for key, session in self.link_sessions._sessions.items() if session.person_id == person_id
            ]
            for key in gone:
                del self.link_sessions._sessions[key]
            deleted += len(gone)
        return deleted
