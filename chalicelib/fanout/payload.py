"""The fan-out queue's message: one sent message (``fanout.port.MessageSent``) as JSON."""

from __future__ import annotations

import pydantic

from chalicelib.fanout.port import MessageSent
from chalicelib.pipeline.queue_payloads import MalformedMessage

MAX_BODY_CHARS = 2048
_ID = r"^[A-Za-z0-9_-]{1,200}$"  # chalicelib.ids (a prefix, then base32) and the tests' readable ids


class _Body(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid", strict=True, frozen=True)

    chat_id: str = pydantic.Field(pattern=_ID)
    message_id: str = pydantic.Field(pattern=r"^msg_[a-z0-9]{1,64}$")
    sent_at: str = pydantic.Field(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
    may_wait: bool = False


def to_body(sent: MessageSent) -> str:
    """The queue message for a sent message."""
    body = _Body(
        chat_id=sent.chat_id, message_id=sent.message_id, sent_at=sent.sent_at, may_wait=sent.may_wait
    )
    return body.model_dump_json(exclude_defaults=True)


def message_sent(body: str) -> MessageSent:
    """Parse a fan-out queue message, or raise :class:`MalformedMessage` (no retry can help it)."""
    if len(body) > MAX_BODY_CHARS:
        raise MalformedMessage("message too large")
    try:
        parsed = _Body.model_validate_json(body)
    except pydantic.ValidationError as exc:
        raise MalformedMessage(f"invalid fan-out message: {exc.error_count()} errors") from exc
    return MessageSent(
        chat_id=parsed.chat_id, message_id=parsed.message_id, sent_at=parsed.sent_at, may_wait=parsed.may_wait
    )
