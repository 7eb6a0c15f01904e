"""The fan-out's one use case: bring the chat's member lists up to date, then push the message live."""

from __future__ import annotations

from chalicelib.fanout.port import ChatLists, MessageSent
from chalicelib.live.port import LiveDelivery
from chalicelib.observability import log_event


def deliver(lists: ChatLists, live: LiveDelivery, sent: MessageSent) -> list[str]:
    """Move the chat up in every active member's list, then announce the message to their open pages.

    Lists first: a page told of a message then finds it in its list. Safe to
    run again (a redelivery pushes the event again; pages know it by its id).
    Returns the members it reached. A push that fails is logged, not retried:
    the lists are right, and pages catch up by fetching.
    """
    members = lists.bring_up_to_date(sent.chat_id, sent.sent_at)
    try:
        live.push(members, sent.event)
    except Exception as error:  # a push is best effort; redelivering would move nothing
        log_event("live_publish_failed", chat_id=sent.chat_id, error=repr(error))
    return members
