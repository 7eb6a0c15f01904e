"""The HTTP edge: how every route authenticates, reads input and reports errors.

Every ``/v1`` route is registered through :class:`ApiBlueprint.route`, which
verifies the journal token (401 problem+json when it is missing or bad),
hands the view a :class:`RequestContext`, and turns a
:class:`~chalicelib.errors.ServiceError` into ``application/problem+json``.

Why not an API Gateway authorizer: ``chalice local`` emulates authorizers with
its own bodies (``{"message": "Unauthorized"}`` and 403s), so the local stack
and the tests would answer differently from Lambda. Verifying in one wrapper
gives the same 401 problem+json everywhere, from one piece of code.

Page cursors (:meth:`RequestContext.position`, :meth:`RequestContext.page`)
are positions, not DynamoDB keys: base64 JSON holding one named string, the
sort position where the previous page stopped (``{"before": "<time>#<id>"}``),
then ``.`` and an HMAC-SHA256 tag (128 bits, key from ``settings().cursor_secret``)
over the position and the list it belongs to: the position's name, the path
parameters (the chat, the school), the query's filters and the caller. A cursor
another list or another caller made, or one made by hand, is refused (400)
before anything reaches DynamoDB. The store still rebuilds the
``ExclusiveStartKey`` with the partition taken from the request, so even a
leaked key could move a caller only inside their own list, and what reaches
DynamoDB is always a well-typed key of bounded size.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import json
import urllib.parse
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import pydantic
from chalice import Chalice, Response
from chalice.app import Request

from chalicelib.api.request_limits import header_bytes, oversize_error, uri_bytes
from chalicelib.aws import RETRY_AFTER_S, is_dependency_failure, request_budget
from chalicelib.config import settings
from chalicelib.errors import (
    BadRequest,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    ServiceError,
    ServiceUnavailable,
    Unauthorized,
    UnsupportedMediaType,
    ValidationFailed,
)
from chalicelib.identity.journal_token import Caller, verify_journal_token
from chalicelib.observability import flush_metrics, logger, set_correlation_id

if TYPE_CHECKING:
    from chalicelib.bootstrap import Services

PROBLEM_CONTENT_TYPE = "application/problem+json"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
MAX_JSON_BODY_BYTES = 64 * 1024
MAX_ID_LENGTH = 200
# A position is a DynamoDB sort key value, whose limit is 1,024 bytes: a longer forged one is refused
# here rather than by DynamoDB (which would be a 500).
MAX_CURSOR_POSITION_BYTES = 1024
MAX_CURSOR_CHARS = 2048
JSON_CONTENT_TYPES = ("application/json", "application/json; charset=utf-8", "text/plain")

ModelT = TypeVar("ModelT", bound=pydantic.BaseModel)
View = Callable[..., Any]


def problem_response(error: ServiceError, headers: dict[str, str | list[str]] | None = None) -> Response:
    """Render a service error as an RFC 9457 response."""
    all_headers: dict[str, str | list[str]] = {"Content-Type": PROBLEM_CONTENT_TYPE, **(headers or {})}
    retry_after = error.extensions.get("retry_after_s")
    if isinstance(retry_after, int):
        all_headers["Retry-After"] = str(retry_after)
    return Response(
        body=json.dumps(error.to_problem(), ensure_ascii=False),
        status_code=error.status,
        headers=all_headers,
    )


def json_response(body: dict[str, Any] | None, status: int = 200, *, no_store: bool = False) -> Response:
    """A JSON answer (``None``: no body, for a 204); ``no_store``: the hosted page's per-session answers."""
    headers: dict[str, str | list[str]] = {"Content-Type": "application/json"}
    if no_store:
        headers["Cache-Control"] = "no-store"
    return Response(body=body if body is not None else "", status_code=status, headers=headers)


def has_control_characters(value: str) -> bool:
    """Whether ``value`` holds a control character (C0, DEL) or a lone surrogate (no id or title does)."""
    return any(ord(ch) < 0x20 or ord(ch) == 0x7F or 0xD800 <= ord(ch) <= 0xDFFF for ch in value)


def is_identifier(value: str) -> bool:
    """Whether ``value`` could be a record's id: non-empty, at most MAX_ID_LENGTH, no control characters."""
    return bool(value) and len(value) <= MAX_ID_LENGTH and not has_control_characters(value)


def check_identifier(value: str) -> str:
    """Reject path identifiers no record can have (over-long, control characters) with 404."""
    if not is_identifier(value):
        raise NotFound("No such resource.")
    return value


