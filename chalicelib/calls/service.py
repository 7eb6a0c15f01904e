"""What the calls routes do (SPEC §9): start or join, look, leave, end, and relay signals.

Each use case opens the chat the way every chats request does (the chats
feature's ``open_chat``, handed in: 404 for non-members, 409 ``link-required``), turns
what it learned into a :class:`~chalicelib.calls.rules.CallerInChat` for the
pure rules, and changes calls only through the two ports: the
:class:`~chalicelib.calls.port.CallStore` and the configured
:class:`~chalicelib.calls.port.CallProvider`.

A call past its maximum length is ended by the first request that finds it so
(and the chat list does not show it meanwhile): no timer is needed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.calls import rules
from chalicelib.calls.model import Call, CallSummary, Joined, JoinOutcome, Participant, Signal
from chalicelib.calls.port import Admission, CallProvider, CallStore
from chalicelib.calls.rules import CallerInChat
from chalicelib.clock import Clock
from chalicelib.errors import BadRequest, Conflict, NotFound, ValidationFailed
from chalicelib.identity.journal_token import Caller
from chalicelib.ids import random_id
from chalicelib.planning.model import ChatKind

SIGNAL_KINDS = frozenset({"offer", "answer", "candidate", "bye"})
MAX_SIGNAL_PAYLOAD_CHARS = 16_000
SIGNAL_TTL_S = 300
SIGNAL_ID = re.compile(r"^[0-9]{17}-[a-z0-9]{8}$")
NO_CALL = "No call is under way in this chat."


@dataclass(frozen=True)
class SignalPage:
    """Signals for one participant, and the position to ask from next time."""

    call: Call
    items: list[Signal]
    after: str | None
    in_call: bool = True


ChatOpener = Callable[[Caller, str], Any]
"""The chats feature's ``self.open_chat(caller, chat_id)``: the chat as the caller may see it (its ``chat``
with ``kind`` and ``archived``, the caller's ``membership`` with ``name``, ``linked``, ``is_moderator``)."""


def _caller_in_chat(opened: Any) -> CallerInChat:
    return CallerInChat(
        kind=ChatKind(opened.chat.kind),
        archived=bool(opened.chat.archived),
        member=opened.membership is not None,
        moderator=opened.is_moderator,
        linked=opened.linked,
    )


def signal_id(now: datetime) -> str:
    """A signal id that sorts by time: ``YYYYMMDDhhmmssmmm-<random>``."""
    return now.strftime("%Y%m%d%H%M%S") + f"{now.microsecond // 1000:03d}-" + random_id("s")[2:10]


