"""The hosted page's attachments (SPEC §10): what ``static/attach.js`` calls, and links for ``<img>``.

Same session cookie as the rest of ``/m``; the script's POSTs come from this
origin with the session's CSRF token in ``X-CSRF-Token`` (as the call
screen's do). Every decision is ``attachments.service``'s, as for the API.

* ``POST /m/chats/{id}/attachments`` ``{"name", "content_type", "size"}`` — the presigned POST;
* ``POST /m/chats/{id}/attachments/{attachment_id}/check`` — check the upload; the attachment
  with ``preview_href`` (a page-relative link to its preview), or the problem in Russian;
* ``GET /m/chats/{id}/attachments/{attachment_id}`` and ``…/preview`` — 303 to a presigned GET
  that lasts minutes (members only, as the API).
"""

from __future__ import annotations

from functools import partial

from chalice import Response

from chalicelib.api.attachments import NewAttachmentInput, attachment_json, ticket_json
from chalicelib.api.hosted import _error_page, _redirect, _signed_in, _urls
from chalicelib.api.hosted_calls import _checked_json_post
from chalicelib.api.http import ApiBlueprint, RequestContext, json_response, problem_response
from chalicelib.attachments import rules
from chalicelib.config import settings
from chalicelib.errors import NotFound, ServiceError, ValidationFailed

api = ApiBlueprint(__name__)

RUSSIAN_DETAILS: dict[type[Exception], str] = {
    rules.AttachmentRefused: "Файл не принят: его содержимое не совпадает с типом файла. Файл удалён.",
    rules.AttachmentTooLarge: "Файл не принят: он больше 20 МБ.",
    rules.AttachmentNotUploaded: "Файл ещё не загрузился. Попробуйте ещё раз.",
    ValidationFailed: (
        "Такой файл прикрепить нельзя: только фото (JPEG, PNG, WebP), PDF, DOCX и XLSX до 20 МБ."
    ),
    NotFound: "Файл не найден.",
}


def _json_error(error: ServiceError) -> Response:
    """problem+json for the script, with ``detail_ru``: the sentence the page shows."""
    text = next((ru for kind, ru in RUSSIAN_DETAILS.items() if isinstance(error, kind)), None)
    if text is None:
        text = "Не удалось прикрепить файл. Обновите страницу и попробуйте ещё раз."
    error.extensions.setdefault("detail_ru", text)
    return problem_response(error)


# The page's scripts read per-session answers: never from a cache.
_json = partial(json_response, no_store=True)


def attachment_href(chat_id: str, attachment_id: str, preview: bool = False) -> str:
    """The page's own link to an attachment (or its preview): a redirect to a fresh presigned GET."""
    return f"{_urls().chat(chat_id)}/attachments/{attachment_id}" + ("/preview" if preview else "")


@api.route("/m/chats/{chat_id}/attachments", methods=("POST",), auth=False, render_error=_json_error)
def start_upload(ctx: RequestContext, chat_id: str) -> Response:
    """The presigned POST for the file the person picked."""
    session = _checked_json_post(ctx)
    body = ctx.body(NewAttachmentInput)
    ticket = ctx.services.attachments(settings()).start_upload(
        session.caller, chat_id, body.name, body.content_type, body.size
    )
    return _json(ticket_json(ticket), 201)


@api.route(
    "/m/chats/{chat_id}/attachments/{attachment_id}/check",
    methods=("POST",),
    auth=False,
    render_error=_json_error,
)
def check_upload(ctx: RequestContext, chat_id: str, attachment_id: str) -> Response:
    """Check the upload; the attachment and where the page shows its preview."""
    session = _checked_json_post(ctx)
    checked = ctx.services.attachments(settings()).check_upload(session.caller, chat_id, attachment_id)
    return _json(
        attachment_json(checked)
        | {
            "href": attachment_href(chat_id, attachment_id),
            "preview_href": attachment_href(chat_id, attachment_id, True) if checked.has_preview else None,
        }
    )


def _follow(ctx: RequestContext, chat_id: str, attachment_id: str, preview: bool) -> Response:
    session = _signed_in(ctx)
    links = ctx.services.attachments(settings()).links(session.caller, chat_id, attachment_id)
    target = links.preview_url if preview else links.url
    if target is None:
        raise NotFound("No preview.")
    return _redirect(target, {"Referrer-Policy": "no-referrer"})


@api.route("/m/chats/{chat_id}/attachments/{attachment_id}", auth=False, render_error=_error_page)
def open_file(ctx: RequestContext, chat_id: str, attachment_id: str) -> Response:
    """The file itself, through a link that lasts minutes."""
    return _follow(ctx, chat_id, attachment_id, preview=False)


@api.route("/m/chats/{chat_id}/attachments/{attachment_id}/preview", auth=False, render_error=_error_page)
def open_preview(ctx: RequestContext, chat_id: str, attachment_id: str) -> Response:
    """An image's preview, through a link that lasts minutes."""
    return _follow(ctx, chat_id, attachment_id, preview=True)