def cookie_value(header: str | None, name: str) -> str | None:
    """The value of cookie ``name`` in a ``Cookie`` header, or None (the first one, when it is sent twice)."""
    for pair in (header or "").split(";"):
        key, separator, value = pair.strip().partition("=")
        if separator and key == name:
            return value.strip()
    return None


@dataclass
class RequestContext:
    """What a view gets: the request, the verified caller, the services, and input helpers."""

    request: Request
    caller: Caller | None
    services: Services

    @property
    def authenticated(self) -> Caller:
        """The caller of an authenticated route."""
        if self.caller is None:  # routes with auth=False never ask
            raise Unauthorized("A journal token is required.")
        return self.caller

    def json(self) -> dict[str, Any]:
        """The body as a JSON object, or a 400/413/415 problem."""
        raw = self.request.raw_body or b""
        if len(raw) > MAX_JSON_BODY_BYTES:
            raise PayloadTooLarge(f"The body must be at most {MAX_JSON_BODY_BYTES} bytes.")
        content_type = (self.request.headers.get("content-type") or "application/json").lower()
        if raw and "json" not in content_type:
            raise UnsupportedMediaType("Send the body as application/json.")
        if not raw.strip():
            return {}
        try:
            parsed = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # RecursionError: "[[[[…" nested deep
            raise BadRequest("The body is not valid JSON.") from exc
        if not isinstance(parsed, dict):
            raise BadRequest("The body must be a JSON object.")
        return parsed

    def form(self, max_fields: int = 10) -> dict[str, str]:
        """The body as an HTML form (``application/x-www-form-urlencoded``), each field once; 400/413/415."""
        raw = self.request.raw_body or b""
        if len(raw) > MAX_JSON_BODY_BYTES:
            raise PayloadTooLarge(f"The body must be at most {MAX_JSON_BODY_BYTES} bytes.")
        content_type = (self.request.headers.get("content-type") or "").split(";")[0].strip().lower()
        if content_type != FORM_CONTENT_TYPE:
            raise UnsupportedMediaType(f"Send the form as {FORM_CONTENT_TYPE}.")
        try:
            text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            fields = urllib.parse.parse_qs(
                text, keep_blank_values=True, max_num_fields=max_fields, errors="strict"
            )
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadRequest("The form is malformed.") from exc
        if any(len(values) != 1 for values in fields.values()):
            raise BadRequest("Each form field must be sent once.")
        return {name: values[0] for name, values in fields.items()}

    def cookie(self, name: str) -> str | None:
        """The value of a cookie the request carries, or None (the first one, when it is sent twice)."""
        return cookie_value(self.request.headers.get("cookie"), name)

    def body(self, model: type[ModelT]) -> ModelT:
        """The body validated against a pydantic model, or a 422 naming each bad field."""
        return validate(model, self.json())

    def query(self, name: str) -> str | None:
        """A query-string parameter, or None."""
        params = self.request.query_params
        if not params:
            return None
        value = params.get(name)
        return str(value) if value is not None else None

    def page_size(self, default: int = 50, maximum: int = 100) -> int:
        """The ``limit`` query parameter, bounded; 422 when it is not a number in range."""
        raw = self.query("limit")
        if raw is None:
            return default
        # Only ASCII digits: str.isdigit() and int() also take "٥" and fullwidth "５".
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= maximum:
            raise ValidationFailed(
                "limit must be a whole number in range.",
                [{"field": "limit", "message": f"between 1 and {maximum}"}],
            )
        return int(raw)

    def position(self, name: str, *, compound: bool = False, owner: Caller | None = None) -> str | None:
        """Where the previous page stopped: the ``name`` position inside ``?cursor=`` (see :meth:`page`).

        None without a cursor; 400 for anything but a cursor this list made for
        this caller (``owner``, by default the token's caller): a tag that
        matches, and one field ``name`` holding a non-empty string of at most
        :data:`MAX_CURSOR_POSITION_BYTES` UTF-8 bytes without control characters
        and, when ``compound``, of the form ``<head>#<id>`` with both parts present.
        """
        raw = self.query("cursor")
        if not raw:
            return None
        decoded = decode_cursor(raw, self._list_scope(name, owner))
        value = decoded.get(name)
        if set(decoded) != {name} or not isinstance(value, str) or not _is_position(value):
            raise BadRequest("The cursor is not valid.")
        if compound:
            head, separator, tail = value.rpartition("#")
            if not (head and separator and tail):
                raise BadRequest("The cursor is not valid.")
        return value

    def cursor(self, name: str, position: str, *, owner: Caller | None = None) -> str:
        """A cursor to this list's next page, starting after ``position`` (read back by :meth:`position`)."""
        return encode_cursor({name: position}, self._list_scope(name, owner))

    def page(
        self, items: list[dict[str, Any]], name: str, position: str | None, *, owner: Caller | None = None
    ) -> dict[str, Any]:
        """A page (SPEC §6): its items, and a cursor with ``position`` under ``name`` if more follow."""
        return {"items": items, "next_cursor": self.cursor(name, position, owner=owner) if position else None}

    def _list_scope(self, name: str, owner: Caller | None) -> str:
        """What a cursor is bound to: its position's name, the path's ids, the query's filters, the caller."""
        caller = owner or self.caller
        who = f"{'operator' if caller.is_operator else 'user'}:{caller.person_id}" if caller else ""
        path = sorted((self.request.uri_params or {}).items())
        params = self.request.query_params
        filters = sorted(
            (key, value)
            for key in (params or {})
            if key not in ("cursor", "limit", "start_at")  # where a list starts is no filter of it
            for value in (params.getlist(key) if params is not None else [])
        )
        return json.dumps([name, path, filters, who], separators=(",", ":"), ensure_ascii=False)


