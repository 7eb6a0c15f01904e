"""The fan-out's one use case: bring the chat's member lists up to date, then push the message live."""

from __future__ import annotations

from chalicelib.chats.directory import ChatDirectory
from chalicelib.fanout.port import ChatLists, MessageSent
from chalicelib.live.port import LiveDelivery
from chalicelib.observability import log_event
from chalicelib.schools.settings import WAITING_ROLES


def deliver(
    lists: ChatLists, live: LiveDelivery, sent: MessageSent, directory: ChatDirectory | None = None
) -> list[str]:
    """Move the chat up in every active member's list, then announce the message to their open pages.

    Lists first: a page told of a message then finds it in its list. Safe to
    run again (a redelivery pushes the event again; pages know it by its id).
    Returns the members it reached. A push that fails is logged, not retried:
    the lists are right, and pages catch up by fetching. A chat waiting for its
    class teacher (``sent.held``) is pushed to its teachers only: its pupils and
    parents do not see it yet (one read of the members' roles; none without a
    directory to read them from).
    """
    members = lists.bring_up_to_date(sent.chat_id, sent.sent_at)
    audience = members
    if sent.held:
        rows = directory.memberships(sent.chat_id, members) if directory is not None else {}
        audience = [person for person, row in rows.items() if row.person_role not in WAITING_ROLES]
    try:
        if audience:
            live.push(audience, sent.event)
    except Exception as error:  # a push is best effort; redelivering would move nothing
        log_event("live_publish_failed", chat_id=sent.chat_id, error=repr(error))
    return members
