"""A chat's events to its members' open pages: who gets them is decided when they are sent.

:class:`ChatFeed` reads the chat's *active* members at the moment of the push
(pages of 500 through the directory port) and hands them to the live delivery
port: a person removed from a chat gets nothing more from it, and a person
added gets its next event. Publishing never fails the change it reports: the
change is stored already, and a page that misses an event catches up when it
next fetches (or polls).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.chats.directory import ChatDirectory
from chalicelib.live.port import LiveDelivery, NoLiveDelivery
from chalicelib.observability import log_event

MEMBERS_PER_READ = 500


class ChatFeed:
    """Publishes chat events to the chat's current members through a :class:`LiveDelivery`."""

    def __init__(self, directory: ChatDirectory, live: LiveDelivery) -> None:
        self.directory = directory
        self.live = live

    def member_ids(self, chat_id: str) -> list[str]:
        """The chat's active members now (one directory read per 500)."""
        members: list[str] = []
        after: str | None = None
        while True:
            page = self.directory.members(chat_id, MEMBERS_PER_READ, after)
            members.extend(member.person_id for member in page.items if member.active)
            if page.after is None:
                return members
            after = page.after

    def publish(self, chat_id: str, event: Mapping[str, Any]) -> None:
        """Push ``event`` to the chat's current members; with live delivery off, read nothing."""
        if isinstance(self.live, NoLiveDelivery):
            return
        try:
            self.live.push(self.member_ids(chat_id), event)
        except Exception as error:  # the change is stored; pages catch up by fetching
            log_event("live_publish_failed", chat_id=chat_id, event_type=event.get("type"), error=repr(error))
