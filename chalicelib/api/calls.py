"""The calls API (SPEC §9): a chat's call, joining and leaving it, and the built-in provider's signals.

Views read input and render output; ``calls.service`` decides. A call is
``{"id", "chat_id", "provider", "started_at", "started_by", "ends_at",
"participants": [{"person_id", "name", "joined_at"}]}``; a chat in a list
carries ``"call": null | {"id", "started_at", "participant_count"}``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from chalice import Response
from pydantic import StringConstraints

from chalicelib.api.http import MAX_ID_LENGTH, ApiBlueprint, RequestBody, RequestContext, json_response
from chalicelib.calls.model import Call, CallSummary, Signal
from chalicelib.calls.service import MAX_SIGNAL_PAYLOAD_CHARS
from chalicelib.clock import isoformat_utc
from chalicelib.config import settings

api = ApiBlueprint(__name__)


class SignalInput(RequestBody):
    """``POST /v1/chats/{id}/call/signals``: a WebRTC offer, answer or ICE candidate for one participant."""

    to: Annotated[str, StringConstraints(min_length=1, max_length=MAX_ID_LENGTH)]
    kind: Literal["offer", "answer", "candidate", "bye"]
    payload: Annotated[str, StringConstraints(max_length=MAX_SIGNAL_PAYLOAD_CHARS)]


def call_json(call: Call) -> dict[str, Any]:
    """A call under way, with its participants."""
    return {
        "id": call.call_id,
        "chat_id": call.chat_id,
        "provider": call.provider,
        "started_at": isoformat_utc(call.started_at),
        "started_by": call.started_by,
        "ends_at": isoformat_utc(call.ends_at),
        "participants": [
            {"person_id": p.person_id, "name": p.name, "joined_at": isoformat_utc(p.joined_at)}
            for p in call.participants
        ],
    }


def call_summary_json(summary: CallSummary | None) -> dict[str, Any] | None:
    """What a chat shows of its call: ``null`` or ``{"id", "started_at", "participant_count"}``."""
    if summary is None:
        return None
    return {
        "id": summary.call_id,
        "started_at": isoformat_utc(summary.started_at),
        "participant_count": summary.participant_count,
    }


def signal_json(signal: Signal) -> dict[str, Any]:
    """A signal as its recipient gets it."""
    return {
        "id": signal.signal_id,
        "from": signal.from_person,
        "kind": signal.kind,
        "payload": signal.payload,
        "sent_at": isoformat_utc(signal.sent_at),
    }


@api.route("/v1/chats/{chat_id}/call", methods=("POST",))
def start_or_join(ctx: RequestContext, chat_id: str) -> Response:
    """Start the chat's call (201) or join the one under way (200); ``join`` is for the caller's browser."""
    joined = ctx.services.calls(settings()).start_or_join(ctx.authenticated, chat_id)
    return json_response(
        {"call": call_json(joined.call), "join": dict(joined.join)}, 201 if joined.started else 200
    )


@api.route("/v1/chats/{chat_id}/call")
def current(ctx: RequestContext, chat_id: str) -> dict[str, Any]:
    """The chat's call under way (404 when none)."""
    return call_json(ctx.services.calls(settings()).current(ctx.authenticated, chat_id))


@api.route("/v1/chats/{chat_id}/call", methods=("DELETE",))
def end(ctx: RequestContext, chat_id: str) -> Response:
    """Moderators: end the call for everyone."""
    ctx.services.calls(settings()).end(ctx.authenticated, chat_id)
    return Response(body="", status_code=204)


@api.route("/v1/chats/{chat_id}/call/participants/me", methods=("DELETE",))
def leave(ctx: RequestContext, chat_id: str) -> Response:
    """Leave the call (the last one out ends it)."""
    ctx.services.calls(settings()).leave(ctx.authenticated, chat_id)
    return Response(body="", status_code=204)


@api.route("/v1/chats/{chat_id}/call/signals", methods=("POST",))
def send_signal(ctx: RequestContext, chat_id: str) -> Response:
    """Built-in provider: relay a signal to another participant of the caller's call."""
    body = ctx.body(SignalInput)
    sent = ctx.services.calls(settings()).send_signal(
        ctx.authenticated, chat_id, body.to, body.kind, body.payload
    )
    return json_response(signal_json(sent), 201)


@api.route("/v1/chats/{chat_id}/call/signals")
def signals(ctx: RequestContext, chat_id: str) -> dict[str, Any]:
    """Built-in provider: the signals sent to the caller since ``?cursor=`` (poll with ``next_cursor``)."""
    found = ctx.services.calls(settings()).signals(ctx.authenticated, chat_id, ctx.position("after"))
    return ctx.page([signal_json(s) for s in found.items], "after", found.after)
