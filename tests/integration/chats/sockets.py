"""A real websocket client on the local stack's socket server (``devstack/live.py``, the ``live`` fixture).

Events are pushed before the API answers, so after a change the next frame a socket
reads is that change's event, or nothing: :func:`nothing_more` shows the nothing.
"""

from __future__ import annotations

import json
from typing import Any

from websockets.sync.client import ClientConnection, connect

from devstack.live import LiveServer
from tests.support import token_for

# How long a frame may take on a loaded test machine (moto answers the handlers); the 2 s of SPEC §10
# is held by the browser tests, and here events are sent before the API answers anyway.
WAIT_S = 10.0


def frame(socket: ClientConnection, timeout: float = WAIT_S) -> dict[str, Any]:
    """The next frame the socket receives, decoded."""
    decoded: dict[str, Any] = json.loads(socket.recv(timeout=timeout))
    return decoded


def ask(socket: ClientConnection, sent: Any) -> dict[str, Any]:
    """Send a frame (JSON of ``sent``, or ``sent`` itself when it is text) and return the next one."""
    socket.send(sent if isinstance(sent, str) else json.dumps(sent))
    return frame(socket)


def journal_socket(server: LiveServer, person_id: str) -> ClientConnection:
    """A journal's socket: opened from another origin, authenticated by its journal token."""
    socket = connect(server.url, origin="http://journal.example")  # type: ignore[arg-type]
    assert ask(socket, {"action": "auth", "token": token_for(person_id)}) == {"type": "ready"}
    return socket


def nothing_more(socket: ClientConnection) -> None:
    """The next frame is the answer to a ping: no event came before it."""
    assert ask(socket, {"action": "ping"}) == {"type": "pong"}
