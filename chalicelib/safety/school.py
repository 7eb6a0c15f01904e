"""The school steps in (SPEC §4, §6): departures at each sync, administrators and operators moderating,
reports of messages, and the audit record each of these leaves.

Hooks: ``pipeline.school_sync`` calls :meth:`SchoolSafety.enforce_departures`
after applying a roster; ``chats.service.ChatService`` asks
:meth:`SchoolSafety.acting_for_school` before its own moderator rules and calls
the ``*_as_school`` use cases when the school acts. :class:`SchoolSafety` gets
its ports handed in (``bootstrap.Services.school``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from chalicelib.chats import access
from chalicelib.chats.access import HAND_MANAGED_KINDS, ChatAccess, counts_as_member, require_member
from chalicelib.chats.directory import Chat, ChatDirectory
from chalicelib.clock import Clock
from chalicelib.errors import Conflict, Forbidden, NotFound
from chalicelib.messenger.port import Message, Messenger, NewMember
from chalicelib.observability import log_event
from chalicelib.planning.model import ChatKind, ChatRole
from chalicelib.roster.model import Role, SchoolRoster
from chalicelib.safety.audit import (
    SYSTEM_ACTOR,
    ActorKind,
    AuditAction,
    AuditLog,
    actor_kind_of,
    write_audit,
)
from chalicelib.safety.departures import ChatFacts, SeatRow, plan_departures
from chalicelib.safety.reports import Report, ReportPage, ReportStore, report_id


class SchoolRosters(Protocol):
    """Each school's last applied roster."""

    def load_roster(self, school_id: str) -> SchoolRoster | None:
        """The school's roster as last applied, or None."""
        ...


class SchoolSeats(Protocol):
    """The port of a school's seats: what departures and the school's moderation read and write."""

    def load_school_seats(self, school_id: str) -> tuple[dict[str, Chat], list[SeatRow]]:
        """Every chat of a school (custom ones too) and every membership row of them."""
        ...

    def make_moderator(self, chat_id: str, person_id: str) -> bool:
        """Make an active member a moderator; False when they are not an active member."""
        ...

    def record_departure(self, person_id: str, school_id: str, now: datetime) -> None:
        """Remember when a person left a school's roster (the retention sweep reads it)."""
        ...

    def stamp_archived(self, chat_id: str, now: datetime) -> None:
        """Remember when a chat was archived by hand (its messages' retention starts then)."""
        ...


def _admins(roster: SchoolRoster | None) -> list[NewMember]:
    if roster is None:
        return []
    return [
        NewMember(person.person_id, person.display_name, Role.ADMIN, ChatRole.MODERATOR)
        for person in sorted(roster.people.values(), key=lambda p: p.person_id)
        if person.active and Role.ADMIN in person.roles
    ]


