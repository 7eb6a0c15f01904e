"""The live socket's edge (SPEC §10): the WebSocket routes ``$connect``, ``$default``, ``$disconnect``.

``app.py`` wires these to ``@app.on_ws_connect/_message/_disconnect``; the
local stack calls the same handlers from its own socket server
(``devstack/live.py``). A connection is a person's once it is authenticated:

* at ``$connect`` by a socket ticket, ``?ticket=`` (``live/tickets.py``: what
  the hosted page uses on AWS, where its cookie does not reach the socket's
  domain) — a bad, used or expired ticket, or one whose session has ended,
  refuses the handshake (401) and stores nothing;
* at ``$connect`` by the hosted page's session cookie — only when the
  handshake's ``Origin`` is this service's own (no other site can open a
  socket with a visitor's cookie);
* or by its first frame, ``{"action": "auth", "token": "<journal token>"}``
  (the journal, which has no cookie; the token stays out of URLs and logs).

A connection lives no longer than the sign-in it was opened with (the
session's or token's expiry, at most ``LIVE_CONNECTION_TTL_S``); one opened
with a session is closed when that session logs out (``live/revoke.py``).

Frames from the page (JSON, at most :data:`MAX_FRAME_BYTES`):
``{"action": "auth"[, "token"]}`` → ``{"type": "ready"}`` when the connection
is authenticated, ``{"action": "ping"}`` → ``{"type": "pong"}``; anything else
→ ``{"type": "error", "error": <slug>}`` and nothing changes. The service then
pushes chat events (``chalicelib/live/events.py``) to it until it closes.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from chalicelib.api.hosted import SESSION_COOKIE
from chalicelib.api.http import cookie_value
from chalicelib.bootstrap import Services
from chalicelib.chats import access
from chalicelib.config import Settings
from chalicelib.errors import ServiceError, Unauthorized
from chalicelib.identity.journal_token import token_expiry, verify_journal_token
from chalicelib.live.port import LiveReplies
from chalicelib.live.tickets import redeem_ticket
from chalicelib.observability import log_event
from chalicelib.safety.consent import require_consent
from chalicelib.web.render import origin_of

MAX_FRAME_BYTES = 8 * 1024
OK = {"statusCode": 200}
UNAUTHORIZED = {"statusCode": 401}


def _headers(event: dict[str, Any]) -> dict[str, str]:
    return {str(name).lower(): str(value) for name, value in (event.get("headers") or {}).items()}


def _connection_id(event: dict[str, Any]) -> str:
    return str(event["requestContext"]["connectionId"])


def _replies(services: Services, config: Settings, event: dict[str, Any]) -> LiveReplies | None:
    """Where replies go: the configured management endpoint, else the one the event came through."""
    if services.connections is None or services.live_replies is None:
        return None
    context = event["requestContext"]
    endpoint = config.live_endpoint_url or f"https://{context['domainName']}/{context['stage']}"
    return services.live_replies(services.connections, endpoint, services.clock)


def _until(config: Settings, now: datetime, auth_until: datetime) -> datetime:
    """A connection's expiry: its sign-in's, and never past API Gateway's two hours (and a margin)."""
    return min(now + timedelta(seconds=config.live_connection_ttl_s), auth_until)


def _query(event: dict[str, Any], name: str) -> str | None:
    value = (event.get("queryStringParameters") or {}).get(name)
    return value if isinstance(value, str) else None


def on_connect(services: Services, config: Settings, event: dict[str, Any]) -> dict[str, Any]:
    """``$connect``: a ticket signs the socket in (or refuses it); a same-origin session cookie does too."""
    headers = _headers(event)
    ticket = _query(event, "ticket")
    if services.connections is None:
        return OK
    now = services.clock.now()
    origin = headers.get("origin", "").strip().lower()
    session = None
    if origin == origin_of(config.public_base_url):
        session = services.signin.resume_session(
            cookie_value(headers.get("cookie"), SESSION_COOKIE), now, config
        )
    if ticket is not None:
        grant = redeem_ticket(services.connections, ticket, now)
        refused = (
            grant is None
            or (session is not None and session.person_id != grant.person_id)  # someone else's ticket
            or (grant.session_hash is not None and not services.signin.session_alive(grant.session_hash, now))
        )
        if grant is None or refused:
            log_event("live_ticket_refused")
            return UNAUTHORIZED
        services.connections.connected(
            _connection_id(event), grant.person_id, _until(config, now, grant.auth_until), grant.session_hash
        )
        return OK
    if session is not None:
        services.connections.connected(
            _connection_id(event),
            session.person_id,
            _until(config, now, session.expires_at),
            session.session_hash,
        )
    return OK  # a journal, or another site: it may still authenticate with a token


def _error(slug: str) -> dict[str, Any]:
    return {"type": "error", "error": slug}


def _authenticate(services: Services, config: Settings, connection_id: str, token: object) -> dict[str, Any]:
    assert services.connections is not None
    now = services.clock.now()
    if token is None:  # a cookie at $connect, or nothing
        known = services.connections.person_of(connection_id, now)
        return {"type": "ready"} if known is not None else _error("unauthorized")
    if not isinstance(token, str) or not token or len(token) > 4096:
        return _error("unauthorized")
    try:
        caller = verify_journal_token(f"Bearer {token}", config)
        if caller.is_operator:
            raise Unauthorized("Operators have no chats to follow.")
        linked, consent = services.chat_directory.link_consent(caller.person_id)
        access.require_linked(linked)
        require_consent(consent)
    except ServiceError as refused:
        return _error(refused.slug)
    expires = _until(config, now, token_expiry(token))
    services.connections.forget(connection_id)  # a cookie's person at $connect gives way to the token's
    services.connections.connected(connection_id, caller.person_id, expires)
    return {"type": "ready"}


def reply_to(services: Services, config: Settings, event: dict[str, Any]) -> dict[str, Any]:
    """What a frame from the page is answered with (nothing is stored for a refused one)."""
    body = event.get("body")
    if not isinstance(body, str) or len(body.encode()) > MAX_FRAME_BYTES:
        return _error("bad-request")
    try:
        frame = json.loads(body)
    except ValueError:
        return _error("bad-request")
    if not isinstance(frame, dict):
        return _error("bad-request")
    action = frame.get("action")
    if action == "ping":
        return {"type": "pong"}
    if action == "auth" and services.connections is not None:
        return _authenticate(services, config, _connection_id(event), frame.get("token"))
    return _error("bad-request")


def on_message(services: Services, config: Settings, event: dict[str, Any]) -> dict[str, Any]:
    """``$default``: answer the frame through the management API (a Lambda's return value is not sent)."""
    reply = reply_to(services, config, event)
    replies = _replies(services, config, event)
    if replies is not None:
        replies.answer(_connection_id(event), reply)
    if reply["type"] == "error":
        log_event("live_frame_refused", error=reply["error"])
    return OK


def on_disconnect(services: Services, config: Settings, event: dict[str, Any]) -> dict[str, Any]:
    """``$disconnect``: forget the connection."""
    if services.connections is not None:
        services.connections.forget(_connection_id(event))
    return OK
