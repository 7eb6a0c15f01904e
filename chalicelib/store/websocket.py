"""Live delivery through API Gateway WebSockets: posts with the management API (``PostToConnection``).

The connections store says which sockets each person has open; each gets the
event as one JSON text frame. A socket API Gateway calls gone (``GoneException``,
HTTP 410) is forgotten; any other failure is logged and skipped — a push never
raises. The client is boto3's ``apigatewaymanagementapi``, created on first use
at ``LIVE_ENDPOINT_URL`` (``https://{api}.execute-api.{region}.amazonaws.com/{stage}``
on AWS; the local stack's stand-in in ``devstack/live.py``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import botocore.exceptions

from chalicelib.aws import client
from chalicelib.clock import Clock
from chalicelib.live.connections import ConnectionStore
from chalicelib.observability import log_event
from chalicelib.store.pool import LazyPool

# Posts to a chat's open pages go out side by side (each is one HTTPS request to API Gateway).
POST_WORKERS = 8
_POST_POOL = LazyPool(POST_WORKERS, "live-post")


def encode(event: Mapping[str, Any]) -> bytes:
    """One event as the text frame a page receives."""
    return json.dumps(dict(event), ensure_ascii=False, separators=(",", ":")).encode()


class WebSocketLiveDelivery:
    """:class:`~chalicelib.live.port.LiveDelivery` over API Gateway's management API."""

    def __init__(self, connections: ConnectionStore, endpoint_url: str, clock: Clock) -> None:
        self.connections = connections
        self.endpoint_url = endpoint_url
        self.clock = clock

    def _client(self) -> Any:
        return client("apigatewaymanagementapi", endpoint_url=self.endpoint_url)

    def push(self, person_ids: Iterable[str], event: Mapping[str, Any]) -> None:
        """Send ``event`` to every open connection of ``person_ids``; gone ones are forgotten.

        A connection whose sign-in has lapsed (its expiry is past) gets nothing: it is closed and forgotten.
        """
        now = self.clock.now()
        sockets = self.connections.sockets_of(person_ids)
        targets = sorted(
            cid for expiries in sockets.values() for cid, until in expiries.items() if until > now
        )
        lapsed = sorted(
            cid for expiries in sockets.values() for cid, until in expiries.items() if until <= now
        )
        if lapsed:
            self.close(lapsed)
        if not targets:
            return
        data = encode(event)
        if len(targets) == 1:
            self.send(targets[0], data)
            return
        list(_POST_POOL.get().map(lambda connection_id: self.send(connection_id, data), targets))

    def close(self, connection_ids: Iterable[str]) -> None:
        """``DeleteConnection`` each socket (a gone one is fine) and forget it."""
        management = self._client()
        for connection_id in connection_ids:
            try:
                management.delete_connection(ConnectionId=connection_id)
            except management.exceptions.GoneException:
                pass
            except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
                log_event("live_close_failed", connection_id=connection_id, error=repr(error))
            self.connections.forget(connection_id)

    def answer(self, connection_id: str, event: Mapping[str, Any]) -> bool:
        """Answer one socket's frame (:class:`~chalicelib.live.port.LiveReplies`)."""
        return self.send(connection_id, encode(event))

    def send(self, connection_id: str, data: bytes) -> bool:
        """Post one frame to one connection; False (and forgotten, if gone) when it did not go."""
        management = self._client()
        try:
            management.post_to_connection(ConnectionId=connection_id, Data=data)
        except management.exceptions.GoneException:
            self.connections.forget(connection_id)
            return False
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
            log_event("live_post_failed", connection_id=connection_id, error=repr(error))
            return False
        return True
