"""The local stack's stand-in for API Gateway WebSockets (SPEC §10): the same socket, the same handlers.

``chalice local`` serves no websockets, so this runs two small servers beside it:

* the socket pages open, ``ws://127.0.0.1:$LIVE_PORT/m/live`` (a path under
  the hosted page's cookie path ``/m``, so its session cookie comes along —
  cookies do not care about ports). Each handshake, frame and close is turned
  into the event API Gateway would give Lambda and handed to the app's own
  ``websocket_connect``/``websocket_message``/``websocket_disconnect`` handlers; a
  ``$connect`` answered with anything but 200 refuses the handshake;
* API Gateway's management API (``POST/DELETE/GET /{stage}/@connections/{id}``)
  on another port, which the service's boto3 ``apigatewaymanagementapi``
  client is pointed at (``LIVE_ENDPOINT_URL``): a post to an open socket is
  sent as one text frame, a post to a closed or unknown one is 410
  ``GoneException``, as on AWS.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

SOCKET_PATH = "/m/live"
MAX_FRAME_BYTES = 64 * 1024  # API Gateway's WebSocket frame limit is 32 KB; the handler refuses above 8 KB
Handler = Callable[[dict[str, Any], Any], Any]

log = logging.getLogger(__name__)
# The socket library logs each handshake's request line at DEBUG, and a page's ticket is in it:
# its logger stays at INFO, whatever the root logger's level.
_socket_log = logging.getLogger(f"{__name__}.socket")
_socket_log.setLevel(logging.INFO)


class LiveServer:
    """The socket server and the management API, calling ``handlers`` (the app's, by route)."""

    def __init__(
        self,
        handlers: dict[str, Handler] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        stage: str = "local",
    ) -> None:
        # Filled in before start() when the app is built after the ports are known (devstack/__main__.py).
        self.handlers: dict[str, Handler] = dict(handlers or {})
        self.host = host
        self.stage = stage
        self._open: dict[str, ServerConnection] = {}
        self._ids: dict[int, str] = {}
        self._lock = threading.Lock()
        self._socket: Server = serve(
            self._serve_connection,
            host,
            port,
            process_request=self._handshake,
            max_size=MAX_FRAME_BYTES,
            server_header=None,
            logger=_socket_log,
        )
        self._management = ThreadingHTTPServer((host, 0), _management_handler(self))
        self._management.daemon_threads = True
        self._threads: list[threading.Thread] = []

    @property
    def port(self) -> int:
        """The socket's port."""
        return int(self._socket.socket.getsockname()[1])

    @property
    def url(self) -> str:
        """What pages connect to (``LIVE_URL``)."""
        return f"ws://{self.host}:{self.port}{SOCKET_PATH}"

    @property
    def management_url(self) -> str:
        """Where the service posts (``LIVE_ENDPOINT_URL``)."""
        return f"http://{self.host}:{self._management.server_address[1]}/{self.stage}"

    def start(self) -> LiveServer:
        """Serve both in daemon threads."""
        targets = (("live-socket", self._socket.serve_forever), ("live-api", self._management.serve_forever))
        for name, target in targets:
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Close every socket and stop serving."""
        self._socket.shutdown()
        self._management.shutdown()
        self._management.server_close()

    # --- API Gateway's side of a connection --------------------------------------------------

    def _event(self, route: str, connection_id: str, **extra: Any) -> dict[str, Any]:
        kinds = {"$connect": "CONNECT", "$disconnect": "DISCONNECT", "$default": "MESSAGE"}
        return {
            "requestContext": {
                "routeKey": route,
                "eventType": kinds[route],
                "connectionId": connection_id,
                "domainName": f"{self.host}:{self.port}",
                "stage": self.stage,
                "apiId": "local",
                "requestId": str(uuid.uuid4()),
                "requestTimeEpoch": int(time.time() * 1000),
            },
            "isBase64Encoded": False,
            **extra,
        }

    def _call(self, route: str, event: dict[str, Any]) -> int:
        try:
            answer = self.handlers[route](event, None)
        except Exception:  # a handler's crash is API Gateway's 500 for that route
            log.exception("live %s handler failed", route)
            return 500
        return int(answer.get("statusCode", 200)) if isinstance(answer, dict) else 200

    def _handshake(self, connection: ServerConnection, request: Request) -> Response | None:
        if urlsplit(request.path).path != SOCKET_PATH:
            return connection.respond(HTTPStatus.NOT_FOUND, "No such socket.\n")
        connection_id = secrets.token_urlsafe(12)
        headers = {name: value for name, value in request.headers.raw_items()}
        # As API Gateway: the query's parameters, each once (the last one given), or None without a query.
        query = dict(parse_qsl(urlsplit(request.path).query, keep_blank_values=True)) or None
        event = self._event("$connect", connection_id, headers=headers, queryStringParameters=query)
        status = self._call("$connect", event)
        if status != 200:
            return connection.respond(HTTPStatus(status), "Refused.\n")
        with self._lock:
            self._open[connection_id] = connection
            self._ids[id(connection)] = connection_id
        return None

    def _serve_connection(self, connection: ServerConnection) -> None:
        with self._lock:
            connection_id = self._ids[id(connection)]
        try:
            for frame in connection:
                body = frame if isinstance(frame, str) else frame.decode("utf-8", "replace")
                self._call("$default", self._event("$default", connection_id, body=body))
        except ConnectionClosed:
            pass
        finally:
            with self._lock:
                self._open.pop(connection_id, None)
                self._ids.pop(id(connection), None)
            self._call("$disconnect", self._event("$disconnect", connection_id))

    def post(self, connection_id: str, data: bytes) -> bool:
        """``PostToConnection``: False when the connection is gone."""
        with self._lock:
            connection = self._open.get(connection_id)
        if connection is None:
            return False
        try:
            connection.send(data.decode("utf-8", "replace"))
        except ConnectionClosed:
            return False
        return True

    def close(self, connection_id: str) -> bool:
        """``DeleteConnection``: False when the connection is gone."""
        with self._lock:
            connection = self._open.get(connection_id)
        if connection is None:
            return False
        connection.close()
        return True

    def is_open(self, connection_id: str) -> bool:
        """``GetConnection``."""
        with self._lock:
            return connection_id in self._open


def _management_handler(server: LiveServer) -> type[BaseHTTPRequestHandler]:
    prefix = f"/{server.stage}/@connections/"

    class ManagementHandler(BaseHTTPRequestHandler):
        """API Gateway's management API for the sockets above (unsigned: it listens on 127.0.0.1 only)."""

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the console is for SMS codes and the READY line."""

        def _connection_id(self) -> str | None:
            path = urlsplit(self.path).path
            return unquote(path[len(prefix) :]) if path.startswith(prefix) else None

        def _answer(self, status: int, body: dict[str, Any] | None = None, error: str | None = None) -> None:
            data = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            if error is not None:
                self.send_header("x-amzn-ErrorType", error)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _gone(self) -> None:
            self._answer(410, {"message": "The connection is gone."}, "GoneException")

        def do_POST(self) -> None:
            connection_id = self._connection_id()
            data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if connection_id is None:
                self._answer(404, {"message": "Not found"}, "NotFoundException")
            elif server.post(connection_id, data):
                self._answer(200)
            else:
                self._gone()

        def do_DELETE(self) -> None:
            connection_id = self._connection_id()
            if connection_id is not None and server.close(connection_id):
                self._answer(204)
            else:
                self._gone()

        def do_GET(self) -> None:
            connection_id = self._connection_id()
            if connection_id is not None and server.is_open(connection_id):
                now = datetime.now(UTC).isoformat()
                identity = {"SourceIp": "127.0.0.1"}
                self._answer(200, {"ConnectedAt": now, "LastActiveAt": now, "Identity": identity})
            else:
                self._gone()

    return ManagementHandler


def app_handlers(app: Any) -> dict[str, Handler]:
    """The app's socket handlers by route, as Lambda would invoke them."""
    return {
        "$connect": app.handler_map["websocket_connect"],
        "$default": app.handler_map["websocket_message"],
        "$disconnect": app.handler_map["websocket_disconnect"],
    }
