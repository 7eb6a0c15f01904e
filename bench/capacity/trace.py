"""Recording what real code asks of AWS, priced in DynamoDB units per partition.

:func:`record` wraps a block of code (an import, an API call) with
``devstack.requests.count_aws_requests`` and an observer that, for every
DynamoDB request, works out the :class:`~bench.capacity.model.Access` records
it costs on AWS:

* writes: the item is read (uncounted, strongly consistent) before and after
  the request, so the table's units come from the larger image and each
  index's from ``model.index_writes`` — exactly which indexes a change reaches;
* reads: the same request is sent again without its filter and projection,
  because DynamoDB charges for what it read, not for what it returned.

Other services (S3, SQS, SNS) are counted by operation. A *segment* starts at
every SQS ``ReceiveMessage`` that returns messages, so with one worker thread
the accesses of each queue message (one school's sync) can be told apart.
"""

from __future__ import annotations

import contextvars
import json
import re
import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from bench.capacity.model import (
    Access,
    Item,
    Table,
    item_size,
    item_write_accesses,
    partition_value,
    read_units,
    write_units,
)
from devstack.requests import RawCall, RequestLog, count_aws_requests

_READS = {"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"}
_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


@dataclass
class Trace:
    """Accesses (each with its segment number) and every AWS request by (service, operation)."""

    accesses: list[tuple[int, Access]] = field(default_factory=list)
    calls: Counter[tuple[str, str]] = field(default_factory=Counter)
    segment_calls: Counter[int] = field(default_factory=Counter)
    segment_queue: dict[int, str] = field(default_factory=dict)
    segment: int = 0
    prefix: str = ""
    tables: dict[str, Table] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, accesses: list[Access]) -> None:
        """Record accesses in the current segment (table names without the stage's prefix)."""
        with self.lock:
            for access in accesses:
                name = access.table.removeprefix(self.prefix)
                self.accesses.append(
                    (self.segment, Access(name, access.index, access.partition, access.kind, access.units))
                )

    def of(self, *, segment: int | None = None) -> list[Access]:
        """Accesses (of one segment, or all)."""
        return [a for s, a in self.accesses if segment is None or s == segment]

    def segments(self) -> list[int]:
        """Segment numbers that spent units, in order."""
        return sorted({s for s, _ in self.accesses})


def _table(trace: Trace, raw: RawCall, name: str) -> Table:
    with trace.lock:
        known = trace.tables.get(name)
    if known is None:
        known = Table.from_description(raw("DescribeTable", {"TableName": name})["Table"])
        with trace.lock:
            trace.tables[name] = known
    return known


def _key(table: Table, item: Mapping[str, Any]) -> dict[str, Any]:
    return {name: item[name] for name in table.key_names}


def _image(raw: RawCall, table: Table, key: Mapping[str, Any]) -> Item | None:
    item = raw("GetItem", {"TableName": table.name, "Key": dict(key), "ConsistentRead": True}).get("Item")
    return dict(item) if item is not None else None


def _signature(table: Table, item: Mapping[str, Any]) -> tuple[str, ...]:
    return (table.name, *(json.dumps(item[name], sort_keys=True) for name in table.key_names))


def _images(raw: RawCall, targets: list[tuple[Table, dict[str, Any]]]) -> list[Item | None]:
    """Items for many keys (strongly consistent): one GetItem, or BatchGetItem for a batch."""
    if len(targets) == 1:
        table, key = targets[0]
        return [_image(raw, table, key)]
    tables = {table.name: table for table, _ in targets}
    pending: dict[str, list[dict[str, Any]]] = {}
    for table, key in targets:
        pending.setdefault(table.name, []).append(dict(key))
    found: dict[tuple[str, ...], Item] = {}
    while pending:
        request = {name: {"Keys": keys[:100], "ConsistentRead": True} for name, keys in pending.items()}
        pending = {name: keys[100:] for name, keys in pending.items() if keys[100:]}
        response = raw("BatchGetItem", {"RequestItems": request})
        for name, items in response.get("Responses", {}).items():
            for item in items:
                found[_signature(tables[name], item)] = item
        for name, left in response.get("UnprocessedKeys", {}).items():
            pending.setdefault(name, []).extend(left["Keys"])
    return [found.get(_signature(table, key)) for table, key in targets]