class CallService:
    """The calls use cases, over a store, a provider and a clock."""

    def __init__(
        self,
        store: CallStore,
        provider: CallProvider,
        clock: Clock,
        max_length: timedelta,
        open_chat: ChatOpener,
        on_started: Callable[[Call], None] | None = None,
        on_ended: Callable[[Call], None] | None = None,
    ) -> None:
        self.store = store
        self.provider = provider
        self.clock = clock
        self.max_length = max_length
        self.open_chat = open_chat
        # Told of each call that starts (the chat's members' open pages learn it live, SPEC §10).
        self.on_started = on_started
        # Told of each call that ends (ended here, left by the last one, or past its length), once.
        self.on_ended = on_ended

    # --- reading ---------------------------------------------------------------

    def _live(self, chat_id: str) -> Call | None:
        """The chat's call, unless it reached its maximum length (then it is ended here)."""
        call = self.store.current(chat_id)
        if call is not None and rules.has_ended(call, self.clock.now()):
            self._finish(call)
            return None
        return call

    def summaries(self, chat_ids: Iterable[str]) -> dict[str, CallSummary]:
        """The calls under way in a page of chats (for members' chat lists), by chat id."""
        now = self.clock.now()
        return {
            chat_id: summary
            for chat_id, summary in self.store.summaries(chat_ids).items()
            if now < summary.ends_at and summary.participant_count > 0
        }

    def current(self, caller: Caller, chat_id: str) -> Call:
        """The chat's call under way (members; 404 when there is none)."""
        rules.require_reader(_caller_in_chat(self.open_chat(caller, chat_id)))
        call = self._live(chat_id)
        if call is None:
            raise NotFound(NO_CALL)
        return call

    def action_for(self, opened: Any) -> str | None:
        """What the chat's page offers the caller: ``join`` the call under way, ``start`` one, or nothing."""
        who = _caller_in_chat(opened)
        if not who.member or who.archived:
            return None
        if self.summaries([opened.chat.chat_id]):
            return "join"
        return "start" if rules.may_start(who) else None

    # --- joining and leaving ---------------------------------------------------

    def start_or_join(self, caller: Caller, chat_id: str) -> Joined:
        """Join the chat's call, starting one if none is under way and the caller may start it."""
        opened = self.open_chat(caller, chat_id)
        who = _caller_in_chat(opened)
        rules.require_can_join(who)
        assert opened.membership is not None  # require_can_join: members only
        name = opened.membership.name
        for _ in range(3):  # lost races (a call started or ended meanwhile) are retried
            call = self._live(chat_id)
            started = False
            if call is None:
                rules.require_can_start(who)
                call = self._start(chat_id, caller.person_id)
                if call is None:
                    continue
                started = True
                if self.on_started is not None:
                    self.on_started(call)
            joined = self._admit(call, caller.person_id, name)
            if joined is not None:
                now_call, admission = joined
                return Joined(now_call, dict(admission.join), started)
        raise Conflict("The call changed while joining it; try again.")

    def _start(self, chat_id: str, person_id: str) -> Call | None:
        now = self.clock.now()
        call_id = random_id("call")
        call = Call(
            call_id=call_id,
            chat_id=chat_id,
            provider=self.provider.name,
            started_at=now,
            started_by=person_id,
            ends_at=now + self.max_length,
            meeting=self.provider.open_meeting(call_id, chat_id),
        )
        if self.store.create(call):
            return call
        self.provider.close_meeting(call)  # someone else started the chat's call first: join theirs
        return None

    def _admit(self, call: Call, person_id: str, name: str) -> tuple[Call, Admission] | None:
        """Add the person to the call (the provider first): the call as it is now and the person's
        admission (for Chime: their own attendee and join token); None if the call went meanwhile."""
        limit = self.provider.max_participants
        rules.require_room(call, person_id, limit)
        admission = self.provider.admit(call, person_id, name)
        participant = Participant(person_id, name, self.clock.now(), admission.provider_ref)
        outcome = self.store.add_participant(call, participant, limit)
        if outcome is JoinOutcome.FULL:
            self.provider.dismiss(call, participant)
            raise Conflict(f"The call is full: at most {limit} participants.")
        if outcome is JoinOutcome.GONE:
            return None
        return self.store.current(call.chat_id) or call, admission

    def leave(self, caller: Caller, chat_id: str) -> None:
        """The caller leaves the chat's call; the last one out ends it (404 if they are not in it)."""
        rules.require_reader(_caller_in_chat(self.open_chat(caller, chat_id)))
        call = self._live(chat_id)
        participant = call.participant(caller.person_id) if call is not None else None
        if call is None or participant is None:
            raise NotFound("You are not in a call of this chat.")
        left = self.store.remove_participant(call, caller.person_id)
        if left is None:
            raise NotFound("You are not in a call of this chat.")
        self.provider.dismiss(call, participant)
        if left == 0:
            self._finish(call)

    def end(self, caller: Caller, chat_id: str) -> Call:
        """A moderator ends the chat's call for everyone."""
        rules.require_can_end(_caller_in_chat(self.open_chat(caller, chat_id)))
        call = self._live(chat_id)
        if call is None:
            raise NotFound(NO_CALL)
        self._finish(call)
        return call

    def _finish(self, call: Call) -> None:
        if self.store.end(call):
            self.provider.close_meeting(call)
            if self.on_ended is not None:
                self.on_ended(call)

    # --- signalling (the built-in provider) ------------------------------------

    def _my_call(self, caller: Caller, chat_id: str) -> Call:
        rules.require_reader(_caller_in_chat(self.open_chat(caller, chat_id)))
        call = self._live(chat_id)
        if call is None:
            raise NotFound(NO_CALL)
        rules.require_participant(call, caller.person_id)
        return call

    def send_signal(self, caller: Caller, chat_id: str, to: str, kind: str, payload: str) -> Signal:
        """Relay an offer, answer or ICE candidate to another participant of the caller's call."""
        call = self._my_call(caller, chat_id)
        if kind not in SIGNAL_KINDS:
            raise ValidationFailed("Unknown signal kind.", [{"field": "kind", "message": "unknown"}])
        if len(payload) > MAX_SIGNAL_PAYLOAD_CHARS:
            raise ValidationFailed("The signal is too long.", [{"field": "payload", "message": "too long"}])
        if to == caller.person_id or call.participant(to) is None:
            raise ValidationFailed(
                "The recipient is not in the call.", [{"field": "to", "message": "not a participant"}]
            )
        now = self.clock.now()
        signal = Signal(signal_id(now), call.call_id, caller.person_id, to, kind, payload, now)
        self.store.add_signal(chat_id, signal, SIGNAL_TTL_S)
        return signal

    def poll(self, caller: Caller, chat_id: str, after: str | None) -> SignalPage | None:
        """What a call screen asks every second: the call and the caller's new signals; None once the
        chat has no call. ``in_call`` False: the call goes on without the caller (another page of
        theirs left it, e.g. the one a reload replaced), so the screen joins again."""
        if after is not None and not SIGNAL_ID.fullmatch(after):
            raise BadRequest("The cursor is not valid.")
        rules.require_reader(_caller_in_chat(self.open_chat(caller, chat_id)))
        call = self._live(chat_id)
        if call is None:
            return None
        if call.participant(caller.person_id) is None:
            return SignalPage(call, [], after, in_call=False)
        items = self.store.signals_for(chat_id, call.call_id, caller.person_id, after)
        return SignalPage(call, items, items[-1].signal_id if items else after)

    def signals(self, caller: Caller, chat_id: str, after: str | None) -> SignalPage:
        """The signals sent to the caller in their call after ``after`` (a signal id), oldest first."""
        if after is not None and not SIGNAL_ID.fullmatch(after):
            raise BadRequest("The cursor is not valid.")
        call = self._my_call(caller, chat_id)
        items = self.store.signals_for(chat_id, call.call_id, caller.person_id, after)
        return SignalPage(call, items, items[-1].signal_id if items else after)


def ice_servers_from(config: str) -> list[dict[str, object]]:
    """``CALL_ICE_SERVERS``: a JSON list of ``RTCIceServer`` objects (``urls``, optional credentials)."""
    servers = json.loads(config or "[]")
    if not isinstance(servers, list) or not all(isinstance(s, dict) and "urls" in s for s in servers):
        raise ValueError("CALL_ICE_SERVERS must be a JSON list of objects with `urls`")
    return servers
