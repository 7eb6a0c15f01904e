"""Read state, as the chats rules see it (pure): what is unread, who has read an announcement.

A member's read position is the ``messenger.port.read_position`` of the last
message they read (``""``: none yet). A message is unread for a member when it
stands after their position, is not their own and is not deleted — so a member
never has their own messages unread. Positions only move forward.

Read reports are for announcements (read-only) chats, and only their
moderators see them (``access.require_can_see_reads``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from chalicelib.chats.directory import Chat, Membership
from chalicelib.messenger.port import Message, read_position


def may_have_unread(membership: Membership, chat: Chat) -> bool:
    """Whether counting is needed: the chat's last message stands after the member's position.

    When it does not, nothing is unread and no messages need reading.
    """
    last = chat.last_message
    return last is not None and read_position(last) > membership.read_up_to


def has_read(membership: Membership, message: Message) -> bool:
    """Whether the member's read position has reached the message."""
    return membership.read_up_to >= read_position(message)


def first_unread(membership: Membership, newest_first: Sequence[Message]) -> str | None:
    """The id of the oldest message of a page that is unread for the member, or None."""
    unread = [m for m in newest_first if not m.deleted and m.author_id != membership.person_id]
    unread = [m for m in unread if not has_read(membership, m)]
    return unread[-1].message_id if unread else None


@dataclass(frozen=True, slots=True)
class ReadReport:
    """Who of a chat's members (its author aside) has read a message, and who has not."""

    read_count: int
    member_count: int
    not_read: list[Membership]


def read_report(message: Message, members: Iterable[Membership]) -> ReadReport:
    """The report on one message among the chat's active members; its author is not counted."""
    counted = [m for m in members if m.active and m.person_id != message.author_id]
    not_read = sorted((m for m in counted if not has_read(m, message)), key=lambda m: (m.name, m.person_id))
    return ReadReport(read_count=len(counted) - len(not_read), member_count=len(counted), not_read=not_read)
