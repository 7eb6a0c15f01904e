"""The vocabulary of planning: chats and memberships, planned and existing."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from chalicelib.roster.model import Role


class ChatKind(StrEnum):
    """The five kinds of chat (SPEC §4); the first four follow the roster."""

    STAFF = "staff"
    CLASS = "class"
    PARENTS = "parents"
    SUBJECT = "subject"
    CUSTOM = "custom"


ROSTER_KINDS = frozenset({ChatKind.STAFF, ChatKind.CLASS, ChatKind.PARENTS, ChatKind.SUBJECT})


class ChatRole(StrEnum):
    """A member's standing in a chat."""

    MODERATOR = "moderator"
    MEMBER = "member"


class MemberSource(StrEnum):
    """Who put a member in a chat: the roster sync, or a moderator by hand."""

    ROSTER = "roster"
    MANUAL = "manual"


_FIELD_SEPARATOR = "\x1f"
_FIELD_ESCAPE = "\x1e"


def _escape_field(value: str) -> str:
    # Ids come from uploaded files and may hold the separator: without escaping,
    # ("a", class, "p<US>parents<US>c") and ("a<US>class<US>p", parents, "c") hashed
    # the same material and so named one chat. Ids without these two control
    # characters encode, and hash, exactly as before.
    doubled = value.replace(_FIELD_ESCAPE, _FIELD_ESCAPE * 2)
    return doubled.replace(_FIELD_SEPARATOR, _FIELD_ESCAPE + _FIELD_SEPARATOR)


def roster_chat_id(school_id: str, kind: ChatKind, class_id: str | None, generation: int = 1) -> str:
    """The deterministic id of a roster chat: the same school, kind and class give the same id.

    This is what makes every sync, retry and duplicate delivery converge on one
    chat. The id reveals nothing about the school or class (it is a hash).
    ``generation`` > 1 names a later chat of a class id whose earlier chat moved
    on to another class at a new school year (a flat "5А" is 5А every year).
    """
    if kind is ChatKind.CUSTOM:
        raise ValueError("custom chats have random ids")
    if (kind is ChatKind.STAFF) != (class_id is None):
        raise ValueError("a staff room has no class; every other roster chat has one")
    fields: tuple[str, ...] = ("chat-v1", school_id, kind.value, class_id or "")
    if generation > 1:
        fields += (str(generation),)
    material = _FIELD_SEPARATOR.join(_escape_field(f) for f in fields)
    digest = hashlib.sha256(material.encode()).digest()[:15]
    return "ch_" + base64.b32encode(digest).decode().lower()


@dataclass(frozen=True, slots=True)
class ChatOrigin:
    """The class id (and generation) a homeroom chat's id was made from.

    It stays with the chat when a new school year carries it to another class,
    so the class chat and its parents chat remain a pair whatever the class is now.
    """

    class_id: str
    generation: int = 1


MemberKey = tuple[str, str]
"""(chat_id, person_id)."""


@dataclass(frozen=True, slots=True)
class PlannedChat:
    """A chat the roster implies."""

    chat_id: str
    school_id: str
    kind: ChatKind
    class_id: str | None
    title: str
    origin: ChatOrigin | None = None


@dataclass(frozen=True, slots=True)
class PlannedMember:
    """A membership the roster implies."""

    chat_id: str
    person_id: str
    chat_role: ChatRole
    person_role: Role
    name: str

    @property
    def key(self) -> MemberKey:
        """(chat_id, person_id)."""
        return (self.chat_id, self.person_id)


@dataclass(frozen=True, slots=True)
class PlanWarning:
    """Something in the roster that planning had to work around (reported, not fatal)."""

    code: str
    message: str


@dataclass(frozen=True)
class SchoolPlan:
    """Every roster chat of one school and its members, as the roster says they should be."""

    school_id: str
    chats: Mapping[str, PlannedChat]
    members: Mapping[MemberKey, PlannedMember]
    warnings: tuple[PlanWarning, ...] = ()
    rolled_over: frozenset[str] = frozenset()
    """Chats a new school year carries to another class (their removals do not count towards the valve)."""


@dataclass(frozen=True, slots=True)
class ExistingChat:
    """A roster-managed chat as stored.

    ``title_locked`` is set when a moderator renamed the chat: syncs then keep
    their hands off the title. ``archived_by_user`` marks a subject chat its
    moderator archived: it stays archived whatever the roster says.
    """

    chat_id: str
    school_id: str
    kind: ChatKind
    class_id: str | None
    title: str
    archived: bool = False
    title_locked: bool = False
    archived_by_user: bool = False
    # When the chat last had a message (or was created): the store sorts chat lists by it.
    last_activity: str = field(default="", compare=False)
    origin: ChatOrigin | None = None
    """Stored only once a chat moved to another class; otherwise its class id is its origin."""
    # The member count as stored: a sync corrects it when it disagrees with the memberships
    # (a crash between writing memberships and counts must not leave it wrong).
    member_count: int | None = field(default=None, compare=False)

    @property
    def effective_origin(self) -> ChatOrigin | None:
        """Where the chat's id came from (None for a staff room)."""
        if self.origin is not None:
            return self.origin
        return None if self.class_id is None else ChatOrigin(self.class_id)


@dataclass(frozen=True, slots=True)
class ExistingMember:
    """A membership row as stored.

    Inactive rows are kept (history; a person who comes back is restored).
    ``excluded`` marks a roster member a moderator removed from a subject chat
    by hand: syncs do not add them back. Manual members are never touched.
    """

    chat_id: str
    person_id: str
    chat_role: ChatRole
    person_role: Role
    name: str
    active: bool = True
    source: MemberSource = MemberSource.ROSTER
    excluded: bool = False

    @property
    def key(self) -> MemberKey:
        """(chat_id, person_id)."""
        return (self.chat_id, self.person_id)


@dataclass(frozen=True)
class SchoolState:
    """What is stored for one school's roster-managed chats."""

    school_id: str
    chats: Mapping[str, ExistingChat] = field(default_factory=dict)
    members: Mapping[MemberKey, ExistingMember] = field(default_factory=dict)

    def followed_subject_classes(self) -> dict[str, str]:
        """Class id → title of the subject chats that follow the roster (not archived by hand)."""
        return {
            chat.class_id: chat.title
            for chat in self.chats.values()
            if chat.kind is ChatKind.SUBJECT and chat.class_id and not chat.archived_by_user
        }

    def active_roster_member_count(self) -> int:
        """Active memberships the roster put there (the base of the deletion threshold)."""
        return sum(1 for m in self.members.values() if m.active and m.source is MemberSource.ROSTER)
