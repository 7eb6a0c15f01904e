"""The fan-out queue's in-memory twins: delivered at once, or held until a test delivers them."""

from __future__ import annotations

from chalicelib.fanout.deliver import deliver
from chalicelib.fanout.payload import message_sent, to_body
from chalicelib.fanout.port import ChatLists, MessageSent
from chalicelib.live.port import LiveDelivery, NoLiveDelivery


class InlineFanOut:
    """Delivers each message as soon as it is queued (use-case tests that do not test the queue)."""

    def __init__(self, lists: ChatLists, live: LiveDelivery | None = None) -> None:
        self.lists = lists
        self.live = live or NoLiveDelivery()

    def enqueue(self, sent: MessageSent) -> None:
        """Run the fan-out now (on the message as the queue would carry it: one it could not is refused)."""
        deliver(self.lists, self.live, _as_queued(sent))


class HeldFanOut:
    """Keeps what was queued, in order, for a test to deliver (twice, out of order, or not at all)."""

    def __init__(self) -> None:
        self.queued: list[MessageSent] = []

    def enqueue(self, sent: MessageSent) -> None:
        """Hold the message (as the queue would carry it: one it could not is refused)."""
        self.queued.append(_as_queued(sent))


def _as_queued(sent: MessageSent) -> MessageSent:
    """The message through the queue's encoding, as ``SqsFanOutQueue`` sends it and the consumer reads it."""
    return message_sent(to_body(sent))
