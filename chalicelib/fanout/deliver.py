"""The fan-out's one use case: bring the chat's member lists up to date, then push the message live."""

from __future__ import annotations

from chalicelib.fanout.port import ChatLists, MessageSent
from chalicelib.live.port import LiveDelivery


def deliver(lists: ChatLists, live: LiveDelivery, sent: MessageSent) -> list[str]:
    """Move the chat up in every active member's list, then announce the message to their open pages.

    Lists first: a page told of a message then finds it in its list. Safe to
    run again (a redelivery pushes the event again; pages know it by its id).
    Returns the members it reached.
    """
    members = lists.bring_up_to_date(sent.chat_id, sent.sent_at)
    live.push(members, sent.event)
    return members
