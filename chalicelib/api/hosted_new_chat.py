"""The hosted page's «Новый чат» (issue #15): a teacher makes a subject chat or a chat of hand-picked people.

``GET /m/chats/new`` shows the scheduled classes the teacher teaches (one
button each) and a form for a custom chat: a title, a search over the school's
people («Найти» posts the form back with its ticks kept) and «Создать чат».
Both go through the same ``ChatService`` use cases and input models as
``POST /v1/chats``; a refusal shows the page again with the reason in Russian.
"""

from __future__ import annotations

from typing import Any

from chalice import Response

from chalicelib.api.chats import CustomChatInput, SubjectChatInput
from chalicelib.api.hosted import _checked_form, _error_page, _redirect, _signed_in, _urls
from chalicelib.api.http import FORM_CONTENT_TYPE, ApiBlueprint, RequestContext, validate
from chalicelib.api.shapes import person_json
from chalicelib.chats.service import ChatChoices
from chalicelib.errors import BadRequest, Conflict, Forbidden, ServiceError, ValidationFailed
from chalicelib.identity.signin import WebSession
from chalicelib.web import pages
from chalicelib.web.pages import NewChatForm
from chalicelib.web.render import html_response

api = ApiBlueprint(__name__)

FOUND_PER_SEARCH = 30
MAX_PICKED = 100  # people ticked in one form (the API takes up to 500 at creation)
PICKED_PREFIX = "m-"  # a ticked person's checkbox: ``m-<person_id>=on``


def new_chat_error_text(error: ServiceError) -> str:
    """Why the chat was not made, in Russian, naming the form's field."""
    if isinstance(error, ValidationFailed):
        fields = {
            part
            for item in error.extensions.get("errors", [])
            for part in str(item.get("field", "")).split(".")
        }
        if "title" in fields:
            return "Название чата: введите от 1 до 200 символов."
        if "member_ids" in fields:
            return "Участники: кого-то из отмеченных уже нет в школе. Найдите людей заново."
        if "class_id" in fields:
            return "Класс: такого урока по расписанию в школе нет."
        return "Проверьте поля формы."
    if isinstance(error, Forbidden):
        return "Создавать чаты могут только учителя школы (и только для своих уроков)."
    if isinstance(error, Conflict):
        return "Такой чат уже создаётся. Обновите список чатов."
    return "Не получилось. Обновите страницу и попробуйте ещё раз."


def _choices(ctx: RequestContext, session: WebSession, search: str, picked: list[str]) -> ChatChoices:
    return ctx.services.chats.chat_choices(session.caller, None, search, FOUND_PER_SEARCH, picked)


def _page(
    ctx: RequestContext, session: WebSession, choices: ChatChoices, form: NewChatForm, status: int
) -> Response:
    classes: list[dict[str, Any]] = [{"class_id": c.class_id, "title": c.title} for c in choices.classes]
    body = pages.new_chat_page(_urls(), session.csrf_token, classes, form)
    return html_response(body, status)


@api.route("/m/chats/new", auth=False, render_error=_error_page)
def new_chat(ctx: RequestContext) -> Response:
    """The «Новый чат» page (teachers; 403 page for anyone else)."""
    session = _signed_in(ctx)
    return _page(ctx, session, _choices(ctx, session, "", []), NewChatForm(), 200)


@api.route(
    "/m/chats/new/subject",
    methods=("POST",),
    auth=False,
    content_types=(FORM_CONTENT_TYPE,),
    render_error=_error_page,
)
def new_subject_chat(ctx: RequestContext) -> Response:
    """Make (or open, when it exists) the subject chat of a scheduled class; to the chat."""
    session = _signed_in(ctx)
    form = _checked_form(ctx, session)
    class_id = form.pop("class_id", "")
    if form:
        raise BadRequest("Unknown form fields.")
    try:
        body = validate(SubjectChatInput, {"kind": "subject", "class_id": class_id})
        made = ctx.services.chats.create_subject_chat(session.caller, None, body.class_id, None)
    except (ValidationFailed, Forbidden, Conflict) as error:
        choices = _choices(ctx, session, "", [])
        return _page(ctx, session, choices, NewChatForm(error=new_chat_error_text(error)), error.status)
    return _redirect(_urls().chat(made.access.chat.chat_id))


@api.route(
    "/m/chats/new/custom",
    methods=("POST",),
    auth=False,
    content_types=(FORM_CONTENT_TYPE,),
    render_error=_error_page,
)
def new_custom_chat(ctx: RequestContext) -> Response:
    """«Найти» shows the page again with the search's people (ticks kept); «Создать чат» makes the chat."""
    session = _signed_in(ctx)
    form = _checked_form(ctx, session, max_fields=MAX_PICKED + 5)
    title, search, action = form.pop("title", ""), form.pop("q", ""), form.pop("do", "create")
    picked = [name[len(PICKED_PREFIX) :] for name in form if name.startswith(PICKED_PREFIX)]
    if (
        len(picked) != len(form)
        or action not in ("search", "create")
        or any(v != "on" for v in form.values())
    ):
        raise BadRequest("Unknown form fields.")
    try:
        if action == "search":
            choices = _choices(ctx, session, search[:100], picked)
            shown = NewChatForm(
                title=title,
                search=search,
                picked=[person_json(p) for p in choices.picked],
                found=[person_json(p) for p in choices.people],
                searched=bool(search.strip()),
            )
            return _page(ctx, session, choices, shown, 200)
        body = validate(CustomChatInput, {"kind": "custom", "title": title, "member_ids": picked})
        made = ctx.services.chats.create_custom_chat(session.caller, None, body.title, body.member_ids)
    except (ValidationFailed, Forbidden, Conflict) as error:
        choices = _choices(ctx, session, "", picked)
        shown = NewChatForm(
            title=title,
            search=search,
            picked=[person_json(p) for p in choices.picked],
            error=new_chat_error_text(error),
        )
        return _page(ctx, session, choices, shown, error.status)
    return _redirect(_urls().chat(made.access.chat.chat_id))
