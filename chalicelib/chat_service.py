"""What the chats API does, once the HTTP edge has checked the token and the input (SPEC §4, §6).

Each function takes the verified caller, asks ``access`` whether they may,
and changes chats only through the messenger port. Roster facts — who is a
teacher, who belongs to the school, who takes a class — come from the school's
last applied roster (``store.rosters.load_roster``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from chalicelib import access
from chalicelib.access import ChatAccess, open_chat
from chalicelib.bootstrap import services
from chalicelib.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.identity.journal_token import Caller
from chalicelib.identity.links import find_link
from chalicelib.ids import derived_id, random_id
from chalicelib.messenger.port import (
    ChatEdit,
    ChatIdTaken,
    Message,
    MessagePage,
    NewChat,
    NewMember,
    Sent,
)
from chalicelib.planning.diff import diff
from chalicelib.planning.model import (
    ChatKind,
    ChatRole,
    MemberKey,
    MemberSource,
    PlannedMember,
    roster_chat_id,
)
from chalicelib.planning.plan import subject_chat_members
from chalicelib.roster.model import PersonRecord, Role, SchoolRoster
from chalicelib.safety import school as safety
from chalicelib.safety.audit import AuditAction
from chalicelib.safety.consent import require_consent
from chalicelib.store.chats import existing_chat
from chalicelib.store.directory import ChatDirectory, ChatListPage, MemberPage
from chalicelib.store.rosters import load_roster
from chalicelib.store.safety import stamp_archived
from chalicelib.store.tables import MembershipItem


@dataclass(frozen=True)
class CreatedChat:
    """A chat a teacher asked for, and whether this request made it (False: it already existed)."""

    access: ChatAccess
    created: bool


def _directory() -> ChatDirectory:
    return ChatDirectory()


def list_chats(caller: Caller, limit: int, before: str | None) -> ChatListPage:
    """The caller's chats, newest activity first: one Query and one ``BatchGetItem`` a page."""
    page = _directory().chats_of(caller.person_id, limit, before)
    access.require_linked(page.linked)
    require_consent(page.consent)
    visible = [(row, chat) for row, chat in page.items if access.counts_as_member(row, chat)]
    return ChatListPage(linked=True, items=visible, before=page.before)


def members(caller: Caller, chat_id: str, limit: int, after: str | None) -> MemberPage:
    """A chat's active members, for its members and through the back office (audited)."""
    safety.members_read(open_chat(caller, chat_id))
    return _directory().members(chat_id, limit, after)


# --- making chats --------------------------------------------------------------------


def _teacher_and_roster(caller: Caller, school_id: str | None) -> tuple[PersonRecord, SchoolRoster]:
    """The school a teacher creates a chat in (the one they teach at, unless they name it)."""
    link = find_link(caller.person_id)
    access.require_linked(link is not None)
    require_consent(link.consent if link is not None else None)
    if school_id is None:
        schools = _directory().teaching_school_ids(caller.person_id)
        if len(schools) > 1:
            raise ValidationFailed(
                "You teach at several schools: say which one.",
                [{"field": "school_id", "message": "required: you teach at several schools"}],
            )
        if not schools:
            raise Forbidden("Only a teacher of the school can create chats.")
        school_id = schools.pop()
    roster = load_roster(school_id)
    teacher = access.require_teacher(roster, caller.person_id)
    assert roster is not None  # require_teacher refuses a school without a roster
    return teacher, roster