def _is_position(value: str) -> bool:
    return not has_control_characters(value) and 0 < len(value.encode()) <= MAX_CURSOR_POSITION_BYTES


class RequestBody(pydantic.BaseModel):
    """The base of every JSON body a route reads: strict types (no ``"5"`` for 5), no unknown fields."""

    model_config = pydantic.ConfigDict(strict=True, extra="forbid")


def validate(model: type[ModelT], data: Any) -> ModelT:
    """Validate data against a pydantic model, turning its errors into a 422 problem."""
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        errors = [
            {
                "field": ".".join(str(part) for part in error["loc"]) or "body",
                "message": error["msg"],
            }
            for error in exc.errors(include_url=False, include_input=False)
        ]
        raise ValidationFailed("Some fields are invalid.", errors) from exc


def _cursor_tag(scope: str, payload: str) -> str:
    """The cursor's MAC: HMAC-SHA256 over the list it belongs to and its payload, 128 bits, base64url."""
    secret = settings().cursor_key.encode()
    key = hmac.new(secret, b"school-chats page cursor v1", hashlib.sha256).digest()
    digest = hmac.new(key, f"{scope}\n{payload}".encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def encode_cursor(position: dict[str, str], scope: str) -> str:
    """An opaque page cursor for a named position in the list ``scope`` (see the module docstring)."""
    # Raw UTF-8 (not \u escapes): the longest position still fits MAX_CURSOR_CHARS once base64-encoded.
    raw = json.dumps(position, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()
    payload = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return f"{payload}.{_cursor_tag(scope, payload)}"


def decode_cursor(cursor: str, scope: str) -> dict[str, Any]:
    """The position inside a cursor :func:`encode_cursor` made for ``scope``; 400 when it is not one."""
    payload, separator, tag = cursor.rpartition(".")
    if len(cursor) > MAX_CURSOR_CHARS or not separator or not cursor.isascii():
        raise BadRequest("The cursor is not valid.")
    if not hmac.compare_digest(tag, _cursor_tag(scope, payload)):
        raise BadRequest("The cursor is not valid.")
    try:
        padded = payload + "=" * (-len(payload) % 4)
        position = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, RecursionError) as exc:  # RecursionError: "[[[[…" nested deep
        raise BadRequest("The cursor is not valid.") from exc
    if not isinstance(position, dict):
        raise BadRequest("The cursor is not valid.")
    return position


def _unavailable(request: Request, error: Exception) -> ServiceUnavailable:
    """503 for a dependency (DynamoDB, S3, SQS) that refused, stayed silent or throttled: not a bug."""
    logger.warning("dependency unavailable", extra={"path": request.path, "error": repr(error)})
    return ServiceUnavailable("The service is briefly unavailable; try again shortly.", RETRY_AFTER_S)


@dataclass(frozen=True)
class _Route:
    path: str
    methods: tuple[str, ...]
    auth: bool
    content_types: tuple[str, ...]
    render_error: Callable[[ServiceError], Response]
    view: View


class ApiBlueprint:
    """A module's routes, which authenticate and speak problem+json; :meth:`register` serves them.

    Routes are collected at import time and bound to an app and its services
    when registered, so each app (the deployed one, each test's) has its own.
    """

    def __init__(self, import_name: str) -> None:
        self.import_name = import_name
        self._routes: list[_Route] = []

    def register(self, app: Chalice, services: Services) -> None:
        """Serve these routes from ``app``, handing ``services`` to every view (see ``bootstrap``)."""
        for route in self._routes:
            app.route(route.path, methods=list(route.methods), content_types=list(route.content_types))(
                _handler(app, services, route)
            )

    def route(
        self,
        path: str,
        methods: tuple[str, ...] = ("GET",),
        *,
        auth: bool = True,
        content_types: tuple[str, ...] = JSON_CONTENT_TYPES,
        render_error: Callable[[ServiceError], Response] = problem_response,
    ) -> Callable[[View], View]:
        """Register ``view(ctx, **path_params)`` for ``path``.

        With ``auth`` (the default) the journal token is verified before the view
        runs. Path parameters are checked with :func:`check_identifier`. A
        :class:`ServiceError` becomes ``render_error(error)``: problem+json, or
        an HTML page for the hosted page's routes.
        """

        def register(view: View) -> View:
            self._routes.append(_Route(path, methods, auth, content_types, render_error, view))
            return view

        return register


def _handler(app: Chalice, services: Services, route: _Route) -> Callable[..., Any]:
    @functools.wraps(route.view)
    def handle(**path_params: str) -> Any:
        request = app.current_request
        assert request is not None  # Chalice sets it before calling a view
        try:
            caller = None
            if route.auth:
                caller = verify_journal_token(request.headers.get("authorization"), settings())
            for value in path_params.values():
                check_identifier(value)
            with request_budget():
                return route.view(
                    RequestContext(request=request, caller=caller, services=services), **path_params
                )
        except ServiceError as error:
            if error.status >= 500:
                logger.exception("request failed", extra={"path": request.path})
            return route.render_error(error)
        except Exception as error:
            if not is_dependency_failure(error):
                raise
            return route.render_error(_unavailable(request, error))

    return handle


_CHALICE_ERROR_CLASSES: dict[int, type[ServiceError]] = {
    400: BadRequest,
    404: NotFound,
    405: MethodNotAllowed,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
}

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
}


