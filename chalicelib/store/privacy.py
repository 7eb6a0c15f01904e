"""DynamoDB side of ``chalicelib.privacy``: finding and erasing what the service holds about a person.

A person's own messages come from the messages table's ``by-author`` index
(keys only, then one ``BatchGetItem`` per 100). Web sessions, sign-in links and
link sessions have no index by person: erasure is rare, so it scans those three
small, TTL-bounded tables (and the consent requests) with a filter.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pynamodb.exceptions import DeleteError, UpdateError

from chalicelib.messenger.port import Message
from chalicelib.privacy.records import HeldSeat
from chalicelib.store.batch import batch_get
from chalicelib.store.conditions import is_condition_failure
from chalicelib.store.directory import chat_of, membership_of
from chalicelib.store.identity import AccountItem, CounterItem, LinkSessionItem
from chalicelib.store.messages import message_of
from chalicelib.store.safety import ConsentItem
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
    """Delete the person's hosted-page sessions, QR sign-in links, link sessions and the consent
    requests about them (a pupil's name is in those); how many."""
    deleted = 0
    for item in WebSessionItem.scan(WebSessionItem.person_id == person_id):
        item.delete()
        deleted += 1
    for qr in QrLinkItem.scan(QrLinkItem.person_id == person_id):
        qr.delete()
        deleted += 1
    for session in LinkSessionItem.scan(LinkSessionItem.person_id == person_id):
        session.delete(add_version_condition=False)
        deleted += 1
    for consent in ConsentItem.scan(ConsentItem.pupil_id == person_id):
        consent.delete()
        deleted += 1
    return deleted
