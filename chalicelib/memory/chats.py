"""The chats' in-memory twin: one object that is the messenger, the chat directory and the rosters.

It keeps chats, memberships and messages the way the DynamoDB adapters do
(``store.chats``, ``store.moderation``, ``store.messages``,
``store.directory``): rows are never deleted, an ended membership leaves the
person's list, a send moves the chat up in every active member's list, and
every write is idempotent in the same way. ``tests/contract/`` holds the twin
and the DynamoDB adapters to the same behaviour, so use-case and
authorization tests can run on the twin without the emulator.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from chalicelib.chats.directory import (
    Chat,
    ChatListPage,
    ChatLookup,
    MemberPage,
    Membership,
    SchoolChatPage,
)
from chalicelib.clock import isoformat_utc
from chalicelib.ids import derived_id, random_id
from chalicelib.messenger.port import ChatEdit, ChatIdTaken, Message, MessagePage, NewChat, NewMember, Sent
from chalicelib.planning.diff import ChangeSet, apply_changes, stored_origin
from chalicelib.planning.model import (
    ROSTER_KINDS,
    ChatKind,
    ChatOrigin,
    ChatRole,
    ExistingChat,
    ExistingMember,
    MemberSource,
    SchoolState,
)
from chalicelib.roster.model import Role, SchoolRoster

Row = TypeVar("Row")


def _activity_key(last_activity: str, chat_id: str) -> str:
    return f"{last_activity}#{chat_id}"


def _page(rows: list[Row], limit: int, position_of: Callable[[Row], str]) -> tuple[list[Row], str | None]:
    shown = rows[:limit]
    more = len(rows) > limit and bool(shown)
    return shown, position_of(shown[-1]) if more else None


@dataclass
class _ChatRow:
    chat_id: str
    school_id: str
    kind: ChatKind
    class_id: str | None
    title: str
    created_at: datetime
    last_activity: str
    managed_by_roster: bool = False
    archived: bool = False
    archived_by_user: bool = False
    title_locked: bool = False
    read_only: bool = False
    member_count: int = 0
    created_by: str | None = None
    request_digest: str | None = None
    last_message: Message | None = None
    origin: ChatOrigin | None = None

    def chat(self) -> Chat:
        return Chat(
            chat_id=self.chat_id,
            school_id=self.school_id,
            kind=self.kind,
            title=self.title,
            class_id=self.class_id,
            member_count=self.member_count,
            read_only=self.read_only,
            archived=self.archived,
            archived_by_user=self.archived_by_user,
            title_locked=self.title_locked,
            managed_by_roster=self.managed_by_roster,
            last_activity=self.last_activity,
            last_message=self.last_message,
        )

    def existing(self) -> ExistingChat:
        return dataclasses.replace(self.chat().as_existing(), origin=self.origin)


@dataclass
class _MemberRow:
    chat_id: str
    person_id: str
    school_id: str
    chat_role: ChatRole
    person_role: Role
    name: str
    active: bool = True
    source: MemberSource = MemberSource.ROSTER
    excluded: bool = False
    joined_at: datetime | None = None
    left_at: datetime | None = None
    activity_key: str | None = None
    read_up_to: str = ""

    def membership(self) -> Membership:
        return Membership(
            chat_id=self.chat_id,
            person_id=self.person_id,
            school_id=self.school_id,
            name=self.name,
            person_role=self.person_role,
            chat_role=self.chat_role,
            active=self.active,
            read_up_to=self.read_up_to,
        )

    def existing(self) -> ExistingMember:
        return ExistingMember(
            chat_id=self.chat_id,
            person_id=self.person_id,
            chat_role=self.chat_role,
            person_role=self.person_role,
            name=self.name,
            active=self.active,
            source=self.source,
            excluded=self.excluded,
        )


def _new_member_row(
    chat_id: str, school_id: str, member: NewMember, now: datetime, activity: str
) -> _MemberRow:
    """A membership starting now, ordered in the member's list by the chat's ``activity`` time."""
    return _MemberRow(
        chat_id=chat_id,
        person_id=member.person_id,
        school_id=school_id,
        chat_role=member.chat_role,
        person_role=member.person_role,
        name=member.name,
        source=member.source,
        joined_at=now,
        activity_key=_activity_key(activity, chat_id),
    )


@dataclass
class _MessageRow:
    message: Message
    sent_key: str


class InMemoryChats:
    """Chats, memberships, messages, links and rosters in dictionaries (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._chat_rows: dict[str, _ChatRow] = {}
        self._member_rows: dict[tuple[str, str], _MemberRow] = {}
        self._message_rows: dict[tuple[str, str], _MessageRow] = {}
        self._links: set[str] = set()
        self._consents: dict[str, str] = {}
        self._rosters: dict[str, SchoolRoster] = {}

    # --- arranging (what other parts of the service write) ---------------------------

    def link(self, person_id: str, consent: str | None = None) -> None:
        """Record that the journal user linked a profile (the identity side writes this in production);
        ``consent`` is a young pupil's guardian consent (``safety.consent``).
        """
        with self._lock:
            self._links.add(person_id)
            if consent is None:
                self._consents.pop(person_id, None)
            else:
                self._consents[person_id] = consent

    def unlink(self, person_id: str) -> None:
        """Record that the journal user's link ended (the identity side removes it in production)."""
        with self._lock:
            self._links.discard(person_id)
            self._consents.pop(person_id, None)

    def save_roster(self, roster: SchoolRoster) -> None:
        """Keep a school's roster as its last applied one (the pipeline writes this in production)."""
        with self._lock:
            self._rosters[roster.school_id] = roster

    # --- Rosters ---------------------------------------------------------------------

    def load_roster(self, school_id: str) -> SchoolRoster | None:
        """The school's last applied roster, or None."""
        with self._lock:
            return self._rosters.get(school_id)

    # --- Messenger: the roster sync --------------------------------------------------

    def load_school_state(self, school_id: str) -> SchoolState:
        """The school's roster-managed chats (not those archived by hand) and their membership rows."""
        with self._lock:
            chats = {
                row.chat_id: row.existing()
                for row in self._chat_rows.values()
                if row.school_id == school_id
                and row.managed_by_roster
                and row.kind in ROSTER_KINDS
                and not row.archived_by_user
            }
            members = {key: row.existing() for key, row in self._member_rows.items() if row.chat_id in chats}
            return SchoolState(school_id=school_id, chats=chats, members=members)

    def load_chat_state(self, school_id: str, chat_id: str) -> SchoolState:
        """One chat, whatever its state, and all its membership rows."""
        with self._lock:
            row = self._chat_rows.get(chat_id)
            if row is None:
                return SchoolState(school_id=school_id)
            members = {key: m.existing() for key, m in self._member_rows.items() if m.chat_id == chat_id}
            return SchoolState(school_id=school_id, chats={chat_id: row.existing()}, members=members)

    def apply_roster_changes(self, state: SchoolState, changes: ChangeSet, now: datetime) -> int:
        """Write a change set as ``store.chats.ChatStore.write_changes`` does; returns the rows written."""
        with self._lock:
            now_iso = isoformat_utc(now)
            after = apply_changes(state, changes)
            activity = {chat_id: chat.last_activity or now_iso for chat_id, chat in state.chats.items()}
            counts = Counter(m.chat_id for m in after.members.values() if m.active)
            written = 0
            for planned_chat in changes.chats_to_create:
                self._chat_rows[planned_chat.chat_id] = _ChatRow(
                    chat_id=planned_chat.chat_id,
                    school_id=planned_chat.school_id,
                    kind=planned_chat.kind,
                    class_id=planned_chat.class_id,
                    title=planned_chat.title,
                    created_at=now,
                    last_activity=now_iso,
                    managed_by_roster=True,
                    member_count=counts[planned_chat.chat_id],
                    origin=stored_origin(planned_chat.class_id, planned_chat.origin),
                )
                activity[planned_chat.chat_id] = now_iso
                written += 1
            for planned in (*changes.members_to_add, *changes.members_to_update):
                self._member_rows[(planned.chat_id, planned.person_id)] = _MemberRow(
                    chat_id=planned.chat_id,
                    person_id=planned.person_id,
                    school_id=changes.school_id,
                    chat_role=planned.chat_role,
                    person_role=planned.person_role,
                    name=planned.name,
                    activity_key=_activity_key(activity[planned.chat_id], planned.chat_id),
                )
                written += 1
            for removed in changes.members_to_remove:
                self._member_rows[(removed.chat_id, removed.person_id)] = _MemberRow(
                    chat_id=removed.chat_id,
                    person_id=removed.person_id,
                    school_id=changes.school_id,
                    chat_role=removed.chat_role,
                    person_role=removed.person_role,
                    name=removed.name,
                    active=False,
                    source=removed.source,
                    excluded=removed.excluded,
                    left_at=now,
                )
                written += 1
            updated = {c.chat_id for c in changes.chats_to_create}
            for chat in (*changes.chats_to_restore, *changes.chats_to_retitle):
                row = self._chat(chat.chat_id)
                written_chat = after.chats[chat.chat_id]
                row.archived, row.title = False, written_chat.title
                row.class_id, row.origin = written_chat.class_id, written_chat.origin
                row.member_count = counts[chat.chat_id]
                updated.add(chat.chat_id)
                written += 1
            for archived in changes.chats_to_archive:
                row = self._chat(archived.chat_id)
                row.archived, row.member_count = True, 0
                updated.add(archived.chat_id)
                written += 1
            for chat_id in sorted(changes.touched_chat_ids - updated):
                self._chat(chat_id).member_count = counts[chat_id]
                written += 1
            return written

    def _chat(self, chat_id: str) -> _ChatRow:
        row = self._chat_rows.get(chat_id)
        if row is None:
            raise LookupError(f"no chat {chat_id}")
        return row

    # --- Messenger: chats made and moderated by hand ---------------------------------

    def create_chat(self, chat: NewChat, members: Sequence[NewMember], now: datetime) -> bool:
        """Create a custom chat and its members, or finish the one the same request made."""
        with self._lock:
            now_iso, created = isoformat_utc(now), True
            first = self._chat_rows.get(chat.chat_id)
            if first is not None:
                if chat.request_digest is None or (first.created_by, first.request_digest) != (
                    chat.created_by,
                    chat.request_digest,
                ):
                    raise ChatIdTaken(chat.chat_id)
                created, now_iso, now = False, first.last_activity, first.created_at
                members = [m for m in members if (chat.chat_id, m.person_id) not in self._member_rows]
            else:
                self._chat_rows[chat.chat_id] = _ChatRow(
                    chat_id=chat.chat_id,
                    school_id=chat.school_id,
                    kind=chat.kind,
                    class_id=chat.class_id,
                    title=chat.title,
                    created_at=now,
                    last_activity=now_iso,
                    member_count=len(members),
                    created_by=chat.created_by,
                    request_digest=chat.request_digest,
                )
            for member in members:
                self._member_rows[(chat.chat_id, member.person_id)] = _new_member_row(
                    chat.chat_id, chat.school_id, member, now, now_iso
                )
            return created

    def edit_chat(self, chat_id: str, edit: ChatEdit) -> None:
        """Rename (the title is then locked against syncs) or switch announcements mode."""
        with self._lock:
            row = self._chat(chat_id)
            if edit.title is not None:
                row.title, row.title_locked = edit.title, True
            if edit.read_only is not None:
                row.read_only = edit.read_only

    def archive_chat(self, chat_id: str) -> None:
        """Archive by hand: the chat no longer follows the roster."""
        with self._lock:
            row = self._chat(chat_id)
            row.archived = row.archived_by_user = True

    def unarchive_chat(self, chat_id: str) -> None:
        """Undo an archive by hand."""
        with self._lock:
            row = self._chat(chat_id)
            row.archived = row.archived_by_user = False

    def add_members(self, chat: ExistingChat, members: Sequence[NewMember], now: datetime) -> list[str]:
        """Start the memberships that are not active yet; returns their person ids."""
        with self._lock:
            wanted = {member.person_id: member for member in members}
            starting = [
                m
                for pid, m in sorted(wanted.items())
                if not ((was := self._member_rows.get((chat.chat_id, pid))) is not None and was.active)
            ]
            for member in starting:
                self._member_rows[(chat.chat_id, member.person_id)] = _new_member_row(
                    chat.chat_id, chat.school_id, member, now, chat.last_activity
                )
            if starting:
                self._chat(chat.chat_id).member_count += len(starting)
            return [member.person_id for member in starting]

    def remove_member(self, chat: ExistingChat, person_id: str, *, exclude: bool, now: datetime) -> bool:
        """End an active membership and count it out; False if it was not active."""
        with self._lock:
            row = self._member_rows.get((chat.chat_id, person_id))
            if row is None or not row.active:
                return False
            row.active, row.left_at, row.activity_key = False, now, None
            if exclude:
                row.excluded = True
            self._chat(chat.chat_id).member_count -= 1
            return True

    # --- Messenger: messages ---------------------------------------------------------

    def post_message(
        self,
        chat: ExistingChat,
        author_id: str,
        author_name: str,
        text: str,
        client_msg_id: str | None,
        now: datetime,
    ) -> Sent:
        """Store a message (or find the one this ``client_msg_id`` made) and move the chat up."""
        with self._lock:
            if client_msg_id is None:
                message_id = random_id("msg")
            else:
                message_id = derived_id("msg", chat.chat_id, author_id, client_msg_id)
            found = self._message_rows.get((chat.chat_id, message_id))
            created = found is None
            if found is None:
                sent_iso = isoformat_utc(now)
                found = _MessageRow(
                    Message(message_id, chat.chat_id, author_id, author_name, text, now, client_msg_id),
                    f"{sent_iso}#{message_id}",
                )
                self._message_rows[(chat.chat_id, message_id)] = found
            sent_iso = found.sent_key.rpartition("#")[0]
            if created or chat.last_activity < sent_iso:
                key = _activity_key(sent_iso, chat.chat_id)
                for row in self._member_rows.values():
                    if row.chat_id == chat.chat_id and row.active and (row.activity_key or "") < key:
                        row.activity_key = key
                stored = self._chat_rows.get(chat.chat_id)
                if stored is not None and stored.last_activity <= sent_iso:
                    stored.last_message, stored.last_activity = found.message, sent_iso
            return Sent(message=found.message, created=created)

    def get_message(self, chat_id: str, message_id: str) -> Message | None:
        """One message, or None."""
        with self._lock:
            found = self._message_rows.get((chat_id, message_id))
            return None if found is None else found.message

    def delete_message(self, chat_id: str, message_id: str, deleted_by: str, now: datetime) -> Message:
        """Blank the message and mark it deleted (again: no change); also on the chat list."""
        with self._lock:
            found = self._message_rows.get((chat_id, message_id))
            if found is None:
                raise LookupError(f"no message {chat_id}/{message_id}")
            found.message = dataclasses.replace(found.message, text="", deleted=True)
            chat = self._chat_rows.get(chat_id)
            if (
                chat is not None
                and chat.last_message is not None
                and chat.last_message.message_id == message_id
            ):
                chat.last_message = dataclasses.replace(chat.last_message, text="", deleted=True)
            return found.message

    def list_messages(self, chat_id: str, limit: int, before: str | None) -> MessagePage:
        """A chat's messages, newest first, after the position ``before``."""
        with self._lock:
            rows = sorted(
                (
                    row
                    for (owner, _), row in self._message_rows.items()
                    if owner == chat_id and (before is None or row.sent_key < before)
                ),
                key=lambda row: row.sent_key,
                reverse=True,
            )
            shown, position = _page(rows, limit, lambda row: row.sent_key)
            return MessagePage(items=tuple(row.message for row in shown), before=position)

    def mark_read(self, chat_id: str, person_id: str, up_to: str) -> None:
        """Move an active member's read position forward (never back)."""
        with self._lock:
            row = self._member_rows.get((chat_id, person_id))
            if row is not None and row.active and row.read_up_to < up_to:
                row.read_up_to = up_to

    def count_unread(self, chat_id: str, person_id: str, after: str) -> int:
        """Messages after ``after`` by others, not deleted."""
        with self._lock:
            return sum(
                1
                for (owner, _), row in self._message_rows.items()
                if owner == chat_id
                and row.sent_key > after
                and row.message.author_id != person_id
                and not row.message.deleted
            )

    # --- ChatDirectory ---------------------------------------------------------------

    def lookup(self, person_id: str, chat_id: str) -> ChatLookup:
        """The person's link, the chat and the person's membership row."""
        with self._lock:
            chat = self._chat_rows.get(chat_id)
            member = self._member_rows.get((chat_id, person_id))
            return ChatLookup(
                linked=person_id in self._links,
                chat=None if chat is None else chat.chat(),
                membership=None if member is None else member.membership(),
                consent=self._consents.get(person_id) if person_id in self._links else None,
            )

    def is_linked(self, person_id: str) -> bool:
        """Whether the journal user linked a profile."""
        with self._lock:
            return person_id in self._links

    def link_consent(self, person_id: str) -> tuple[bool, str | None]:
        """Whether the journal user linked a profile, and the link's guardian consent."""
        with self._lock:
            if person_id not in self._links:
                return False, None
            return True, self._consents.get(person_id)

    def membership(self, chat_id: str, person_id: str) -> Membership | None:
        """A membership row (active or not), or None."""
        with self._lock:
            row = self._member_rows.get((chat_id, person_id))
            return None if row is None else row.membership()

    def memberships(self, chat_id: str, person_ids: Iterable[str]) -> dict[str, Membership]:
        """Some people's membership rows in a chat, by person id."""
        with self._lock:
            return {
                pid: row.membership()
                for pid in set(person_ids)
                if (row := self._member_rows.get((chat_id, pid))) is not None
            }

    def chats_of(self, person_id: str, limit: int, before: str | None) -> ChatListPage:
        """The person's active memberships with their chats, newest activity first."""
        with self._lock:
            rows = sorted(
                (
                    row
                    for row in self._member_rows.values()
                    if row.person_id == person_id
                    and row.active
                    and row.activity_key is not None
                    and (before is None or row.activity_key < before)
                ),
                key=lambda row: row.activity_key or "",
                reverse=True,
            )
            shown, position = _page(rows, limit, lambda row: row.activity_key or "")
            items = [
                (row.membership(), self._chat_rows[row.chat_id].chat())
                for row in shown
                if row.chat_id in self._chat_rows
            ]
            linked = person_id in self._links
            return ChatListPage(
                linked=linked,
                items=items,
                before=position,
                consent=self._consents.get(person_id) if linked else None,
            )

    def members(self, chat_id: str, limit: int, after: str | None) -> MemberPage:
        """A chat's active members, by person id."""
        with self._lock:
            rows = sorted(
                (
                    row
                    for row in self._member_rows.values()
                    if row.chat_id == chat_id and row.active and (after is None or row.person_id > after)
                ),
                key=lambda row: row.person_id,
            )
            shown, position = _page(rows, limit, lambda row: row.person_id)
            return MemberPage(items=[row.membership() for row in shown], after=position)

    def school_chats(self, school_id: str, limit: int, after: str | None) -> SchoolChatPage:
        """A school's chats (archived ones too), by chat id."""
        with self._lock:
            rows = sorted(
                (
                    row
                    for row in self._chat_rows.values()
                    if row.school_id == school_id and (after is None or row.chat_id > after)
                ),
                key=lambda row: row.chat_id,
            )
            shown, position = _page(rows, limit, lambda row: row.chat_id)
            return SchoolChatPage(items=[row.chat() for row in shown], after=position)

    def active_moderator_ids(self, chat_id: str) -> set[str]:
        """The people who moderate the chat now."""
        with self._lock:
            return {
                row.person_id
                for row in self._member_rows.values()
                if row.chat_id == chat_id and row.active and row.chat_role is ChatRole.MODERATOR
            }

    def teaching_school_ids(self, person_id: str) -> set[str]:
        """The schools where the person is in some chat (active) as a teacher."""
        with self._lock:
            return {
                row.school_id
                for row in self._member_rows.values()
                if row.person_id == person_id
                and row.active
                and row.activity_key is not None
                and row.person_role is Role.TEACHER
            }

    def student_school_ids(self, person_id: str) -> set[str]:
        """The schools where the person is in some chat (active) as a student."""
        with self._lock:
            return {
                row.school_id
                for row in self._member_rows.values()
                if row.person_id == person_id
                and row.active
                and row.activity_key is not None
                and row.person_role is Role.STUDENT
            }

    def person_memberships(self, person_id: str) -> list[Membership]:
        """The person's active memberships, oldest activity first."""
        with self._lock:
            rows = sorted(
                (
                    row
                    for row in self._member_rows.values()
                    if row.person_id == person_id and row.active and row.activity_key is not None
                ),
                key=lambda row: row.activity_key or "",
            )
            return [row.membership() for row in rows]
