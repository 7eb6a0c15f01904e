"""What a live event says (SPEC §10): which chat changed and how, never a message's text.

A page that gets an event fetches what it shows through the API or the hosted
page, which check membership again; so a push that races a member's removal
carries nothing they may no longer read. Every event is a JSON object with
``type`` and ``chat_id``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.chats.directory import Chat

MESSAGE_CREATED = "message.created"
MESSAGE_DELETED = "message.deleted"
CHAT_CHANGED = "chat.changed"
CALL_STARTED = "call.started"
CALL_ENDED = "call.ended"
CHAT_APPEARED = "chat.appeared"
CHAT_ADDED = "chat.added"
CHAT_REMOVED = "chat.removed"


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def message_deleted(chat_id: str, message_id: str) -> dict[str, Any]:
    """A message replaced by its "deleted" placeholder."""
    return {"type": MESSAGE_DELETED, "chat_id": chat_id, "message_id": message_id}


def chat_changed(chat: Chat) -> dict[str, Any]:
    """A chat renamed, switched to or from announcements, or archived: how it is now."""
    return {
        "type": CHAT_CHANGED,
        "chat_id": chat.chat_id,
        "title": chat.title,
        "read_only": chat.read_only or chat.archived,
        "archived": chat.archived,
    }


def call_started(chat_id: str, call_id: str, started_at: datetime) -> dict[str, Any]:
    """A call under way in the chat, for its members to join."""
    return {"type": CALL_STARTED, "chat_id": chat_id, "call_id": call_id, "started_at": _iso(started_at)}


def call_ended(chat_id: str, call_id: str) -> dict[str, Any]:
    """The chat's call is over: pages drop their «Присоединиться»."""
    return {"type": CALL_ENDED, "chat_id": chat_id, "call_id": call_id}


def chat_appeared(chat: Chat) -> dict[str, Any]:
    """A chat now shown to members who did not see it (its class teacher opened it): list it."""
    return {"type": CHAT_APPEARED, "chat_id": chat.chat_id, "title": chat.title}


def chat_added(chat_id: str) -> dict[str, Any]:
    """The reader was put in a chat (by a roster sync or a moderator): list it."""
    return {"type": CHAT_ADDED, "chat_id": chat_id}


def chat_removed(chat_id: str) -> dict[str, Any]:
    """The reader is no longer in the chat: drop it (nothing more of it is pushed to them)."""
    return {"type": CHAT_REMOVED, "chat_id": chat_id}
