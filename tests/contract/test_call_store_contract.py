"""The calls table, twice: ``memory.calls`` (the twin the calls use-case tests run on) and ``store.calls``.

One chat has at most one call; joins are conditional on the call still being the chat's and having
room; a signal reaches only its recipient, oldest first, after the last one they read.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.calls.model import Call, JoinOutcome, Participant, Signal
from chalicelib.calls.port import CallStore
from chalicelib.calls.service import signal_id

START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "dynamodb"])
def store(request: pytest.FixtureRequest) -> CallStore:
    """The twin, then the DynamoDB adapter on the emulator."""
    if request.param == "memory":
        from chalicelib.memory.calls import MemoryCallStore

        return MemoryCallStore()
    request.getfixturevalue("aws")
    from chalicelib.store.calls import DynamoCallStore

    return DynamoCallStore()


def _call(call_id: str = "call_1", chat_id: str = "ch_1") -> Call:
    return Call(call_id, chat_id, "builtin", START, "t-1", START + timedelta(hours=3))


def _person(person_id: str, minute: int = 0) -> Participant:
    return Participant(person_id, f"Имя {person_id}", START + timedelta(minutes=minute))


def test_a_chat_has_one_call_and_it_starts_empty(store: CallStore) -> None:
    call = _call()
    assert store.current("ch_1") is None
    assert store.create(call)
    assert not store.create(_call("call_2"))  # the chat already has one
    found = store.current("ch_1")
    assert found is not None
    who = (found.call_id, found.chat_id, found.started_by, found.participants)
    assert who == ("call_1", "ch_1", "t-1", ())
    assert found.started_at == START and found.ends_at == START + timedelta(hours=3)
    assert store.current("ch_2") is None


def test_joins_are_counted_limited_and_refused_once_the_call_is_gone(store: CallStore) -> None:
    call = _call()
    store.create(call)
    assert store.add_participant(call, _person("t-1"), 2) is JoinOutcome.ADDED
    assert store.add_participant(call, _person("t-1", 1), 2) is JoinOutcome.ALREADY_IN
    assert store.add_participant(call, _person("s-1", 2), 2) is JoinOutcome.ADDED
    assert store.add_participant(call, _person("s-2", 3), 2) is JoinOutcome.FULL
    found = store.current("ch_1")
    assert found is not None and [p.person_id for p in found.participants] == ["t-1", "s-1"]
    assert store.add_participant(_call("call_other"), _person("s-3"), 9) is JoinOutcome.GONE
    summary = store.summaries(["ch_1", "ch_2"])
    assert list(summary) == ["ch_1"] and summary["ch_1"].participant_count == 2


def test_leaving_says_how_many_are_left_and_ending_takes_only_the_same_call(store: CallStore) -> None:
    call = _call()
    store.create(call)
    store.add_participant(call, _person("t-1"), 5)
    store.add_participant(call, _person("s-1"), 5)
    assert store.remove_participant(call, "nobody") is None
    assert store.remove_participant(call, "s-1") == 1
    assert store.remove_participant(call, "s-1") is None
    assert not store.end(_call("call_other"))  # a stale end never takes a newer call
    assert store.current("ch_1") is not None
    assert store.end(call)
    assert store.current("ch_1") is None and not store.end(call)
    assert store.create(_call("call_2"))  # the chat may have a new one


def test_signals_reach_only_their_recipient_oldest_first_after_the_last_read(store: CallStore) -> None:
    call = _call()
    store.create(call)
    sent = []
    for second, (sender, to, kind) in enumerate(
        [("t-1", "s-1", "offer"), ("t-1", "s-2", "offer"), ("t-1", "s-1", "candidate")]
    ):
        at = START + timedelta(seconds=second)
        signal = Signal(signal_id(at), call.call_id, sender, to, kind, '{"id":"x"}', at)
        store.add_signal("ch_1", signal, ttl_s=600)
        sent.append(signal)
    mine = store.signals_for("ch_1", call.call_id, "s-1", None)
    assert [s.kind for s in mine] == ["offer", "candidate"]
    assert all(s.to_person == "s-1" and s.payload == '{"id":"x"}' for s in mine)
    assert store.signals_for("ch_1", call.call_id, "s-1", mine[0].signal_id) == [mine[1]]
    assert store.signals_for("ch_1", call.call_id, "s-3", None) == []
    assert store.signals_for("ch_1", "call_other", "s-1", None) == []
