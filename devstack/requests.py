"""Counting DynamoDB requests (tests and benchmarks): machine-independent cost figures."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pynamodb.connection.base import Connection

WRITE_OPERATIONS = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})


@dataclass
class RequestLog:
    """DynamoDB requests seen: by operation, and by (operation, table)."""

    operations: Counter[str] = field(default_factory=Counter)
    by_table: Counter[tuple[str, str]] = field(default_factory=Counter)

    def total(self) -> int:
        """All requests."""
        return sum(self.operations.values())

    def writes_to(self, table_name: str) -> int:
        """Write requests that touched a table."""
        return sum(
            n for (op, table), n in self.by_table.items() if table == table_name and op in WRITE_OPERATIONS
        )


def _tables(kwargs: dict[str, Any]) -> set[str]:
    tables = set()
    if "TableName" in kwargs:
        tables.add(str(kwargs["TableName"]))
    tables.update(str(name) for name in kwargs.get("RequestItems", {}))
    for item in kwargs.get("TransactItems", []):
        for request in item.values():
            tables.add(str(request.get("TableName")))
    return tables


_lock = threading.Lock()
_active: list[RequestLog] = []
_original = Connection._make_api_call


def _counting_call(self: Connection, operation_name: str, operation_kwargs: dict[str, Any]) -> Any:
    with _lock:
        for log in _active:
            log.operations[operation_name] += 1
            for table in _tables(operation_kwargs):
                log.by_table[(operation_name, table)] += 1
    return _original(self, operation_name, operation_kwargs)


@contextmanager
def count_dynamodb_requests() -> Iterator[RequestLog]:
    """Record the DynamoDB requests made through PynamoDB inside the block."""
    log = RequestLog()
    with _lock:
        _active.append(log)
        Connection._make_api_call = _counting_call  # type: ignore[method-assign]
    try:
        yield log
    finally:
        with _lock:
            _active.remove(log)
            if not _active:
                Connection._make_api_call = _original  # type: ignore[method-assign]
