"""The ``calls`` table: each chat's call under way, its participants, and the built-in provider's signals.

One partition per chat (hash key ``chat_id``), three kinds of item by sort key:

* ``call`` — the call header: id, provider, who started it when, when it must
  end, the provider's meeting, and ``participant_count`` (what the chat list
  shows, and what the participant limit is checked against);
* ``p#<call id>#<person id>`` — one participant;
* ``s#<call id>#<recipient>#<signal id>`` — one signalling message, kept a few
  minutes (TTL) for its recipient to poll.

``"call" < "p#…" < "s#…"``, so one Query with ``item < "q"`` reads a call and
its participants without touching its signals. Joining is a transaction (the
participant's item + the header's count under the limit), so two people
pressing «Присоединиться» at once cannot overfill a call; a call starts with
a put that fails if the chat has one already. Everything carries a TTL
(``forget_at``) past the call's maximum length: DynamoDB forgets what a
crashed request left behind. No PynamoDB item leaves this module.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import timedelta

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DeleteError, PutError, TransactWriteError
from pynamodb.models import Model

from chalicelib.calls.model import Call, CallSummary, JoinOutcome, Participant, Signal
from chalicelib.store.batch import batch_get
from chalicelib.store.conditions import is_condition_failure, write_transaction
from chalicelib.store.tables import _Region, _TableName

HEADER = "call"
_BEFORE_SIGNALS = "q"
# How long DynamoDB keeps an item after the call's maximum end (TTL is garbage collection only).
FORGET_AFTER = timedelta(hours=1)


class CallItem(Model):
    """A call header, a participant or a signal (see the module docstring)."""

    class Meta:
        table_name = _TableName("calls")
        region = _Region()

    chat_id = UnicodeAttribute(hash_key=True)
    item = UnicodeAttribute(range_key=True)
    call_id = UnicodeAttribute()
    # header
    provider = UnicodeAttribute(null=True)
    started_at = UTCDateTimeAttribute(null=True)
    started_by = UnicodeAttribute(null=True)
    ends_at = UTCDateTimeAttribute(null=True)
    participant_count = NumberAttribute(null=True)
    meeting = UnicodeAttribute(null=True)  # JSON object of strings
    # participant
    person_id = UnicodeAttribute(null=True)
    name = UnicodeAttribute(null=True)
    joined_at = UTCDateTimeAttribute(null=True)
    provider_ref = UnicodeAttribute(null=True)
    # signal
    from_person = UnicodeAttribute(null=True)
    kind = UnicodeAttribute(null=True)
    payload = UnicodeAttribute(null=True)
    sent_at = UTCDateTimeAttribute(null=True)
    forget_at = TTLAttribute(null=True)


def _participant_key(call_id: str, person_id: str) -> str:
    return f"p#{call_id}#{person_id}"


def _signal_prefix(call_id: str, person_id: str) -> str:
    return f"s#{call_id}#{person_id}#"


def _header_of(item: CallItem, participants: tuple[Participant, ...]) -> Call:
    assert item.started_at is not None and item.ends_at is not None
    return Call(
        call_id=item.call_id,
        chat_id=item.chat_id,
        provider=item.provider or "",
        started_at=item.started_at,
        started_by=item.started_by or "",
        ends_at=item.ends_at,
        participants=participants,
        meeting=json.loads(item.meeting) if item.meeting else {},
    )


def _participant_of(item: CallItem) -> Participant:
    assert item.person_id is not None and item.joined_at is not None
    return Participant(item.person_id, item.name or "", item.joined_at, item.provider_ref)


class DynamoCallStore:
    """:class:`~chalicelib.calls.port.CallStore` on DynamoDB."""

    def current(self, chat_id: str) -> Call | None:
        """The chat's call and its participants: one strongly consistent Query."""
        items = list(CallItem.query(chat_id, CallItem.item < _BEFORE_SIGNALS, consistent_read=True))
        header = next((i for i in items if i.item == HEADER), None)
        if header is None:
            return None
        prefix = f"p#{header.call_id}#"
        participants = sorted(
            (_participant_of(i) for i in items if i.item.startswith(prefix)), key=lambda p: p.joined_at
        )
        return _header_of(header, tuple(participants))

    def summaries(self, chat_ids: Iterable[str]) -> dict[str, CallSummary]:
        """The headers of a page of chats' calls: one ``BatchGetItem``."""
        keys = [{"chat_id": chat_id, "item": HEADER} for chat_id in dict.fromkeys(chat_ids)]
        if not keys:
            return {}
        found = batch_get({CallItem: keys})[CallItem]
        return {
            item.chat_id: CallSummary(
                item.call_id, item.started_at, int(item.participant_count or 0), item.ends_at
            )
            for item in found
            if item.started_at is not None and item.ends_at is not None
        }

    def create(self, call: Call) -> bool:
        """Put the header unless the chat has a call (a conditional put)."""
        item = CallItem(
            call.chat_id,
            HEADER,
            call_id=call.call_id,
            provider=call.provider,
            started_at=call.started_at,
            started_by=call.started_by,
            ends_at=call.ends_at,
            participant_count=0,
            meeting=json.dumps(dict(call.meeting)) if call.meeting else None,
            forget_at=call.ends_at + FORGET_AFTER,
        )
        try:
            item.save(condition=CallItem.chat_id.does_not_exist())
        except PutError as error:
            if is_condition_failure(error):
                return False
            raise
        return True

    def add_participant(self, call: Call, participant: Participant, limit: int) -> JoinOutcome:
        """One transaction: the participant's new item, and the header's count (same call, below limit)."""
        item = CallItem(
            call.chat_id,
            _participant_key(call.call_id, participant.person_id),
            call_id=call.call_id,
            person_id=participant.person_id,
            name=participant.name,
            joined_at=participant.joined_at,
            provider_ref=participant.provider_ref,
            forget_at=call.ends_at + FORGET_AFTER,
        )
        header = CallItem(call.chat_id, HEADER)
        try:
            with write_transaction() as transaction:
                transaction.save(item, condition=CallItem.item.does_not_exist())
                transaction.update(
                    header,
                    actions=[CallItem.participant_count.add(1)],
                    condition=(CallItem.call_id == call.call_id) & (CallItem.participant_count < limit),
                )
        except TransactWriteError as error:
            if not is_condition_failure(error):
                raise
            reasons = getattr(error, "cancellation_reasons", None) or []
            if reasons and reasons[0] is not None and reasons[0].code == "ConditionalCheckFailed":
                return JoinOutcome.ALREADY_IN
            now = self.current(call.chat_id)
            return JoinOutcome.FULL if now is not None and now.call_id == call.call_id else JoinOutcome.GONE
        return JoinOutcome.ADDED

    def remove_participant(self, call: Call, person_id: str) -> int | None:
        """One transaction (the participant's item, the header's count), then the header read back."""
        item = CallItem(call.chat_id, _participant_key(call.call_id, person_id))
        header = CallItem(call.chat_id, HEADER)
        try:
            with write_transaction() as transaction:
                transaction.delete(item, condition=CallItem.item.exists())
                transaction.update(
                    header,
                    actions=[CallItem.participant_count.add(-1)],
                    condition=CallItem.call_id == call.call_id,
                )
        except TransactWriteError as error:
            if is_condition_failure(error):
                return None
            raise
        now = self.current(call.chat_id)
        return now.participant_count if now is not None and now.call_id == call.call_id else 0

    def end(self, call: Call) -> bool:
        """Delete the header if it is still this call, then its participants (their TTL would too)."""
        try:
            CallItem(call.chat_id, HEADER).delete(condition=CallItem.call_id == call.call_id)
        except DeleteError as error:
            if is_condition_failure(error):
                return False
            raise
        with CallItem.batch_write() as batch:
            for participant in call.participants:
                batch.delete(CallItem(call.chat_id, _participant_key(call.call_id, participant.person_id)))
        return True

    def add_signal(self, chat_id: str, signal: Signal, ttl_s: int) -> None:
        """One put, forgotten by TTL."""
        CallItem(
            chat_id,
            _signal_prefix(signal.call_id, signal.to_person) + signal.signal_id,
            call_id=signal.call_id,
            person_id=signal.to_person,
            from_person=signal.from_person,
            kind=signal.kind,
            payload=signal.payload,
            sent_at=signal.sent_at,
            forget_at=signal.sent_at + timedelta(seconds=ttl_s),
        ).save()

    def signals_for(self, chat_id: str, call_id: str, person_id: str, after: str | None) -> list[Signal]:
        """One Query of the recipient's signals after ``after`` (at most 100, oldest first)."""
        prefix = _signal_prefix(call_id, person_id)
        condition = (
            CallItem.item.startswith(prefix)
            if after is None
            else CallItem.item.between(prefix + after + "\x00", prefix + "\U0010ffff")
        )
        return [
            Signal(
                signal_id=item.item[len(prefix) :],
                call_id=item.call_id,
                from_person=item.from_person or "",
                to_person=person_id,
                kind=item.kind or "",
                payload=item.payload or "",
                sent_at=item.sent_at,  # type: ignore[arg-type]
            )
            for item in CallItem.query(chat_id, condition, consistent_read=True, limit=100)
        ]
