"""The in-memory twin of the calls table (``store.calls``): the same answers, for unit tests."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable

from chalicelib.calls.model import Call, CallSummary, JoinOutcome, Participant, Signal


class MemoryCallStore:
    """:class:`~chalicelib.calls.port.CallStore` in a dict, one lock around every change."""

    def __init__(self) -> None:
        self._calls: dict[str, Call] = {}
        self._signals: dict[tuple[str, str, str], list[Signal]] = {}
        self._lock = threading.Lock()

    def current(self, chat_id: str) -> Call | None:
        """The chat's call, or None."""
        with self._lock:
            return self._calls.get(chat_id)

    def summaries(self, chat_ids: Iterable[str]) -> dict[str, CallSummary]:
        """Each listed chat's call summary."""
        with self._lock:
            return {
                chat_id: CallSummary(call.call_id, call.started_at, call.participant_count, call.ends_at)
                for chat_id in chat_ids
                if (call := self._calls.get(chat_id)) is not None
            }

    def create(self, call: Call) -> bool:
        """Keep the call unless the chat has one."""
        with self._lock:
            if call.chat_id in self._calls:
                return False
            self._calls[call.chat_id] = dataclasses.replace(call, participants=())
            return True

    def add_participant(self, call: Call, participant: Participant, limit: int) -> JoinOutcome:
        """Add the participant to the chat's call if it is still ``call`` and has room."""
        with self._lock:
            now = self._calls.get(call.chat_id)
            if now is None or now.call_id != call.call_id:
                return JoinOutcome.GONE
            if now.participant(participant.person_id) is not None:
                return JoinOutcome.ALREADY_IN
            if now.participant_count >= limit:
                return JoinOutcome.FULL
            joined = (*now.participants, participant)
            self._calls[call.chat_id] = dataclasses.replace(now, participants=joined)
            return JoinOutcome.ADDED

    def remove_participant(self, call: Call, person_id: str) -> int | None:
        """Take the participant out; how many are left (None: they were not in it)."""
        with self._lock:
            now = self._calls.get(call.chat_id)
            if now is None or now.call_id != call.call_id or now.participant(person_id) is None:
                return None
            kept = tuple(p for p in now.participants if p.person_id != person_id)
            self._calls[call.chat_id] = dataclasses.replace(now, participants=kept)
            return len(kept)

    def end(self, call: Call) -> bool:
        """Forget the chat's call if it is still ``call``."""
        with self._lock:
            now = self._calls.get(call.chat_id)
            if now is None or now.call_id != call.call_id:
                return False
            del self._calls[call.chat_id]
            return True

    def add_signal(self, chat_id: str, signal: Signal, ttl_s: int) -> None:
        """Keep the signal for its recipient (the twin never expires them)."""
        with self._lock:
            self._signals.setdefault((chat_id, signal.call_id, signal.to_person), []).append(signal)

    def signals_for(self, chat_id: str, call_id: str, person_id: str, after: str | None) -> list[Signal]:
        """The recipient's signals after ``after``, oldest first (at most 100)."""
        with self._lock:
            found = sorted(self._signals.get((chat_id, call_id, person_id), []), key=lambda s: s.signal_id)
        return [s for s in found if after is None or s.signal_id > after][:100]
