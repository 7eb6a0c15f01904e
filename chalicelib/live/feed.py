"""A chat's events to its members' open pages: who gets them is decided when they are sent.

:class:`ChatFeed` reads the chat's *active* members at the moment of the push
(pages of 500 through the directory port) and hands them to the live delivery
port: a person removed from a chat gets nothing more from it, and a person
added gets its next event. Publishing never fails the change it reports: the
change is stored already, and a page that misses an event catches up when it
next fetches (or polls).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from chalicelib.chats.directory import Chat, ChatDirectory
from chalicelib.live.port import LiveDelivery, NoLiveDelivery
from chalicelib.observability import log_event
from chalicelib.schools.settings import WAITING_ROLES

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
