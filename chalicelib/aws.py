"""Lazily created AWS clients, shared by the whole process.

boto3 honours ``AWS_ENDPOINT_URL`` by itself, so the same clients talk to AWS
in Lambda, to the embedded emulator locally and to moto server in the tests.
Clients are created on first use (Lambda cold starts pay only for what they
touch) and :func:`reset_clients` forgets them when a test points the process
at another emulator.
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

import boto3
from botocore.config import Config

from chalicelib.config import settings

_lock = threading.Lock()
_clients: dict[str, Any] = {}

_CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5})


def client(service: str) -> Any:
    """The shared boto3 client for ``service`` (``s3``, ``sqs``, ``sns``, ``dynamodb``)."""
    found = _clients.get(service)
    if found is not None:
        return found
    with _lock:
        if service not in _clients:
            _clients[service] = boto3.session.Session().client(
                service, region_name=settings().region, config=_CLIENT_CONFIG
            )
        return _clients[service]


@cache
def queue_url(queue_name: str) -> str:
    """The URL of an SQS queue, looked up once per process."""
    response = client("sqs").get_queue_url(QueueName=queue_name)
    return str(response["QueueUrl"])


def reset_clients() -> None:
    """Forget every client and cached lookup (tests switch emulators with it)."""
    with _lock:
        _clients.clear()
    queue_url.cache_clear()
