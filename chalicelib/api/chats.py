"""The chats API (SPEC §6): chat lists, teacher-made chats, moderation and the built-in messenger.

Views only read input and render output; ``chat_service`` decides, ``access``
authorizes. Pages are ``{"items", "next_cursor"}``; a cursor is an opaque
position in the list it came from.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from chalice import Response
from pydantic import (
    AfterValidator,
    Field,
    RootModel,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from chalicelib.api.attachments import forget_attachments_of, messages_json, send_with_attachments
from chalicelib.api.calls import call_summary_json
from chalicelib.api.http import (
    MAX_ID_LENGTH,
    ApiBlueprint,
    RequestBody,
    RequestContext,
    has_control_characters,
    json_response,
    validate,
)
from chalicelib.api.shapes import chat_json, member_json, message_json, person_json
from chalicelib.attachments.rules import MAX_PER_MESSAGE
from chalicelib.chats.access import ChatAccess
from chalicelib.chats.service import ChatService
from chalicelib.clock import isoformat_utc
from chalicelib.config import settings
from chalicelib.errors import ValidationFailed
from chalicelib.messenger.port import ChatEdit
from chalicelib.schools.settings import ClosedForPosting

api = ApiBlueprint(__name__)

MAX_TITLE_CHARS = 200
MAX_TEXT_CHARS = 4000
MAX_CLIENT_ID_CHARS = 128
MAX_MEMBERS_AT_CREATION = 500
MAX_MEMBERS_PER_ADD = 100
MAX_SEARCH_CHARS = 100
MAX_ATTACHMENTS_PER_MESSAGE = MAX_PER_MESSAGE


# --- input ---------------------------------------------------------------------------


def _no_control_characters(value: str) -> str:
    if has_control_characters(value):
        raise ValueError("must not contain control characters")
    return value


def _text_characters(value: str) -> str:
    # Line breaks and tabs belong in messages; other control characters and lone surrogates do not.
    _no_control_characters(value.translate(_TEXT_WHITESPACE))
    return value


_TEXT_WHITESPACE = {ord("\n"): " ", ord("\r"): " ", ord("\t"): " "}


Identifier = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_ID_LENGTH), AfterValidator(_no_control_characters)
]
Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TITLE_CHARS),
    AfterValidator(_no_control_characters),
]
MessageText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=MAX_TEXT_CHARS),
    AfterValidator(_text_characters),
]
# A client's own id for a request (client_msg_id, client_request_id): what makes a retry idempotent.
ClientId = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_CLIENT_ID_CHARS, pattern=r"^[\x21-\x7e]+$")
]


class SubjectChatInput(RequestBody):
    """``POST /v1/chats`` for a subject chat: a scheduled class the caller teaches."""

    kind: Literal["subject"]
    class_id: Identifier
    school_id: Identifier | None = None
    title: Title | None = None


class CustomChatInput(RequestBody):
    """``POST /v1/chats`` for a custom chat: a title and people of the caller's school."""

    kind: Literal["custom"]
    title: Title
    member_ids: Annotated[list[Identifier], Field(default_factory=list, max_length=MAX_MEMBERS_AT_CREATION)]
    school_id: Identifier | None = None
    client_request_id: ClientId | None = None


class NewChatInput(RootModel[Annotated[SubjectChatInput | CustomChatInput, Field(discriminator="kind")]]):
    """Either kind of chat a teacher creates."""


class EditChatInput(RequestBody):
    """``PATCH /v1/chats/{id}``: a new title, announcements mode on or off, or both."""

    title: Title | None = None
    read_only: bool | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> EditChatInput:
        if self.title is None and self.read_only is None:
            raise ValueError("send title, read_only or both")
        return self


class AddMembersInput(RequestBody):
    """``POST /v1/chats/{id}/members``: the people to add."""

    person_ids: Annotated[list[Identifier], Field(min_length=1, max_length=MAX_MEMBERS_PER_ADD)]


class SendMessageInput(RequestBody):
    """``POST /v1/chats/{id}/messages``: text, attachments, or both (SPEC §10).

    ``text`` may be empty (or left out) only when the message carries attachments.
    """

    # Declared before ``text``, whose check reads it (pydantic validates fields in this order).
    attachments: Annotated[
        list[Identifier], Field(default_factory=list, max_length=MAX_ATTACHMENTS_PER_MESSAGE)
    ]
    text: Annotated[MessageText, Field(validate_default=True)] = ""  # checked when left out too
    client_msg_id: ClientId | None = None
    reply_to: Identifier | None = None

    @field_validator("text")
    @classmethod
    def _text_or_attachments(cls, text: str, info: ValidationInfo) -> str:
        if not text and not info.data.get("attachments"):
            raise ValueError("must not be empty when the message has no attachments")
        return text


class MarkReadInput(RequestBody):
    """``POST /v1/chats/{id}/read``: the last message the caller has read."""

    up_to: Identifier


