"""The attachments API (SPEC §10): ask to upload, check the upload, fetch through short-lived links.

* ``POST /v1/chats/{id}/attachments`` ``{"name", "content_type", "size"}`` → 201
  ``{"attachment", "upload": {"url", "fields"}, "expires_at"}``: post ``fields``
  and then the file (as ``file``) to ``url`` as ``multipart/form-data``;
* ``POST /v1/chats/{id}/attachments/{attachment_id}/check`` → 200 the
  attachment, ``ready`` (with a preview for an image), or 422
  ``attachment-refused`` (the file was not what it claimed and is gone);
* ``GET /v1/chats/{id}/attachments/{attachment_id}`` → the attachment with
  ``url``, ``preview_url`` and ``expires_at`` (members only);
* a message is sent with ``"attachments": [ids]`` (``api.chats``) and lists them.

Views read input and render output; ``attachments.service`` decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from chalice import Response
from pydantic import Field, StringConstraints

from chalicelib.api.http import ApiBlueprint, RequestBody, RequestContext, json_response
from chalicelib.api.shapes import message_json
from chalicelib.attachments import rules
from chalicelib.attachments.port import Attachment
from chalicelib.attachments.service import Links, Ticket
from chalicelib.clock import isoformat_utc
from chalicelib.config import settings
from chalicelib.identity.journal_token import Caller
from chalicelib.messenger.port import Message, Sent, read_position

api = ApiBlueprint(__name__)


class NewAttachmentInput(RequestBody):
    """``POST /v1/chats/{id}/attachments``: the file the caller is about to upload."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=1000)]
    content_type: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    size: Annotated[int, Field(ge=1)]


def attachment_json(attachment: Attachment) -> dict[str, Any]:
    """An attachment: ``{"id", "name", "content_type", "size", "kind", "status", "has_preview"}``."""
    kind = rules.kind_of(attachment.content_type)
    return {
        "id": attachment.attachment_id,
        "name": attachment.name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "kind": "image" if kind is not None and kind.image else "document",
        "status": attachment.status.value,
        "has_preview": attachment.has_preview,
    }


def ticket_json(ticket: Ticket) -> dict[str, Any]:
    """An upload the caller may make."""
    return {
        "attachment": attachment_json(ticket.attachment),
        "upload": {"url": ticket.form.url, "fields": dict(ticket.form.fields)},
        "expires_at": isoformat_utc(ticket.expires_at),
    }


def links_json(links: Links) -> dict[str, Any]:
    """An attachment with its links."""
    return attachment_json(links.attachment) | {
        "url": links.url,
        "preview_url": links.preview_url,
        "expires_at": isoformat_utc(links.expires_at),
    }


@api.route("/v1/chats/{chat_id}/attachments", methods=("POST",))
def start_upload(ctx: RequestContext, chat_id: str) -> Response:
    """Members who may post: a presigned POST for one file of the declared type and size (201)."""
    body = ctx.body(NewAttachmentInput)
    ticket = ctx.services.attachments(settings()).start_upload(
        ctx.authenticated, chat_id, body.name, body.content_type, body.size
    )
    return json_response(ticket_json(ticket), 201)


@api.route("/v1/chats/{chat_id}/attachments/{attachment_id}/check", methods=("POST",))
def check_upload(ctx: RequestContext, chat_id: str, attachment_id: str) -> dict[str, Any]:
    """The uploader: check the uploaded file by content (ready, or 422 and removed)."""
    checked = ctx.services.attachments(settings()).check_upload(ctx.authenticated, chat_id, attachment_id)
    return attachment_json(checked)


@api.route("/v1/chats/{chat_id}/attachments/{attachment_id}")
def get_attachment(ctx: RequestContext, chat_id: str, attachment_id: str) -> dict[str, Any]:
    """Members: the attachment and links to it (and its preview) that last minutes."""
    return links_json(ctx.services.attachments(settings()).links(ctx.authenticated, chat_id, attachment_id))


# --- messages that carry attachments (used by ``api.chats`` and the hosted page) --------


def messages_json(ctx: RequestContext, chat_id: str, messages: Sequence[Message]) -> list[dict[str, Any]]:
    """A page of a chat's messages, each with its ``attachments`` (one read for the whole page)."""
    found = ctx.services.attachments(settings()).for_messages(chat_id, [read_position(m) for m in messages])
    return [message_json(m, [attachment_json(a) for a in found.get(m.message_id, [])]) for m in messages]


def send_with_attachments(
    ctx: RequestContext,
    caller: Caller,
    chat_id: str,
    text: str,
    client_msg_id: str | None,
    attachment_ids: Sequence[str],
    reply_to: str | None = None,
) -> tuple[Sent, dict[str, Any]]:
    """Send a message carrying the caller's checked attachments; the outcome and the message's JSON.

    ``reply_to``: the message of the chat it answers (``ChatService.send_message``).
    """
    files = ctx.services.attachments(settings())
    ready = files.ready_to_send(caller, chat_id, attachment_ids, client_msg_id)
    sent = ctx.services.chats.send_message(caller, chat_id, text, client_msg_id, reply_to)
    attached = files.attach(caller, chat_id, ready, sent.message.message_id, read_position(sent.message))
    return sent, message_json(sent.message, [attachment_json(a) for a in attached])


def forget_attachments_of(ctx: RequestContext, message: Message) -> None:
    """A deleted message's attachments go with its text."""
    ctx.services.attachments(settings()).forget_message(message.chat_id, read_position(message))
