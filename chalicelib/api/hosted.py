"""The hosted mobile page (SPEC §7): ``/m/{token}`` signs a phone in, ``/m/chats…`` are its screens.

Server-rendered HTML for a session cookie instead of a journal token. Every
read and write goes through the same ``chat_service`` / ``access`` functions
as the chats API, with the session's journal user as the caller, and the send
box's input is checked by the API's own ``SendMessageInput``.

Security: the cookie is ``HttpOnly; Secure; SameSite=Lax`` and scoped to
``/m``; every POST must come from this origin (``Origin``, else ``Referer``)
and carry the session's CSRF token; pages are served with a strict Content
Security Policy (``render.page_headers``) and all text is escaped.
"""

from __future__ import annotations

from typing import Any

from chalice import Response

from chalicelib.api.attachments import messages_json, send_with_attachments
from chalicelib.api.calls import call_summary_json
from chalicelib.api.chats import SendMessageInput, start_at_of
from chalicelib.api.http import (
    FORM_CONTENT_TYPE,
    ApiBlueprint,
    RequestContext,
    validate,
)
from chalicelib.api.shapes import chat_json, member_json, message_json
from chalicelib.attachments.rules import AttachmentNotUploaded
from chalicelib.chats import access, reading
from chalicelib.config import settings
from chalicelib.errors import (
    Conflict,
    Forbidden,
    LinkRequired,
    NotFound,
    QuietHours,
    RateLimited,
    ReadOnly,
    ServiceError,
    ServiceUnavailable,
    Unauthorized,
    ValidationFailed,
)
from chalicelib.identity.me import describe_me
from chalicelib.identity.signin import WebSession
from chalicelib.live.revoke import close_session_sockets
from chalicelib.messenger.port import read_position
from chalicelib.roster.model import Role
from chalicelib.web import pages
from chalicelib.web.pages import Composer, Urls
from chalicelib.web.render import base_path, html_response, origin_of, static_response

api = ApiBlueprint(__name__)

SESSION_COOKIE = "m_session"
CHATS_PER_PAGE = 50
MESSAGES_PER_PAGE = 30
MARKED_MEMBERS = 500  # whose role marks a chat page shows (authors beyond them go unmarked)

EXPIRED_LINK = ("Ссылка устарела", "Ссылка устарела — отсканируйте новый QR-код в электронном журнале.")


class CsrfRefused(Forbidden):
    """A state-changing request that did not come from one of the session's own pages."""


def _urls() -> Urls:
    return Urls(base_path(settings().public_base_url), settings().live_url or "")


def _notice(status: int, heading: str, text: str, headers: dict[str, str] | None = None) -> Response:
    return html_response(pages.notice_page(_urls(), heading, text), status, headers)


def _error_page(error: ServiceError) -> Response:
    """A service error as a page in Russian (the hosted page's counterpart of problem+json)."""
    if isinstance(error, Unauthorized):
        return _notice(
            401,
            "Вы не вошли",
            "Чтобы открыть чаты на телефоне, отсканируйте QR-код в электронном журнале: раздел «Чаты».",
        )
    if isinstance(error, CsrfRefused):
        return _notice(403, "Действие отклонено", "Страница устарела. Обновите её и попробуйте ещё раз.")
    if isinstance(error, Forbidden):
        return _notice(403, "Нет доступа", "Сообщения этого чата видят только его участники.")
    if isinstance(error, NotFound):
        return _notice(404, "Не найдено", "Такого чата нет, или вы больше не его участник.")
    if isinstance(error, LinkRequired):
        return _notice(
            409,
            "Профиль не привязан",
            "Привяжите учебный профиль в электронном журнале (раздел «Чаты») и отсканируйте QR-код снова.",
        )
    if isinstance(error, RateLimited):
        return _notice(429, "Слишком много запросов", "Подождите немного и попробуйте снова.")
    if isinstance(error, ServiceUnavailable):
        return _notice(
            503,
            "Сервис временно недоступен",
            "Попробуйте ещё раз через несколько секунд.",
            {"Retry-After": str(error.retry_after_s)},
        )
    if error.status < 500:
        return _notice(error.status, "Запрос не понят", "Вернитесь к списку чатов и попробуйте ещё раз.")
    return _notice(error.status, "Что-то пошло не так", "Попробуйте ещё раз через минуту.")


