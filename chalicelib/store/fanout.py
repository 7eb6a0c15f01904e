"""The fan-out's adapters: the SQS queue a send leaves its message on, and the lists it moves in DynamoDB.

:class:`SqsFanOutQueue` sends one message per send to the fan-out queue
(standard SQS, redriving to the dead-letter queue; why not FIFO:
``fanout.port``). :class:`DynamoChatLists` moves a chat up in its active
members' lists: each membership's ``activity_key`` (the ``by-person`` index's
sort key) goes forward to the chat's last activity by a conditional update
that never moves it back nor revives an ended membership. The chat remembers
how far its members' lists were brought (``listed_up_to``, set only once every
member's update succeeded), so a duplicate or an older delivery, and every
message of a burst after the first, write nothing but are still pushed live.
"""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.aws import client, queue_url
from chalicelib.config import settings
from chalicelib.fanout.payload import to_body
from chalicelib.fanout.port import MessageSent
from chalicelib.store.conditions import is_condition_failure
from chalicelib.store.pool import LazyPool
from chalicelib.store.tables import ChatItem, MembershipItem, activity_key

# Parallel conditional updates per fan-out: a 40-member class chat fans out in ~5 round trips.
FANOUT_WORKERS = 8

_FAN_OUT_POOL = LazyPool(FANOUT_WORKERS, "fan-out")


def _ignore_failed_condition(error: UpdateError) -> None:
    if not is_condition_failure(error):
        raise error


def _move_up(chat_id: str, person_id: str, key: str) -> None:
    try:
        MembershipItem(chat_id, person_id).update(
            actions=[MembershipItem.activity_key.set(key)],
            condition=(MembershipItem.active == True)  # noqa: E712 - a DynamoDB condition
            & (MembershipItem.activity_key < key),
        )
    except UpdateError as error:
        _ignore_failed_condition(error)


class SqsFanOutQueue:
    """The fan-out queue on SQS (``FANOUT_QUEUE_NAME``): one ``SendMessage`` per send."""

    def enqueue(self, sent: MessageSent) -> None:
        """Queue the message's fan-out (SQS keeps it until the consumer has done it, or dead-letters it)."""
        url = queue_url(settings().fanout_queue_name)
        client("sqs").send_message(QueueUrl=url, MessageBody=to_body(sent))


class DynamoChatLists:
    """The members' chat lists: the ``by-person`` index of the memberships table."""

    def bring_up_to_date(self, chat_id: str, last_activity: str) -> list[str]:
        """Move the chat up in every active member's list; the active members' ids.

        One consistent read of the chat, one paginated Query of its active
        members, and — only when the lists are behind ``last_activity`` — one
        conditional update per member (a bounded pool) and one of the chat. The
        lists go to the chat's own last activity when that is later, so a burst
        of sends into one chat is fanned out once.
        """
        try:
            chat = ChatItem.get(
                chat_id, consistent_read=True, attributes_to_get=["chat_id", "last_activity", "listed_up_to"]
            )
        except DoesNotExist:
            return []
        members = [
            row.person_id
            for row in MembershipItem.query(
                chat_id,
                filter_condition=MembershipItem.active == True,  # noqa: E712 - a DynamoDB condition
                attributes_to_get=["person_id"],
            )
        ]
        if (chat.listed_up_to or "") >= last_activity:
            return members  # this message, or a later one, was fanned out already
        target = max(chat.last_activity or "", last_activity)
        key = activity_key(target, chat_id)
        # list() waits for every update and re-raises the first failure (the delivery is retried).
        list(_FAN_OUT_POOL.get().map(lambda person_id: _move_up(chat_id, person_id, key), members))
        try:
            ChatItem(chat_id).update(
                actions=[ChatItem.listed_up_to.set(target)],
                condition=ChatItem.chat_id.exists()
                & (ChatItem.listed_up_to.does_not_exist() | (ChatItem.listed_up_to < target)),
            )
        except UpdateError as error:
            _ignore_failed_condition(error)
        return members
