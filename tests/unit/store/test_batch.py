"""Batched writes with backoff, without AWS: a fake connection that throttles on purpose."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.store import batch
from chalicelib.store.batch import (
    BASE_DELAY_S,
    BATCH_SIZE,
    MAX_ATTEMPTS,
    MAX_DELAY_S,
    BatchIncomplete,
    backoff_delay,
    batch_put,
)

TABLE = "t-memberships"


def cap(attempt: int) -> float:
    return min(MAX_DELAY_S, BASE_DELAY_S * 2**attempt)


# --- backoff_delay -------------------------------------------------------------------


@given(st.integers(1, 60), st.floats(0.0, 1.0, exclude_max=True))
def test_delay_is_full_jitter_under_a_growing_cap(attempt: int, draw: float) -> None:
    delay = backoff_delay(attempt, rng=lambda: draw)
    assert 0.0 <= delay <= cap(attempt) <= MAX_DELAY_S
    assert delay == pytest.approx(cap(attempt) * draw)


def test_caps_double_until_the_ceiling() -> None:
    caps = [backoff_delay(attempt, rng=lambda: 1.0) for attempt in range(1, 10)]
    assert caps[:4] == pytest.approx([0.1, 0.2, 0.4, 0.8])
    assert caps == sorted(caps)
    assert caps[-1] == MAX_DELAY_S
    assert backoff_delay(3, rng=lambda: 0.0) == 0.0


@pytest.mark.parametrize("attempt", [1, 4, 8, 30])
def test_default_jitter_stays_within_the_cap(attempt: int) -> None:
    for _ in range(50):
        assert 0.0 <= backoff_delay(attempt) <= cap(attempt)


# --- batch_put -----------------------------------------------------------------------


class Item:
    """Stands in for a PynamoDB model instance: only ``serialize`` is used."""

    def __init__(self, key: str) -> None:
        self.key = key

    def serialize(self) -> dict[str, Any]:
        return {"pk": {"S": self.key}, "v": {"N": "1"}}


class ThrottlingConnection:
    """Accepts a request but leaves the last ``leave`` items unprocessed, ``times`` times per batch."""

    def __init__(self, *, times: int, leave: int = 3) -> None:
        self.times, self.leave = times, leave
        self.requests: list[list[str]] = []
        self.stored: dict[str, dict[str, Any]] = {}
        self._refused_in_a_row = 0

    def batch_write_item(self, put_items: list[dict[str, Any]]) -> dict[str, Any]:
        assert 0 < len(put_items) <= BATCH_SIZE
        self.requests.append([item["pk"]["S"] for item in put_items])
        if self._refused_in_a_row < self.times:
            self._refused_in_a_row += 1
            taken, left = put_items[: -self.leave], put_items[-self.leave :]
        else:
            self._refused_in_a_row = 0
            taken, left = put_items, []
        for item in taken:
            self.stored[item["pk"]["S"]] = item
        if not left:
            return {"UnprocessedItems": {}}
        return {"UnprocessedItems": {TABLE: [{"PutRequest": {"Item": item}} for item in left]}}


def model_on(connection: ThrottlingConnection) -> Any:
    class FakeModel:
        class Meta:
            table_name = TABLE

        @classmethod
        def _get_connection(cls) -> ThrottlingConnection:
            return connection

    return FakeModel


def items(count: int) -> list[Any]:
    return [Item(f"k{i:03d}") for i in range(count)]


def never_sleep(seconds: float) -> None:
    raise AssertionError(f"slept {seconds}s with nothing to retry")


@pytest.fixture
def no_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every pause is the full cap, so the pauses themselves can be compared."""
    monkeypatch.setattr(batch, "backoff_delay", partial(backoff_delay, rng=lambda: 1.0))


def test_nothing_to_write_sends_nothing() -> None:
    connection = ThrottlingConnection(times=0)
    assert batch_put(model_on(connection), [], sleep=never_sleep) == 0
    assert connection.requests == []


def test_sends_25_items_per_request() -> None:
    connection = ThrottlingConnection(times=0)
    sleeps: list[float] = []
    assert batch_put(model_on(connection), items(60), sleep=sleeps.append) == 3
    assert [len(r) for r in connection.requests] == [25, 25, 10]
    assert set(connection.stored) == {i.key for i in items(60)}
    assert sleeps == []


@pytest.mark.parametrize("times", [1, 3, MAX_ATTEMPTS - 1])
def test_unprocessed_items_are_resent_after_growing_pauses(times: int, no_jitter: None) -> None:
    connection = ThrottlingConnection(times=times, leave=3)
    sleeps: list[float] = []
    requests = batch_put(model_on(connection), items(30), sleep=sleeps.append)

    assert set(connection.stored) == {i.key for i in items(30)}
    assert requests == len(connection.requests) == 2 * (times + 1)
    # Only what was left is resent: the first chunk's last three items.
    assert connection.requests[1] == ["k022", "k023", "k024"]
    per_chunk = [cap(attempt) for attempt in range(1, times + 1)]
    assert sleeps == pytest.approx(per_chunk * 2)


def test_pauses_are_jittered_but_stay_under_their_cap() -> None:
    connection = ThrottlingConnection(times=MAX_ATTEMPTS - 1, leave=1)
    sleeps: list[float] = []
    batch_put(model_on(connection), items(5), sleep=sleeps.append)
    assert len(sleeps) == MAX_ATTEMPTS - 1
    for attempt, pause in enumerate(sleeps, start=1):
        assert 0.0 <= pause <= cap(attempt)


def test_gives_up_after_the_last_attempt() -> None:
    connection = ThrottlingConnection(times=MAX_ATTEMPTS, leave=4)
    sleeps: list[float] = []
    with pytest.raises(BatchIncomplete) as failure:
        batch_put(model_on(connection), items(10), sleep=sleeps.append)
    assert failure.value.unprocessed == 4
    assert str(MAX_ATTEMPTS) in str(failure.value)
    assert len(connection.requests) == MAX_ATTEMPTS
    assert len(sleeps) == MAX_ATTEMPTS - 1
    assert set(connection.stored) == {f"k{i:03d}" for i in range(6)}
