"""The ports of the calls feature: where calls are kept, and who carries their media.

:class:`CallProvider` is to calls what the messenger port is to chats: the
built-in provider (``calls.builtin``: WebRTC between browsers, signalling
through this service) and Amazon Chime SDK meetings (``store/chime.py``)
implement it, and configuration (``CALL_PROVIDER``) picks one.

:class:`CallStore` keeps a chat's call, its participants and the built-in
provider's signals: ``store.calls`` on DynamoDB, ``memory.calls`` in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib.calls.model import Call, CallSummary, JoinOutcome, Participant, Signal

CHIME = "chime"
"""The Amazon Chime SDK provider's name (its adapter: ``store/chime.py``; the hosted page loads its SDK)."""


@dataclass(frozen=True, slots=True)
class Admission:
    """A participant let in by the provider: what their browser needs, and the provider's id for them."""

    join: Mapping[str, Any]
    provider_ref: str | None = None


class CallProvider(Protocol):
    """Carries a call's audio and video."""

    name: str
    max_participants: int

    def open_meeting(self, call_id: str, chat_id: str) -> Mapping[str, str]:
        """Make the provider's meeting for a new call; what it returns is kept with the call."""
        ...

    def admit(self, call: Call, person_id: str, name: str) -> Admission:
        """Let a person into the call's meeting (again, if they are in it already)."""
        ...

    def dismiss(self, call: Call, participant: Participant) -> None:
        """Take a participant out of the meeting (they left)."""
        ...

    def close_meeting(self, call: Call) -> None:
        """End the meeting for everyone (the call ended). Closing a closed meeting is no error."""
        ...


class CallStore(Protocol):
    """Where calls are kept. Every write is conditional, so concurrent requests cannot double a call."""

    def current(self, chat_id: str) -> Call | None:
        """The chat's call with its participants (ended or not: the service judges), or None."""
        ...

    def summaries(self, chat_ids: Iterable[str]) -> dict[str, CallSummary]:
        """For a page of chats: the summary of each one's call, by chat id (ended or not)."""
        ...

    def create(self, call: Call) -> bool:
        """Keep a new call (no participants yet) unless the chat has one already; False if it has."""
        ...

    def add_participant(self, call: Call, participant: Participant, limit: int) -> JoinOutcome:
        """Add a participant to the call if it is still the chat's call and has room."""
        ...

    def remove_participant(self, call: Call, person_id: str) -> int | None:
        """Take a participant out; the participants left, or None when they were not in the call."""
        ...

    def end(self, call: Call) -> bool:
        """Forget the chat's call if it is still ``call``; False when another request ended it first."""
        ...

    def add_signal(self, chat_id: str, signal: Signal, ttl_s: int) -> None:
        """Keep a signal for its recipient for ``ttl_s`` seconds at least."""
        ...

    def signals_for(self, chat_id: str, call_id: str, person_id: str, after: str | None) -> list[Signal]:
        """The signals sent to a participant of a call after the one with id ``after``, oldest first."""
        ...
