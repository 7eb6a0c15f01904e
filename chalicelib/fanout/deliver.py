"""The fan-out's one use case: bring the chat's member lists up to date, then push the message live."""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.chats.directory import Chat, ChatDirectory
from chalicelib.fanout.port import ChatLists, MessageSent
from chalicelib.live.port import LiveDelivery
from chalicelib.observability import log_event
from chalicelib.schools.settings import WAITING_ROLES

# Who of a chat's members a message is pushed to: (chat id, its active members) → the audience.
Audience = Callable[[str, list[str]], list[str]]


def deliver(
    lists: ChatLists, live: LiveDelivery, sent: MessageSent, audience: Audience | None = None
) -> list[str]:
    """Move the chat up in every active member's list, then announce the message to their open pages.

    Lists first: a page told of a message then finds it in its list. Safe to
    run again (a redelivery pushes the event again; pages know it by its id).
    Returns the members it reached. A push that fails is logged, not retried:
    the lists are right, and pages catch up by fetching. A message of a chat
    that may wait for its class teacher (``sent.may_wait``) goes to
    ``audience(chat, members)`` (:func:`teacher_first_audience`); with none
    given, to nobody.
    """
    members = lists.bring_up_to_date(sent.chat_id, sent.sent_at)
    try:
        told = members
        if sent.may_wait:
            told = audience(sent.chat_id, members) if audience is not None else []
        if told:
            live.push(told, sent.event)
    except Exception as error:  # a push is best effort; redelivering would move nothing
        log_event("live_publish_failed", chat_id=sent.chat_id, error=repr(error))
    return members


def teacher_first_audience(
    directory: ChatDirectory, holds_back: Callable[[Chat], bool], chat_id: str, members: list[str]
) -> list[str]:
    """The members a chat's message is pushed to: all, unless the chat waits for its class teacher
    (teacher first, SPEC §10), then its teachers only — its pupils and parents see nothing of it yet.
    One read of the chat (and the school's settings), and one of the members' roles if it waits."""
    if not members:
        return members
    chat = directory.lookup(members[0], chat_id).chat
    if chat is None or not holds_back(chat):
        return members
    rows = directory.memberships(chat_id, members)
    return [person for person, row in rows.items() if row.person_role not in WAITING_ROLES]