REQUEST_ID_HEADER = "X-Request-Id"


def request_id(request: Request | None) -> str:
    """The API Gateway request id (a fresh one where there is no API Gateway, as locally)."""
    context = getattr(request, "context", None) or {}
    found = context.get("requestId") if isinstance(context, dict) else None
    return str(found) if found else str(uuid.uuid4())


def _oversize(event: Request | None) -> ServiceError | None:
    """414/431 for a request over ``request_limits`` that API Gateway let through (never echoing it)."""
    if event is None:
        return None
    original = event.to_original_event()
    uri = uri_bytes(str(original.get("path") or event.path), original.get("multiValueQueryStringParameters"))
    return oversize_error(uri, header_bytes(event.headers.items()))


def http_middleware(event: Request, get_response: Callable[[Request], Response]) -> Response:
    """Applied to every HTTP request: correlation id, metrics, security headers, errors as problems.

    Every log line of the request carries its request id as ``correlation_id``,
    which the response also returns in ``X-Request-Id`` (API Gateway's own
    error responses put it in the problem body as ``request_id``).

    Chalice answers some failures itself (405 wrong method, 415, 500 unhandled
    exception) with ``{"Code", "Message"}`` bodies; those are re-rendered here
    so every error the API returns is ``application/problem+json``.
    """
    correlation_id = request_id(event)
    set_correlation_id(correlation_id)
    oversize = _oversize(event)
    try:
        response = problem_response(oversize) if oversize is not None else get_response(event)
    finally:
        flush_metrics()
    body = response.body
    if response.status_code >= 400 and isinstance(body, dict) and "Code" in body:
        error_class = _CHALICE_ERROR_CLASSES.get(response.status_code, ServiceError)
        # Chalice's 500 message is generic already, but never pass an internal one through.
        detail = "An internal error occurred."
        if error_class is not ServiceError:
            detail = str(body.get("Message", ""))
        error = error_class(detail)
        extra_headers = {k: v for k, v in response.headers.items() if k.lower() == "allow"}
        response = problem_response(error, extra_headers)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers.setdefault(REQUEST_ID_HEADER, correlation_id)
    if event is not None and event.path.startswith("/v1"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response