def _chat_with_call(
    ctx: RequestContext, opened: ChatAccess, chats: ChatService | None = None
) -> dict[str, Any]:
    """A chat with its call under way (for members; one more read, only for them) and whether it
    still waits for its class teacher to open it (teacher first)."""
    call = None
    if opened.membership is not None and not opened.chat.archived:
        summaries = ctx.services.calls(settings()).summaries([opened.chat.chat_id])
        call = call_summary_json(summaries.get(opened.chat.chat_id))
    awaiting = ctx.services.school_rules.awaits_opening(opened)
    # ``chats``: the service that opened the chat; its rules already hold the school's settings it read.
    closed = (chats or ctx.services.chats).closed_for_posting([(opened.membership, opened.chat)])
    return chat_json(opened.chat, opened.my_role, call) | {"awaiting_open": awaiting} | posting_window_json(
        closed.get(opened.chat.chat_id)
    )


def posting_window_json(closed: ClosedForPosting | None) -> dict[str, Any]:
    """Quiet hours as the caller meets them (SPEC §10): ``posting_opens_at`` (UTC) and the Russian
    ``posting_notice`` («Чат открыт для сообщений с 8:00»), both null while the caller may post."""
    return {
        "posting_opens_at": isoformat_utc(closed.opens_at) if closed else None,
        "posting_notice": closed.text if closed else None,
    }


# --- chats ---------------------------------------------------------------------------


@api.route("/v1/chats")
def list_chats(ctx: RequestContext) -> dict[str, Any]:
    """The caller's chats, newest activity first."""
    limit = ctx.page_size(default=50, maximum=100)
    service = ctx.services.chats
    chats = service.list_chats(ctx.authenticated, limit, ctx.position("before", compound=True))
    calls = ctx.services.calls(settings()).summaries(chat.chat_id for _, chat in chats.items)
    # Quiet hours: when each chat closed to the caller opens again (settings read once per school).
    closed = service.closed_for_posting(chats.items)
    items = [
        chat_json(chat, row.chat_role.value, call_summary_json(calls.get(chat.chat_id)))
        | {"unread_count": chats.unread.get(chat.chat_id, 0)}
        | posting_window_json(closed.get(chat.chat_id))
        for row, chat in chats.items
    ]
    return ctx.page(items, "before", chats.before)


@api.route("/v1/chats", methods=("POST",))
def create_chat(ctx: RequestContext) -> Response:
    """A teacher's subject chat or custom chat: 201, or 200 when it already exists (or a retry made it)."""
    body = ctx.body(NewChatInput).root
    if isinstance(body, SubjectChatInput):
        made = ctx.services.chats.create_subject_chat(
            ctx.authenticated, body.school_id, body.class_id, body.title
        )
    else:
        made = ctx.services.chats.create_custom_chat(
            ctx.authenticated, body.school_id, body.title, body.member_ids, body.client_request_id
        )
    return json_response(_chat_with_call(ctx, made.access), 201 if made.created else 200)


SearchText = Annotated[
    str, StringConstraints(max_length=MAX_SEARCH_CHARS), AfterValidator(_no_control_characters)
]


class ChatChoicesQuery(RequestBody):
    """``GET /v1/chat-choices``: whose names to search for (``q``) and in which school."""

    q: SearchText = ""
    school_id: Identifier | None = None


@api.route("/v1/chat-choices")
def chat_choices(ctx: RequestContext) -> dict[str, Any]:
    """A teacher's «Новый чат»: their scheduled classes, and people of the school matching ``q``."""
    query = validate(ChatChoicesQuery, {"q": ctx.query("q") or "", "school_id": ctx.query("school_id")})
    limit = ctx.page_size(default=50, maximum=100)
    choices = ctx.services.chats.chat_choices(ctx.authenticated, query.school_id, query.q, limit)
    return {
        "school_id": choices.school_id,
        "classes": [
            {"class_id": c.class_id, "title": c.title, "subject": c.subject or None} for c in choices.classes
        ],
        "people": [person_json(about) for about in choices.people],
    }


@api.route("/v1/chats/{chat_id}")
def get_chat(ctx: RequestContext, chat_id: str) -> dict[str, Any]:
    """One chat (members; administrators and operators through the back office)."""
    service = ctx.services.chats
    opened = service.open_chat(ctx.authenticated, chat_id)
    # Teacher first: whether its class teacher (the caller) still has to press «Открыть чат».
    return _chat_with_call(ctx, opened, service)


@api.route("/v1/chats/{chat_id}", methods=("PATCH",))
def edit_chat(ctx: RequestContext, chat_id: str) -> dict[str, Any]:
    """Moderators: rename, switch announcements (read-only) mode."""
    body = ctx.body(EditChatInput)
    opened = ctx.services.chats.edit_chat(
        ctx.authenticated, chat_id, ChatEdit(title=body.title, read_only=body.read_only)
    )
    return _chat_with_call(ctx, opened)


