"""Reading the chat directory for the API: a person's chats, a chat with the caller's place in it, members.

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
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.planning.model import ChatRole
from chalicelib.roster.model import Role
from chalicelib.store.batch import batch_get
from chalicelib.store.paging import one_page
from chalicelib.store.tables import ChatItem, LinkItem, MembershipItem


@dataclass(frozen=True)
class ChatLookup:
    """What one request needs to authorize a chat route."""

    linked: bool
    chat: ChatItem | None
    membership: MembershipItem | None
    # The link's guardian consent (``safety.consent``): None, pending, approved or refused.
    consent: str | None = None


@dataclass(frozen=True)
class ChatListPage:
    """A page of a person's chats (membership row and chat), newest activity first."""

    linked: bool
    items: list[tuple[MembershipItem, ChatItem]]
    before: str | None
    consent: str | None = None


@dataclass(frozen=True)
class MemberPage:
    """A page of a chat's active members, by person id."""

    items: list[MembershipItem]
    after: str | None


@dataclass(frozen=True)
class SchoolChatPage:
    """A page of a school's chats, by chat id (the back office)."""

    items: list[ChatItem]
    after: str | None


def _chat_id_of(activity: str) -> str:
    """The chat id at the end of an ``activity_key`` (``<time>#<chat id>``)."""
    return activity.rpartition("#")[2]


class ChatDirectory:
    """Reads of chats and memberships on behalf of API callers."""

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
            chat=chats[0] if chats else None,
            membership=memberships[0] if memberships else None,
            consent=links[0].consent if links else None,
        )

    def membership(self, chat_id: str, person_id: str) -> MembershipItem | None:
        """A membership row (active or not), or None."""
        try:
            return MembershipItem.get(chat_id, person_id, consistent_read=True)
        except DoesNotExist:
            return None

    def memberships(self, chat_id: str, person_ids: Iterable[str]) -> dict[str, MembershipItem]:
        """The membership rows (active or not) of some people in a chat, by person id."""
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
        items = [(row, chats[row.chat_id]) for row in rows if row.chat_id in chats]
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
        return MemberPage(items=rows, after=position)

    def school_chats(self, school_id: str, limit: int, after: str | None) -> SchoolChatPage:
        """A page of a school's chats (archived ones too), by chat id: one Query on ``by-school``."""
        start = None
        if after is not None:
            start = {"school_id": {"S": school_id}, "chat_id": {"S": after}}
        chats, position = one_page(
            ChatItem.by_school.query(school_id, limit=limit + 1, last_evaluated_key=start),
            limit,
            lambda chat: chat.chat_id,
        )
        return SchoolChatPage(items=chats, after=position)

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
