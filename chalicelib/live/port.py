"""Live delivery (SPEC §10): a chat's events pushed to its members' open pages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol


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
