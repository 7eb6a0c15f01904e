"""The hosted page's video calls (SPEC §9): the call screen and the JSON endpoints its script calls.

Same session cookie as the rest of ``/m``; every POST must come from this
origin and carry the session's CSRF token in ``X-CSRF-Token`` (the script
reads it from the page). Every decision is ``calls.service``'s, as for the API.

* ``GET  /m/chats/{id}/call`` — the call screen (camera and microphone allowed on it only);
* ``POST /m/chats/{id}/call/join`` — start or join; the provider's join data;
* ``GET  /m/chats/{id}/call/poll?cursor=`` — the call and new signals, ``call: null`` once it ended;
* ``POST /m/chats/{id}/call/signals`` — relay an offer, answer or ICE candidate (built-in provider);
* ``POST /m/chats/{id}/call/leave`` and ``…/end`` (moderators: for everyone).
"""

from __future__ import annotations

from functools import partial

from chalice import Response

from chalicelib.api.calls import SignalInput, call_json, signal_json
from chalicelib.api.hosted import (
    CsrfRefused,
    _error_page,
    _redirect,
    _require_same_origin,
    _signed_in,
    _urls,
)
from chalicelib.api.http import ApiBlueprint, RequestContext, json_response
from chalicelib.api.shapes import chat_json
from chalicelib.calls.chime import NAME as CHIME
from chalicelib.config import settings
from chalicelib.identity.signin import WebSession
from chalicelib.web import pages
from chalicelib.web.render import CHIME_ORIGINS, html_response

api = ApiBlueprint(__name__)

CSRF_HEADER = "x-csrf-token"
SCRIPTS = {
    "builtin": ("call-screen.js", "call.js"),
    CHIME: ("call-screen.js", "amazon-chime-sdk.js", "chime-call.js"),
}


def _checked_json_post(ctx: RequestContext) -> WebSession:
    """The session of a script's POST that came from this origin with the session's CSRF token."""
    session = _signed_in(ctx)
    _require_same_origin(ctx)
    if not session.csrf_matches(ctx.request.headers.get(CSRF_HEADER)):
        raise CsrfRefused("The CSRF token is missing or wrong.")
    return session


# The page's scripts read per-session answers: never from a cache.
_json = partial(json_response, no_store=True)


@api.route("/m/chats/{chat_id}/call", auth=False, render_error=_error_page)
def call_screen(ctx: RequestContext, chat_id: str) -> Response:
    """The call screen; back to the chat when there is no call to join and none the caller may start."""
    session = _signed_in(ctx)
    opened = ctx.services.chats.open_chat(session.caller, chat_id)
    calls = ctx.services.calls(settings())
    if calls.action_for(opened) is None:
        return _redirect(_urls().chat(chat_id))
    provider = calls.provider.name
    body = pages.call_page(
        _urls(),
        session.csrf_token,
        session.person_id,
        chat_json(opened.chat, opened.my_role),
        provider,
        opened.is_moderator,
        SCRIPTS.get(provider, ()),
    )
    return html_response(body, media=True, connect=CHIME_ORIGINS if provider == CHIME else ())


@api.route("/m/chats/{chat_id}/call/join", methods=("POST",), auth=False)
def join(ctx: RequestContext, chat_id: str) -> Response:
    """Start or join the chat's call: ``{"call", "join", "me"}`` (201 when this started it)."""
    session = _checked_json_post(ctx)
    joined = ctx.services.calls(settings()).start_or_join(session.caller, chat_id)
    body = {"call": call_json(joined.call), "join": dict(joined.join), "me": session.person_id}
    return _json(body, 201 if joined.started else 200)


@api.route("/m/chats/{chat_id}/call/poll", auth=False)
def poll(ctx: RequestContext, chat_id: str) -> Response:
    """The call, whether the caller is in it, and their new signals; ``{"call": null}`` once it is over."""
    session = _signed_in(ctx)
    after = ctx.position("after", owner=session.caller)
    found = ctx.services.calls(settings()).poll(session.caller, chat_id, after)
    if found is None:
        return _json({"call": None, "in_call": False, "signals": [], "next_cursor": None})
    cursor = ctx.cursor("after", found.after, owner=session.caller) if found.after else None
    return _json(
        {
            "call": call_json(found.call),
            "in_call": found.in_call,
            "signals": [signal_json(s) for s in found.items],
            "next_cursor": cursor,
        }
    )


@api.route("/m/chats/{chat_id}/call/signals", methods=("POST",), auth=False)
def send_signal(ctx: RequestContext, chat_id: str) -> Response:
    """Relay a signal to another participant of the caller's call."""
    session = _checked_json_post(ctx)
    body = ctx.body(SignalInput)
    sent = ctx.services.calls(settings()).send_signal(
        session.caller, chat_id, body.to, body.kind, body.payload
    )
    return _json(signal_json(sent), 201)


@api.route("/m/chats/{chat_id}/call/leave", methods=("POST",), auth=False)
def leave(ctx: RequestContext, chat_id: str) -> Response:
    """Leave the call (the last one out ends it)."""
    session = _checked_json_post(ctx)
    ctx.services.calls(settings()).leave(session.caller, chat_id)
    return _json(None, 204)


@api.route("/m/chats/{chat_id}/call/end", methods=("POST",), auth=False)
def end(ctx: RequestContext, chat_id: str) -> Response:
    """Moderators: end the call for everyone."""
    session = _checked_json_post(ctx)
    ctx.services.calls(settings()).end(session.caller, chat_id)
    return _json(None, 204)
