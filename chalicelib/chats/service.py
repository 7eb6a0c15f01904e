"""What the chats API does, once the HTTP edge has checked the token and the input (SPEC §4, §6).

Each method takes the verified caller, reads through the chat directory port,
asks the pure ``access`` rules whether they may, and changes chats only
through the messenger port. Roster facts — who is a teacher, who belongs to
the school, who takes a class — come from the school's last applied roster
(the :class:`Rosters` port). :class:`ChatService` gets its ports handed in
(``bootstrap.Services.chats``); tests run it on the in-memory twins.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from chalicelib.chats import access, reading
from chalicelib.chats.access import ChatAccess
from chalicelib.chats.directory import (
    Chat,
    ChatDirectory,
    ChatListPage,
    MemberPage,
    Membership,
    SchoolChatPage,
)
from chalicelib.chats.people import PersonAbout, school_people
from chalicelib.chats.roster_cache import people_of
from chalicelib.clock import Clock, isoformat_utc
from chalicelib.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.fanout.port import FanOutQueue, MessageSent
from chalicelib.identity.journal_token import Caller
from chalicelib.ids import derived_id, random_id
from chalicelib.live import events as live_events
from chalicelib.messenger.port import (
    ChatEdit,
    ChatIdTaken,
    Message,
    MessagePage,
    Messenger,
    NewChat,
    NewMember,
    Sent,
    read_position,
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
from chalicelib.planning.plan import subject_chat_members, teaches_class
from chalicelib.roster.model import ClassKind, ClassRecord, PersonRecord, Role, SchoolRoster
from chalicelib.safety.audit import AuditAction
from chalicelib.safety.consent import require_consent
from chalicelib.schools.settings import HELD_KINDS, ClosedForPosting

if TYPE_CHECKING:
    from chalicelib.live.feed import ChatFeed
    from chalicelib.safety.school import SchoolSafety
    from chalicelib.schools.service import SchoolRules


class Rosters(Protocol):
    """Each school's last applied roster (the port the chats rules read roster facts through)."""

    def load_roster(self, school_id: str) -> SchoolRoster | None:
        """The school's roster as last applied, or None before its first import."""
        ...


@dataclass(frozen=True)
class CreatedChat:
    """A chat a teacher asked for, and whether this request made it (False: it already existed)."""

    access: ChatAccess
    created: bool


@dataclass(frozen=True)
class ChatChoices:
    """What a teacher may make a chat from: scheduled classes they teach, people matching a search."""

    school_id: str
    classes: tuple[ClassRecord, ...]
    people: tuple[PersonAbout, ...]
    picked: tuple[PersonAbout, ...] = ()


