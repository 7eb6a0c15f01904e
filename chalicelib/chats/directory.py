"""The chat directory port: chats and memberships as the chats rules see them (frozen domain objects).

The API answers "who sees what" from the directory. Its DynamoDB adapter is
``store.directory.DynamoDBChatDirectory`` (a fixed number of requests per
call); its in-memory twin is ``chats.memory.InMemoryChats``. Both pass
``tests/contract/test_chat_directory.py``.

Cursors are positions, not storage keys: a chat list continues after an
``activity_key`` (``<last activity>#<chat id>``), a members list after a person
id, a school's chats after a chat id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from chalicelib.messenger.port import Message
from chalicelib.planning.model import ChatKind, ChatRole, ExistingChat
from chalicelib.roster.model import Role


@dataclass(frozen=True, slots=True)
class Chat:
    """A chat, whoever hosts it."""

    chat_id: str
    school_id: str
    kind: ChatKind
    title: str
    class_id: str | None = None
    member_count: int = 0
    read_only: bool = False
    archived: bool = False
    archived_by_user: bool = False
    title_locked: bool = False
    managed_by_roster: bool = False
    last_activity: str = ""
    last_message: Message | None = None

    def as_existing(self) -> ExistingChat:
        """The chat in planning's terms (what the messenger port's writes take)."""
        return ExistingChat(
            chat_id=self.chat_id,
            school_id=self.school_id,
            kind=self.kind,
            class_id=self.class_id,
            title=self.title,
            archived=self.archived,
            title_locked=self.title_locked,
            archived_by_user=self.archived_by_user,
            last_activity=self.last_activity,
        )


@dataclass(frozen=True, slots=True)
class Membership:
    """A person's membership of a chat (rows are kept after leaving: ``active`` False)."""

    chat_id: str
    person_id: str
    school_id: str
    name: str
    person_role: Role
    chat_role: ChatRole
    active: bool = True
    # The member's read position (``messenger.port.read_position`` of the last message read; "" = none).
    read_up_to: str = ""


@dataclass(frozen=True, slots=True)
class ChatLookup:
    """What one request needs to authorize a chat route."""

    linked: bool
    chat: Chat | None
    membership: Membership | None
    # The link's guardian consent (``safety.consent``): None, pending, approved or refused.
    consent: str | None = None


@dataclass(frozen=True, slots=True)
class ChatListPage:
    """A page of a person's chats (membership and chat), newest activity first."""

    linked: bool
    items: list[tuple[Membership, Chat]]
    before: str | None
    # Unread messages per chat id (filled by ``ChatService.list_chats``).
    unread: dict[str, int] = field(default_factory=dict)
    consent: str | None = None


@dataclass(frozen=True, slots=True)
class MemberPage:
    """A page of a chat's active members, by person id."""

    items: list[Membership]
    after: str | None


@dataclass(frozen=True, slots=True)
class SchoolChatPage:
    """A page of a school's chats, by chat id (the back office)."""

    items: list[Chat]
    after: str | None


class ChatDirectory(Protocol):
    """Reads of chats, memberships and links on behalf of API callers (strongly consistent)."""

    def lookup(self, person_id: str, chat_id: str) -> ChatLookup:
        """Whether the person is linked, the chat, and the person's membership row of it."""
        ...

    def is_linked(self, person_id: str) -> bool:
        """Whether the journal user has linked an educational profile."""
        ...

    def link_consent(self, person_id: str) -> tuple[bool, str | None]:
        """Whether the journal user is linked, and the link's guardian consent (None: not needed)."""
        ...

    def membership(self, chat_id: str, person_id: str) -> Membership | None:
        """A membership row (active or not), or None."""
        ...

    def memberships(self, chat_id: str, person_ids: Iterable[str]) -> dict[str, Membership]:
        """The membership rows (active or not) of some people in a chat, by person id."""
        ...

    def chats_of(self, person_id: str, limit: int, before: str | None) -> ChatListPage:
        """A page of the person's active memberships with their chats, newest activity first."""
        ...

    def members(self, chat_id: str, limit: int, after: str | None) -> MemberPage:
        """A page of a chat's active members, ordered by person id."""
        ...

    def school_chats(self, school_id: str, limit: int, after: str | None) -> SchoolChatPage:
        """A page of a school's chats (archived ones too), by chat id."""
        ...

    def active_moderator_ids(self, chat_id: str) -> set[str]:
        """The people who moderate a chat now."""
        ...

    def teaching_school_ids(self, person_id: str) -> set[str]:
        """The schools where the person is in some chat as a teacher."""
        ...

    def student_school_ids(self, person_id: str) -> set[str]:
        """The schools where the person is in some chat as a student (guardian consent asks them)."""
        ...

    def person_memberships(self, person_id: str) -> list[Membership]:
        """The person's active memberships, oldest activity first (who the rosters say they are)."""
        ...