def _write_targets(operation: str, params: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(kind, table name, item or key) for each item a write request touches."""
    if operation == "PutItem":
        return [("put", params["TableName"], params["Item"])]
    if operation in ("UpdateItem", "DeleteItem"):
        return [("key", params["TableName"], params["Key"])]
    if operation == "BatchWriteItem":
        targets = []
        for name, requests in params["RequestItems"].items():
            for request in requests:
                if "PutRequest" in request:
                    targets.append(("put", name, request["PutRequest"]["Item"]))
                else:
                    targets.append(("key", name, request["DeleteRequest"]["Key"]))
        return targets
    targets = []
    for entry in params["TransactItems"]:
        ((action, body),) = entry.items()
        if action == "Put":
            targets.append(("put", body["TableName"], body["Item"]))
        elif action == "ConditionCheck":
            targets.append(("check", body["TableName"], body["Key"]))
        else:
            targets.append(("key", body["TableName"], body["Key"]))
    return targets


def _observe_write(trace: Trace, operation: str, params: dict[str, Any], send: RawCall, raw: RawCall) -> Any:
    transactional = operation == "TransactWriteItems"
    targets = []
    for kind, name, item in _write_targets(operation, params):
        table = _table(trace, raw, name)
        targets.append((kind, table, _key(table, item)))
    befores = _images(raw, [(table, key) for _, table, key in targets])
    plans = [(kind, table, key, before) for (kind, table, key), before in zip(targets, befores, strict=True)]
    try:
        response = send(operation, params)
    except ClientError:
        # A failed condition (or a cancelled transaction) still spends the write, on the table only.
        trace.add(
            [
                Access(
                    table.name,
                    None,
                    partition_value(key[table.hash_key]),
                    "write",
                    write_units(item_size(before) if before else 1, transactional=transactional),
                )
                for _, table, key, before in plans
            ]
        )
        raise
    accesses: list[Access] = []
    afters = _images(raw, [(table, key) for _, table, key, _ in plans])
    for (kind, table, key, before), after in zip(plans, afters, strict=True):
        if kind == "check":
            size = item_size(before) if before else 1
            accesses.append(
                Access(
                    table.name,
                    None,
                    partition_value(key[table.hash_key]),
                    "read",
                    read_units(size, consistent=True, transactional=True),
                )
            )
            continue
        if before is None and after is None:
            accesses.append(Access(table.name, None, partition_value(key[table.hash_key]), "write", 1))
            continue
        accesses.extend(item_write_accesses(table, before, after, transactional=transactional))
    trace.add(accesses)
    return response


_EQUALS = re.compile(r"([#\w.]+)\s*=\s*(:\w+)")


def _query_partition(table: Table, params: Mapping[str, Any]) -> str:
    index_name = params.get("IndexName")
    hash_key = table.hash_key
    for index in table.indexes:
        if index.name == index_name:
            hash_key = index.hash_key
    names = params.get("ExpressionAttributeNames", {})
    for name, value in _EQUALS.findall(params.get("KeyConditionExpression", "")):
        if names.get(name, name) == hash_key:
            return partition_value(params["ExpressionAttributeValues"][value])
    raise ValueError(f"no partition key in {params.get('KeyConditionExpression')!r}")


def _unfiltered(params: Mapping[str, Any], expression: str) -> dict[str, Any]:
    """A Query or Scan without filter or projection (names and values the key condition uses only)."""
    drop = {"FilterExpression", "ProjectionExpression", "AttributesToGet", "Select", "ReturnConsumedCapacity"}
    query = {k: v for k, v in params.items() if k not in drop}
    names = {k: v for k, v in params.get("ExpressionAttributeNames", {}).items() if k in expression}
    values = {k: v for k, v in params.get("ExpressionAttributeValues", {}).items() if k in expression}
    query.pop("ExpressionAttributeNames", None)
    query.pop("ExpressionAttributeValues", None)
    if names:
        query["ExpressionAttributeNames"] = names
    if values:
        query["ExpressionAttributeValues"] = values
    return query


def _observe_read(trace: Trace, operation: str, params: dict[str, Any], send: RawCall, raw: RawCall) -> Any:
    response = send(operation, params)
    accesses: list[Access] = []
    if operation == "GetItem":
        table = _table(trace, raw, params["TableName"])
        item = _image(raw, table, params["Key"])
        size = item_size(item) if item else 0
        accesses.append(
            Access(
                table.name,
                None,
                partition_value(params["Key"][table.hash_key]),
                "read",
                read_units(size, consistent=bool(params.get("ConsistentRead"))),
            )
        )
    elif operation == "BatchGetItem":
        for name, request in params["RequestItems"].items():
            table = _table(trace, raw, name)
            for key in request["Keys"]:
                item = _image(raw, table, key)
                accesses.append(
                    Access(
                        table.name,
                        None,
                        partition_value(key[table.hash_key]),
                        "read",
                        read_units(
                            item_size(item) if item else 0, consistent=bool(request.get("ConsistentRead"))
                        ),
                    )
                )
    elif operation == "TransactGetItems":
        for entry in params["TransactItems"]:
            body = entry["Get"]
            table = _table(trace, raw, body["TableName"])
            item = _image(raw, table, body["Key"])
            accesses.append(
                Access(
                    table.name,
                    None,
                    partition_value(body["Key"][table.hash_key]),
                    "read",
                    read_units(item_size(item) if item else 0, consistent=True, transactional=True),
                )
            )
    else:
        table = _table(trace, raw, params["TableName"])
        expression = params.get("KeyConditionExpression", "")
        scanned = raw(operation, _unfiltered(params, expression))
        size = sum(item_size(item) for item in scanned.get("Items", []))
        partition = _query_partition(table, params) if operation == "Query" else "*scan*"
        index_name = params.get("IndexName")
        local = any(i.name == index_name and i.local for i in table.indexes)
        accesses.append(
            Access(
                table.name,
                None if local else index_name,
                partition,
                "read",
                read_units(size, consistent=bool(params.get("ConsistentRead"))),
            )
        )
    trace.add(accesses)
    return response


def _aside(raw: RawCall) -> RawCall:
    """The trace's own reads, sent in an empty ``contextvars`` context.

    That hides them from whatever watches the code under test through context
    variables (the tests' IAM audit): they are the trace's requests, not the code's.
    """

    def call(operation: str, params: dict[str, Any]) -> Any:
        return contextvars.Context().run(raw, operation, params)

    return call


def _observer(trace: Trace) -> Any:
    def observe(client: BaseClient, operation: str, params: dict[str, Any], raw: RawCall) -> Any:
        service = client.meta.service_model.service_name
        with trace.lock:
            trace.calls[(service, operation)] += 1
            trace.segment_calls[trace.segment] += service == "dynamodb"
        if service == "dynamodb" and operation in _WRITES:
            return _observe_write(trace, operation, params, raw, _aside(raw))
        if service == "dynamodb" and operation in _READS:
            return _observe_read(trace, operation, params, raw, _aside(raw))
        response = raw(operation, params)
        if service == "sqs" and operation == "ReceiveMessage" and response.get("Messages"):
            with trace.lock:
                trace.segment += 1
                trace.segment_queue[trace.segment] = str(params.get("QueueUrl", ""))
        return response

    return observe


@contextmanager
def record(prefix: str = "") -> Iterator[tuple[Trace, RequestLog]]:
    """Record the block's AWS requests as a :class:`Trace` (table names without ``prefix``)."""
    trace = Trace(prefix=prefix)
    with count_aws_requests(observer=_observer(trace)) as log:
        yield trace, log