class ChatService:
    """The chats use cases, on the ports they are given."""

    def __init__(
        self,
        directory: ChatDirectory,
        messenger: Messenger,
        rosters: Rosters,
        clock: Clock,
        *,
        fan_out: FanOutQueue,
        school: SchoolSafety | None = None,
        feed: ChatFeed | None = None,
        rules: SchoolRules | None = None,
    ) -> None:
        self.directory = directory
        self.messenger = messenger
        self.rosters = rosters
        self.clock = clock
        # Where a send leaves its message: members' lists and live pages follow behind the answer.
        self.fan_out = fan_out
        # The school stepping in (audit, moderation by the school, reports); None: chats alone.
        self.school = school
        # The school's settings: teacher first and quiet hours (``schools.service``); None: not applied.
        self.rules = rules
        # Live delivery of the chat's events to its members' open pages (SPEC §10); None: pages poll.
        self.feed = feed

    def _publish(self, chat_id: str, event: dict[str, object], chat: Chat) -> None:
        if self.feed is not None:
            self.feed.publish(chat_id, event, chat)

    def _acting_for_school(self, opened: ChatAccess) -> bool:
        return self.school is not None and self.school.acting_for_school(opened)

    # --- seeing ----------------------------------------------------------------------

    def open_chat(self, caller: Caller, chat_id: str) -> ChatAccess:
        """The chat, if the caller may see it (``access`` module docstring, step 1); else 409/404.

        One directory lookup (link, chat, membership); one more read only for a
        caller who is not a member (are they the school's administrator?).
        """
        found = self.directory.lookup(caller.person_id, chat_id)
        require_consent(found.consent)  # a young pupil waiting for a guardian sees no chat at all
        seen = access.as_member(caller, found)
        if seen is not None:
            if self.rules is not None:
                self.rules.require_visible(seen)  # a chat waiting for its class teacher (teacher first)
            return seen
        staff = None
        if found.chat is not None and not caller.is_operator:
            staff = self.directory.membership(access.staff_room_id(found.chat.school_id), caller.person_id)
        return access.through_back_office(caller, found, staff)

    def require_back_office(self, caller: Caller, school_id: str) -> None:
        """404 unless the caller is an operator or an administrator of the school."""
        staff = None
        if not caller.is_operator:
            staff = self.directory.membership(access.staff_room_id(school_id), caller.person_id)
        access.require_back_office(caller, staff)

    def school_chats(self, caller: Caller, school_id: str, limit: int, after: str | None) -> SchoolChatPage:
        """A page of a school's chats, for its administrators and operators (the back office)."""
        self.require_back_office(caller, school_id)
        return self.directory.school_chats(school_id, limit, after)

    def list_chats(self, caller: Caller, limit: int, before: str | None) -> ChatListPage:
        """The caller's chats, newest activity first: one Query and one ``BatchGetItem`` a page."""
        page = self.directory.chats_of(caller.person_id, limit, before)
        access.require_linked(page.linked)
        require_consent(page.consent)
        visible = [(row, chat) for row, chat in page.items if access.counts_as_member(row, chat)]
        if self.rules is not None:
            visible = self.rules.visible_items(visible)
        # One counting Query per chat with something after the caller's read position, none otherwise.
        unread = {
            chat.chat_id: (
                self.messenger.count_unread(chat.chat_id, caller.person_id, row.read_up_to)
                if reading.may_have_unread(row, chat)
                else 0
            )
            for row, chat in visible
        }
        return ChatListPage(linked=True, items=visible, before=page.before, unread=unread)

    def closed_for_posting(
        self, items: Sequence[tuple[Membership | None, Chat]]
    ) -> dict[str, ClosedForPosting]:
        """The chats of ``items`` quiet hours close to their member now, by id (none without school rules).

        Asked of the same rules as the visibility checks, so a request reads a school's settings once.
        """
        return self.rules.closed_for_posting(items) if self.rules is not None else {}

    def members(self, caller: Caller, chat_id: str, limit: int, after: str | None) -> MemberPage:
        """A chat's active members, for its members and through the back office (audited)."""
        opened = self.open_chat(caller, chat_id)
        if self.school is not None:
            self.school.members_read(opened)
        return self.directory.members(chat_id, limit, after)

    def members_about(
        self, caller: Caller, chat_id: str, limit: int, after: str | None
    ) -> tuple[MemberPage, dict[str, PersonAbout]]:
        """A page of :meth:`members`, and who each is at the school (name, role in words), by its roster."""
        page = self.members(caller, chat_id, limit, after)
        # From memory while the school's roster is unchanged (``chats.roster_cache``): no S3 read.
        people = people_of(self.rosters, page.items[0].school_id) if page.items else None
        if people is None:
            return page, {}
        described = {member.person_id: people.describe(member.person_id) for member in page.items}
        return page, {person_id: about for person_id, about in described.items() if about is not None}

    # --- making chats --------------------------------------------------------------------

    def chat_choices(
        self, caller: Caller, school_id: str | None, search: str, limit: int, picked: Sequence[str] = ()
    ) -> ChatChoices:
        """For a teacher's «Новый чат»: the scheduled classes they teach (subject chats) and, for a
        non-empty ``search``, up to ``limit`` active people of the school whose name or role in words
        («5А», «мама») contains it (custom chats); ``picked`` people of the school described too (a
        form showing its ticks again); 403 for anyone who is not a teacher there."""
        teacher, roster = self._teacher_and_roster(caller, school_id)
        classes = sorted(
            (
                school_class
                for school_class in roster.classes.values()
                if school_class.kind is ClassKind.SCHEDULED
                and teaches_class(roster, teacher.person_id, school_class.class_id)
            ),
            key=lambda school_class: school_class.title,
        )
        people = school_people(roster)
        found: list[PersonAbout] = []
        needle = search.strip().casefold()
        for person in roster.people.values() if needle else ():
            if person.person_id == teacher.person_id or not person.active or not person.roles:
                continue
            about = people.describe(person.person_id)
            if about is not None and needle in f"{about.name}\n{about.about}".casefold():
                found.append(about)
        found.sort(key=lambda about: (about.name, about.person_id))
        chosen = [people.describe(pid) for pid in dict.fromkeys(picked) if pid != teacher.person_id]
        return ChatChoices(
            roster.school_id,
            tuple(classes),
            tuple(found[:limit]),
            tuple(about for about in chosen if about is not None),
        )

    def _teacher_and_roster(self, caller: Caller, school_id: str | None) -> tuple[PersonRecord, SchoolRoster]:
        """The school a teacher creates a chat in (the one they teach at, unless they name it)."""
        linked, consent = self.directory.link_consent(caller.person_id)
        access.require_linked(linked)
        require_consent(consent)
        if school_id is None:
            schools = self.directory.teaching_school_ids(caller.person_id)
            if len(schools) > 1:
                raise ValidationFailed(
                    "You teach at several schools: say which one.",
                    [{"field": "school_id", "message": "required: you teach at several schools"}],
                )
            if not schools:
                raise Forbidden("Only a teacher of the school can create chats.")
            school_id = schools.pop()
        roster = self.rosters.load_roster(school_id)
        teacher = access.require_teacher(roster, caller.person_id)
        assert roster is not None  # require_teacher refuses a school without a roster
        return teacher, roster

    def create_subject_chat(
        self, caller: Caller, school_id: str | None, class_id: str, title: str | None
    ) -> CreatedChat:
        """The subject chat of a class the caller teaches; its members then follow the roster.

        Its id is deterministic, so asking again returns the existing chat; a subject
        chat its moderator archived comes back (unarchived, members as the roster
        says now). Written with the same plan/diff/apply as a roster sync.
        """
        _, roster = self._teacher_and_roster(caller, school_id)
        access.require_teaches_scheduled_class(roster, caller.person_id, class_id)
        messenger = self.messenger
        chat_id = roster_chat_id(roster.school_id, ChatKind.SUBJECT, class_id)
        state = messenger.load_chat_state(roster.school_id, chat_id)
        existing = state.chats.get(chat_id)
        if existing is not None and not existing.archived:
            return CreatedChat(self.open_chat(caller, chat_id), created=False)
        if existing is not None and existing.archived_by_user:
            messenger.unarchive_chat(chat_id)
            state = messenger.load_chat_state(roster.school_id, chat_id)
        chat_title = title or (existing.title if existing is not None else roster.classes[class_id].title)
        plan = subject_chat_members(roster, class_id, chat_title)
        messenger.apply_roster_changes(state, diff(plan, state), self.clock.now())
        return CreatedChat(self.open_chat(caller, chat_id), created=existing is None)

    def create_custom_chat(
        self,
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
        teacher, roster = self._teacher_and_roster(caller, school_id)
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
            created = self.messenger.create_chat(chat, [creator, *added], self.clock.now())
        except ChatIdTaken as exc:
            raise Conflict("This client_request_id was already used for another chat.") from exc
        return CreatedChat(self.open_chat(caller, chat.chat_id), created=created)

    # --- moderating ----------------------------------------------------------------------

    def edit_chat(self, caller: Caller, chat_id: str, edit: ChatEdit) -> ChatAccess:
        """Rename a chat (syncs keep the new title) or switch announcements mode."""
        opened = self.open_chat(caller, chat_id)
        access.require_can_edit(opened)
        self.messenger.edit_chat(chat_id, edit)
        chat = opened.chat
        if edit.title is not None:
            chat = dataclasses.replace(chat, title=edit.title, title_locked=True)
        if edit.read_only is not None:
            chat = dataclasses.replace(chat, read_only=edit.read_only)
        self._publish(chat_id, live_events.chat_changed(chat), chat)
        return dataclasses.replace(opened, chat=chat)

    def archive_chat(self, caller: Caller, chat_id: str) -> ChatAccess:
        """Archive a subject or custom chat: messages and members kept, read-only for everyone."""
        opened = self.open_chat(caller, chat_id)
        if self.school is not None and not opened.is_moderator and self.school.acting_for_school(opened):
            archived = self.school.archive_as_school(opened)
            self._publish(chat_id, live_events.chat_changed(archived.chat), opened.chat)
            return archived
        access.require_can_archive(opened)
        if opened.chat.archived:
            return opened
        self.messenger.archive_chat(chat_id)
        if self.school is not None:
            self.school.archived_by_moderator(opened)
        self._publish(
            chat_id, live_events.chat_changed(dataclasses.replace(opened.chat, archived=True)), opened.chat
        )
        return dataclasses.replace(
            opened, chat=dataclasses.replace(opened.chat, archived=True, archived_by_user=True)
        )

    def add_members(self, caller: Caller, chat_id: str, person_ids: Sequence[str]) -> list[Membership]:
        """Put people of the chat's school in a subject or custom chat; returns their membership rows.

        In a subject chat, someone the roster puts there anyway (a member a moderator
        had removed) follows the roster again; anyone else is a manual member,
        whom syncs never touch.
        """
        opened = self.open_chat(caller, chat_id)
        access.require_can_change_members(opened)
        chat = opened.chat
        roster = self.rosters.load_roster(chat.school_id)
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
                new_members.append(
                    NewMember(person.person_id, person.display_name, access.member_role(person))
                )
        self.messenger.add_members(chat.as_existing(), new_members, self.clock.now())
        if self.feed is not None:  # subject and custom chats: never held back for a teacher
            self.feed.tell([member.person_id for member in new_members], live_events.chat_added(chat.chat_id))
        rows = self.directory.memberships(chat.chat_id, [p.person_id for p in people])
        return [rows[p.person_id] for p in people if p.person_id in rows]

    def remove_member(self, caller: Caller, chat_id: str, person_id: str) -> None:
        """Take a person out of a subject or custom chat (a subject chat's syncs will not add them back).

        A chat keeps at least one moderator. The school's administrators and operators may take
        anyone out of any chat of the school (``SchoolSafety.remove_as_school``).
        """
        opened = self.open_chat(caller, chat_id)
        if self.school is not None and self.school.acting_for_school(opened):
            self.school.remove_as_school(opened, person_id)
            self._tell_removed(chat_id, person_id)
            return
        access.require_can_change_members(opened)
        directory = self.directory
        target = directory.membership(chat_id, person_id)
        if target is None or not target.active:
            raise NotFound("No such member.")
        removing_moderator = target.chat_role == ChatRole.MODERATOR.value
        if removing_moderator and directory.active_moderator_ids(chat_id) <= {person_id}:
            raise Conflict("A chat keeps at least one moderator.")
        removed = self.messenger.remove_member(
            opened.chat.as_existing(),
            person_id,
            exclude=opened.kind is ChatKind.SUBJECT,
            now=self.clock.now(),
        )
        if not removed:
            raise NotFound("No such member.")
        if self.school is not None:
            self.school.record_moderation(opened, AuditAction.MEMBER_REMOVED, target_id=person_id)
        self._tell_removed(chat_id, person_id)

    def _tell_removed(self, chat_id: str, person_id: str) -> None:
        """The person's open pages drop the chat (its events stopped reaching them with the removal)."""
        if self.feed is not None:
            self.feed.tell([person_id], live_events.chat_removed(chat_id))

    # --- messages ------------------------------------------------------------------------

    def send_message(
        self, caller: Caller, chat_id: str, text: str, client_msg_id: str | None, reply_to: str | None = None
    ) -> Sent:
        """Post a message; a retry with the same ``client_msg_id`` gets the first one back.

        ``reply_to`` must be a message of the same chat (422 otherwise; one
        read). The same few requests at any chat size (SPEC §10): the message and
        the chat are stored, and the message is queued for the fan-out, which
        brings members' lists up to date and pushes it to open pages behind the
        answer. A retry queues it again (the first attempt may have stopped
        before; the fan-out is idempotent). Reusing a ``client_msg_id`` for a
        different text is a client bug: 409.
        """
        opened = self.open_chat(caller, chat_id)
        membership = access.require_can_post(opened)
        if self.rules is not None:
            self.rules.require_posting_open(opened)  # quiet hours
        if reply_to is not None and self.messenger.get_message(chat_id, reply_to) is None:
            raise ValidationFailed(
                "reply_to is not a message of this chat.",
                [{"field": "reply_to", "message": "not a message of this chat"}],
            )
        sent = self.messenger.post_message(
            opened.chat.as_existing(),
            caller.person_id,
            membership.name,
            text,
            client_msg_id,
            self.clock.now(),
            reply_to,
        )
        if not sent.created and not sent.message.deleted and sent.message.text != text:
            raise Conflict("This client_msg_id was already used for another message.")
        # Teacher first is checked by the fan-out, behind the answer: no settings read here.
        chat = opened.chat
        may_wait = self.rules is not None and chat.kind in HELD_KINDS and chat.opened_at is None
        self.fan_out.enqueue(
            MessageSent(
                sent.message.chat_id, sent.message.message_id, isoformat_utc(sent.message.sent_at), may_wait
            )
        )
        return sent

    def list_messages(self, caller: Caller, chat_id: str, limit: int, before: str | None) -> MessagePage:
        """A page of a chat's messages, newest first (members only)."""
        access.require_member(self.open_chat(caller, chat_id))
        return self.messenger.list_messages(chat_id, limit, before)

    def list_messages_from(self, caller: Caller, chat_id: str, limit: int, message_id: str) -> MessagePage:
        """The page of a chat's messages that starts at one of them (members only): that message, then up
        to ``limit - 1`` older ones, newest first, with the cursor to the next older page — where a tap on a
        reply's quote leads when the quoted message is not on the page shown. One read and one Query,
        whatever the chat's length; 404 when the chat has no such message."""
        access.require_member(self.open_chat(caller, chat_id))
        message = self.messenger.get_message(chat_id, message_id)
        if message is None:
            raise NotFound("No such message.")
        if limit <= 1:
            return MessagePage(items=(message,), before=read_position(message))
        older = self.messenger.list_messages(chat_id, limit - 1, read_position(message))
        return MessagePage(items=(message, *older.items), before=older.before)

    def delete_message(self, caller: Caller, chat_id: str, message_id: str) -> Message:
        """Replace a message by a "deleted" placeholder (its author, a moderator, the school's
        administrators and operators); its reports close, and anyone but its author is audited.
        """
        opened = self.open_chat(caller, chat_id)
        as_school = self._acting_for_school(opened)
        if not as_school:
            access.require_member(opened)
        messenger = self.messenger
        message = messenger.get_message(chat_id, message_id)
        if message is None:
            raise NotFound("No such message.")
        if not as_school:
            access.require_can_delete_message(opened, message)
        deleted = messenger.delete_message(chat_id, message_id, caller.person_id, self.clock.now())
        if self.school is not None:
            self.school.message_deleted(opened, message, as_school=as_school)
        self._publish(chat_id, live_events.message_deleted(chat_id, message_id), opened.chat)
        return deleted

    # --- read state ----------------------------------------------------------------------

    def mark_read(self, caller: Caller, chat_id: str, message_id: str) -> None:
        """The caller (a member) has read the chat up to this message; positions never move back."""
        access.require_member(self.open_chat(caller, chat_id))
        message = self.messenger.get_message(chat_id, message_id)
        if message is None:
            raise NotFound("No such message.")
        self.messenger.mark_read(chat_id, caller.person_id, read_position(message))

    def read_report(self, caller: Caller, chat_id: str, message_id: str) -> reading.ReadReport:
        """Who has read an announcement and who has not: the chat's moderators only.

        Reads every active member (pages of 500): the cost grows with the chat, as the answer does.
        """
        access.require_can_see_reads(self.open_chat(caller, chat_id))
        message = self.messenger.get_message(chat_id, message_id)
        if message is None:
            raise NotFound("No such message.")
        members: list[Membership] = []
        after: str | None = None
        while True:
            page = self.directory.members(chat_id, 500, after)
            members.extend(page.items)
            if page.after is None:
                return reading.read_report(message, members)
            after = page.after