def _expired_link_page(error: ServiceError | None = None) -> Response:
    # The same page for a used, expired, malformed or unknown link: nothing says which.
    # The URL holds the token: no Referer may carry it anywhere.
    return html_response(pages.notice_page(_urls(), *EXPIRED_LINK), 410, referrer_policy="no-referrer")


def _redirect(location: str, headers: dict[str, str] | None = None) -> Response:
    return Response(
        body="",
        status_code=303,
        headers={"Location": location, "Cache-Control": "no-store", **(headers or {})},
    )


def _cookie(value: str, max_age_s: int) -> str:
    return (
        f"{SESSION_COOKIE}={value}; Path={_urls().cookie_path}; Max-Age={max_age_s}; "
        "HttpOnly; Secure; SameSite=Lax"
    )


# --- signing in and out --------------------------------------------------------------


def _signed_in(ctx: RequestContext) -> WebSession:
    signin = ctx.services.signin
    session = signin.resume_session(ctx.cookie(SESSION_COOKIE), ctx.services.clock.now(), settings())
    if session is None:
        raise Unauthorized("No live session.")
    return session


def _require_same_origin(ctx: RequestContext) -> None:
    """403 unless a state-changing request came from this origin (``Origin``, else ``Referer``)."""
    headers = ctx.request.headers
    expected = origin_of(settings().public_base_url)
    origin = headers.get("origin")
    referer = headers.get("referer")
    if origin is not None:
        same_origin = origin.strip().lower() == expected
    else:
        same_origin = bool(referer) and origin_of(str(referer)) == expected
    if not same_origin:
        raise CsrfRefused("The request did not come from this site.")


def _checked_form(ctx: RequestContext, session: WebSession, max_fields: int = 10) -> dict[str, str]:
    """The form of a state-changing request that came from this origin with the session's CSRF token."""
    _require_same_origin(ctx)
    form = ctx.form(max_fields)
    if not session.csrf_matches(form.pop("csrf", None)):
        raise CsrfRefused("The CSRF token is missing or wrong.")
    return form


def _name_of(ctx: RequestContext, person_id: str) -> str:
    """A journal user's name as the rosters know it (what the «Продолжить» page shows)."""
    name = describe_me(person_id, ctx.services.linking(settings()), ctx.services.chat_directory)["name"]
    return str(name) if name else "пользователь электронного журнала"


@api.route("/m/{token}", auth=False, render_error=_expired_link_page)
def confirm(ctx: RequestContext, token: str) -> Response:
    """What a QR link opens, with one «Продолжить» button; the GET uses nothing up (410 for a dead link).

    Link previews and URL scanners fetch links: only the button's POST
    redeems. If this browser is signed in as someone else, the page says who
    will be signed out before it happens.
    """
    now = ctx.services.clock.now()
    link = ctx.services.signin.peek_qr_link(token, now)
    if link is None:
        return _expired_link_page()
    previous = ctx.services.signin.resume_session(ctx.cookie(SESSION_COOKIE), now, settings())
    current = _name_of(ctx, previous.person_id) if previous and previous.person_id != link.person_id else None
    body = pages.qr_confirm_page(_urls(), f"{_urls().base}/m/{token}", _name_of(ctx, link.person_id), current)
    # same-origin, not no-referrer: the button's POST must carry this origin (a no-referrer page's
    # POST says "Origin: null"); the token still never leaves the site in a Referer.
    return html_response(body, 200, {"Cache-Control": "no-store"}, referrer_policy="same-origin")


@api.route(
    "/m/{token}",
    methods=("POST",),
    auth=False,
    content_types=(FORM_CONTENT_TYPE,),
    render_error=_expired_link_page,
)
def redeem(ctx: RequestContext, token: str) -> Response:
    """«Продолжить»: redeem a QR link once, from this site only; start a session, go to the chat list."""
    try:
        _require_same_origin(ctx)  # no other site can sign this browser in to someone's chats
    except CsrfRefused as refused:
        return _error_page(refused)
    now = ctx.services.clock.now()
    redeemed = ctx.services.signin.redeem_qr_link(token, now)
    if redeemed is None:
        return _expired_link_page()
    previous = ctx.services.signin.resume_session(ctx.cookie(SESSION_COOKIE), now, settings())
    if previous is not None:  # this phone was signed in already: only the new session stays
        ctx.services.signin.end_session(previous)
        close_session_sockets(ctx.services.connections, ctx.services.live, previous.session_hash)
    secret, _ = ctx.services.signin.start_session(redeemed, now, settings())
    return _redirect(
        _urls().home,
        {"Set-Cookie": _cookie(secret, settings().web_session_ttl_s), "Referrer-Policy": "no-referrer"},
    )


