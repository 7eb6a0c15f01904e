"""Lazily created AWS clients, shared by the whole process.

boto3 honours ``AWS_ENDPOINT_URL`` by itself, so the same clients talk to AWS
in Lambda, to the embedded emulator locally and to moto server in the tests.
Clients are created on first use (Lambda cold starts pay only for what they
touch) and :func:`reset_clients` forgets them when a test points the process
at another emulator.

Every client, boto3's and PynamoDB's, gives up well inside API Gateway's 29 s:
it connects within :data:`CONNECT_TIMEOUT_S`, waits :data:`READ_TIMEOUT_S`
for an answer, makes at most :data:`MAX_ATTEMPTS` attempts, and an HTTP
request has a total budget (:func:`request_budget`) checked before each
attempt. What is left of a dependency that is down — refused, silent or
throttling — :func:`is_dependency_failure` recognises, and the HTTP edge
answers it with 503 ``service-unavailable`` and ``Retry-After``.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import threading
import time
from collections.abc import Iterator
from functools import cache
from typing import Any

import boto3
import botocore.exceptions
import botocore.session
from botocore.config import Config

from chalicelib.config import settings

_lock = threading.Lock()
_clients: dict[str, Any] = {}
_per_thread = threading.local()

# Worst case for one call: 3 × (1 s + 4 s) plus backoff, about 16 s; the request budget cuts it
# shorter when earlier calls of the same request took their time.
CONNECT_TIMEOUT_S = 1
# Also bounds SQS long polls: a receive_message(WaitTimeSeconds=...) must wait less than this.
# AWS_READ_TIMEOUT_S raises it where the emulator, not AWS, answers on a busy machine (the test
# suite, the local stack): there a slow CreateTable retried after a timeout finds its table made.
READ_TIMEOUT_S = int(os.environ.get("AWS_READ_TIMEOUT_S", "4"))
MAX_ATTEMPTS = 3
# An HTTP request starts no new attempt after this long (API Gateway gives up at 29 s).
REQUEST_BUDGET_S = 20.0
RETRY_AFTER_S = 5


def _client_config() -> Config:
    """The botocore configuration of every boto3 client (PynamoDB's take the same values)."""
    return Config(
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=READ_TIMEOUT_S,
        retries={"mode": "standard", "max_attempts": MAX_ATTEMPTS},
    )


_CLIENT_CONFIG = _client_config()

# Error codes of a dependency that is overloaded or throttling us: worth a retry later, not a 500.
THROTTLING_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "SlowDown",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalServerError",
        "InternalFailure",
        "LimitExceededException",
    }
)

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("aws_deadline", default=None)


class BudgetExhausted(Exception):
    """The request's time budget ran out before another AWS call (or attempt) could start."""


@contextlib.contextmanager
def request_budget(seconds: float = REQUEST_BUDGET_S) -> Iterator[None]:
    """Within the block, no AWS call or retry starts after ``seconds`` (raises :class:`BudgetExhausted`)."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def _check_budget(**_: Any) -> None:
    deadline = _deadline.get()
    if deadline is not None and time.monotonic() >= deadline:
        raise BudgetExhausted("the request's time budget for AWS calls is spent")


def is_dependency_failure(error: BaseException) -> bool:
    """Whether ``error`` (or what caused it, PynamoDB wraps botocore) says an AWS dependency is unavailable.

    Unreachable (refused, reset, DNS), silent past the timeouts, throttling or
    failing on its side (5xx) — not a fault of the request, and worth retrying later.
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(
            current,
            (
                BudgetExhausted,
                botocore.exceptions.ConnectionError,  # refused, connect/read timeouts, closed
                botocore.exceptions.HTTPClientError,
            ),
        ):
            return True
        if isinstance(current, botocore.exceptions.ClientError):
            code = str(current.response.get("Error", {}).get("Code", ""))
            status = int(current.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
            if code in THROTTLING_CODES or status >= 500:
                return True
        cause = getattr(current, "cause", None)
        current = cause if isinstance(cause, BaseException) else (current.__cause__ or current.__context__)
    return False


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
        # Every client of the session (boto3's and PynamoDB's) checks the request budget per attempt.
        session.register("before-send", _check_budget)
        _per_thread.session = session
        # boto3 registers its customisations on the botocore session: once per session.
        _per_thread.boto3 = boto3.session.Session(botocore_session=session)
    return session


def client(service: str, region: str | None = None, endpoint_url: str | None = None) -> Any:
    """The shared boto3 client for ``service`` (``s3``, ``sqs``, ``sns``, ``dynamodb``), in the
    configured region unless ``region`` names another (Chime SDK meetings has few control regions),
    at ``endpoint_url`` when the service has one of its own (API Gateway's management API)."""
    key = service if region is None else f"{service}@{region}"
    key = key if endpoint_url is None else f"{key}@{endpoint_url}"
    found = _clients.get(key)
    if found is not None:
        return found
    with _lock:
        if key not in _clients:
            botocore_session()
            config = _CLIENT_CONFIG
            if service == "s3":  # presigned links and POSTs signed with SigV4 (what SSE-KMS objects need)
                config = config.merge(Config(signature_version="s3v4"))
            _clients[key] = _per_thread.boto3.client(
                service,
                region_name=region or settings().region,
                config=config,
                endpoint_url=endpoint_url,
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
