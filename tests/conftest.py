"""Shared fixtures: a moto server reached over HTTP, fresh resources per test, an API client.

The code under test talks to moto server exactly as it talks to AWS: through
boto3/PynamoDB over HTTP, found via ``AWS_ENDPOINT_URL``. Each test starts with
empty tables, its own bucket and fresh queues, so tests never see each other's
data and can run in parallel processes. The tables are made once per test
process and emptied before each test (inside the in-process emulator, no HTTP):
creating the service's ~20 tables over HTTP for every test cost seconds a test
and most of the suite's time.
"""

from __future__ import annotations

import contextlib
import logging
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support import TEST_JWT_SECRET, TEST_OPERATOR_SECRET, free_port

# Credentials and region for the emulator, set before anything creates a client.
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "POWERTOOLS_METRICS_NAMESPACE": "SchoolChatsTest",
        "LOG_LEVEL": "WARNING",
        # The emulator on a shared machine can take longer than AWS's 4 s to answer; the
        # dependency-down test puts the production timeouts back (chalicelib.aws).
        "AWS_READ_TIMEOUT_S": "30",
    }
)
os.environ.pop("AWS_PROFILE", None)
logging.getLogger("werkzeug").setLevel(logging.WARNING)

# Queue names are read when app.py is imported (its @on_sqs_message decorators), so
# they are fixed for the session (unique per test process) and purged between tests.
_SESSION = uuid.uuid4().hex[:8]
os.environ.update(
    {
        "UPLOAD_QUEUE_NAME": f"uploads-{_SESSION}",
        "SCHOOL_QUEUE_NAME": f"schools-{_SESSION}",
        "DEAD_LETTER_QUEUE_NAME": f"dead-{_SESSION}",
        "FANOUT_QUEUE_NAME": f"fanout-{_SESSION}",
    }
)


@pytest.fixture(scope="session")
def emulator() -> Iterator[str]:
    """A moto server on 127.0.0.1 for the whole test session (the local stack's); yields its URL."""
    from devstack.emulator import EmbeddedEmulator

    server = EmbeddedEmulator("127.0.0.1", free_port())
    server.start()
    yield server.url
    server.stop()


def reset_process_state() -> None:
    """Forget cached settings and clients (after the environment changed)."""
    from chalicelib import aws, config

    config.settings.cache_clear()
    aws.reset_clients()


@pytest.fixture(autouse=True)
def settings_read_afresh() -> None:
    """Every test starts with settings read from its own environment.

    A thread an earlier test left finishing (a pool's delivery, a worker) can call ``settings()``
    while that test's environment is being put back: the cache then keeps the old names (a
    per-process table prefix) past the ``aws`` fixture's clean-up, and a later test that uses no
    emulator reads them.
    """
    from chalicelib import config

    config.settings.cache_clear()


# This process's tables: made on first use, emptied before each test that asks for ``aws``.
SESSION_TABLE_PREFIX = f"t{_SESSION}-"


def empty_tables(prefix: str) -> None:
    """Every table named ``prefix…`` exists and holds no items, as if just created.

    Works on the in-process emulator's backend directly (this process's moto
    server runs in a thread of it); a table a test dropped is made again.
    """
    from collections import defaultdict

    from moto.dynamodb.models import dynamodb_backends

    from chalicelib.store.schema import ALL_MODELS, create_tables

    found = 0
    for regions in dynamodb_backends.values():
        for backend in regions.values():
            for name, table in backend.tables.items():
                if name.startswith(prefix):
                    table.items = defaultdict(dict)
                    found += 1
    if found != len(ALL_MODELS):
        create_tables()