@api.route(
    "/m/logout", methods=("POST",), auth=False, content_types=(FORM_CONTENT_TYPE,), render_error=_error_page
)
def logout(ctx: RequestContext) -> Response:
    """End the session and forget its cookie."""
    session = _signed_in(ctx)
    _checked_form(ctx, session)
    ctx.services.signin.end_session(session)
    close_session_sockets(ctx.services.connections, ctx.services.live, session.session_hash)
    return _redirect(_urls().home, {"Set-Cookie": _cookie("", 0)})


# --- screens -------------------------------------------------------------------------


@api.route("/m/chats", auth=False, render_error=_error_page)
def chat_list(ctx: RequestContext) -> Response:
    """The signed-in user's chats, newest activity first."""
    session = _signed_in(ctx)
    before = ctx.position("before", compound=True, owner=session.caller)
    page = ctx.services.chats.list_chats(session.caller, CHATS_PER_PAGE, before)
    calls = ctx.services.calls(settings()).summaries(chat.chat_id for _, chat in page.items)
    chats = [
        chat_json(chat, row.chat_role.value, call_summary_json(calls.get(chat.chat_id)))
        | {"unread_count": page.unread.get(chat.chat_id, 0)}
        for row, chat in page.items
    ]
    more = (
        f"{_urls().home}?cursor={ctx.cursor('before', page.before, owner=session.caller)}"
        if page.before
        else None
    )
    # «+ Новый чат» for teachers (a teacher's memberships say so; the page itself asks the roster).
    may_create = any(row.person_role is Role.TEACHER for row, _ in page.items)
    return html_response(
        pages.chat_list_page(_urls(), session.csrf_token, chats, more, may_create=may_create)
    )


def _chat_response(
    ctx: RequestContext,
    session: WebSession,
    chat_id: str,
    draft: str = "",
    error: ServiceError | None = None,
    manage_error: str | None = None,
    reply_to: str | None = None,
    start_at: str | None = None,
) -> Response:
    before = ctx.position("before", compound=True, owner=session.caller)
    if start_at is not None:  # a reply's quote whose message is further back: the page starting there
        page = ctx.services.chats.list_messages_from(session.caller, chat_id, MESSAGES_PER_PAGE, start_at)
    else:
        page = ctx.services.chats.list_messages(session.caller, chat_id, MESSAGES_PER_PAGE, before)
    newest = before is None and start_at is None
    # «Ответить» (``?reply=<id>``) answers a message shown on this page; anything else is ignored.
    answering = next((m for m in page.items if m.message_id == reply_to and not m.deleted), None)
    opened = ctx.services.chats.open_chat(session.caller, chat_id)
    members = ctx.services.chats.members(session.caller, chat_id, MARKED_MEMBERS, None)
    try:
        access.require_can_post(opened)
        can_post = True
    except ReadOnly:
        can_post = False
    rules = ctx.services.school_rules  # quiet hours and teacher first (chalicelib/schools)
    closed = rules.posting_closed(opened) if can_post else None
    # Opening the newest messages reads them: the divider marks where the member had stopped.
    first_unread = None
    reads = None
    if newest and page.items and opened.membership is not None:
        first_unread = reading.first_unread(opened.membership, page.items)
        if read_position(page.items[0]) > opened.membership.read_up_to:
            ctx.services.chats.mark_read(session.caller, chat_id, page.items[0].message_id)
        if opened.is_moderator and opened.chat.read_only:
            report = ctx.services.chats.read_report(session.caller, chat_id, page.items[0].message_id)
            reads = pages.ReadReportView(
                report.read_count, report.member_count, [m.name for m in report.not_read]
            )
    urls = _urls()
    older = (
        f"{urls.chat(chat_id)}?cursor={ctx.cursor('before', page.before, owner=session.caller)}"
        if page.before
        else None
    )
    # The send box explains its own refusals; a moderator action's and quiet hours' are shown elsewhere.
    shown_elsewhere = manage_error or isinstance(error, QuietHours)
    send_error = _send_error_text(error) if error is not None and not shown_elsewhere else None
    body = pages.chat_page(
        urls,
        session.csrf_token,
        session.person_id,
        chat_json(opened.chat, opened.my_role),
        messages_json(ctx, chat_id, page.items),
        older,
        showing_older=not newest,
        composer=Composer(
            can_post,
            draft,
            send_error,
            message_json(answering) if answering is not None else None,
            closed=closed.detail if closed else None,
        ),
        call_action=ctx.services.calls(settings()).action_for(opened),
        open_action=f"{urls.chat(chat_id)}/open" if rules.awaits_opening(opened) else None,
        first_unread=first_unread,
        reads=reads,
        manage_error=manage_error,
        members=[member_json(m) for m in members.items],
    )
    files = file_origins(ctx)  # the composer uploads attachments to the bucket; previews come from it
    return html_response(body, error.status if error else 200, connect=files, images_from=files)


