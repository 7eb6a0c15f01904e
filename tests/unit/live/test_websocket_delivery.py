"""The management-API adapter: each open connection gets the event once; gone ones are forgotten; errors
are swallowed. Requests are checked against botocore's model of ``apigatewaymanagementapi`` (Stubber)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.stub import Stubber

from chalicelib.clock import MovableClock
from chalicelib.memory.connections import MemoryConnectionStore
from chalicelib.store.websocket import WebSocketLiveDelivery

NOW = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
ENDPOINT = "https://abc123.execute-api.us-east-1.amazonaws.com/api"


@pytest.fixture
def delivery(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[WebSocketLiveDelivery, Stubber]]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    from chalicelib import aws, config

    config.settings.cache_clear()
    aws.reset_clients()
    # One poster thread: the Stubber expects its requests in order.
    from chalicelib.store import websocket
    from chalicelib.store.pool import LazyPool

    monkeypatch.setattr(websocket, "_POST_POOL", LazyPool(1, "live-post-test"))
    store = MemoryConnectionStore()
    live = WebSocketLiveDelivery(store, ENDPOINT, MovableClock(NOW))
    client = live._client()
    assert client.meta.endpoint_url == ENDPOINT
    with Stubber(client) as stubber:
        yield live, stubber
    aws.reset_clients()


def _post(stubber: Stubber, connection_id: str, event: dict[str, Any], error: str | None = None) -> None:
    params = {
        "ConnectionId": connection_id,
        "Data": json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode(),
    }
    if error is None:
        stubber.add_response("post_to_connection", {}, params)
    else:
        stubber.add_client_error(
            "post_to_connection",
            error,
            http_status_code=410 if error == "GoneException" else 500,
            expected_params=params,
        )


def test_every_open_page_of_the_people_gets_the_event_and_gone_ones_are_forgotten(delivery: Any) -> None:
    live, stubber = delivery
    store: MemoryConnectionStore = live.connections
    later = NOW + timedelta(hours=2)
    store.connected("a1", "anna", later)
    store.connected("g1", "gleb", later)
    store.connected("z1", "zoya", later)  # not among the people pushed to
    event = {"type": "message.created", "chat_id": "ch-1", "message_id": "m-1"}
    _post(stubber, "a1", event)
    _post(stubber, "g1", event, error="GoneException")
    live.push(["anna", "gleb", "boris"], event)
    stubber.assert_no_pending_responses()
    assert store.connections_of(["anna", "gleb", "zoya"], NOW) == {"anna": {"a1"}, "zoya": {"z1"}}


def test_a_failing_gateway_is_logged_not_raised(delivery: Any) -> None:
    live, stubber = delivery
    live.connections.connected("a1", "anna", NOW + timedelta(hours=1))
    event = {"type": "chat.changed", "chat_id": "ch-1"}
    _post(stubber, "a1", event, error="InternalServerError")
    live.push(["anna"], event)
    assert live.connections.connections_of(["anna"], NOW) == {"anna": {"a1"}}  # kept: not gone


def test_nobody_open_means_no_request(delivery: Any) -> None:
    live, stubber = delivery
    live.push(["anna"], {"type": "chat.changed", "chat_id": "ch-1"})
    stubber.assert_no_pending_responses()


def test_a_connection_whose_sign_in_lapsed_is_closed_not_sent_to(delivery: Any) -> None:
    live, stubber = delivery
    store: MemoryConnectionStore = live.connections
    store.connected("a-old", "anna", NOW - timedelta(seconds=1), session_hash="s-ended")  # its session ended
    store.connected("a-new", "anna", NOW + timedelta(hours=1))
    event = {"type": "message.created", "chat_id": "ch-1", "message_id": "m-1"}
    stubber.add_response("delete_connection", {}, {"ConnectionId": "a-old"})
    _post(stubber, "a-new", event)
    live.push(["anna"], event)
    stubber.assert_no_pending_responses()
    assert store.sockets_of(["anna"]) == {"anna": {"a-new": NOW + timedelta(hours=1)}}
    assert store.of_session("s-ended") == set()


def test_closing_a_socket_already_gone_still_forgets_it(delivery: Any) -> None:
    live, stubber = delivery
    live.connections.connected("a1", "anna", NOW + timedelta(hours=1), session_hash="s-1")
    stubber.add_client_error(
        "delete_connection", "GoneException", http_status_code=410, expected_params={"ConnectionId": "a1"}
    )
    live.close(["a1"])
    stubber.assert_no_pending_responses()
    assert live.connections.sockets_of(["anna"]) == {}
