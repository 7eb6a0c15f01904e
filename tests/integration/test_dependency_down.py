"""When DynamoDB is down: 503 ``service-unavailable`` with ``Retry-After``, well inside API Gateway's 29 s.

A fault proxy (tests/faults.py) sits between the service and the emulator's
DynamoDB; the test refuses connections, swallows requests without answering,
and answers every request with a throttling error, then lets traffic through
again. Before the fix a refused DynamoDB was a 500 and a silent one held the
request for 35–60 s.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib import aws as aws_module
from chalicelib.store.schema import ALL_MODELS
from tests.conftest import reset_process_state
from tests.faults import FaultProxy
from tests.identity_support import auth_headers
from tests.openapi import assert_documented

pytestmark = pytest.mark.emulator

# API Gateway ends every request at 29 s; the service must answer before it does.
GATEWAY_LIMIT_S = 29
PRODUCTION_READ_TIMEOUT_S = 4


@pytest.fixture
def proxy(aws: Any, emulator: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultProxy]:
    """DynamoDB reached through a fault proxy (S3 and SQS still straight on the emulator)."""
    faults = FaultProxy(emulator)
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", faults.url)
    # The production read timeout (the suite raises it for a busy emulator: conftest.py).
    monkeypatch.setattr(aws_module, "READ_TIMEOUT_S", PRODUCTION_READ_TIMEOUT_S)
    monkeypatch.setattr(aws_module, "_CLIENT_CONFIG", aws_module._client_config())
    for model in ALL_MODELS:
        # PynamoDB keeps a connection per model; start afresh so it reads the proxy's endpoint.
        monkeypatch.setattr(model, "_connection", None)
        monkeypatch.setattr(model.Meta, "read_timeout_seconds", PRODUCTION_READ_TIMEOUT_S)
    reset_process_state()
    yield faults
    faults.stop()
    monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB")
    for model in ALL_MODELS:
        monkeypatch.setattr(model, "_connection", None)
    reset_process_state()


def get_chats(api: Any) -> tuple[int, Any, dict[str, str], float]:
    started = time.monotonic()
    response = api.http.get("/v1/chats", headers=auth_headers("t-class"))
    elapsed = time.monotonic() - started
    return response.status_code, json.loads(response.body or b"null"), dict(response.headers), elapsed


def assert_unavailable(answer: tuple[int, Any, dict[str, str], float]) -> None:
    status, body, headers, elapsed = answer
    assert status == 503, body
    assert headers["Content-Type"] == "application/problem+json"
    assert body["type"].endswith("/service-unavailable")
    assert int(headers["Retry-After"]) > 0
    assert elapsed < GATEWAY_LIMIT_S, f"answered after {elapsed:.1f} s, past API Gateway's limit"
    assert_documented("GET", "/v1/chats", status, body, headers["Content-Type"])


def test_a_dependency_that_is_down_is_a_503_with_retry_after(api: Any, proxy: FaultProxy) -> None:
    status, body, _, _ = get_chats(api)
    assert status < 500, body  # through the proxy, the service works

    proxy.set_mode("refuse")
    assert_unavailable(get_chats(api))

    proxy.set_mode("throttle")
    assert_unavailable(get_chats(api))

    proxy.set_mode("blackhole")
    assert_unavailable(get_chats(api))

    proxy.set_mode("pass")
    status, body, _, _ = get_chats(api)
    assert status < 500, body  # and it recovers by itself


def test_the_hosted_page_says_so_in_russian_with_retry_after(api: Any, proxy: FaultProxy) -> None:
    proxy.set_mode("refuse")
    response = api.http.get("/m/chats", headers={"Cookie": "m_session=" + "a" * 43})
    assert response.status_code == 503, response.body
    assert response.headers["Content-Type"].startswith("text/html")
    assert int(response.headers["Retry-After"]) > 0
    assert "временно недоступен" in response.body.decode()
