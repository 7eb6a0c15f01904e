"""Live delivery (SPEC §10): a chat's events pushed to its members' open pages."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from chalicelib.clock import Clock
    from chalicelib.live.connections import ConnectionStore


class LiveDelivery(Protocol):
    """Pushes one event to every open connection of the given people."""

    def push(self, person_ids: Iterable[str], event: Mapping[str, Any]) -> None:
        """Send ``event`` to the open pages of ``person_ids``; a gone connection is dropped, never raised."""

    def close(self, connection_ids: Iterable[str]) -> None:
        """Close these sockets and forget them (their sign-in ended); never raises."""


class NoLiveDelivery:
    """Live delivery switched off: pages poll."""

    def push(self, person_ids: Iterable[str], event: Mapping[str, Any]) -> None:
        """Drop the event."""

    def close(self, connection_ids: Iterable[str]) -> None:
        """Nothing is open."""


class LiveReplies(Protocol):
    """Answers a socket's own frames (``ping``, ``auth``): a Lambda's return value is not sent to it."""

    def answer(self, connection_id: str, event: Mapping[str, Any]) -> bool:
        """Send ``event`` to that one connection; False when it did not go."""
        ...


# How replies reach a socket: given the open sockets, the management endpoint the frame came
# through (unless one is configured) and the clock; built once in bootstrap, used per frame.
RepliesThrough = Callable[["ConnectionStore", str, "Clock"], LiveReplies]
