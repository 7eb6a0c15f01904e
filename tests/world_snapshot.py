"""A test world built once per test process, then put back for each test that asks for it.

Building a world through the API (rosters, links, chats, messages) costs
hundreds of requests to the emulator. Its result is only stored state: the
items of the tables and the objects of the roster bucket. The first test that
asks for a world builds it; its state is copied out of the in-process emulator
(moto server runs in a thread of the test process, see ``tests/conftest.py``)
and each later test gets a deep copy put into its own, just emptied, tables and
its own bucket. What the test then does changes only its copy.

The copy is keyed by the settings in the environment: a test that changed a
setting before its world was made gets a world built under that setting. A
world whose build left a message on a queue is never copied (every test builds
its own), since queue contents are not part of the copy.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Per-test names (bucket), the emulator's address and what Chalice's test client appends to per test
# (AWS_EXECUTION_ENV) do not change what a world holds.
_NOT_SETTINGS = {"ROSTER_BUCKET", "PYTEST_CURRENT_TEST", "AWS_ENDPOINT_URL", "AWS_EXECUTION_ENV"}


@dataclass
class _Snapshot:
    tables: dict[str, Any]  # table name → moto's items
    objects: list[dict[str, Any]]  # the bucket's objects, as put_object arguments
    world: Any  # the built world's fields (ids), without its API client


_SNAPSHOTS: dict[tuple[tuple[str, str], ...], _Snapshot | None] = {}
"""This process's copies by setting; None: that build left messages queued (so it is built each time)."""


def _settings_key(extra: str) -> tuple[tuple[str, str], ...]:
    settings = sorted((k, v) for k, v in os.environ.items() if k not in _NOT_SETTINGS)
    return (*settings, ("", extra))


def _tables() -> dict[str, Any]:
    """This test's tables in the in-process emulator (name → moto table)."""
    from moto.dynamodb.models import dynamodb_backends

    from chalicelib.config import settings

    prefix = settings().table_name("")
    return {
        name: table
        for regions in dynamodb_backends.values()
        for backend in regions.values()
        for name, table in backend.tables.items()
        if name.startswith(prefix)
    }


def _queued() -> set[tuple[str, str]]:
    """Every message on a queue of the in-process emulator (in flight or not): (queue, message id)."""
    from moto.sqs.models import sqs_backends

    return {
        (name, message.id)
        for regions in sqs_backends.values()
        for backend in regions.values()
        for name, queue in backend.queues.items()
        for message in queue._messages  # the emulator's own state, read in the test process
    }


def _bucket_objects() -> list[dict[str, Any]]:
    from chalicelib.aws import client
    from chalicelib.config import settings

    s3, bucket = client("s3"), settings().roster_bucket
    objects: list[dict[str, Any]] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for entry in page.get("Contents", []):
            got = s3.get_object(Bucket=bucket, Key=entry["Key"])
            stored = {"Key": entry["Key"], "Body": got["Body"].read(), "ContentType": got["ContentType"]}
            if got.get("ContentEncoding"):
                stored["ContentEncoding"] = got["ContentEncoding"]
            objects.append(stored)
    return objects


def restore_or_build(api: Any, build: Callable[[], Any], extra_key: str = "") -> Any:
    """The world ``build()`` makes, built here or put back from this process's copy of it.

    Needs the ``aws`` fixture's empty tables and fresh bucket (the ``api``
    fixture depends on it); ``api`` is the test's client the world will use,
    ``extra_key`` anything else the build depends on (the clock's time). When
    something was stored before the world is asked for, it is built as before.
    """
    from chalicelib.aws import client
    from chalicelib.config import settings

    tables = _tables()
    if any(table.items for table in tables.values()) or _bucket_objects():
        return build()
    key = _settings_key(extra_key)
    snapshot = _SNAPSHOTS.get(key)
    if snapshot is not None and set(snapshot.tables) == set(tables):
        for name, table in tables.items():
            table.items = copy.deepcopy(snapshot.tables[name])
        s3 = client("s3")
        for stored in snapshot.objects:
            s3.put_object(Bucket=settings().roster_bucket, **stored)
        world = copy.deepcopy(snapshot.world)
        world.api = api
        return world
    queued_before = _queued()
    world = build()
    if key not in _SNAPSHOTS:
        if _queued() == queued_before:
            fields = copy.copy(world)
            fields.api = None
            _SNAPSHOTS[key] = _Snapshot(
                tables={name: copy.deepcopy(table.items) for name, table in tables.items()},
                objects=_bucket_objects(),
                world=copy.deepcopy(fields),
            )
        else:
            _SNAPSHOTS[key] = None
    return world
