"""Who may see and do what (SPEC §6). Every authorization rule of the API lives here.

A chat request is judged in three steps, always in this order:

1. **Seeing the chat** (:func:`open_chat`). A linked member sees it; so do its
   school's administrators and operators, through the back office (the chat
   and its members, not its messages). Anyone else gets 404 — or 409
   ``link-required`` when they have not linked a profile — the same answer
   whether the chat exists or not, so ids cannot be probed.
2. **Being allowed** (the ``require_*`` rules): someone who sees a chat but
   may not do a thing gets 403 (409 ``link-required`` if they see it only
   through the back office and have no link: anything beyond the back office
   needs one).
3. **The chat's state**: a roster chat's members and existence follow the
   roster (409 ``conflict``); an archived chat, or an announcements chat for
   anyone but its moderators, takes no posts (409 ``read-only``).

People rules: a parent is never in a students' chat (class and subject
chats); only a teacher of the school adds students; nobody adds a person from
another school; only teachers create chats, and a subject chat only from a
class they teach.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from chalicelib.errors import (
    Conflict,
    Forbidden,
    LinkRequired,
    NotFound,
    ReadOnly,
    ValidationFailed,
)
from chalicelib.identity.journal_token import Caller
from chalicelib.messenger.port import Message
from chalicelib.planning.model import ChatKind, ChatRole, roster_chat_id
from chalicelib.planning.plan import teaches_class
from chalicelib.roster.model import ClassKind, PersonRecord, Role, SchoolRoster
from chalicelib.safety.consent import require_consent
from chalicelib.store.directory import ChatDirectory
from chalicelib.store.tables import ChatItem, MembershipItem

STUDENTS_CHAT_KINDS = frozenset({ChatKind.CLASS, ChatKind.SUBJECT})
"""Chats of students: no parent is ever a member."""

HAND_MANAGED_KINDS = frozenset({ChatKind.SUBJECT, ChatKind.CUSTOM})
"""Chats whose members a moderator may change and which a moderator may archive."""

_MEMBER_ROLE_PREFERENCE = (Role.TEACHER, Role.ADMIN, Role.STUDENT, Role.PARENT)

LINK_REQUIRED_DETAIL = "Link your journal account to an educational profile to see chats."


def active_membership(chat_id: str, person_id: str) -> MembershipItem | None:
    """A person's active membership of a chat, or None."""
    membership = ChatDirectory().membership(chat_id, person_id)
    return membership if membership is not None and membership.active else None


def is_school_admin(person_id: str, school_id: str) -> bool:
    """Whether the roster makes the person an administrator of the school (via its staff room)."""
    membership = active_membership(roster_chat_id(school_id, ChatKind.STAFF, None), person_id)
    return membership is not None and membership.person_role == Role.ADMIN.value


def can_use_back_office(caller: Caller, school_id: str) -> bool:
    """Operators see every school; a school's administrators see theirs."""
    return caller.is_operator or is_school_admin(caller.person_id, school_id)


def require_back_office(caller: Caller, school_id: str) -> None:
    """404 unless the caller may use the school's back office (404, so schools can't be probed)."""
    if not can_use_back_office(caller, school_id):
        raise NotFound("No such school.")


# --- seeing a chat -------------------------------------------------------------------


def counts_as_member(membership: MembershipItem | None, chat: ChatItem) -> bool:
    """An active membership the rules let stand: a parent's row in a students' chat never counts."""
    if membership is None or not membership.active:
        return False
    return not (membership.person_role == Role.PARENT.value and ChatKind(chat.kind) in STUDENTS_CHAT_KINDS)


@dataclass(frozen=True)
class ChatAccess:
    """A chat as the caller may see it: as a member (``membership`` set) or through the back office."""

    caller: Caller
    chat: ChatItem
    membership: MembershipItem | None
    linked: bool = True

    @property
    def my_role(self) -> str | None:
        """The caller's role in the chat (``moderator``/``member``), None for back-office viewers."""
        return self.membership.chat_role if self.membership is not None else None

    @property
    def is_moderator(self) -> bool:
        """Whether the caller moderates the chat."""
        return self.my_role == ChatRole.MODERATOR.value

    @property
    def kind(self) -> ChatKind:
        """The chat's kind."""
        return ChatKind(self.chat.kind)


def open_chat(caller: Caller, chat_id: str, directory: ChatDirectory | None = None) -> ChatAccess:
    """The chat, if the caller may see it (step 1 of the module docstring); else 409/404.

    One ``BatchGetItem`` (link, chat, membership); one more ``GetItem`` only for a
    caller who is not a member (are they the school's administrator?).
    """
    found = (directory or ChatDirectory()).lookup(caller.person_id, chat_id)
    require_consent(found.consent)  # a young pupil waiting for a guardian sees no chat at all
    chat = found.chat
    if chat is not None:
        if found.linked and counts_as_member(found.membership, chat):
            return ChatAccess(caller, chat, found.membership)
        if can_use_back_office(caller, chat.school_id):
            return ChatAccess(caller, chat, None, linked=found.linked)
    if not found.linked:
        raise LinkRequired(LINK_REQUIRED_DETAIL)
    raise NotFound("No such chat.")


