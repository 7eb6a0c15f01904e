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
import botocore.session
from botocore.config import Config

from chalicelib.config import settings

_lock = threading.Lock()
_clients: dict[str, Any] = {}
_per_thread = threading.local()

_CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5})


def botocore_session() -> botocore.session.Session:
    """This thread's botocore session, shared by every client the thread creates.

    A new session parses botocore's service and endpoint JSON again (~0.1 s a
    client); PynamoDB makes one per model and boto3 one per ``Session()``, which
    cost a Lambda cold start about a second. One session per thread (client
    creation is not thread-safe within a session) parses them once.
    """
    session = getattr(_per_thread, "session", None)
    if session is None:
        session = botocore.session.get_session()
        _per_thread.session = session
        # boto3 registers its customisations on the botocore session: once per session.
        _per_thread.boto3 = boto3.session.Session(botocore_session=session)
    return session


def client(service: str, region: str | None = None) -> Any:
    """The shared boto3 client for ``service`` (``s3``, ``sqs``, ``sns``, ``dynamodb``), in the
    configured region unless ``region`` names another (Chime SDK meetings has few control regions)."""
    key = service if region is None else f"{service}@{region}"
    found = _clients.get(key)
    if found is not None:
        return found
    with _lock:
        if key not in _clients:
            botocore_session()
            _clients[key] = _per_thread.boto3.client(
                service, region_name=region or settings().region, config=_CLIENT_CONFIG
            )
        return _clients[key]


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
