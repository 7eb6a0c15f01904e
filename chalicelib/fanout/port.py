"""The fan-out's ports: the queue a send leaves its message on, and the chat lists it moves.

A send (``ChatService.send_message``) stores the message and the chat's last
message — a fixed number of requests whatever the chat's size — and leaves a
:class:`MessageSent` on a :class:`FanOutQueue`. A consumer (``fanout.deliver``,
behind the fan-out queue's handler) then moves the chat up in every active
member's list (:class:`ChatLists`) and pushes the message to their open pages.

Why no FIFO queue: what the consumer writes is last-writer-wins by message
time. A member's list place only ever moves forward to a later message
(``activity_key`` = send time + chat id, a conditional update), so applying
the same message twice, or an older one after a newer one, leaves the same
state as applying them once in order: duplicates and reordered deliveries
converge without per-chat ordering, and a big chat's fan-out never holds up
the next message of the same chat behind it (a FIFO group would).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from chalicelib.live.events import MESSAGE_CREATED


@dataclass(frozen=True, slots=True)
class MessageSent:
    """A new message of a chat, as the fan-out needs it: which chat, which message, when."""

    chat_id: str
    message_id: str
    sent_at: str  # ISO 8601 UTC as stored (``clock.isoformat_utc``): the chat's new last activity
    # An unopened class or parents chat (known without a read): the fan-out checks teacher first (SPEC
    # §10) behind the answer, and a chat still waiting for its class teacher is pushed to its teachers only.
    may_wait: bool = False

    @property
    def event(self) -> dict[str, str]:
        """The live event that announces it (SPEC §10)."""
        return {"type": MESSAGE_CREATED, "chat_id": self.chat_id, "message_id": self.message_id}


class FanOutQueue(Protocol):
    """Where a send leaves its message for the fan-out (at least once)."""

    def enqueue(self, sent: MessageSent) -> None:
        """Queue the message's fan-out; raises if it could not be queued."""
        ...


class ChatLists(Protocol):
    """The members' chat lists, ordered by each chat's last activity."""

    def bring_up_to_date(self, chat_id: str, last_activity: str) -> list[str]:
        """Move the chat to at least ``last_activity`` in every active member's list; their ids.

        Idempotent and order-free: a list place never moves back, an ended
        membership is never revived, and a chat already brought up to a later
        time is not written again.
        """
        ...