# --- being allowed, and the chat's state --------------------------------------------


def require_member(access: ChatAccess) -> MembershipItem:
    """Messages are for members only (administrators and operators see members, not messages).

    Someone who sees the chat through the back office without a linked profile
    gets 409 ``link-required``: outside the back office, chats need a link.
    """
    if access.membership is None:
        require_linked(access.linked)
        raise Forbidden("Only the chat's members can do this.")
    return access.membership


def require_moderator(access: ChatAccess) -> MembershipItem:
    """The caller must moderate the chat."""
    membership = require_member(access)
    if not access.is_moderator:
        raise Forbidden("Only the chat's moderators can do this.")
    return membership


def require_not_archived(chat: ChatItem) -> None:
    """An archived chat is read-only for everyone."""
    if chat.archived:
        raise ReadOnly("The chat is archived.")


def require_hand_managed(chat: ChatItem) -> None:
    """Staff, class and parents chats follow the roster: nobody archives them or changes their members."""
    if ChatKind(chat.kind) not in HAND_MANAGED_KINDS:
        raise Conflict("This chat follows the school's roster; its members and existence cannot be changed.")


def require_can_edit(access: ChatAccess) -> None:
    """Rename or switch announcements mode: the chat's moderators, while it is not archived."""
    require_moderator(access)
    require_not_archived(access.chat)


def require_can_archive(access: ChatAccess) -> None:
    """Archive: the moderators of a subject or custom chat."""
    require_moderator(access)
    require_hand_managed(access.chat)


def require_can_change_members(access: ChatAccess) -> None:
    """Add or remove members: the moderators of a subject or custom chat that is not archived."""
    require_moderator(access)
    require_hand_managed(access.chat)
    require_not_archived(access.chat)


def require_can_post(access: ChatAccess) -> MembershipItem:
    """Post: members; in announcements mode only moderators; in an archived chat nobody."""
    membership = require_member(access)
    require_not_archived(access.chat)
    if access.chat.read_only and not access.is_moderator:
        raise ReadOnly("Only the chat's moderators can post in announcements mode.")
    return membership


def require_can_delete_message(access: ChatAccess, message: Message) -> None:
    """Delete a message: its author or a moderator, while the chat is not archived."""
    membership = require_member(access)
    if message.author_id != membership.person_id and not access.is_moderator:
        raise Forbidden("Only the author or a moderator can delete a message.")
    require_not_archived(access.chat)


# --- people --------------------------------------------------------------------------


def require_linked(linked: bool) -> None:
    """Chats are shown only to linked users (409 ``link-required``)."""
    if not linked:
        raise LinkRequired(LINK_REQUIRED_DETAIL)


def require_teacher(roster: SchoolRoster | None, person_id: str) -> PersonRecord:
    """Only the school's active teachers create chats (parents, students and administrators do not)."""
    person = roster.people.get(person_id) if roster is not None else None
    if person is None or not person.active or Role.TEACHER not in person.roles:
        raise Forbidden("Only a teacher of the school can create chats.")
    return person


def require_teaches_scheduled_class(roster: SchoolRoster, person_id: str, class_id: str) -> None:
    """A subject chat comes from a scheduled class of the school that the caller teaches."""
    school_class = roster.classes.get(class_id)
    if school_class is None or school_class.kind is not ClassKind.SCHEDULED:
        raise ValidationFailed(
            "No such scheduled class in the school.",
            [{"field": "class_id", "message": "not a scheduled class of the school"}],
        )
    if not teaches_class(roster, person_id, class_id):
        raise Forbidden("Only a teacher of the class can create its subject chat.")


def member_role(person: PersonRecord) -> Role:
    """The role a person holds in a chat they are added to by hand (their most senior one)."""
    return next(role for role in _MEMBER_ROLE_PREFERENCE if role in person.roles)


def people_to_add(
    roster: SchoolRoster | None,
    actor: PersonRecord | None,
    kind: ChatKind,
    person_ids: Iterable[str],
    field: str,
) -> list[PersonRecord]:
    """The people a moderator or a chat's creator asks to add, checked against the school's roster.

    422 for anyone who is not an active person of the chat's school (people of
    other schools look exactly like unknown ids); 403 for a parent in a
    students' chat, and for a student added by someone who is not a teacher of
    the school.
    """
    ids = list(dict.fromkeys(person_ids))
    people = roster.people if roster is not None else {}
    unknown = [pid for pid in ids if pid not in people or not people[pid].active or not people[pid].roles]
    if unknown:
        raise ValidationFailed(
            "Some people are not members of the school.",
            [{"field": field, "message": f"not a person of the school: {pid}"} for pid in unknown],
        )
    chosen = [people[pid] for pid in ids]
    roles = {person.person_id: member_role(person) for person in chosen}
    if kind in STUDENTS_CHAT_KINDS and Role.PARENT in roles.values():
        raise Forbidden("A parent cannot be added to a students' chat.")
    actor_teaches = actor is not None and actor.active and Role.TEACHER in actor.roles
    if Role.STUDENT in roles.values() and not actor_teaches:
        raise Forbidden("Only a teacher of the school can add students to a chat.")
    return chosen
