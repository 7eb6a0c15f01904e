"""The embedded AWS emulator: moto server in a thread, with DynamoDB's atomic conditional writes.

DynamoDB applies each conditional write (and transaction) atomically; moto
checks the condition and then writes, with no lock between the two, so two
requests at the same moment can both pass a condition only one should. That
would make the service's races (two phones redeeming one QR code, two
deliveries of one message) look broken locally and in tests when they are
not. This emulator serialises DynamoDB requests, and only those: S3 and SQS
long polls still run side by side. In front of it, ``s3_rules`` checks what
S3 checks of presigned requests and moto does not (POST policies, link expiry);
browsers get CORS headers only by the bucket's CORS rule, as from S3 (not moto's allow-all).
``GET /local/sms?phone=…`` answers the SMS the emulator's SNS sent to one number:
moto's own ``/moto-api/data.json`` serialises every model of every service, which
grows with each test of a session until a read of one code takes seconds.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from moto.moto_server import werkzeug_app
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

from devstack.s3_rules import S3PresignedRules

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _DynamoDBOneAtATime:
    """WSGI middleware: DynamoDB requests take turns; everything else passes straight through."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not str(environ.get("HTTP_X_AMZ_TARGET", "")).startswith("DynamoDB"):
            return self.app(environ, start_response)
        with self.lock:
            # Drain the response inside the lock: the write happens while it is produced.
            return list(self.app(environ, start_response))


SENT_SMS_PATH = "/local/sms"


def sent_sms(phone: str) -> list[str]:
    """The texts SNS has sent to ``phone`` in this process's emulator, oldest first."""
    from moto.sns.models import sns_backends

    return [
        text
        for _, regions in sns_backends.items()
        for _, backend in regions.items()
        for number, text in backend.sms_messages.values()
        if number == phone
    ]


class _SentSms:
    """WSGI middleware: ``GET /local/sms?phone=…`` → ``{"messages": [...]}``, a local phone's inbox."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != SENT_SMS_PATH or environ.get("REQUEST_METHOD") != "GET":
            return self.app(environ, start_response)
        phone = parse_qs(environ.get("QUERY_STRING", "")).get("phone", [""])[0]
        body = json.dumps({"messages": sent_sms(phone)}).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]


class EmbeddedEmulator:
    """A moto server on ``host:port`` in a background thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 5000) -> None:
        self.host = host
        self.port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """``http://host:port``."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        """Listen (raises if the port is taken) and serve in a daemon thread."""
        # moto server adds flask-cors to every service, answering any origin; S3 answers a browser only
        # as the bucket's CORS rule says (devstack.resources.apply_bucket_cors), and moto applies that
        # rule itself once the global one is off (what MOTO_DISABLE_GLOBAL_CORS=1 does at import time).
        werkzeug_app.DISABLE_GLOBAL_CORS = True
        app = _SentSms(S3PresignedRules(_DynamoDBOneAtATime(DomainDispatcherApplication(create_backend_app))))
        self._server = make_server(
            self.host, self.port, app, threaded=True, request_handler=MotoRequestHandler
        )
        self._thread = threading.Thread(target=self._server.serve_forever, name="emulator", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
