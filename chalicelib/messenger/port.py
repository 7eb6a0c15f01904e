"""The messenger port: how chats are provisioned and used, whichever messenger hosts them (SPEC §2).

The roster sync and the chats API create chats, archive them, change their
members and exchange messages only through a :class:`Messenger`. The
built-in messenger (``store.messenger``) keeps chats, members and messages
in this service's DynamoDB tables; an adapter for an external messenger (MAX,
VK) would implement the same methods by calling that messenger's API (and
keep this service's chat directory — chats and memberships — up to date, since
the API answers "who sees what" from it).

Every write is idempotent or says what it did, because the roster pipeline
and HTTP clients both retry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib.clock import isoformat_utc
from chalicelib.planning.diff import ChangeSet
from chalicelib.planning.model import ChatKind, ChatRole, ExistingChat, MemberSource, SchoolState
from chalicelib.roster.model import Role


@dataclass(frozen=True, slots=True)
class NewChat:
    """A chat a person makes by hand (a custom chat)."""

    chat_id: str
    school_id: str
    kind: ChatKind
    title: str
    created_by: str
    class_id: str | None = None
    # Set when the id was derived from a client's request id: what that request asked for.
    request_digest: str | None = None


class ChatIdTaken(Exception):
    """A chat with the new chat's id exists and was not made by the same request."""


@dataclass(frozen=True, slots=True)
class NewMember:
    """A person to put in a chat by hand."""

    person_id: str
    name: str
    person_role: Role
    chat_role: ChatRole = ChatRole.MEMBER
    source: MemberSource = MemberSource.MANUAL


@dataclass(frozen=True, slots=True)
class ChatEdit:
    """A moderator's change to a chat; ``None`` leaves a setting as it is.

    A new title is kept by roster syncs from then on (the title is locked).
    """

    title: str | None = None
    read_only: bool | None = None


@dataclass(frozen=True, slots=True)
class Message:
    """A message as the API shows it. A deleted message is a placeholder: no text, ``deleted``."""

    message_id: str
    chat_id: str
    author_id: str
    author_name: str
    text: str
    sent_at: datetime
    client_msg_id: str | None = None
    deleted: bool = False
    reply_to: str | None = None  # the id of the message of the same chat this one answers


@dataclass(frozen=True, slots=True)
class Sent:
    """The outcome of a send: the message, and whether this call created it (False on a retry)."""

    message: Message
    created: bool


@dataclass(frozen=True, slots=True)
class MessagePage:
    """A page of a chat's messages, newest first; ``before`` continues after the last one."""

    items: tuple[Message, ...]
    before: str | None


def read_position(message: Message) -> str:
    """Where a message stands in its chat (``<sent_at ISO>#<message id>``), as read positions compare."""
    return f"{isoformat_utc(message.sent_at)}#{message.message_id}"


class Messenger(Protocol):
    """Provisions chats and memberships in a messenger, and carries their messages."""

    # --- the roster sync -------------------------------------------------------------

    def load_school_state(self, school_id: str) -> SchoolState:
        """The roster-managed chats of a school and their members, as the messenger has them."""
        ...

    def load_chat_state(self, school_id: str, chat_id: str) -> SchoolState:
        """One chat (if it exists, in any state) and all its membership rows, as a school state.

        A teacher's new subject chat is planned and applied against this, with the
        same diff the roster sync uses.
        """
        ...

    def apply_roster_changes(self, state: SchoolState, changes: ChangeSet, now: datetime) -> int:
        """Make a school's chats match its plan; returns the number of requests it took.

        Must be idempotent: the roster pipeline retries after crashes.
        """
        ...

    # --- chats made and moderated by hand --------------------------------------------

    def create_chat(self, chat: NewChat, members: Sequence[NewMember], now: datetime) -> bool:
        """Create a custom chat with its first members; True when this call made it.

        Idempotent by id: when the chat exists already — a retried request —
        finish what the first attempt may have left undone and return False, if
        it was made by the same creator and request (``request_digest``);
        otherwise raise :class:`ChatIdTaken` and change nothing.
        """
        ...

    def edit_chat(self, chat_id: str, edit: ChatEdit) -> None:
        """Rename a chat or switch its announcements (read-only) mode."""
        ...

    def archive_chat(self, chat_id: str) -> None:
        """Archive a chat by hand: read-only for everyone, messages and members kept.

        Idempotent. A subject chat archived this way no longer follows the roster.
        """
        ...

    def unarchive_chat(self, chat_id: str) -> None:
        """Undo :meth:`archive_chat` (a subject chat then follows the roster again)."""
        ...

    def add_members(self, chat: ExistingChat, members: Sequence[NewMember], now: datetime) -> list[str]:
        """Put people in a chat (or back in); returns the ids that were not active members before.

        Already-active members are left as they are, so a retry adds nobody twice.
        """
        ...

    def remove_member(self, chat: ExistingChat, person_id: str, *, exclude: bool, now: datetime) -> bool:
        """End a membership; False when the person was not an active member.

        ``exclude`` keeps a roster sync from adding the person back.
        """
        ...

    # --- messages --------------------------------------------------------------------

    def post_message(
        self,
        chat: ExistingChat,
        author_id: str,
        author_name: str,
        text: str,
        client_msg_id: str | None,
        now: datetime,
        reply_to: str | None = None,
    ) -> Sent:
        """Send a message (``reply_to``: the message it answers, checked by the caller to be one of the
        chat's). The same author and ``client_msg_id`` give back the first message."""
        ...

    def get_message(self, chat_id: str, message_id: str) -> Message | None:
        """One message of a chat, or None."""
        ...

    def delete_message(self, chat_id: str, message_id: str, deleted_by: str, now: datetime) -> Message:
        """Replace a message by a "deleted" placeholder (idempotent); it must exist."""
        ...

    def list_messages(self, chat_id: str, limit: int, before: str | None) -> MessagePage:
        """A chat's messages, newest first, starting after the position ``before``."""
        ...

    # --- read state ------------------------------------------------------------------

    def mark_read(self, chat_id: str, person_id: str, up_to: str) -> None:
        """Move an active member's read position forward to ``up_to`` (``read_position``); never back."""
        ...

    def count_unread(self, chat_id: str, person_id: str, after: str) -> int:
        """How many messages after the position ``after`` the person has not read.

        Their own messages and deleted ones never count.
        """
        ...
