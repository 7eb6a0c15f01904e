"""The JSON shapes of SPEC §6 (field names are part of the contract)."""

from __future__ import annotations

from typing import Any

from chalicelib.clock import isoformat_utc
from chalicelib.store.tables import ChatItem, MembershipItem


def chat_json(chat: ChatItem, my_role: str | None) -> dict[str, Any]:
    """A chat: ``{"id", "kind", "title", "school_id", "class_id", "member_count", "my_role", ...}``."""
    last = chat.last_message
    return {
        "id": chat.chat_id,
        "kind": chat.kind,
        "title": chat.title,
        "school_id": chat.school_id,
        "class_id": chat.class_id,
        "member_count": int(chat.member_count or 0),
        "my_role": my_role,
        "read_only": bool(chat.read_only) or bool(chat.archived),
        "archived": bool(chat.archived),
        "managed_by_roster": bool(chat.managed_by_roster),
        "last_message": None
        if last is None
        else {
            "id": last.message_id,
            "chat_id": chat.chat_id,
            "author_id": last.author_id,
            "author_name": last.author_name,
            "text": "" if last.deleted else last.text,
            "sent_at": isoformat_utc(last.sent_at),
            "deleted": bool(last.deleted),
        },
    }


def member_json(member: MembershipItem) -> dict[str, Any]:
    """A member: ``{"person_id", "name", "role", "chat_role"}`` (never a phone number)."""
    return {
        "person_id": member.person_id,
        "name": member.name,
        "role": member.person_role,
        "chat_role": member.chat_role,
    }
