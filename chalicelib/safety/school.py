"""The school steps in (SPEC §4, §6): departures at each sync, administrators and operators moderating,
reports of messages, and the audit record each of these leaves.

Hooks: ``pipeline.school_sync`` calls :func:`enforce_departures` after applying
a roster; ``chat_service`` asks :func:`acting_for_school` before its own
moderator rules and calls the ``*_as_school`` use cases when the school acts.
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.access import (
    HAND_MANAGED_KINDS,
    ChatAccess,
    can_use_back_office,
    counts_as_member,
    require_member,
)
from chalicelib.bootstrap import services
from chalicelib.errors import Conflict, Forbidden, NotFound
from chalicelib.messenger.port import Message, NewMember
from chalicelib.observability import log_event
from chalicelib.planning.model import ChatKind, ChatRole
from chalicelib.roster.model import Role, SchoolRoster
from chalicelib.safety.audit import SYSTEM_ACTOR, ActorKind, AuditAction, AuditEntry, actor_kind_of
from chalicelib.safety.departures import ChatFacts, plan_departures
from chalicelib.safety.reports import Report, ReportPage, report_id
from chalicelib.store.chats import existing_chat
from chalicelib.store.directory import ChatDirectory
from chalicelib.store.rosters import load_roster
from chalicelib.store.safety import load_school_seats, make_moderator, record_departure, stamp_archived
from chalicelib.store.tables import ChatItem


def audit(
    school_id: str,
    action: AuditAction,
    actor_id: str,
    actor_kind: ActorKind,
    *,
    chat_id: str | None = None,
    target_id: str | None = None,
    message_id: str | None = None,
) -> None:
    """Write one audit record, stamped with the service's clock."""
    services().audit_log.record(
        AuditEntry(
            school_id=school_id,
            action=action,
            actor_id=actor_id,
            actor_kind=actor_kind,
            at=services().clock.now(),
            chat_id=chat_id,
            target_id=target_id,
            message_id=message_id,
        )
    )


def acting_for_school(access: ChatAccess) -> bool:
    """Whether the caller may act for the chat's school: an operator, or the school's administrator."""
    return can_use_back_office(access.caller, access.chat.school_id)


# --- administrators as moderators --------------------------------------------------------


def _admins(roster: SchoolRoster | None) -> list[NewMember]:
    if roster is None:
        return []
    return [
        NewMember(person.person_id, person.display_name, Role.ADMIN, ChatRole.MODERATOR)
        for person in sorted(roster.people.values(), key=lambda p: p.person_id)
        if person.active and Role.ADMIN in person.roles
    ]


def give_to_administrators(chat: ChatItem, roster: SchoolRoster | None, now: datetime) -> list[str]:
    """Make the school's administrators moderators of a chat (adding those not in it); their ids."""
    admins = _admins(roster)
    if not admins:
        log_event("chat_left_unmoderated", school_id=chat.school_id, chat_id=chat.chat_id)
        return []
    directory = ChatDirectory()
    rows = directory.memberships(chat.chat_id, [a.person_id for a in admins])
    newcomers = [a for a in admins if not (a.person_id in rows and rows[a.person_id].active)]
    if newcomers:
        services().messenger.add_members(existing_chat(chat), newcomers, now)
    for admin in admins:
        row = rows.get(admin.person_id)
        if row is not None and row.active and row.chat_role != ChatRole.MODERATOR.value:
            make_moderator(chat.chat_id, admin.person_id)
    audit(
        chat.school_id, AuditAction.MODERATORS_ASSIGNED, SYSTEM_ACTOR, ActorKind.SYSTEM, chat_id=chat.chat_id
    )
    return [a.person_id for a in admins]


def enforce_departures(roster: SchoolRoster, now: datetime) -> int:
    """After a sync: end every membership of people no longer active in the roster, in every chat of
    the school, and give chats left without a moderator to the administrators. Idempotent; returns
    how many memberships ended.
    """
    present = {p.person_id for p in roster.people.values() if p.active and p.roles}
    chats, rows = load_school_seats(roster.school_id)
    facts = {cid: ChatFacts(cid, ChatKind(c.kind), bool(c.archived)) for cid, c in chats.items()}
    plan = plan_departures(present, facts, rows)
    messenger = services().messenger
    for chat_id, person_id in plan.leaving:
        messenger.remove_member(existing_chat(chats[chat_id]), person_id, exclude=False, now=now)
    for person_id in sorted(plan.departed):
        record_departure(person_id, roster.school_id, now)
        audit(
            roster.school_id, AuditAction.PERSON_DEPARTED, SYSTEM_ACTOR, ActorKind.SYSTEM, target_id=person_id
        )
    for chat_id in plan.unmoderated:
        give_to_administrators(chats[chat_id], roster, now)
    if plan.leaving:
        log_event("departures_enforced", school_id=roster.school_id, memberships=len(plan.leaving))
    return len(plan.leaving)


# --- the school moderating -----------------------------------------------------------------