@api.route("/v1/chats/{chat_id}", methods=("DELETE",))
def archive_chat(ctx: RequestContext, chat_id: str) -> dict[str, Any]:
    """Moderators of subject and custom chats: archive (messages kept, read-only for everyone)."""
    opened = ctx.services.chats.archive_chat(ctx.authenticated, chat_id)
    return chat_json(opened.chat, opened.my_role)


# --- members -------------------------------------------------------------------------


@api.route("/v1/chats/{chat_id}/members")
def list_members(ctx: RequestContext, chat_id: str) -> dict[str, Any]:
    """A chat's active members: for its members, its school's administrators and operators."""
    limit = ctx.page_size(default=100, maximum=500)
    after = ctx.position("after")
    members, about = ctx.services.chats.members_about(ctx.authenticated, chat_id, limit, after)
    return ctx.page([member_json(m, about.get(m.person_id)) for m in members.items], "after", members.after)


@api.route("/v1/chats/{chat_id}/members", methods=("POST",))
def add_members(ctx: RequestContext, chat_id: str) -> dict[str, Any]:
    """Moderators of subject and custom chats: add people of the school (already members: no change)."""
    body = ctx.body(AddMembersInput)
    rows = ctx.services.chats.add_members(ctx.authenticated, chat_id, body.person_ids)
    return {"items": [member_json(row) for row in rows]}


@api.route("/v1/chats/{chat_id}/members/{person_id}", methods=("DELETE",))
def remove_member(ctx: RequestContext, chat_id: str, person_id: str) -> Response:
    """Moderators of subject and custom chats: take a person out."""
    ctx.services.chats.remove_member(ctx.authenticated, chat_id, person_id)
    return Response(body="", status_code=204)


# --- messages ------------------------------------------------------------------------


class MessagesQuery(RequestBody):
    """``GET /v1/chats/{id}/messages``'s ``start_at``: the message a page starts at (a reply's quote)."""

    start_at: Identifier | None = None


def start_at_of(ctx: RequestContext) -> str | None:
    """The ``start_at`` message id of a messages page (422 when malformed, or given with a cursor)."""
    raw = ctx.query("start_at")
    if raw is None:
        return None
    start_at = validate(MessagesQuery, {"start_at": raw}).start_at
    if ctx.query("cursor"):
        raise ValidationFailed(
            "Send start_at or cursor, not both.", [{"field": "start_at", "message": "not with cursor"}]
        )
    return start_at


@api.route("/v1/chats/{chat_id}/messages")
def list_messages(ctx: RequestContext, chat_id: str) -> dict[str, Any]:
    """Members: the chat's messages, newest first (``start_at``: the page that starts at that message)."""
    limit = ctx.page_size(default=50, maximum=100)
    start_at = start_at_of(ctx)
    if start_at is not None:
        messages = ctx.services.chats.list_messages_from(ctx.authenticated, chat_id, limit, start_at)
    else:
        before = ctx.position("before", compound=True)
        messages = ctx.services.chats.list_messages(ctx.authenticated, chat_id, limit, before)
    return ctx.page(messages_json(ctx, chat_id, messages.items), "before", messages.before)


@api.route("/v1/chats/{chat_id}/messages", methods=("POST",))
def send_message(ctx: RequestContext, chat_id: str) -> Response:
    """Members: send (201); the same ``client_msg_id`` again returns the first message (200)."""
    body = ctx.body(SendMessageInput)
    sent, shown = send_with_attachments(
        ctx, ctx.authenticated, chat_id, body.text, body.client_msg_id, body.attachments, body.reply_to
    )
    return json_response(shown, 201 if sent.created else 200)


@api.route("/v1/chats/{chat_id}/messages/{message_id}", methods=("DELETE",))
def delete_message(ctx: RequestContext, chat_id: str, message_id: str) -> dict[str, Any]:
    """The author or a moderator: leave a "deleted" placeholder."""
    deleted = ctx.services.chats.delete_message(ctx.authenticated, chat_id, message_id)
    forget_attachments_of(ctx, deleted)
    return message_json(deleted)


# --- read state ----------------------------------------------------------------------


@api.route("/v1/chats/{chat_id}/read", methods=("POST",))
def mark_read(ctx: RequestContext, chat_id: str) -> Response:
    """Members: the chat is read up to this message (204; an older position changes nothing)."""
    body = ctx.body(MarkReadInput)
    ctx.services.chats.mark_read(ctx.authenticated, chat_id, body.up_to)
    return Response(body="", status_code=204)


@api.route("/v1/chats/{chat_id}/messages/{message_id}/reads")
def message_reads(ctx: RequestContext, chat_id: str, message_id: str) -> dict[str, Any]:
    """Moderators of an announcements chat: who has read the message and who has not."""
    report = ctx.services.chats.read_report(ctx.authenticated, chat_id, message_id)
    return {
        "read_count": report.read_count,
        "member_count": report.member_count,
        "not_read": [member_json(m) for m in report.not_read],
    }
