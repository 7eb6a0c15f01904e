"""The local stack's stand-in for API Gateway's own answers: problem+json, never an echoed header.

``chalice local`` answers what API Gateway would answer before the Lambda
runs in its own way: an unknown route is a 403 whose body repeats the
caller's ``Authorization`` header, an unknown method (``TRACE``) a 501 HTML
page, an over-long URL a 414 HTML page. This handler answers them as the
deployed API's gateway responses do (``infrastructure/generate.py``): unknown
route 404, unknown method 405 (with ``Allow``), a request line over
:data:`MAX_REQUEST_LINE_BYTES` 414, headers over :data:`MAX_HEADER_BYTES`
(the limits the Lambda applies too, ``chalicelib.api.request_limits``, inside
API Gateway's REST quota of 10,240 bytes) or a header line Python refuses
431, a request line Python cannot parse 400 — each ``application/problem+json``
with the API's security headers and an ``X-Request-Id``, the body built
from :mod:`chalicelib.errors` and never from the request.
"""

from __future__ import annotations

import uuid
from typing import Any

from chalice.app import Chalice
from chalice.config import Config
from chalice.local import (
    ChaliceRequestHandler,
    CustomLocalChalice,
    LocalChalice,
    LocalDevServer,
    LocalGatewayException,
    RouteMatcher,
)

from chalicelib.api.http import REQUEST_ID_HEADER, SECURITY_HEADERS, problem_response
from chalicelib.api.request_limits import MAX_HEADER_BYTES, MAX_REQUEST_LINE_BYTES, header_bytes
from chalicelib.errors import (
    BadRequest,
    HeadersTooLarge,
    MethodNotAllowed,
    NotFound,
    ServiceError,
    Unauthorized,
    UriTooLong,
)


class ProblemRequestHandler(ChaliceRequestHandler):
    """``chalice local``'s request handler, with API Gateway's own errors as problem+json."""

    def parse_request(self) -> bool:
        """Parse as usual, then hold the request line and headers to API Gateway's size limits."""
        if len(self.raw_requestline) > MAX_REQUEST_LINE_BYTES:
            self.command, self.request_version, self.requestline = "", "HTTP/1.1", ""
            self._send_problem(UriTooLong("The request URI is too long."))
            return False
        if not super().parse_request():
            return False
        if header_bytes(self.headers.items()) > MAX_HEADER_BYTES:
            self._send_problem(HeadersTooLarge("The request headers are too large."))
            return False
        return True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """What ``http.server`` answers itself (bad request line, 414, 431, 501) as a problem."""
        error: ServiceError
        headers: dict[str, str] = {}
        if code == 501:  # no do_<METHOD>: a method neither chalice local nor API Gateway speaks
            allowed = self._allowed_methods()
            if allowed is None:
                error = NotFound("No such resource.")
            else:
                error, headers = MethodNotAllowed("This method is not allowed here."), {"Allow": allowed}
        elif code == 414:
            error = UriTooLong("The request URI is too long.")
        elif code == 431:
            error = HeadersTooLarge("The request headers are too large.")
        else:
            error = BadRequest("The request is malformed.")
        self._send_problem(error, headers)

    def _send_error_response(self, error: LocalGatewayException) -> None:
        # Without authorizers the only gateway error is "no such route" (chalice local's 403).
        if error.CODE == 401:
            self._send_problem(Unauthorized("A journal token is required."))
        else:
            self._send_problem(NotFound("No such resource."))

    def _allowed_methods(self) -> str | None:
        app: Chalice = self.local_gateway._app_object
        try:
            route = RouteMatcher(list(app.routes)).match_route(self.path).route
        except ValueError:
            return None
        return ", ".join(sorted(app.routes[route]))

    def _send_problem(self, error: ServiceError, headers: dict[str, str] | None = None) -> None:
        response = problem_response(error, dict(headers or {}))
        body = response.body.encode() if isinstance(response.body, str) else b""
        all_headers: dict[str, Any] = {
            **response.headers,
            **SECURITY_HEADERS,
            "Cache-Control": "no-store",
            REQUEST_ID_HEADER: str(uuid.uuid4()),
        }
        self.close_connection = True
        if self.request_version == "HTTP/0.9":  # an unparsable request line: answer with a status line
            self.request_version = "HTTP/1.1"
        self.send_response(error.status)
        for name, value in all_headers.items():
            self.send_header(name, str(value))
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def create_api_server(app: Chalice, config: Config, host: str, port: int) -> LocalDevServer:
    """``chalice.local.create_local_server``, serving through :class:`ProblemRequestHandler`."""
    if not isinstance(app, CustomLocalChalice):  # once per app object, as chalice does it
        CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
        app.__class__ = CustomLocalChalice
    return LocalDevServer(app, config, host, port, handler_cls=ProblemRequestHandler)
