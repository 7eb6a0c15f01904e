"""Chats and memberships in DynamoDB: loading a school's state and writing a change set."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.update import Action

from chalicelib.clock import isoformat_utc
from chalicelib.planning.diff import ChangeSet, apply_changes, stored_origin
from chalicelib.planning.model import (
    ROSTER_KINDS,
    ChatKind,
    ChatOrigin,
    ChatRole,
    ExistingChat,
    ExistingMember,
    MemberSource,
    PlannedChat,
    SchoolState,
)
from chalicelib.roster.model import Role
from chalicelib.store.batch import batch_get, batch_put
from chalicelib.store.tables import ARCHIVE_LISTING, ChatItem, MembershipItem, activity_key


def existing_chat(item: ChatItem) -> ExistingChat:
    """A stored chat in planning's terms."""
    return ExistingChat(
        chat_id=item.chat_id,
        school_id=item.school_id,
        kind=ChatKind(item.kind),
        class_id=item.class_id,
        title=item.title,
        archived=bool(item.archived),
        title_locked=bool(item.title_locked),
        archived_by_user=bool(item.archived_by_user),
        # Empty when read from the ``by-school`` index, which leaves chat activity out.
        last_activity=item.last_activity or "",
        origin=(
            ChatOrigin(item.origin_class_id, int(item.origin_generation or 1))
            if item.origin_class_id is not None
            else None
        ),
        member_count=int(item.member_count or 0),
    )


def existing_member(item: MembershipItem) -> ExistingMember:
    """A stored membership in planning's terms."""
    return ExistingMember(
        chat_id=item.chat_id,
        person_id=item.person_id,
        chat_role=ChatRole(item.chat_role),
        person_role=Role(item.person_role),
        name=item.name,
        active=bool(item.active),
        source=MemberSource(item.source),
        excluded=bool(item.excluded),
    )


def active_membership_row(
    school_id: str,
    chat_id: str,
    person_id: str,
    *,
    chat_role: ChatRole,
    person_role: Role,
    name: str,
    source: MemberSource,
    last_activity: str,
    joined_at: datetime | None = None,
) -> MembershipItem:
    """A whole active membership row, in the person index at the chat's last activity."""
    return MembershipItem(
        chat_id=chat_id,
        person_id=person_id,
        school_id=school_id,
        chat_role=chat_role.value,
        person_role=person_role.value,
        name=name,
        active=True,
        source=source.value,
        excluded=False,
        joined_at=joined_at,
        member_of=person_id,
        activity_key=activity_key(last_activity, chat_id),
    )


@dataclass
class WriteStats:
    """What a write cost, for reports and benchmarks."""

    requests: int = 0


