"""DynamoDB side of ``chalicelib.privacy``: finding and erasing what the service holds about a person.

Everything is found by key or through an index, never by Scan: a person's own
messages through the messages table's ``by-author`` index, every membership row
they ever had (ended ones too) through ``seats-by-person``, and their hosted-page
sessions, sign-in links, link sessions and the consent requests about them through
each table's ``by-person`` / ``by-pupil`` index (all keys only), then one
``BatchGetItem`` per 100 keys or one delete per key.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pynamodb.exceptions import DeleteError, UpdateError

from chalicelib.messenger.port import Message
from chalicelib.privacy.records import HeldSeat, PastSeat
from chalicelib.store.batch import batch_get
from chalicelib.store.conditions import is_condition_failure
from chalicelib.store.directory import chat_of, membership_of
from chalicelib.store.identity import AccountItem, CounterItem, LinkSessionItem
from chalicelib.store.messages import message_of
from chalicelib.store.tables import ChatItem, MembershipItem, MessageItem
from chalicelib.store.web import QrLinkItem, WebSessionItem


def own_messages(person_id: str) -> list[Message]:
    """Every message the person wrote, oldest first."""
    keys = [
        {"chat_id": row.chat_id, "message_id": row.message_id}
        for row in MessageItem.by_author.query(person_id)
    ]
    found: list[MessageItem] = []
    for start in range(0, len(keys), 100):
        found += batch_get({MessageItem: keys[start : start + 100]})[MessageItem]
    return [message_of(item) for item in sorted(found, key=lambda item: item.sent_key)]


def memberships_of(person_id: str) -> list[HeldSeat]:
    """The person's active memberships with their chats."""
    rows = list(MembershipItem.by_person.query(person_id))
    chats: dict[str, ChatItem] = {}
    ids = sorted({row.chat_id for row in rows})
    for start in range(0, len(ids), 100):
        for chat in batch_get({ChatItem: [{"chat_id": cid} for cid in ids[start : start + 100]]})[ChatItem]:
            chats[chat.chat_id] = chat
    return [
        HeldSeat(membership_of(row), chat_of(chats[row.chat_id]), row.joined_at)
        for row in rows
        if row.chat_id in chats
    ]


def seats_of(person_id: str) -> list[PastSeat]:
    """Every membership the person ever had, active or ended, with its chat (archived ones too)."""
    keys = [
        {"chat_id": key.chat_id, "person_id": person_id}
        for key in MembershipItem.seats_by_person.query(person_id)
    ]
    rows: list[MembershipItem] = []
    chats: dict[str, ChatItem] = {}
    for start in range(0, len(keys), 100):
        chunk = keys[start : start + 100]
        found = batch_get({MembershipItem: chunk, ChatItem: [{"chat_id": key["chat_id"]} for key in chunk]})
        rows += found[MembershipItem]
        chats.update({chat.chat_id: chat for chat in found[ChatItem]})
    return [
        PastSeat(
            membership=membership_of(row),
            chat=chat_of(chats[row.chat_id]),
            active=bool(row.active),
            joined_at=row.joined_at,
            left_at=row.left_at,
        )
        for row in sorted(rows, key=lambda row: row.chat_id)
        if row.chat_id in chats
    ]


def scrub_message(chat_id: str, message_id: str, author_name: str, now: datetime) -> None:
    """Keep a message as a placeholder without text, signed ``author_name`` (on the chat list too)."""
    MessageItem(chat_id, message_id).update(
        actions=[
            MessageItem.text.set(""),
            MessageItem.author_name.set(author_name),
            MessageItem.deleted.set(True),
            MessageItem.deleted_at.set(now),
        ],
        condition=MessageItem.message_id.exists(),
    )
    try:
        ChatItem(chat_id).update(
            actions=[
                ChatItem.last_message["text"].set(""),
                ChatItem.last_message["author_name"].set(author_name),
                ChatItem.last_message["deleted"].set(True),
            ],
            condition=ChatItem.last_message["message_id"] == message_id,
        )
    except UpdateError as error:
        if not is_condition_failure(error):
            raise


def delete_account(phone: str) -> None:
    """Delete a messenger account (its profile is part of it); none there: nothing to do."""
    try:
        AccountItem(phone).delete()
    except DeleteError as error:
        if not is_condition_failure(error):
            raise


def delete_counters(keys: Iterable[str]) -> None:
    """Delete throttling records by key."""
    for key in keys:
        CounterItem(key).delete(add_version_condition=False)


def delete_person_sessions(person_id: str) -> int:
    """Delete the person's hosted-page sessions, QR sign-in links and link sessions (each found
    through its table's keys-only ``by-person`` index); how many."""
    deleted = 0
    for web in WebSessionItem.by_person.query(person_id):
        WebSessionItem(web.session_hash).delete()
        deleted += 1
    for qr in QrLinkItem.by_person.query(person_id):
        QrLinkItem(qr.token_hash).delete()
        deleted += 1
    for session in LinkSessionItem.by_person.query(person_id):
        LinkSessionItem(session.session_id).delete(add_version_condition=False)
        deleted += 1
    return deleted


class DynamoPersonRecords:
    """The DynamoDB adapter of ``privacy.records.PersonRecords`` (the functions above)."""

    def own_messages(self, person_id: str) -> list[Message]:
        """See :func:`own_messages`."""
        return own_messages(person_id)

    def memberships_of(self, person_id: str) -> list[HeldSeat]:
        """See :func:`memberships_of`."""
        return memberships_of(person_id)

    def seats_of(self, person_id: str) -> list[PastSeat]:
        """See :func:`seats_of`."""
        return seats_of(person_id)

    def scrub_message(self, chat_id: str, message_id: str, author_name: str, now: datetime) -> None:
        """See :func:`scrub_message`."""
        scrub_message(chat_id, message_id, author_name, now)

    def delete_account(self, phone: str) -> None:
        """See :func:`delete_account`."""
        delete_account(phone)

    def delete_counters(self, keys: Iterable[str]) -> None:
        """See :func:`delete_counters`."""
        delete_counters(keys)

    def delete_person_sessions(self, person_id: str) -> int:
        """See :func:`delete_person_sessions`."""
        return delete_person_sessions(person_id)
