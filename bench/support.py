"""What the benchmarks share: an emulator of their own, counting DynamoDB requests, timing."""

from __future__ import annotations

import logging
import os
import socket
import statistics
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

BENCH_JWT_SECRET = "bench-journal-secret-with-enough-entropy-0123456789"


def start_emulator() -> Any:
    """A moto server on a free port, with the process configured to use it (fresh resources)."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per emulator request otherwise
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    unique = uuid.uuid4().hex[:8]
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
            "STAGE": "bench",
            "TABLE_PREFIX": f"b{unique}-",
            "ROSTER_BUCKET": f"bench-{unique}",
            "UPLOAD_QUEUE_NAME": f"uploads-{unique}",
            "SCHOOL_QUEUE_NAME": f"schools-{unique}",
            "DEAD_LETTER_QUEUE_NAME": f"dead-{unique}",
            "JOURNAL_JWT_SECRET": BENCH_JWT_SECRET,
            "LOG_LEVEL": "ERROR",
            "POWERTOOLS_METRICS_NAMESPACE": "SchoolChatsBench",
        }
    )
    from chalicelib.config import settings
    from devstack.resources import provision

    settings.cache_clear()
    provision(settings())
    return server


class RequestCounter:
    """Counts the AWS requests (by operation) every botocore client of the process sends."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._original: Callable[..., Any] | None = None

    def install(self) -> None:
        """Start counting (patches ``BaseClient._make_api_call``, which boto3 and PynamoDB both use)."""
        from botocore.client import BaseClient

        original = BaseClient._make_api_call
        self._original = original
        counter = self

        def counted(client: Any, operation_name: str, api_params: Any) -> Any:
            with counter._lock:
                counter.counts[operation_name] += 1
            return original(client, operation_name, api_params)

        BaseClient._make_api_call = counted  # type: ignore[method-assign]

    @contextmanager
    def measure(self) -> Iterator[Counter[str]]:
        """The requests sent inside the ``with`` block."""
        with self._lock:
            before = Counter(self.counts)
        result: Counter[str] = Counter()
        yield result
        with self._lock:
            result.update(self.counts - before)


def latency_ratio(action: Callable[[], Any], baseline: Callable[[], Any], runs: int = 31) -> float:
    """The median of ``action``'s time over ``baseline``'s, measured in alternation.

    Alternating the two and taking the median of per-pair ratios keeps a busy
    machine's drift out of the figure.
    """
    for _ in range(3):
        action()
        baseline()
    ratios = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        middle = time.perf_counter()
        baseline()
        ended = time.perf_counter()
        ratios.append((middle - started) / (ended - middle))
    return statistics.median(ratios)


def describe(counts: Counter[str]) -> str:
    """``3 (BatchGetItem 1, GetItem 1, Query 1)``."""
    detail = ", ".join(f"{name} {count}" for name, count in sorted(counts.items()))
    return f"{sum(counts.values())} ({detail})"
