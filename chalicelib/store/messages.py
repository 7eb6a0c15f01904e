"""The built-in messenger's messages in DynamoDB: sending, deleting, reading a chat's history.

A send is one conditional put — the message id is derived from the author and
``client_msg_id`` when there is one, so a retried send finds the first message
instead of writing a second — and one conditional update of the chat's
``last_message``: two requests whatever the chat's size. Moving the chat up in
every member's list happens behind the answer (``store.fanout``, through the
fan-out queue the chats use case leaves the message on).
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from chalicelib.clock import isoformat_utc
from chalicelib.ids import derived_id, random_id
from chalicelib.messenger.port import Message, MessagePage, Sent
from chalicelib.planning.model import ExistingChat
from chalicelib.store.conditions import is_condition_failure
from chalicelib.store.paging import one_page
from chalicelib.store.tables import (
    ChatItem,
    LastMessage,
    MembershipItem,
    MessageItem,
    message_sort_key,
)


def _sent_at_iso(item: MessageItem) -> str:
    return item.sent_key.rpartition("#")[0]


def message_of(item: MessageItem) -> Message:
    """A stored message as the port's :class:`Message`."""
    return Message(
        message_id=item.message_id,
        chat_id=item.chat_id,
        author_id=item.author_id,
        author_name=item.author_name,
        text="" if item.deleted else item.text,
        sent_at=item.sent_at,
        client_msg_id=item.client_msg_id,
        deleted=bool(item.deleted),
        reply_to=item.reply_to,
    )


def _ignore_failed_condition(error: UpdateError) -> None:
    if not is_condition_failure(error):
        raise error


class MessageStore:
    """Messages of the built-in messenger."""

    def post(
        self,
        chat: ExistingChat,
        author_id: str,
        author_name: str,
        text: str,
        client_msg_id: str | None,
        now: datetime,
        reply_to: str | None = None,
    ) -> Sent:
        """Store a message (or find the one this ``client_msg_id`` already made) as the chat's last."""
        if client_msg_id is None:
            message_id = random_id("msg")
        else:
            message_id = derived_id("msg", chat.chat_id, author_id, client_msg_id)
        item = MessageItem(
            chat_id=chat.chat_id,
            message_id=message_id,
            sent_key=message_sort_key(isoformat_utc(now), message_id),
            author_id=author_id,
            author_name=author_name,
            text=text,
            sent_at=now,
            client_msg_id=client_msg_id,
            deleted=False,
            reply_to=reply_to,
        )
        created = True
        try:
            item.save(condition=MessageItem.message_id.does_not_exist())
        except PutError as error:
            if not is_condition_failure(error):
                raise
            item = MessageItem.get(chat.chat_id, message_id, consistent_read=True)
            created = False
        sent_at = _sent_at_iso(item)
        # A retry updates the chat only if the first attempt may have stopped before doing it.
        if created or chat.last_activity < sent_at:
            self._record_last_message(item)
        return Sent(message=message_of(item), created=created)

    def _record_last_message(self, item: MessageItem) -> None:
        sent_at = _sent_at_iso(item)
        last = LastMessage(
            message_id=item.message_id,
            author_id=item.author_id,
            author_name=item.author_name,
            text=item.text,
            sent_at=item.sent_at,
            client_msg_id=item.client_msg_id,
            deleted=bool(item.deleted),
        )
        try:
            ChatItem(item.chat_id).update(
                actions=[ChatItem.last_message.set(last), ChatItem.last_activity.set(sent_at)],
                condition=ChatItem.last_activity <= sent_at,
            )
        except UpdateError as error:
            _ignore_failed_condition(error)

    def get(self, chat_id: str, message_id: str) -> Message | None:
        """One message, or None."""
        try:
            return message_of(MessageItem.get(chat_id, message_id))
        except DoesNotExist:
            return None

    def delete(self, chat_id: str, message_id: str, deleted_by: str, now: datetime) -> Message:
        """Blank a message's text and mark it deleted (again: no change); also on the chat list."""
        item = MessageItem(chat_id, message_id)
        try:
            item.update(
                actions=[
                    MessageItem.deleted.set(True),
                    MessageItem.text.set(""),
                    MessageItem.deleted_at.set(now),
                    MessageItem.deleted_by.set(deleted_by),
                ],
                condition=MessageItem.message_id.exists() & (MessageItem.deleted == False),  # noqa: E712
            )
        except UpdateError as error:
            _ignore_failed_condition(error)
            item = MessageItem.get(chat_id, message_id, consistent_read=True)
        try:
            ChatItem(chat_id).update(
                actions=[ChatItem.last_message["text"].set(""), ChatItem.last_message["deleted"].set(True)],
                condition=ChatItem.last_message["message_id"] == message_id,
            )
        except UpdateError as error:
            _ignore_failed_condition(error)
        return message_of(item)

    def page(self, chat_id: str, limit: int, before: str | None) -> MessagePage:
        """A page of a chat's messages, newest first: one Query on ``by-time`` (``limit + 1`` items)."""
        start = None
        if before is not None:
            start = {
                "chat_id": {"S": chat_id},
                "sent_key": {"S": before},
                "message_id": {"S": before.rpartition("#")[2]},
            }
        rows, position = one_page(
            MessageItem.by_time.query(
                chat_id, scan_index_forward=False, limit=limit + 1, last_evaluated_key=start
            ),
            limit,
            lambda row: row.sent_key,
        )
        return MessagePage(items=tuple(message_of(row) for row in rows), before=position)

    def mark_read(self, chat_id: str, person_id: str, up_to: str) -> None:
        """Move an active member's read position forward (one conditional update; never back)."""
        try:
            MembershipItem(chat_id, person_id).update(
                actions=[MembershipItem.read_up_to.set(up_to)],
                condition=(MembershipItem.active == True)  # noqa: E712 - a DynamoDB condition
                & (MembershipItem.read_up_to.does_not_exist() | (MembershipItem.read_up_to < up_to)),
            )
        except UpdateError as error:
            _ignore_failed_condition(error)

    def count_unread(self, chat_id: str, person_id: str, after: str) -> int:
        """Messages after ``after`` by others, not deleted: one counting Query on ``by-time``."""
        return MessageItem.by_time.count(
            chat_id,
            (MessageItem.sent_key > after) if after else None,
            filter_condition=(MessageItem.author_id != person_id) & (MessageItem.deleted == False),  # noqa: E712 - a DynamoDB condition
        )