def file_origins(ctx: RequestContext) -> tuple[str, ...]:
    """Where the chat page's script uploads attachments and its previews come from (for its CSP)."""
    return (origin_of(ctx.services.blobs.download_link("attachments/", 60, "x", "x")),)


def _send_error_text(error: ServiceError) -> str:
    fields = {str(item.get("field", "")) for item in error.extensions.get("errors", [])}
    if isinstance(error, ValidationFailed) and "reply_to" in fields:
        return "Сообщение не отправлено: сообщения, на которое вы отвечаете, в этом чате нет."
    if isinstance(error, ValidationFailed) and any(
        item.get("field") == "text" and "empty" in str(item.get("message", ""))
        for item in error.extensions.get("errors", [])
    ):
        return "Сообщение не отправлено: напишите текст или прикрепите файл."
    if isinstance(error, ValidationFailed):
        return "Сообщение не отправлено: оно пустое или длиннее 4000 символов."
    if isinstance(error, ReadOnly):
        return "Сообщение не отправлено: в этот чат сейчас писать нельзя."
    if isinstance(error, AttachmentNotUploaded):
        return "Сообщение не отправлено: файл ещё не загрузился. Прикрепите его снова."
    return "Сообщение не отправлено. Обновите страницу и попробуйте ещё раз."


@api.route("/m/chats/{chat_id}", auth=False, render_error=_error_page)
def chat(ctx: RequestContext, chat_id: str) -> Response:
    """A chat's newest messages (``?cursor=`` for older ones; ``?start_at=`` a message id: the page that
    starts at it, where a reply's quote leads) and its send box (``?reply=`` a message id: the send box
    answers that message)."""
    session = _signed_in(ctx)
    return _chat_response(ctx, session, chat_id, reply_to=ctx.query("reply"), start_at=start_at_of(ctx))


@api.route(
    "/m/chats/{chat_id}/messages",
    methods=("POST",),
    auth=False,
    content_types=(FORM_CONTENT_TYPE,),
    render_error=_error_page,
)
def send(ctx: RequestContext, chat_id: str) -> Response:
    """The send box: post the message, then back to the chat (the chat again, with the reason, if not)."""
    session = _signed_in(ctx)
    form = _checked_form(ctx, session)
    text = form.pop("text", "")
    client_msg_id = form.pop("client_msg_id", "") or None
    reply_to = form.pop("reply_to", "") or None
    attachment_ids = form.pop("attachments", "").split()  # filled in by static/attach.js
    if form:
        raise ValidationFailed(
            "Unknown form fields.", [{"field": name, "message": "unknown"} for name in form]
        )
    try:
        body = validate(
            SendMessageInput,
            {
                "text": text,
                "client_msg_id": client_msg_id,
                "reply_to": reply_to,
                "attachments": attachment_ids,
            },
        )
        send_with_attachments(
            ctx, session.caller, chat_id, body.text, body.client_msg_id, body.attachments, body.reply_to
        )
    except (ValidationFailed, ReadOnly, Conflict, QuietHours, AttachmentNotUploaded) as error:
        return _chat_response(ctx, session, chat_id, draft=text, error=error, reply_to=reply_to)
    return _redirect(_urls().chat(chat_id))


@api.route("/m/static/{name}", auth=False, render_error=_error_page)
def static(ctx: RequestContext, name: str) -> Any:
    """The page's CSS and JavaScript (the CSP allows no inline code)."""
    found = static_response(pages.STATIC_DIR, name)
    if found is None:
        raise NotFound("No such file.")
    return found
