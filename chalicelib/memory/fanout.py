"""The fan-out queue's in-memory twins: delivered at once, or held until a test delivers them."""

from __future__ import annotations

from chalicelib.fanout.deliver import deliver
from chalicelib.fanout.port import ChatLists, MessageSent
from chalicelib.live.port import LiveDelivery, NoLiveDelivery


class InlineFanOut:
    """Delivers each message as soon as it is queued (use-case tests that do not test the queue)."""

    def __init__(self, lists: ChatLists, live: LiveDelivery | None = None) -> None:
        self.lists = lists
        self.live = live or NoLiveDelivery()

    def enqueue(self, sent: MessageSent) -> None:
        """Run the fan-out now."""
        deliver(self.lists, self.live, sent)


class HeldFanOut:
    """Keeps what was queued, in order, for a test to deliver (twice, out of order, or not at all)."""

    def __init__(self) -> None:
        self.queued: list[MessageSent] = []

    def enqueue(self, sent: MessageSent) -> None:
        """Hold the message."""
        self.queued.append(sent)