def create_subject_chat(
    caller: Caller, school_id: str | None, class_id: str, title: str | None
) -> CreatedChat:
    """The subject chat of a class the caller teaches; its members then follow the roster.

    Its id is deterministic, so asking again returns the existing chat; a subject
    chat its moderator archived comes back (unarchived, members as the roster
    says now). Written with the same plan/diff/apply as a roster sync.
    """
    _, roster = _teacher_and_roster(caller, school_id)
    access.require_teaches_scheduled_class(roster, caller.person_id, class_id)
    messenger = services().messenger
    chat_id = roster_chat_id(roster.school_id, ChatKind.SUBJECT, class_id)
    state = messenger.load_chat_state(roster.school_id, chat_id)
    existing = state.chats.get(chat_id)
    if existing is not None and not existing.archived:
        return CreatedChat(open_chat(caller, chat_id), created=False)
    if existing is not None and existing.archived_by_user:
        messenger.unarchive_chat(chat_id)
        state = messenger.load_chat_state(roster.school_id, chat_id)
    chat_title = title or (existing.title if existing is not None else roster.classes[class_id].title)
    plan = subject_chat_members(roster, class_id, chat_title)
    messenger.apply_roster_changes(state, diff(plan, state), services().clock.now())
    return CreatedChat(open_chat(caller, chat_id), created=existing is None)


def create_custom_chat(
    caller: Caller,
    school_id: str | None,
    title: str,
    member_ids: Sequence[str],
    client_request_id: str | None = None,
) -> CreatedChat:
    """A chat with hand-picked people of the teacher's school; roster syncs never touch it.

    With a ``client_request_id`` the chat's id is derived from it (and the
    school and teacher), so a retried request returns the chat the first one
    made (``created`` False) instead of making a second; reusing the id for a
    different chat (another title or other members) is a 409.
    """
    teacher, roster = _teacher_and_roster(caller, school_id)
    others = [pid for pid in member_ids if pid != teacher.person_id]
    people = access.people_to_add(roster, teacher, ChatKind.CUSTOM, others, field="member_ids")
    chat_id, digest = random_id("ch"), None
    if client_request_id is not None:
        chat_id = derived_id("ch", roster.school_id, teacher.person_id, client_request_id)
        digest = derived_id("chreq", title, *sorted({p.person_id for p in people}))
    chat = NewChat(
        chat_id=chat_id,
        school_id=roster.school_id,
        kind=ChatKind.CUSTOM,
        title=title,
        created_by=teacher.person_id,
        request_digest=digest,
    )
    creator = NewMember(teacher.person_id, teacher.display_name, Role.TEACHER, ChatRole.MODERATOR)
    added = [NewMember(p.person_id, p.display_name, access.member_role(p)) for p in people]
    try:
        created = services().messenger.create_chat(chat, [creator, *added], services().clock.now())
    except ChatIdTaken as exc:
        raise Conflict("This client_request_id was already used for another chat.") from exc
    return CreatedChat(open_chat(caller, chat.chat_id), created=created)


# --- moderating ----------------------------------------------------------------------


def edit_chat(caller: Caller, chat_id: str, edit: ChatEdit) -> ChatAccess:
    """Rename a chat (syncs keep the new title) or switch announcements mode."""
    opened = open_chat(caller, chat_id)
    access.require_can_edit(opened)
    services().messenger.edit_chat(chat_id, edit)
    if edit.title is not None:
        opened.chat.title, opened.chat.title_locked = edit.title, True
    if edit.read_only is not None:
        opened.chat.read_only = edit.read_only
    return opened


def archive_chat(caller: Caller, chat_id: str) -> ChatAccess:
    """Archive a subject or custom chat: messages and members kept, read-only for everyone."""
    opened = open_chat(caller, chat_id)
    if not opened.is_moderator and safety.acting_for_school(opened):
        safety.archive_as_school(opened)
        return opened
    access.require_can_archive(opened)
    if not opened.chat.archived:
        services().messenger.archive_chat(chat_id)
        stamp_archived(chat_id, services().clock.now())
        opened.chat.archived = opened.chat.archived_by_user = True
        safety.record_moderation(opened, AuditAction.CHAT_ARCHIVED)
    return opened