@pytest.fixture
def aws(emulator: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Empty tables, a fresh bucket, fresh queues, on the emulator; yields the queues' URLs."""
    from chalicelib.aws import client
    from chalicelib.config import settings
    from devstack.resources import create_queues, create_roster_bucket

    unique = uuid.uuid4().hex[:10]
    monkeypatch.setenv("AWS_ENDPOINT_URL", emulator)
    monkeypatch.setenv("STAGE", "test")
    monkeypatch.setenv("TABLE_PREFIX", SESSION_TABLE_PREFIX)
    monkeypatch.setenv("ROSTER_BUCKET", f"rosters-{unique}")
    monkeypatch.setenv("JOURNAL_JWT_SECRET", TEST_JWT_SECRET)
    monkeypatch.setenv("OPERATOR_JWT_SECRET", TEST_OPERATOR_SECRET)
    reset_process_state()
    empty_tables(SESSION_TABLE_PREFIX)
    sqs = client("sqs")
    config = settings()
    for name in (
        config.upload_queue_name,
        config.school_queue_name,
        config.dead_letter_queue_name,
        config.fanout_queue_name,
    ):
        # A fresh queue per test: nothing a previous test left in flight can reappear.
        with contextlib.suppress(sqs.exceptions.QueueDoesNotExist):
            sqs.delete_queue(QueueUrl=sqs.get_queue_url(QueueName=name)["QueueUrl"])
    # Short visibility: a failed message comes back within seconds, as tests of retries need.
    queues = create_queues(config, visibility_timeout_s=2)
    create_roster_bucket(config, queues.upload)
    yield queues
    # Put the environment back before forgetting the cached settings: a thread the test left
    # running that reads settings in between would otherwise cache this test's names (tables,
    # bucket) for every later test of the process that does not use this fixture.
    monkeypatch.undo()
    reset_process_state()


@pytest.fixture(scope="session")
def process_tripwire() -> Iterator[Any]:
    """The test process's :class:`~tests.tripwire.Tripwire` (one listener, not a thread per test)."""
    from tests.tripwire import Tripwire

    tripwire = Tripwire()
    yield tripwire
    tripwire.stop()


@pytest.fixture
def no_aws(process_tripwire: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Settings for a test on the in-memory twins, with AWS (and the emulator) out of reach.

    Asks for neither ``aws`` nor ``emulator``, so no moto server starts for it.
    ``AWS_ENDPOINT_URL`` points at the process's :class:`~tests.tripwire.Tripwire` and
    the test fails if boto3 or PynamoDB connected to it while it ran; the table prefix
    is the test's own, so PynamoDB makes new connections (one cached by an earlier test
    of the process would still point at that test's emulator). Every test in
    ``tests/unit`` runs with it. Yields the tripwire.
    """
    before = process_tripwire.connections
    unique = uuid.uuid4().hex[:10]
    monkeypatch.setenv("AWS_ENDPOINT_URL", process_tripwire.url)
    monkeypatch.setenv("STAGE", "test")
    monkeypatch.setenv("TABLE_PREFIX", f"no-aws-{unique}-")
    monkeypatch.setenv("ROSTER_BUCKET", f"no-aws-{unique}")
    monkeypatch.setenv("JOURNAL_JWT_SECRET", TEST_JWT_SECRET)
    monkeypatch.setenv("OPERATOR_JWT_SECRET", TEST_OPERATOR_SECRET)
    reset_process_state()
    yield process_tripwire
    monkeypatch.undo()
    reset_process_state()
    touched = process_tripwire.connections - before
    assert touched == 0, f"{touched} connection(s) to AWS_ENDPOINT_URL in a test on the twins"


@pytest.fixture
def services(aws: Any) -> Any:
    """This test's services: the production adapters on the emulator (a test may swap one before use)."""
    from chalicelib.bootstrap import build_services
    from chalicelib.config import settings

    return build_services(settings())


@pytest.fixture
def application(services: Any) -> Any:
    """The Chalice app wired to this test's services."""
    from app import create_app

    return create_app(services)


@pytest.fixture
def api(application: Any) -> Iterator[Any]:
    """A Chalice test client for the app (requests run through the same code as in Lambda)."""
    from chalice.test import Client

    with Client(application, stage_name="test") as client:
        yield client


@pytest.fixture
def clock(services: Any) -> Any:
    """A movable clock the service uses for this test (expiry, cooldowns, back-off without sleeping)."""
    from chalicelib.clock import MovableClock

    moving = MovableClock()
    services.clock = moving
    return moving


@pytest.fixture
def configure(aws: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``configure(NAME="value", ...)`` changes settings for the rest of the test (read per request)."""
    from chalicelib.config import settings

    def apply(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        settings.cache_clear()
        settings()  # as at a cold start: a value out of bounds raises here, naming its variable

    yield apply
    settings.cache_clear()
