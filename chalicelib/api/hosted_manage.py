"""The hosted page's moderator controls (issue #15): rename, announcements mode, archive, members, delete.

Plain HTML forms posting to ``/m/chats/{id}/…`` with the session's CSRF token,
checked as the send box is (``hosted._checked_form``); each goes through the
same ``ChatService`` use case as the API, so the same access rules decide. A
refused action shows the chat again with the reason in Russian.
"""

from __future__ import annotations

from chalice import Response

from chalicelib.api.chats import EditChatInput
from chalicelib.api.hosted import _chat_response, _checked_form, _error_page, _redirect, _signed_in, _urls
from chalicelib.api.http import FORM_CONTENT_TYPE, ApiBlueprint, RequestContext, validate
from chalicelib.api.shapes import chat_json, member_json
from chalicelib.errors import Conflict, Forbidden, NotFound, ReadOnly, ServiceError, ValidationFailed
from chalicelib.messenger.port import ChatEdit
from chalicelib.web import pages
from chalicelib.web.render import html_response

api = ApiBlueprint(__name__)

MEMBERS_PER_PAGE = 100
REFUSED = (ValidationFailed, Forbidden, ReadOnly, Conflict)


def manage_error_text(error: ServiceError) -> str:
    """Why a moderator's action was refused, in Russian."""
    if isinstance(error, ValidationFailed):
        return "Не сохранено: название не может быть пустым или длиннее 200 символов."
    if isinstance(error, ReadOnly):
        return "Не сохранено: чат в архиве, его больше нельзя менять."
    if isinstance(error, Forbidden):
        return "Это может сделать только модератор чата."
    if isinstance(error, NotFound):
        return "Сообщение не найдено: возможно, его уже удалили."
    return "Не получилось. Обновите страницу и попробуйте ещё раз."


def _refused(ctx: RequestContext, chat_id: str, error: ServiceError) -> Response:
    session = _signed_in(ctx)
    return _chat_response(ctx, session, chat_id, error=error, manage_error=manage_error_text(error))


def _no_other_fields(form: dict[str, str]) -> None:
    if form:
        unknown = [{"field": name, "message": "unknown"} for name in form]
        raise ValidationFailed("Unknown form fields.", unknown)


@api.route(
    "/m/chats/{chat_id}/settings",
    methods=("POST",),
    auth=False,
    content_types=(FORM_CONTENT_TYPE,),
    render_error=_error_page,
)
def chat_settings(ctx: RequestContext, chat_id: str) -> Response:
    """Rename and switch announcements mode (moderators); back to the chat."""
    session = _signed_in(ctx)
    form = _checked_form(ctx, session)
    title = form.pop("title", "")
    announcements = form.pop("announcements", None)
    _no_other_fields(form)
    try:
        body = validate(EditChatInput, {"title": title, "read_only": announcements == "on"})
        edit = ChatEdit(title=body.title, read_only=body.read_only)
        ctx.services.chats.edit_chat(session.caller, chat_id, edit)
    except REFUSED as error:
        return _refused(ctx, chat_id, error)
    return _redirect(_urls().chat(chat_id))


@api.route(
    "/m/chats/{chat_id}/archive",
    methods=("POST",),
    auth=False,
    content_types=(FORM_CONTENT_TYPE,),
    render_error=_error_page,
)
def archive(ctx: RequestContext, chat_id: str) -> Response:
    """Archive a subject or custom chat (moderators); back to the chat, now read-only."""
    session = _signed_in(ctx)
    _no_other_fields(_checked_form(ctx, session))
    try:
        ctx.services.chats.archive_chat(session.caller, chat_id)
    except REFUSED as error:
        return _refused(ctx, chat_id, error)
    return _redirect(_urls().chat(chat_id))


@api.route(
    "/m/chats/{chat_id}/messages/{message_id}/delete",
    methods=("POST",),
    auth=False,
    content_types=(FORM_CONTENT_TYPE,),
    render_error=_error_page,
)
def delete_message(ctx: RequestContext, chat_id: str, message_id: str) -> Response:
    """Delete a message (its author or a moderator): a "deleted" placeholder stays; back to the chat."""
    session = _signed_in(ctx)
    _no_other_fields(_checked_form(ctx, session))
    try:
        ctx.services.chats.delete_message(session.caller, chat_id, message_id)
    except (*REFUSED, NotFound) as error:
        return _refused(ctx, chat_id, error)
    return _redirect(_urls().chat(chat_id))


@api.route("/m/chats/{chat_id}/members", auth=False, render_error=_error_page)
def members(ctx: RequestContext, chat_id: str) -> Response:
    """A chat's members with who they are at the school («мама Козлова Артёма, 5А»; for its members)."""
    session = _signed_in(ctx)
    opened = ctx.services.chats.open_chat(session.caller, chat_id)
    page, about = ctx.services.chats.members_about(
        session.caller, chat_id, MEMBERS_PER_PAGE, ctx.position("after", owner=session.caller)
    )
    more = (
        f"{_urls().members(chat_id)}?cursor={ctx.cursor('after', page.after, owner=session.caller)}"
        if page.after
        else None
    )
    body = pages.members_page(
        _urls(),
        session.csrf_token,
        chat_json(opened.chat, opened.my_role),
        [member_json(member, about.get(member.person_id)) for member in page.items],
        more,
    )
    return html_response(body)