class ChatStore:
    """Roster-side access to the chats and memberships tables."""

    def load_school_state(self, school_id: str) -> SchoolState:
        """Every roster-managed chat of a school and every membership row of those chats.

        Two paginated Queries on the ``by-school`` indexes, whatever the school's size.
        A subject chat its moderator archived (``archived_by_user``) is left out: it
        no longer follows the roster, so a sync neither restores it nor ends the
        memberships its members keep for reading its history.
        """
        chats = {
            item.chat_id: existing_chat(item)
            for item in ChatItem.by_school.query(school_id)
            if item.managed_by_roster and ChatKind(item.kind) in ROSTER_KINDS and not item.archived_by_user
        }
        members = {
            (item.chat_id, item.person_id): existing_member(item)
            for item in MembershipItem.by_school.query(school_id)
            if item.chat_id in chats
        }
        return SchoolState(school_id=school_id, chats=chats, members=members)

    def load_chat_state(self, school_id: str, chat_id: str) -> SchoolState:
        """One chat (whatever its state) and all its membership rows: one GetItem, one Query."""
        try:
            item = ChatItem.get(chat_id, consistent_read=True)
        except DoesNotExist:
            return SchoolState(school_id=school_id)
        members = {
            (row.chat_id, row.person_id): existing_member(row)
            for row in MembershipItem.query(chat_id, consistent_read=True)
        }
        return SchoolState(school_id=school_id, chats={chat_id: existing_chat(item)}, members=members)

    def write_changes(self, state: SchoolState, changes: ChangeSet, now: datetime) -> WriteStats:
        """Write a change set: the DynamoDB side of ``planning.diff.apply_changes``.

        Idempotent: writing the same change set again leaves the same rows. New
        chats and every membership row go out in ``BatchWriteItem`` calls; each
        touched chat then gets its absolute member count (a retry cannot double it).
        """
        stats = WriteStats()
        now_iso = isoformat_utc(now)
        after = apply_changes(state, changes)
        activity = _last_activities(state, changes, now_iso)

        counts = Counter(m.chat_id for m in after.members.values() if m.active)
        # A new chat is written with its final member count: no second request per chat.
        new_chats = [
            _new_chat_item(chat, now, now_iso, counts[chat.chat_id]) for chat in changes.chats_to_create
        ]
        for chat in changes.chats_to_create:
            activity[chat.chat_id] = now_iso
        stats.requests += batch_put(ChatItem, new_chats)

        rows: list[MembershipItem] = [
            active_membership_row(
                changes.school_id,
                planned.chat_id,
                planned.person_id,
                chat_role=planned.chat_role,
                person_role=planned.person_role,
                name=planned.name,
                source=MemberSource.ROSTER,
                last_activity=activity[planned.chat_id],
            )
            for planned in (*changes.members_to_add, *changes.members_to_update)
        ]
        for removed in changes.members_to_remove:
            rows.append(
                MembershipItem(
                    chat_id=removed.chat_id,
                    person_id=removed.person_id,
                    school_id=changes.school_id,
                    chat_role=removed.chat_role.value,
                    person_role=removed.person_role.value,
                    name=removed.name,
                    active=False,
                    source=removed.source.value,
                    excluded=removed.excluded,
                    left_at=now,
                )
            )
        stats.requests += batch_put(MembershipItem, rows)

        # Existing chats get their absolute member count (a retry cannot double it),
        # in the same request as any other change to the chat.
        updated: set[str] = {c.chat_id for c in changes.chats_to_create}
        for chat in (*changes.chats_to_restore, *changes.chats_to_retitle):
            written = after.chats[chat.chat_id]
            actions: list[Action] = [
                ChatItem.archived.set(False),
                ChatItem.archived_at.remove(),
                ChatItem.archive_listing.remove(),
                ChatItem.title.set(written.title),
                ChatItem.member_count.set(counts[chat.chat_id]),
            ]
            if written.class_id != state.chats[chat.chat_id].class_id or written.origin is not None:
                # A new school year carried the chat to another class (planning.rollover).
                actions += _class_actions(written)
            ChatItem(chat.chat_id).update(actions=actions)
            updated.add(chat.chat_id)
            stats.requests += 1
        for archived in changes.chats_to_archive:
            ChatItem(archived.chat_id).update(
                actions=[
                    ChatItem.archived.set(True),
                    ChatItem.member_count.set(0),
                    ChatItem.archived_at.set(now),
                    ChatItem.archive_listing.set(ARCHIVE_LISTING),
                ]
            )
            updated.add(archived.chat_id)
            stats.requests += 1
        # A count a crashed sync left stale (memberships written, counts not) is corrected too.
        stale = {
            chat_id
            for chat_id, chat in state.chats.items()
            if chat.member_count is not None
            and chat_id in after.chats
            and not after.chats[chat_id].archived
            and chat.member_count != counts[chat_id]
        }
        for chat_id in sorted((changes.touched_chat_ids | stale) - updated):
            ChatItem(chat_id).update(actions=[ChatItem.member_count.set(counts[chat_id])])
            stats.requests += 1
        return stats


def _class_actions(chat: ExistingChat) -> list[Action]:
    actions: list[Action] = [ChatItem.class_id.set(chat.class_id or "")]
    if chat.origin is None:
        return [*actions, ChatItem.origin_class_id.remove(), ChatItem.origin_generation.remove()]
    return [
        *actions,
        ChatItem.origin_class_id.set(chat.origin.class_id),
        ChatItem.origin_generation.set(chat.origin.generation),
    ]


def _last_activities(state: SchoolState, changes: ChangeSet, now_iso: str) -> dict[str, str]:
    """Each existing chat's last activity, where a membership row will be written (new rows sort by it).

    The school's state comes from the ``by-school`` index, which does not carry
    chat activity; the chats that get rows are read from the table (one
    BatchGetItem per 100), and a chat that has none falls back to now.
    """
    activity = {chat_id: chat.last_activity for chat_id, chat in state.chats.items() if chat.last_activity}
    wanted = {planned.chat_id for planned in (*changes.members_to_add, *changes.members_to_update)}
    missing = sorted(wanted & set(state.chats) - set(activity))
    if missing:
        found = batch_get({ChatItem: [{"chat_id": chat_id} for chat_id in missing]})[ChatItem]
        activity.update({item.chat_id: item.last_activity for item in found if item.last_activity})
    return {chat_id: activity.get(chat_id) or now_iso for chat_id in state.chats}


def _new_chat_item(chat: PlannedChat, now: datetime, now_iso: str, member_count: int) -> ChatItem:
    origin = stored_origin(chat.class_id, chat.origin)
    return ChatItem(
        chat_id=chat.chat_id,
        school_id=chat.school_id,
        kind=chat.kind.value,
        class_id=chat.class_id,
        title=chat.title,
        archived=False,
        archived_by_user=False,
        title_locked=False,
        read_only=False,
        managed_by_roster=True,
        member_count=member_count,
        created_at=now,
        last_activity=now_iso,
        origin_class_id=origin.class_id if origin else None,
        origin_generation=origin.generation if origin else None,
    )
