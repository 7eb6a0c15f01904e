"""A moto server in its own process for benchmarks, and pointing this process at it.

The emulator runs in a separate process so that its CPU time does not share
this process's GIL: the worker under measurement talks to it over HTTP, as a
Lambda talks to DynamoDB.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


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
        process.wait(timeout=10)


def use_emulator(url: str, *, prefix: str | None = None) -> dict[str, str]:
    """Point this process's configuration at the emulator with fresh resource names."""
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
        "UPLOAD_QUEUE_NAME": f"bench-uploads-{unique}",
        "SCHOOL_QUEUE_NAME": f"bench-schools-{unique}",
        "DEAD_LETTER_QUEUE_NAME": f"bench-dead-{unique}",
        "JOURNAL_JWT_SECRET": "bench-secret-0123456789abcdef0123456789",
        "LOG_LEVEL": "ERROR",
        "POWERTOOLS_METRICS_NAMESPACE": "SchoolChatsBench",
        "POWERTOOLS_METRICS_DISABLED": "true",
    }
    os.environ.update(env)
    from chalicelib import aws, bootstrap, config

    config.settings.cache_clear()
    aws.reset_clients()
    bootstrap.reset_services()
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
