"""A loopback listener standing where AWS would be, for tests that must not reach AWS or the emulator.

A test that runs on the in-memory twins points ``AWS_ENDPOINT_URL`` (which
boto3 and PynamoDB both honour) at a :class:`Tripwire`: every connection
either makes is counted and cut, so "nothing touched AWS" is a number the
test asserts, not a hope. See the ``no_aws`` fixture in ``tests/conftest.py``.
"""

from __future__ import annotations

import contextlib
import socket
import threading


class Tripwire:
    """Accepts connections on 127.0.0.1 and closes them at once, counting each."""

    def __init__(self) -> None:
        self.connections = 0
        self._stop = threading.Event()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self._listener.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            with contextlib.suppress(OSError):
                connection.close()

    def stop(self) -> int:
        """Stop listening; how many connections were made to it."""
        self._stop.set()
        self._thread.join(timeout=2)
        self._listener.close()
        return self.connections
