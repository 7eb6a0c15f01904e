"""Batched writes and reads with exponential backoff.

PynamoDB's ``batch_write()`` resends unprocessed items at once, with no pause,
and gives up after a few tries — exactly wrong under real throttling. This
writer sends 25 items per ``BatchWriteItem`` and resends what DynamoDB leaves
unprocessed after a growing, jittered pause. :func:`batch_get` does the same
for ``BatchGetItem``, across several tables in one request.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from pynamodb.models import Model

from chalicelib.aws import client

BATCH_SIZE = 25
BATCH_GET_SIZE = 100
MAX_ATTEMPTS = 8
BASE_DELAY_S = 0.05
MAX_DELAY_S = 5.0


class BatchIncomplete(Exception):
    """Some items or keys were still unprocessed after every retry."""

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
                    raise BatchIncomplete(len(pending))
                sleep(backoff_delay(attempt))
    return requests


StringKey = Mapping[str, str]
"""A primary key whose parts are all strings (every table of the service): attribute → value."""


def batch_get(
    keys: Mapping[type[Model], Sequence[StringKey]],
    *,
    consistent: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[type[Model], list[Any]]:
    """Fetch items of one or more tables with ``BatchGetItem`` (100 keys a request).

    One request for up to 100 keys in the usual case; keys DynamoDB leaves
    unprocessed are asked for again after a backoff. Missing items are simply
    absent from the result; the order of the result is not the order of the keys.
    ``consistent`` asks for strongly consistent reads (what an access check needs).
    """
    by_table = {model.Meta.table_name: model for model in keys}
    pending: list[tuple[str, dict[str, Any]]] = [
        (model.Meta.table_name, {name: {"S": value} for name, value in key.items()})
        for model, model_keys in keys.items()
        for key in model_keys
    ]
    found: dict[type[Model], list[Any]] = {model: [] for model in keys}
    dynamodb = client("dynamodb")
    attempt = 0
    while pending:
        chunk, pending = pending[:BATCH_GET_SIZE], pending[BATCH_GET_SIZE:]
        request: dict[str, dict[str, Any]] = {}
        for table, key in chunk:
            request.setdefault(table, {"Keys": [], "ConsistentRead": consistent})["Keys"].append(key)
        response = dynamodb.batch_get_item(RequestItems=request)
        for table, items in response.get("Responses", {}).items():
            found[by_table[table]].extend(by_table[table].from_raw_data(item) for item in items)
        unprocessed = [
            (table, key)
            for table, entry in response.get("UnprocessedKeys", {}).items()
            for key in entry.get("Keys", [])
        ]
        if unprocessed:
            attempt += 1
            if attempt >= MAX_ATTEMPTS:
                raise BatchIncomplete(len(unprocessed))
            sleep(backoff_delay(attempt))
            pending = unprocessed + pending
    return found
