"""A small TCP fault proxy for the test suite: put it in front of the emulator, then break it.

Modes: ``pass`` forwards bytes both ways; ``refuse`` closes the listening
socket, so connecting is refused as with a dependency that is down;
``blackhole`` accepts connections and reads requests but never answers, as
with a dependency that hangs; ``throttle`` answers every request with
DynamoDB's ``ProvisionedThroughputExceededException``. Loopback only; every thread stops with
:meth:`FaultProxy.stop`.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from urllib.parse import urlparse


class FaultProxy:
    """A TCP proxy on 127.0.0.1 to ``target`` (``http://host:port``) whose mode a test switches."""

    def __init__(self, target: str) -> None:
        parsed = urlparse(target)
        self.target = (parsed.hostname or "127.0.0.1", parsed.port or 80)
        self.mode = "pass"
        self._stop = threading.Event()
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.port = self._listen(0)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:port``."""
        return f"http://127.0.0.1:{self.port}"

    def _listen(self, port: int) -> int:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(64)
        listener.settimeout(0.2)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return int(listener.getsockname()[1])

    def set_mode(self, mode: str) -> None:
        """Switch to ``pass``, ``refuse`` or ``blackhole``; open connections are cut."""
        assert mode in ("pass", "refuse", "blackhole", "throttle"), mode
        with self._lock:
            previous, self.mode = self.mode, mode
            for sock in list(self._sockets):
                with contextlib.suppress(OSError):
                    sock.close()
            self._sockets.clear()
        if mode == "refuse" and self._listener is not None:
            self._listener.close()
            self._listener = None
            time.sleep(0.3)  # the accept thread notices and exits
        elif previous == "refuse" and mode != "refuse":
            self._listen(self.port)

    def stop(self) -> None:
        """Stop every thread and close every socket."""
        self._stop.set()
        self.set_mode("pass")
        if self._listener is not None:
            self._listener.close()

    def _accept(self, listener: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # closed: refuse mode or stop
            with self._lock:
                self._sockets.add(conn)
                mode = self.mode
            if mode == "blackhole":
                threading.Thread(target=self._swallow, args=(conn,), daemon=True).start()
            elif mode == "throttle":
                threading.Thread(target=self._throttle, args=(conn,), daemon=True).start()
            else:
                threading.Thread(target=self._forward, args=(conn,), daemon=True).start()

    def _throttle(self, conn: socket.socket) -> None:
        body = (
            b'{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",'
            b'"message":"The level of configured provisioned throughput for the table was exceeded."}'
        )
        conn.settimeout(2)
        try:
            conn.recv(65536)
            conn.sendall(
                b"HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-amz-json-1.0\r\n"
                + b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)
                + body
            )
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                conn.close()

    def _swallow(self, conn: socket.socket) -> None:
        conn.settimeout(0.5)
        while not self._stop.is_set():
            try:
                if not conn.recv(65536):
                    return
            except TimeoutError:
                continue
            except OSError:
                return

    def _forward(self, conn: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            conn.close()
            return
        with self._lock:
            self._sockets.add(upstream)
        threading.Thread(target=self._pipe, args=(upstream, conn), daemon=True).start()
        self._pipe(conn, upstream)

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        source.settimeout(0.5)
        while not self._stop.is_set():
            try:
                data = source.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                break
            if not data:
                break
            try:
                sink.sendall(data)
            except OSError:
                break
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
