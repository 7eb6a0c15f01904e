"""Counting AWS requests (tests and benchmarks): machine-independent cost figures.

Every botocore client of the process — boto3's and PynamoDB's alike — sends
its requests through ``BaseClient._make_api_call``; inside
:func:`count_aws_requests` that call is counted by service and operation, and
DynamoDB requests also by the tables they touch.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.client import BaseClient

RawCall = Callable[[str, dict[str, Any]], Any]
"""Send one request of the same client, uncounted and unobserved: ``raw(operation, params)``."""
Observer = Callable[[BaseClient, str, dict[str, Any], RawCall], Any]
"""Sees a request and makes it: ``observer(client, operation, params, raw)`` returns the response
(``bench/capacity/trace.py`` reads items before and after each write this way)."""

WRITE_OPERATIONS = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})


@dataclass
class RequestLog:
    """AWS requests seen: by (service, operation), and DynamoDB's by (operation, table)."""

    calls: Counter[tuple[str, str]] = field(default_factory=Counter)
    by_table: Counter[tuple[str, str]] = field(default_factory=Counter)
    observer: Observer | None = None

    def of(self, service: str) -> Counter[str]:
        """Requests to one service (``dynamodb``, ``s3``, ``sqs``, ``sns``), by operation."""
        return Counter({op: n for (svc, op), n in self.calls.items() if svc == service})

    @property
    def operations(self) -> Counter[str]:
        """DynamoDB requests by operation."""
        return self.of("dynamodb")

    def total(self, service: str = "dynamodb") -> int:
        """All requests to a service."""
        return sum(self.of(service).values())

    def writes_to(self, table_name: str) -> int:
        """DynamoDB write requests that touched a table."""
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
# What _make_api_call was when counting started: other wrappers (the tests' IAM
# audit) may have replaced botocore's own, and must be called and put back as found.
_wrapped: list[Any] = []


def _counting_call(self: BaseClient, operation_name: str, api_params: dict[str, Any]) -> Any:
    service = self.meta.service_model.service_name
    with _lock:
        for log in _active:
            log.calls[(service, operation_name)] += 1
            if service == "dynamodb":
                for table in _tables(api_params):
                    log.by_table[(operation_name, table)] += 1
        call = _wrapped[0]
        observers = [log.observer for log in _active if log.observer is not None]
    if observers:
        return observers[0](self, operation_name, api_params, lambda op, params: call(self, op, params))
    return call(self, operation_name, api_params)


@contextmanager
def count_aws_requests(observer: Observer | None = None) -> Iterator[RequestLog]:
    """Record the AWS requests the process makes inside the block (and let ``observer`` make them)."""
    log = RequestLog(observer=observer)
    with _lock:
        if not _active:
            _wrapped[:] = [BaseClient._make_api_call]
            BaseClient._make_api_call = _counting_call  # type: ignore[method-assign]
        _active.append(log)
    try:
        yield log
    finally:
        with _lock:
            _active.remove(log)
            if not _active:
                BaseClient._make_api_call = _wrapped.pop()  # type: ignore[method-assign]