class SchoolSafety:
    """The school stepping in, on the ports it is given."""

    def __init__(
        self,
        directory: ChatDirectory,
        messenger: Messenger,
        rosters: SchoolRosters,
        clock: Clock,
        audit_log: AuditLog,
        reports: ReportStore,
        seats: SchoolSeats,
        on_left: Callable[[str, str], None] | None = None,
        on_joined: Callable[[str, str], None] | None = None,
    ) -> None:
        self.directory = directory
        self.messenger = messenger
        self.rosters = rosters
        self.clock = clock
        self.audit_log = audit_log
        self.reports = reports
        self.seats = seats
        # (chat id, person id) of a membership a departure ended: their open pages drop the chat.
        self.on_left = on_left
        # (chat id, person id) of an administrator put in a chat left without a moderator: pages list it.
        self.on_joined = on_joined

    def audit(
        self,
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
        write_audit(
            self.audit_log,
            self.clock.now(),
            school_id,
            action,
            actor_id,
            actor_kind,
            chat_id=chat_id,
            target_id=target_id,
            message_id=message_id,
        )

    def acting_for_school(self, opened: ChatAccess) -> bool:
        """Whether the caller may act for the chat's school: an operator, or the school's administrator."""
        if opened.caller.is_operator or opened.membership is None:
            # Without a membership the chat was opened through the back office.
            return True
        staff = self.directory.membership(
            access.staff_room_id(opened.chat.school_id), opened.caller.person_id
        )
        return access.can_use_back_office(opened.caller, staff)

    # --- administrators as moderators ----------------------------------------------------

    def give_to_administrators(self, chat: Chat, roster: SchoolRoster | None, now: datetime) -> list[str]:
        """Make the school's administrators moderators of a chat (adding those not in it); their ids."""
        admins = _admins(roster)
        if not admins:
            log_event("chat_left_unmoderated", school_id=chat.school_id, chat_id=chat.chat_id)
            return []
        rows = self.directory.memberships(chat.chat_id, [a.person_id for a in admins])
        newcomers = [a for a in admins if not (a.person_id in rows and rows[a.person_id].active)]
        if newcomers:
            self.messenger.add_members(chat.as_existing(), newcomers, now)
            if self.on_joined is not None:
                for admin in newcomers:
                    self.on_joined(chat.chat_id, admin.person_id)
        for admin in admins:
            row = rows.get(admin.person_id)
            if row is not None and row.active and row.chat_role is not ChatRole.MODERATOR:
                self.seats.make_moderator(chat.chat_id, admin.person_id)
        self.audit(
            chat.school_id,
            AuditAction.MODERATORS_ASSIGNED,
            SYSTEM_ACTOR,
            ActorKind.SYSTEM,
            chat_id=chat.chat_id,
        )
        return [a.person_id for a in admins]

    def enforce_departures(self, roster: SchoolRoster, now: datetime) -> int:
        """After a sync: end every membership of people no longer active in the roster, in every chat of
        the school, and give chats left without a moderator to the administrators. Idempotent; returns
        how many memberships ended.
        """
        present = {p.person_id for p in roster.people.values() if p.active and p.roles}
        chats, rows = self.seats.load_school_seats(roster.school_id)
        facts = {cid: ChatFacts(cid, ChatKind(c.kind), bool(c.archived)) for cid, c in chats.items()}
        plan = plan_departures(present, facts, rows)
        for chat_id, person_id in plan.leaving:
            chat = chats[chat_id].as_existing()
            ended = self.messenger.remove_member(chat, person_id, exclude=False, now=now)
            if ended and self.on_left is not None:
                self.on_left(chat_id, person_id)
        for person_id in sorted(plan.departed):
            self.seats.record_departure(person_id, roster.school_id, now)
            self.audit(
                roster.school_id,
                AuditAction.PERSON_DEPARTED,
                SYSTEM_ACTOR,
                ActorKind.SYSTEM,
                target_id=person_id,
            )
        for chat_id in plan.unmoderated:
            self.give_to_administrators(chats[chat_id], roster, now)
        if plan.leaving:
            log_event("departures_enforced", school_id=roster.school_id, memberships=len(plan.leaving))
        return len(plan.leaving)

    # --- the school moderating -------------------------------------------------------------

    def remove_as_school(self, opened: ChatAccess, person_id: str) -> None:
        """An administrator or operator takes anyone out of any chat of the school (syncs do not add them
        back); a chat left without a moderator goes to the administrators.
        """
        chat = opened.chat
        target = self.directory.membership(chat.chat_id, person_id)
        if target is None or not target.active:
            raise NotFound("No such member.")
        now = self.clock.now()
        if not self.messenger.remove_member(chat.as_existing(), person_id, exclude=True, now=now):
            raise NotFound("No such member.")
        self.audit(
            chat.school_id,
            AuditAction.MEMBER_REMOVED,
            opened.caller.person_id,
            actor_kind_of(opened.caller, as_school=True),
            chat_id=chat.chat_id,
            target_id=person_id,
        )
        if target.chat_role is ChatRole.MODERATOR and not self.directory.active_moderator_ids(chat.chat_id):
            self.give_to_administrators(chat, self.rosters.load_roster(chat.school_id), now)

    def archive_as_school(self, opened: ChatAccess) -> ChatAccess:
        """An administrator or operator archives a subject or custom chat (roster chats follow the roster)."""
        chat = opened.chat
        if chat.kind not in HAND_MANAGED_KINDS:
            raise Conflict(
                "This chat follows the school's roster; its members and existence cannot be changed."
            )
        if not chat.archived:
            self.messenger.archive_chat(chat.chat_id)
            self.seats.stamp_archived(chat.chat_id, self.clock.now())
            opened = dataclasses.replace(
                opened, chat=dataclasses.replace(chat, archived=True, archived_by_user=True)
            )
        self.audit(
            chat.school_id,
            AuditAction.CHAT_ARCHIVED,
            opened.caller.person_id,
            actor_kind_of(opened.caller, as_school=True),
            chat_id=chat.chat_id,
        )
        return opened

    def archived_by_moderator(self, opened: ChatAccess) -> None:
        """After the chat's own moderator archived it: its retention starts now, and it is audited."""
        self.seats.stamp_archived(opened.chat.chat_id, self.clock.now())
        self.record_moderation(opened, AuditAction.CHAT_ARCHIVED)

    def record_moderation(self, opened: ChatAccess, action: AuditAction, **fields: str | None) -> None:
        """Audit a moderation act done by the chat's own moderator."""
        self.audit(
            opened.chat.school_id,
            action,
            opened.caller.person_id,
            ActorKind.MODERATOR,
            chat_id=opened.chat.chat_id,
            **fields,
        )

    def message_deleted(self, opened: ChatAccess, message: Message, *, as_school: bool) -> None:
        """After a delete: close the message's reports; audit it unless the author deleted their own."""
        self.reports.resolve_message(message.chat_id, message.message_id)
        if message.author_id == opened.caller.person_id and not as_school:
            return
        self.audit(
            opened.chat.school_id,
            AuditAction.MESSAGE_DELETED,
            opened.caller.person_id,
            actor_kind_of(opened.caller, as_school=as_school, moderator=opened.is_moderator),
            chat_id=opened.chat.chat_id,
            target_id=message.author_id,
            message_id=message.message_id,
        )

    def members_read(self, opened: ChatAccess) -> None:
        """A member list read through the back office (not by one of the chat's members) is audited."""
        if opened.membership is None:
            self.audit(
                opened.chat.school_id,
                AuditAction.MEMBERS_READ,
                opened.caller.person_id,
                actor_kind_of(opened.caller, as_school=True),
                chat_id=opened.chat.chat_id,
            )

    # --- reports ------------------------------------------------------------------------------

    def report_message(self, opened: ChatAccess, message_id: str, reason: str) -> tuple[Report, bool]:
        """A member reports a message of the chat they can read (404 for any other message)."""
        membership = require_member(opened)
        if not counts_as_member(membership, opened.chat):
            raise NotFound("No such message.")
        message = self.messenger.get_message(opened.chat.chat_id, message_id)
        if message is None or message.deleted:
            raise NotFound("No such message.")
        report = Report(
            report_id=report_id(opened.chat.chat_id, message_id, opened.caller.person_id),
            school_id=opened.chat.school_id,
            chat_id=opened.chat.chat_id,
            message_id=message_id,
            reporter_id=opened.caller.person_id,
            reason=reason,
            created_at=self.clock.now(),
        )
        stored, created = self.reports.add(report)
        if created:
            self.audit(
                opened.chat.school_id,
                AuditAction.MESSAGE_REPORTED,
                opened.caller.person_id,
                ActorKind.MEMBER,
                chat_id=opened.chat.chat_id,
                message_id=message_id,
            )
        return stored, created

    def chat_reports(self, opened: ChatAccess, limit: int, before: str | None) -> ReportPage:
        """A chat's open reports: for its moderators, the school's administrators and operators."""
        if not opened.is_moderator and not self.acting_for_school(opened):
            require_member(opened)
            raise Forbidden("Only the chat's moderators and the school's administrators see reports.")
        return self.reports.open_in_chat(opened.chat.chat_id, limit, before)

    def school_reports(self, school_id: str, limit: int, before: str | None) -> ReportPage:
        """A school's open reports (the caller's back-office access is checked by the route)."""
        return self.reports.open_in_school(school_id, limit, before)

    def reported_messages(self, reports: ReportPage) -> dict[tuple[str, str], Message]:
        """The messages a page of reports is about, by (chat id, message id)."""
        found: dict[tuple[str, str], Message] = {}
        for report in reports.items:
            message = self.messenger.get_message(report.chat_id, report.message_id)
            if message is not None:
                found[(report.chat_id, report.message_id)] = message
        return found
