"""The tripwire the twin-backed tests stand where AWS would be (``tests/tripwire.py``) sees every call.

``no_aws`` (``tests/conftest.py``) trusts it to fail a test on the twins that
reached for AWS after all; here it is shown an SDK call and a bare connection.
"""

from __future__ import annotations

import socket

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from tests.tripwire import Tripwire


def test_an_sdk_call_to_the_tripwire_fails_and_is_counted() -> None:
    tripwire = Tripwire()
    sqs = boto3.client(
        "sqs",
        endpoint_url=tripwire.url,
        region_name="us-east-1",
        config=Config(retries={"total_max_attempts": 1}, connect_timeout=1, read_timeout=1),
    )
    with pytest.raises(botocore.exceptions.BotoCoreError):
        sqs.list_queues()
    assert tripwire.stop() >= 1


def test_no_connection_counts_nothing_and_each_connection_counts_once() -> None:
    quiet = Tripwire()
    assert quiet.stop() == 0
    tripwire = Tripwire()
    host, port = tripwire.url.removeprefix("http://").split(":")
    for _ in range(2):
        with socket.create_connection((host, int(port)), timeout=2) as connection:
            assert connection.recv(1) == b""  # closed by the tripwire
    assert tripwire.stop() == 2
