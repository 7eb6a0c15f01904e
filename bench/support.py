"""What the benchmarks share: an emulator of their own (a moto server in a separate process), timing.

The emulator runs in its own process so that its CPU time does not share the
benchmark's GIL: the code under measurement talks to it over HTTP, as a Lambda
talks to DynamoDB. Requests are counted with ``devstack.requests``.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

BENCH_JWT_SECRET = "bench-journal-secret-with-enough-entropy-0123456789"
_PROCESS = uuid.uuid4().hex[:8]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def moto_server() -> Iterator[str]:
    """Run ``moto_server`` on a free loopback port; yields its URL."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url + "/moto-api/", timeout=1)  # noqa: S310 - loopback
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # a loaded machine: do not lose the run's figures over it
            process.kill()
            process.wait()


def use_emulator(url: str, *, prefix: str | None = None) -> dict[str, str]:
    """Point this process's configuration at the emulator with fresh resource names, and create them."""
    unique = prefix or uuid.uuid4().hex[:8]
    env = {
        "AWS_ENDPOINT_URL": url,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "STAGE": "bench",
        "TABLE_PREFIX": f"b{unique}-",
        "ROSTER_BUCKET": f"bench-{unique}",
        # Queue names are read when app.py is imported, so they stay the same for the process.
        "UPLOAD_QUEUE_NAME": f"bench-uploads-{_PROCESS}",
        "SCHOOL_QUEUE_NAME": f"bench-schools-{_PROCESS}",
        "DEAD_LETTER_QUEUE_NAME": f"bench-dead-{_PROCESS}",
        "FANOUT_QUEUE_NAME": f"bench-fanout-{_PROCESS}",
        "JOURNAL_JWT_SECRET": BENCH_JWT_SECRET,
        "LOG_LEVEL": "ERROR",
        "POWERTOOLS_METRICS_NAMESPACE": "SchoolChatsBench",
        "POWERTOOLS_METRICS_DISABLED": "true",
    }
    os.environ.update(env)
    from chalicelib import aws, config
    from devstack.resources import provision

    config.settings.cache_clear()
    aws.reset_clients()
    provision(config.settings())
    return env


def scan_raw(table_name: str) -> list[dict[str, Any]]:
    """Every item of a table, as DynamoDB attribute-value maps."""
    from chalicelib.aws import client

    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table_name}
    while True:
        page = client("dynamodb").scan(**kwargs)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


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
