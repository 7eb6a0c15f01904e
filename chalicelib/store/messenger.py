"""The built-in messenger: chats, members and messages live in this service's DynamoDB tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from chalicelib.messenger.port import ChatEdit, Message, MessagePage, NewChat, NewMember, Sent
from chalicelib.planning.diff import ChangeSet
from chalicelib.planning.model import ExistingChat, SchoolState
from chalicelib.store.chats import ChatStore
from chalicelib.store.messages import MessageStore
from chalicelib.store.moderation import ModerationStore


class BuiltinMessenger:
    """The first implementation of :class:`chalicelib.messenger.port.Messenger`."""

    def __init__(
        self,
        store: ChatStore | None = None,
        moderation: ModerationStore | None = None,
        messages: MessageStore | None = None,
    ) -> None:
        self.store = store or ChatStore()
        self.moderation = moderation or ModerationStore()
        self.messages = messages or MessageStore()

    def load_school_state(self, school_id: str) -> SchoolState:
        """The school's roster chats and membership rows, from DynamoDB."""
        return self.store.load_school_state(school_id)

    def load_chat_state(self, school_id: str, chat_id: str) -> SchoolState:
        """One chat and its membership rows, from DynamoDB."""
        return self.store.load_chat_state(school_id, chat_id)

    def apply_roster_changes(self, state: SchoolState, changes: ChangeSet, now: datetime) -> int:
        """Write the change set to DynamoDB (batched, idempotent)."""
        return self.store.write_changes(state, changes, now).requests

    def create_chat(self, chat: NewChat, members: Sequence[NewMember], now: datetime) -> bool:
        """Store a custom chat and its members (or complete the one a retried request made)."""
        return self.moderation.create_chat(chat, members, now)

    def edit_chat(self, chat_id: str, edit: ChatEdit) -> None:
        """Rename, or switch announcements mode."""
        self.moderation.edit_chat(chat_id, edit)

    def archive_chat(self, chat_id: str) -> None:
        """Archive by hand (members and messages stay; nobody can post)."""
        self.moderation.set_archived(chat_id, True)

    def unarchive_chat(self, chat_id: str) -> None:
        """Undo an archive by hand."""
        self.moderation.set_archived(chat_id, False)

    def add_members(self, chat: ExistingChat, members: Sequence[NewMember], now: datetime) -> list[str]:
        """Start memberships by hand (exact member count, retry-safe)."""
        return self.moderation.add_members(chat, members, now)

    def remove_member(self, chat: ExistingChat, person_id: str, *, exclude: bool, now: datetime) -> bool:
        """End a membership by hand."""
        return self.moderation.remove_member(chat, person_id, exclude=exclude, now=now)

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
        """Store a message; members' lists move behind it, through the fan-out queue."""
        return self.messages.post(chat, author_id, author_name, text, client_msg_id, now, reply_to)

    def get_message(self, chat_id: str, message_id: str) -> Message | None:
        """One message, or None."""
        return self.messages.get(chat_id, message_id)

    def delete_message(self, chat_id: str, message_id: str, deleted_by: str, now: datetime) -> Message:
        """Leave a "deleted" placeholder."""
        return self.messages.delete(chat_id, message_id, deleted_by, now)

    def list_messages(self, chat_id: str, limit: int, before: str | None) -> MessagePage:
        """Newest first, one Query a page."""
        return self.messages.page(chat_id, limit, before)

    def mark_read(self, chat_id: str, person_id: str, up_to: str) -> None:
        """One conditional update of the membership row (never moves back)."""
        self.messages.mark_read(chat_id, person_id, up_to)

    def count_unread(self, chat_id: str, person_id: str, after: str) -> int:
        """One counting Query of the chat's messages after ``after``."""
        return self.messages.count_unread(chat_id, person_id, after)
