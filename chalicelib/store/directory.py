"""The chat directory's DynamoDB adapter: a person's chats, a chat with the caller's place in it, members.

It implements ``chats.directory.ChatDirectory`` and hands out its frozen
domain objects (:func:`chat_of`, :func:`membership_of`); no PynamoDB item
leaves this module.

Every read here costs a fixed number of DynamoDB requests, whatever the size
of the school: a chat list page is one Query on the ``by-person`` index and
one ``BatchGetItem`` of the chats on it; a chat request starts with one
``BatchGetItem`` for the caller's link, the chat and the caller's membership.

Cursors are positions, not DynamoDB keys: a chat list continues after an
``activity_key``, a members list after a person id, a school's chats after a
chat id. The partition key of the
next Query always comes from the server (the caller, the chat in the path), so
a forged cursor can move inside the caller's own list but never out of it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.chats.directory import (
    Chat,
    ChatListPage,
    ChatLookup,
    MemberPage,
    Membership,
    SchoolChatPage,
)
from chalicelib.messenger.port import Message
from chalicelib.planning.model import ChatKind, ChatRole
from chalicelib.roster.model import Role
from chalicelib.store.batch import batch_get
from chalicelib.store.paging import one_page
from chalicelib.store.tables import ChatItem, LastMessage, LinkItem, MembershipItem


def _last_message(chat_id: str, last: LastMessage) -> Message:
    return Message(
        message_id=last.message_id,
        chat_id=chat_id,
        author_id=last.author_id,
        author_name=last.author_name,
        text=last.text,
        sent_at=last.sent_at,
        client_msg_id=last.client_msg_id,
        deleted=bool(last.deleted),
    )


def chat_of(item: ChatItem) -> Chat:
    """A stored chat as a domain object."""
    last = item.last_message
    return Chat(
        chat_id=item.chat_id,
        school_id=item.school_id,
        kind=ChatKind(item.kind),
        title=item.title,
        class_id=item.class_id,
        member_count=int(item.member_count or 0),
        read_only=bool(item.read_only),
        archived=bool(item.archived),
        archived_by_user=bool(item.archived_by_user),
        title_locked=bool(item.title_locked),
        managed_by_roster=bool(item.managed_by_roster),
        last_activity=item.last_activity,
        last_message=None if last is None else _last_message(item.chat_id, last),
    )


def membership_of(item: MembershipItem) -> Membership:
    """A stored membership row as a domain object."""
    return Membership(
        chat_id=item.chat_id,
        person_id=item.person_id,
        school_id=item.school_id,
        name=item.name,
        person_role=Role(item.person_role),
        chat_role=ChatRole(item.chat_role),
        active=bool(item.active),
        read_up_to=item.read_up_to or "",
    )


def _chat_id_of(activity: str) -> str:
    """The chat id at the end of an ``activity_key`` (``<time>#<chat id>``)."""
    return activity.rpartition("#")[2]


class DynamoDBChatDirectory:
    """Reads of chats and memberships on behalf of API callers, from DynamoDB."""

    def lookup(self, person_id: str, chat_id: str) -> ChatLookup:
        """The caller's link, the chat and the caller's membership row, in one ``BatchGetItem``.

        Strongly consistent: a member just removed cannot post, a chat just made can be opened.
        """
        found = batch_get(
            {
                LinkItem: [{"person_id": person_id}],
                ChatItem: [{"chat_id": chat_id}],
                MembershipItem: [{"chat_id": chat_id, "person_id": person_id}],
            },
            consistent=True,
        )
        chats = found[ChatItem]
        memberships = found[MembershipItem]
        links = found[LinkItem]
        return ChatLookup(
            linked=bool(links),
            chat=chat_of(chats[0]) if chats else None,
            membership=membership_of(memberships[0]) if memberships else None,
            consent=links[0].consent if links else None,
        )

    def is_linked(self, person_id: str) -> bool:
        """Whether the person has a link (one ``GetItem``)."""
        try:
            LinkItem.get(person_id)
        except DoesNotExist:
            return False
        return True

    def link_consent(self, person_id: str) -> tuple[bool, str | None]:
        """Whether the person has a link, and its guardian consent (one ``GetItem``)."""
        try:
            link = LinkItem.get(person_id)
        except DoesNotExist:
            return False, None
        return True, link.consent

    def membership(self, chat_id: str, person_id: str) -> Membership | None:
        """A membership row (active or not), or None."""
        try:
            return membership_of(MembershipItem.get(chat_id, person_id, consistent_read=True))
        except DoesNotExist:
            return None

    def memberships(self, chat_id: str, person_ids: Iterable[str]) -> dict[str, Membership]:
        """The membership rows (active or not) of some people in a chat, by person id."""
        return {pid: membership_of(row) for pid, row in self.membership_items(chat_id, person_ids).items()}

    def membership_items(self, chat_id: str, person_ids: Iterable[str]) -> dict[str, MembershipItem]:
        """The stored rows behind :meth:`memberships` (for the adapters' conditional writes)."""
        keys = [{"chat_id": chat_id, "person_id": person_id} for person_id in sorted(set(person_ids))]
        if not keys:
            return {}
        found = batch_get({MembershipItem: keys}, consistent=True)[MembershipItem]
        return {row.person_id: row for row in found}

    def chats_of(self, person_id: str, limit: int, before: str | None) -> ChatListPage:
        """A page of the person's active memberships with their chats, newest activity first.

        One Query (``by-person``, descending, ``limit + 1`` to know whether more
        follow) and one ``BatchGetItem`` of the page's chats — which also fetches
        the person's link, so the caller can refuse an unlinked user without a
        third request.
        """
        start: dict[str, Any] | None = None
        if before is not None:
            start = {
                "member_of": {"S": person_id},
                "activity_key": {"S": before},
                "chat_id": {"S": _chat_id_of(before)},
                "person_id": {"S": person_id},
            }
        rows, position = one_page(
            MembershipItem.by_person.query(
                person_id, scan_index_forward=False, limit=limit + 1, last_evaluated_key=start
            ),
            limit,
            lambda row: row.activity_key,
        )
        found = batch_get(
            {LinkItem: [{"person_id": person_id}], ChatItem: [{"chat_id": row.chat_id} for row in rows]}
        )
        chats = {chat.chat_id: chat for chat in found[ChatItem]}
        # A row whose chat is missing (a creation that crashed half-way) is skipped, not shown broken.
        items = [(membership_of(row), chat_of(chats[row.chat_id])) for row in rows if row.chat_id in chats]
        links = found[LinkItem]
        return ChatListPage(
            linked=bool(links),
            items=items,
            before=position,
            consent=links[0].consent if links else None,
        )

    def members(self, chat_id: str, limit: int, after: str | None) -> MemberPage:
        """A page of a chat's active members, ordered by person id."""
        start = {"chat_id": {"S": chat_id}, "person_id": {"S": after}} if after is not None else None
        rows, position = one_page(
            MembershipItem.query(
                chat_id,
                filter_condition=MembershipItem.active == True,  # noqa: E712 - a DynamoDB condition
                limit=limit + 1,
                last_evaluated_key=start,
            ),
            limit,
            lambda row: row.person_id,
        )
        return MemberPage(items=[membership_of(row) for row in rows], after=position)

    def school_chats(self, school_id: str, limit: int, after: str | None) -> SchoolChatPage:
        """A page of a school's chats (archived ones too), by chat id.

        A Query on ``by-school``, then one BatchGetItem of the page's chats.
        """
        start = None
        if after is not None:
            start = {"school_id": {"S": school_id}, "chat_id": {"S": after}}
        listed, position = one_page(
            ChatItem.by_school.query(school_id, limit=limit + 1, last_evaluated_key=start),
            limit,
            lambda chat: chat.chat_id,
        )
        # The index leaves chat activity out (a send writes nothing under the school):
        # the page's chats themselves come from the table, one BatchGetItem per 100.
        keys = [{"chat_id": chat.chat_id} for chat in listed]
        found = {item.chat_id: item for item in batch_get({ChatItem: keys})[ChatItem]}
        return SchoolChatPage(
            items=[chat_of(found.get(chat.chat_id, chat)) for chat in listed], after=position
        )

    def active_moderator_ids(self, chat_id: str) -> set[str]:
        """The people who moderate a chat now."""
        return {
            row.person_id
            for row in MembershipItem.query(
                chat_id,
                filter_condition=(MembershipItem.active == True)  # noqa: E712 - a DynamoDB condition
                & (MembershipItem.chat_role == ChatRole.MODERATOR.value),
            )
        }

    def teaching_school_ids(self, person_id: str) -> set[str]:
        """The schools where the person is in some chat as a teacher (to guess where they create one)."""
        return {
            row.school_id
            for row in MembershipItem.by_person.query(
                person_id, filter_condition=MembershipItem.person_role == Role.TEACHER.value
            )
        }

    def student_school_ids(self, person_id: str) -> set[str]:
        """The schools where the person is in some chat (active) as a student."""
        return {
            row.school_id
            for row in MembershipItem.by_person.query(
                person_id, filter_condition=MembershipItem.person_role == Role.STUDENT.value
            )
        }

    def person_memberships(self, person_id: str) -> list[Membership]:
        """The person's active memberships: one ``Query`` of ``by-person`` (all pages)."""
        return [membership_of(row) for row in MembershipItem.by_person.query(person_id)]