def add_members(caller: Caller, chat_id: str, person_ids: Sequence[str]) -> list[MembershipItem]:
    """Put people of the chat's school in a subject or custom chat; returns their membership rows.

    In a subject chat, someone the roster puts there anyway (a member a moderator
    had removed) follows the roster again; anyone else is a manual member,
    whom syncs never touch.
    """
    opened = open_chat(caller, chat_id)
    access.require_can_change_members(opened)
    chat = opened.chat
    roster = load_roster(chat.school_id)
    actor = roster.people.get(caller.person_id) if roster is not None else None
    people = access.people_to_add(roster, actor, opened.kind, person_ids, field="person_ids")
    planned: Mapping[MemberKey, PlannedMember] = {}
    if roster is not None and opened.kind is ChatKind.SUBJECT and chat.class_id is not None:
        planned = subject_chat_members(roster, chat.class_id, chat.title).members
    new_members = []
    for person in people:
        roster_member = planned.get((chat.chat_id, person.person_id))
        if roster_member is not None:
            new_members.append(
                NewMember(
                    person.person_id,
                    roster_member.name,
                    roster_member.person_role,
                    roster_member.chat_role,
                    MemberSource.ROSTER,
                )
            )
        else:
            new_members.append(NewMember(person.person_id, person.display_name, access.member_role(person)))
    services().messenger.add_members(existing_chat(chat), new_members, services().clock.now())
    rows = _directory().memberships(chat.chat_id, [p.person_id for p in people])
    return [rows[p.person_id] for p in people if p.person_id in rows]


def remove_member(caller: Caller, chat_id: str, person_id: str) -> None:
    """Take a person out of a subject or custom chat (a subject chat's syncs will not add them back).

    A chat keeps at least one moderator. The school's administrators and operators may take
    anyone out of any chat of the school (``safety.school.remove_as_school``).
    """
    opened = open_chat(caller, chat_id)
    if safety.acting_for_school(opened):
        safety.remove_as_school(opened, person_id)
        return
    access.require_can_change_members(opened)
    directory = _directory()
    target = directory.membership(chat_id, person_id)
    if target is None or not target.active:
        raise NotFound("No such member.")
    removing_moderator = target.chat_role == ChatRole.MODERATOR.value
    if removing_moderator and directory.active_moderator_ids(chat_id) <= {person_id}:
        raise Conflict("A chat keeps at least one moderator.")
    removed = services().messenger.remove_member(
        existing_chat(opened.chat),
        person_id,
        exclude=opened.kind is ChatKind.SUBJECT,
        now=services().clock.now(),
    )
    if not removed:
        raise NotFound("No such member.")
    safety.record_moderation(opened, AuditAction.MEMBER_REMOVED, target_id=person_id)


# --- messages ------------------------------------------------------------------------


def send_message(caller: Caller, chat_id: str, text: str, client_msg_id: str | None) -> Sent:
    """Post a message; a retry with the same ``client_msg_id`` gets the first one back.

    Reusing a ``client_msg_id`` for a different text is a client bug: 409.
    """
    opened = open_chat(caller, chat_id)
    membership = access.require_can_post(opened)
    sent = services().messenger.post_message(
        existing_chat(opened.chat),
        caller.person_id,
        membership.name,
        text,
        client_msg_id,
        services().clock.now(),
    )
    if not sent.created and not sent.message.deleted and sent.message.text != text:
        raise Conflict("This client_msg_id was already used for another message.")
    return sent


def list_messages(caller: Caller, chat_id: str, limit: int, before: str | None) -> MessagePage:
    """A page of a chat's messages, newest first (members only)."""
    access.require_member(open_chat(caller, chat_id))
    return services().messenger.list_messages(chat_id, limit, before)


def delete_message(caller: Caller, chat_id: str, message_id: str) -> Message:
    """Replace a message by a "deleted" placeholder (its author, a moderator, the school's
    administrators and operators); its reports close, and anyone but its author is audited.
    """
    opened = open_chat(caller, chat_id)
    as_school = safety.acting_for_school(opened)
    if not as_school:
        access.require_member(opened)
    messenger = services().messenger
    message = messenger.get_message(chat_id, message_id)
    if message is None:
        raise NotFound("No such message.")
    if not as_school:
        access.require_can_delete_message(opened, message)
    deleted = messenger.delete_message(chat_id, message_id, caller.person_id, services().clock.now())
    safety.message_deleted(opened, message, as_school=as_school)
    return deleted
