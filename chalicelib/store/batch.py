"""Batched writes with exponential backoff.

PynamoDB's ``batch_write()`` resends unprocessed items at once, with no pause,
and gives up after a few tries — exactly wrong under real throttling. This
writer sends 25 items per ``BatchWriteItem`` and resends what DynamoDB leaves
unprocessed after a growing, jittered pause.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from pynamodb.models import Model

BATCH_SIZE = 25
MAX_ATTEMPTS = 8
BASE_DELAY_S = 0.05
MAX_DELAY_S = 5.0


class BatchWriteFailed(Exception):
    """Some items were still unprocessed after every retry."""

    def __init__(self, unprocessed: int) -> None:
        super().__init__(f"{unprocessed} items still unprocessed after {MAX_ATTEMPTS} attempts")
        self.unprocessed = unprocessed


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def backoff_delay(attempt: int, rng: Callable[[], float] = random.random) -> float:
    """The pause before retry number ``attempt`` (1-based): full jitter, capped."""
    return min(MAX_DELAY_S, BASE_DELAY_S * 2**attempt) * rng()


def batch_put(
    model: type[Model],
    items: Sequence[Model],
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Put every item with ``BatchWriteItem``; returns the number of requests sent."""
    requests = 0
    connection = model._get_connection()
    table = model.Meta.table_name
    for chunk in _chunks(items, BATCH_SIZE):
        pending: list[dict[str, Any]] = [item.serialize() for item in chunk]
        attempt = 0
        while pending:
            response = connection.batch_write_item(put_items=pending)
            requests += 1
            unprocessed = response.get("UnprocessedItems", {}).get(table, [])
            pending = [entry["PutRequest"]["Item"] for entry in unprocessed]
            if pending:
                attempt += 1
                if attempt >= MAX_ATTEMPTS:
                    raise BatchWriteFailed(len(pending))
                sleep(backoff_delay(attempt))
    return requests
