"""Chats changed by hand, in DynamoDB: custom chats, renames, announcements mode, archiving, members.

``member_count`` stays exact under retries and races: a membership that
starts or ends by hand is written in one transaction with the chat's
``ADD member_count ±n``, and each membership write is conditional on the
state it changes from (not yet active / still active).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.expressions.update import Action

from chalicelib.clock import isoformat_utc
from chalicelib.messenger.port import ChatEdit, ChatIdTaken, NewChat, NewMember
from chalicelib.planning.model import ExistingChat
from chalicelib.store.batch import batch_put
from chalicelib.store.chats import active_membership_row
from chalicelib.store.conditions import is_condition_failure, write_transaction
from chalicelib.store.directory import DynamoDBChatDirectory
from chalicelib.store.tables import ChatItem, MembershipItem, activity_key

# A transaction holds at most 100 items: 99 memberships and the chat's count.
MEMBERS_PER_TRANSACTION = 99
ADD_ATTEMPTS = 3


class ConcurrentChange(Exception):
    """The memberships kept changing under a write; the caller may retry."""


def _activation(chat: ExistingChat, member: NewMember, now: datetime) -> list[Action]:
    return [
        MembershipItem.school_id.set(chat.school_id),
        MembershipItem.chat_role.set(member.chat_role.value),
        MembershipItem.person_role.set(member.person_role.value),
        MembershipItem.name.set(member.name),
        MembershipItem.active.set(True),
        MembershipItem.source.set(member.source.value),
        MembershipItem.excluded.set(False),
        MembershipItem.joined_at.set(now),
        MembershipItem.left_at.remove(),
        MembershipItem.member_of.set(member.person_id),
        MembershipItem.activity_key.set(activity_key(chat.last_activity, chat.chat_id)),
    ]


class ModerationStore:
    """Writes for chats made and moderated by hand."""

    def __init__(self, directory: DynamoDBChatDirectory | None = None) -> None:
        self.directory = directory or DynamoDBChatDirectory()

    def create_chat(self, chat: NewChat, members: Sequence[NewMember], now: datetime) -> bool:
        """The chat item (its count already right), then its membership rows in batches.

        A chat with this id already there is a retried request (its id derived
        from the request id): the rows its first attempt did not get to write are
        written now — rows that exist, even ended ones, are left alone, so a
        member removed since stays removed — and False says it was not created.
        """
        now_iso = isoformat_utc(now)
        created = True
        try:
            ChatItem(
                chat_id=chat.chat_id,
                school_id=chat.school_id,
                kind=chat.kind.value,
                class_id=chat.class_id,
                title=chat.title,
                managed_by_roster=False,
                member_count=len(members),
                created_at=now,
                created_by=chat.created_by,
                request_digest=chat.request_digest,
                last_activity=now_iso,
            ).save(condition=ChatItem.chat_id.does_not_exist())
        except PutError as error:
            if not is_condition_failure(error):
                raise
            first = ChatItem.get(chat.chat_id, consistent_read=True)
            if chat.request_digest is None or (first.created_by, first.request_digest) != (
                chat.created_by,
                chat.request_digest,
            ):
                raise ChatIdTaken(chat.chat_id) from error
            # Rows still missing are written as the first attempt would have: joined at the chat's
            # creation, placed in lists at its current last activity.
            created, now_iso, now = False, first.last_activity, first.created_at
        if not created:
            written = self.directory.membership_items(chat.chat_id, [member.person_id for member in members])
            members = [member for member in members if member.person_id not in written]
        rows = [
            active_membership_row(
                chat.school_id,
                chat.chat_id,
                member.person_id,
                chat_role=member.chat_role,
                person_role=member.person_role,
                name=member.name,
                source=member.source,
                last_activity=now_iso,
                joined_at=now,
            )
            for member in members
        ]
        batch_put(MembershipItem, rows)
        return created

    def edit_chat(self, chat_id: str, edit: ChatEdit) -> None:
        """Apply a moderator's edit; a new title is locked against roster syncs."""
        actions: list[Action] = []
        if edit.title is not None:
            actions += [ChatItem.title.set(edit.title), ChatItem.title_locked.set(True)]
        if edit.read_only is not None:
            actions.append(ChatItem.read_only.set(edit.read_only))
        if actions:
            ChatItem(chat_id).update(actions=actions, condition=ChatItem.chat_id.exists())

    def set_archived(self, chat_id: str, archived: bool) -> None:
        """Archive a chat by hand (or undo it). ``archived_by_user`` detaches it from roster syncs."""
        ChatItem(chat_id).update(
            actions=[ChatItem.archived.set(archived), ChatItem.archived_by_user.set(archived)],
            condition=ChatItem.chat_id.exists(),
        )

    def add_members(self, chat: ExistingChat, members: Sequence[NewMember], now: datetime) -> list[str]:
        """Start the memberships that are not active yet; returns their person ids.

        Reads the rows first (one ``BatchGetItem``), then writes each batch of
        new memberships and the count in one transaction, conditional on the
        rows still being as read; a concurrent change makes it read again.
        """
        wanted = {member.person_id: member for member in members}
        for _attempt in range(ADD_ATTEMPTS):
            rows = self.directory.membership_items(chat.chat_id, wanted)
            starting = [m for pid, m in sorted(wanted.items()) if not (pid in rows and rows[pid].active)]
            try:
                for start in range(0, len(starting), MEMBERS_PER_TRANSACTION):
                    self._start(chat, starting[start : start + MEMBERS_PER_TRANSACTION], rows, now)
            except TransactWriteError as error:
                if not is_condition_failure(error):
                    raise
                continue
            return [member.person_id for member in starting]
        raise ConcurrentChange(chat.chat_id)

    def _start(
        self,
        chat: ExistingChat,
        batch: Sequence[NewMember],
        rows: dict[str, MembershipItem],
        now: datetime,
    ) -> None:
        if not batch:
            return
        with write_transaction() as transaction:
            for member in batch:
                was = rows.get(member.person_id)
                transaction.update(
                    MembershipItem(chat.chat_id, member.person_id),
                    actions=_activation(chat, member, now),
                    condition=(
                        MembershipItem.chat_id.does_not_exist()
                        if was is None
                        else MembershipItem.active == False  # noqa: E712 - a DynamoDB condition
                    ),
                )
            transaction.update(ChatItem(chat.chat_id), actions=[ChatItem.member_count.add(len(batch))])

    def remove_member(self, chat: ExistingChat, person_id: str, *, exclude: bool, now: datetime) -> bool:
        """End an active membership and count it out, in one transaction; False if it was not active."""
        actions: list[Action] = [
            MembershipItem.active.set(False),
            MembershipItem.left_at.set(now),
            MembershipItem.member_of.remove(),
            MembershipItem.activity_key.remove(),
        ]
        if exclude:
            actions.append(MembershipItem.excluded.set(True))
        try:
            with write_transaction() as transaction:
                transaction.update(
                    MembershipItem(chat.chat_id, person_id),
                    actions=actions,
                    condition=MembershipItem.active == True,  # noqa: E712 - a DynamoDB condition
                )
                transaction.update(ChatItem(chat.chat_id), actions=[ChatItem.member_count.add(-1)])
        except TransactWriteError as error:
            if is_condition_failure(error):
                return False
            raise
        return True
