"""A chat's call as the rest of the service sees it: frozen values, no storage or AWS types."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum


@dataclass(frozen=True, slots=True)
class Participant:
    """Someone in a call: who, under what name, since when, and the provider's handle for them."""

    person_id: str
    name: str
    joined_at: datetime
    # The provider's own id for this participant (a Chime attendee id); None for the built-in provider.
    provider_ref: str | None = None


@dataclass(frozen=True, slots=True)
class Call:
    """A chat's call under way (a chat has at most one at a time)."""

    call_id: str
    chat_id: str
    provider: str
    started_at: datetime
    started_by: str
    ends_at: datetime
    participants: tuple[Participant, ...] = ()
    # What the provider keeps about its meeting (for Chime, the meeting as JSON); strings only.
    meeting: Mapping[str, str] = field(default_factory=dict)

    @property
    def participant_count(self) -> int:
        """How many people are in the call."""
        return len(self.participants)

    def participant(self, person_id: str) -> Participant | None:
        """The person's place in the call, or None."""
        return next((p for p in self.participants if p.person_id == person_id), None)


@dataclass(frozen=True, slots=True)
class CallSummary:
    """What a chat list shows about a chat's call."""

    call_id: str
    started_at: datetime
    participant_count: int
    ends_at: datetime


class JoinOutcome(Enum):
    """What adding a participant did."""

    ADDED = "added"
    ALREADY_IN = "already-in"
    FULL = "full"
    GONE = "gone"  # the call ended (or was replaced) meanwhile


@dataclass(frozen=True, slots=True)
class Signal:
    """One WebRTC signalling message (offer, answer, ICE candidate) from one participant to another."""

    signal_id: str
    call_id: str
    from_person: str
    to_person: str
    kind: str
    payload: str
    sent_at: datetime


@dataclass(frozen=True, slots=True)
class Joined:
    """The caller's place in a call: the call, what their browser needs to join, and who started it."""

    call: Call
    join: Mapping[str, object]
    started: bool