def remove_as_school(access: ChatAccess, person_id: str) -> None:
    """An administrator or operator takes anyone out of any chat of the school (syncs do not add them
    back); a chat left without a moderator goes to the administrators.
    """
    chat = access.chat
    directory = ChatDirectory()
    target = directory.membership(chat.chat_id, person_id)
    if target is None or not target.active:
        raise NotFound("No such member.")
    now = services().clock.now()
    if not services().messenger.remove_member(existing_chat(chat), person_id, exclude=True, now=now):
        raise NotFound("No such member.")
    audit(
        chat.school_id,
        AuditAction.MEMBER_REMOVED,
        access.caller.person_id,
        actor_kind_of(access.caller, as_school=True),
        chat_id=chat.chat_id,
        target_id=person_id,
    )
    if target.chat_role == ChatRole.MODERATOR.value and not directory.active_moderator_ids(chat.chat_id):
        give_to_administrators(chat, load_roster(chat.school_id), now)


def archive_as_school(access: ChatAccess) -> None:
    """An administrator or operator archives a subject or custom chat (roster chats follow the roster)."""
    chat = access.chat
    if ChatKind(chat.kind) not in HAND_MANAGED_KINDS:
        raise Conflict("This chat follows the school's roster; its members and existence cannot be changed.")
    if not chat.archived:
        services().messenger.archive_chat(chat.chat_id)
        stamp_archived(chat.chat_id, services().clock.now())
        chat.archived = chat.archived_by_user = True
    audit(
        chat.school_id,
        AuditAction.CHAT_ARCHIVED,
        access.caller.person_id,
        actor_kind_of(access.caller, as_school=True),
        chat_id=chat.chat_id,
    )


def record_moderation(access: ChatAccess, action: AuditAction, **fields: str | None) -> None:
    """Audit a moderation act done by the chat's own moderator."""
    audit(
        access.chat.school_id,
        action,
        access.caller.person_id,
        ActorKind.MODERATOR,
        chat_id=access.chat.chat_id,
        **fields,
    )


def message_deleted(access: ChatAccess, message: Message, *, as_school: bool) -> None:
    """After a delete: close the message's reports; audit it unless the author deleted their own."""
    services().reports.resolve_message(message.chat_id, message.message_id)
    if message.author_id == access.caller.person_id and not as_school:
        return
    audit(
        access.chat.school_id,
        AuditAction.MESSAGE_DELETED,
        access.caller.person_id,
        actor_kind_of(access.caller, as_school=as_school, moderator=access.is_moderator),
        chat_id=access.chat.chat_id,
        target_id=message.author_id,
        message_id=message.message_id,
    )


def members_read(access: ChatAccess) -> None:
    """A member list read through the back office (not by one of the chat's members) is audited."""
    if access.membership is None:
        audit(
            access.chat.school_id,
            AuditAction.MEMBERS_READ,
            access.caller.person_id,
            actor_kind_of(access.caller, as_school=True),
            chat_id=access.chat.chat_id,
        )


# --- reports ----------------------------------------------------------------------------------


def report_message(access: ChatAccess, message_id: str, reason: str) -> tuple[Report, bool]:
    """A member reports a message of the chat they can read (404 for any other message)."""
    membership = require_member(access)
    if not counts_as_member(membership, access.chat):
        raise NotFound("No such message.")
    message = services().messenger.get_message(access.chat.chat_id, message_id)
    if message is None or message.deleted:
        raise NotFound("No such message.")
    report = Report(
        report_id=report_id(access.chat.chat_id, message_id, access.caller.person_id),
        school_id=access.chat.school_id,
        chat_id=access.chat.chat_id,
        message_id=message_id,
        reporter_id=access.caller.person_id,
        reason=reason,
        created_at=services().clock.now(),
    )
    stored, created = services().reports.add(report)
    if created:
        audit(
            access.chat.school_id,
            AuditAction.MESSAGE_REPORTED,
            access.caller.person_id,
            ActorKind.MEMBER,
            chat_id=access.chat.chat_id,
            message_id=message_id,
        )
    return stored, created


def chat_reports(access: ChatAccess, limit: int, before: str | None) -> ReportPage:
    """A chat's open reports: for its moderators, the school's administrators and operators."""
    if not access.is_moderator and not acting_for_school(access):
        require_member(access)
        raise Forbidden("Only the chat's moderators and the school's administrators see reports.")
    return services().reports.open_in_chat(access.chat.chat_id, limit, before)


def school_reports(school_id: str, limit: int, before: str | None) -> ReportPage:
    """A school's open reports (the caller's back-office access is checked by the route)."""
    return services().reports.open_in_school(school_id, limit, before)


def reported_messages(reports: ReportPage) -> dict[tuple[str, str], Message]:
    """The messages a page of reports is about, by (chat id, message id)."""
    found: dict[tuple[str, str], Message] = {}
    for report in reports.items:
        message = services().messenger.get_message(report.chat_id, report.message_id)
        if message is not None:
            found[(report.chat_id, report.message_id)] = message
    return found
