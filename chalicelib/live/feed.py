"""A chat's events to its members' open pages: who gets them is decided when they are sent.

:class:`ChatFeed` reads the chat's *active* members at the moment of the push
(pages of 500 through the directory port) and hands them to the live delivery
port: a person removed from a chat gets nothing more from it, and a person
added gets its next event. Publishing never fails the change it reports: the
change is stored already, and a page that misses an event catches up when it
next fetches (or polls).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from chalicelib.chats.directory import Chat, ChatDirectory
from chalicelib.live import events
from chalicelib.live.port import LiveDelivery, NoLiveDelivery
from chalicelib.observability import log_event
from chalicelib.planning.diff import ChangeSet
from chalicelib.planning.model import SchoolState
from chalicelib.schools.settings import HELD_KINDS, WAITING_ROLES

MEMBERS_PER_READ = 500


class ChatFeed:
    """Publishes chat events to the chat's current members through a :class:`LiveDelivery`."""

    def __init__(
        self, directory: ChatDirectory, live: LiveDelivery, held: Callable[[Chat], bool] | None = None
    ) -> None:
        self.directory = directory
        self.live = live
        # Whether a chat waits for its class teacher (teacher first): its pupils and parents get nothing.
        self.held = held

    def member_ids(self, chat_id: str, teachers_only: bool = False) -> list[str]:
        """The chat's active members now (one read per 500); ``teachers_only``: no pupils, parents."""
        members: list[str] = []
        after: str | None = None
        while True:
            page = self.directory.members(chat_id, MEMBERS_PER_READ, after)
            members.extend(
                member.person_id
                for member in page.items
                if member.active and not (teachers_only and member.person_role in WAITING_ROLES)
            )
            if page.after is None:
                return members
            after = page.after

    def publish(self, chat_id: str, event: Mapping[str, Any], chat: Chat | None = None) -> None:
        """Push ``event`` to the chat's current members; with live delivery off, read nothing.

        A ``chat`` waiting for its class teacher goes to its teachers only (no chat given: nobody is
        held back).
        """
        if isinstance(self.live, NoLiveDelivery):
            return
        try:
            teachers_only = chat is not None and self.held is not None and self.held(chat)
            self.live.push(self.member_ids(chat_id, teachers_only), event)
        except Exception as error:  # the change is stored; pages catch up by fetching
            log_event("live_publish_failed", chat_id=chat_id, event_type=event.get("type"), error=repr(error))

    def tell(self, person_ids: Iterable[str], event: Mapping[str, Any]) -> None:
        """Push ``event`` to these people only (someone added to or taken out of a chat); never raises."""
        people = list(dict.fromkeys(person_ids))
        if isinstance(self.live, NoLiveDelivery) or not people:
            return
        try:
            self.live.push(people, event)
        except Exception as error:  # the change is stored; pages catch up by fetching
            log_event(
                "live_publish_failed",
                chat_id=event.get("chat_id"),
                event_type=event.get("type"),
                error=repr(error),
            )

    def tell_roster_changes(self, state: SchoolState, changes: ChangeSet) -> None:
        """A sync's membership changes, to the people they concern (SPEC §10: re-checked when membership
        changes): ``chat.removed`` to each person taken out of a chat; ``chat.added`` to each person put
        in one, except pupils and parents put in a class or parents chat that waits for its class
        teacher now (they learn it when it is opened: ``chat.appeared``). Call after the changes are
        stored: whether a chat waits is read from the chat as it is then."""
        kinds = {chat.chat_id: chat.kind for chat in state.chats.values()}
        kinds.update(
            {chat.chat_id: chat.kind for chat in (*changes.chats_to_create, *changes.chats_to_restore)}
        )
        # One push per chat and event, not per membership: each push reads the sockets of its people,
        # and a school's first sync changes thousands of memberships in a few dozen chats.
        removed: dict[str, list[str]] = {}
        for member in changes.members_to_remove:
            removed.setdefault(member.chat_id, []).append(member.person_id)
        added: dict[str, list[str]] = {}
        waiting: dict[str, bool] = {}
        for planned in changes.members_to_add:
            kind = kinds.get(planned.chat_id)
            if planned.person_role in WAITING_ROLES and (kind is None or kind in HELD_KINDS):
                if planned.chat_id not in waiting:
                    waiting[planned.chat_id] = self._waits(planned.person_id, planned.chat_id)
                if waiting[planned.chat_id]:
                    continue
            added.setdefault(planned.chat_id, []).append(planned.person_id)
        for chat_id, people in removed.items():
            self.tell(people, events.chat_removed(chat_id))
        for chat_id, people in added.items():
            self.tell(people, events.chat_added(chat_id))

    def _waits(self, person_id: str, chat_id: str) -> bool:
        """Whether a class or parents chat is hidden from its pupils and parents now (unknown: it is)."""
        if isinstance(self.live, NoLiveDelivery):
            return True
        if self.held is None:
            return False
        try:
            chat = self.directory.lookup(person_id, chat_id).chat
            return chat is None or self.held(chat)
        except Exception as error:  # a page that misses it lists the chat on its next fetch
            log_event("live_publish_failed", chat_id=chat_id, event_type=events.CHAT_ADDED, error=repr(error))
            return True
