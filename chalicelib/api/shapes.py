"""The JSON shapes of SPEC §6 (field names are part of the contract), rendered from domain objects."""

from __future__ import annotations

from typing import Any

from chalicelib.chats.directory import Chat, Membership
from chalicelib.chats.people import PersonAbout
from chalicelib.clock import isoformat_utc
from chalicelib.messenger.port import Message


def message_json(message: Message, attachments: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A message: ``{"id", "chat_id", "author_id", "author_name", "text", "sent_at", "client_msg_id"}``.

    Plus ``deleted``: a deleted message stays in the history as a placeholder with no text;
    ``reply_to``: the id of the message of the chat it answers, or None; and
    ``attachments`` (``api.attachments.attachment_json``), where the caller looked them up.
    """
    return {
        "id": message.message_id,
        "chat_id": message.chat_id,
        "author_id": message.author_id,
        "author_name": message.author_name,
        "text": "" if message.deleted else message.text,
        "sent_at": isoformat_utc(message.sent_at),
        "client_msg_id": message.client_msg_id,
        "deleted": message.deleted,
        "reply_to": message.reply_to,
        "attachments": [] if message.deleted else (attachments or []),
    }


def chat_json(chat: Chat, my_role: str | None, call: dict[str, Any] | None = None) -> dict[str, Any]:
    """A chat: ``{"id", "kind", "title", "school_id", "class_id", "member_count", "my_role", ...}``.

    ``call`` is the call under way (``api.calls.call_summary_json``), shown to members only.
    """
    last = chat.last_message
    return {
        "id": chat.chat_id,
        "kind": chat.kind.value,
        "title": chat.title,
        "school_id": chat.school_id,
        "class_id": chat.class_id,
        "member_count": chat.member_count,
        "my_role": my_role,
        "read_only": chat.read_only or chat.archived,
        "archived": chat.archived,
        "managed_by_roster": chat.managed_by_roster,
        "last_message": None if last is None else message_json(last),
        "call": call if my_role is not None and not chat.archived else None,
    }


def member_json(member: Membership, about: PersonAbout | None = None) -> dict[str, Any]:
    """A member: ``{"person_id", "name", "role", "chat_role"}`` (never a phone number).

    With ``about`` (the school's roster), also ``full_name`` (adults with their
    patronymic) and ``about``: their role in words («мама Козлова Артёма, 5А»).
    """
    shown = {
        "person_id": member.person_id,
        "name": member.name,
        "role": member.person_role.value,
        "chat_role": member.chat_role.value,
    }
    if about is not None:
        shown |= {"full_name": about.name, "about": about.about}
    return shown


def person_json(about: PersonAbout) -> dict[str, Any]:
    """A person of the school a teacher may pick: ``{"person_id", "name", "about"}``."""
    return {"person_id": about.person_id, "name": about.name, "about": about.about}
