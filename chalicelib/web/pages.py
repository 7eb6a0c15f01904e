"""The hosted mobile page's screens (SPEC §7), in Russian, from the API's own JSON shapes.

Chats and messages arrive as ``api.shapes`` dicts, so the page shows exactly
what the API would (the read-only flag included); every value goes through
``render.fill``, which escapes it.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from chalicelib.web.attachments import attach_box, attachment_list
from chalicelib.web.render import Markup, Templates, concat, escape, linkify

TEMPLATES = Templates(Path(__file__).with_name("templates"))
STATIC_DIR = Path(__file__).with_name("static")

KIND_LABELS = {
    "staff": "Учителя",
    "class": "Класс",
    "parents": "Родители",
    "subject": "Предмет",
    "custom": "Группа",
}
LAST_MESSAGE_PREVIEW_CHARS = 80
ROLE_LABELS = {"teacher": "учитель", "student": "ученик", "parent": "родитель", "admin": "администрация"}
HAND_MANAGED_KINDS = ("subject", "custom")
CLASS_TEACHER_KINDS = ("class", "parents")
MARKS = {"teacher": "учитель", "parent": "родитель", "admin": "администрация"}


def role_mark(member: dict[str, Any], chat_kind: str) -> str:
    """The mark beside an adult's name: учитель, классный руководитель, родитель or администрация.

    The class teacher is the teacher who moderates a class or parents chat;
    pupils get no mark.
    """
    moderates = member["chat_role"] == "moderator"
    if member["role"] == "teacher" and moderates and chat_kind in CLASS_TEACHER_KINDS:
        return "классный руководитель"
    return MARKS.get(member["role"], "")


@dataclass(frozen=True)
class Urls:
    """Where the hosted page lives: ``base`` is the public URL's path (``/api`` on API Gateway)."""

    base: str
    # Where the page opens its live socket (SPEC §10, ``LIVE_URL``); "" — no socket, the page polls.
    live: str = ""

    @property
    def home(self) -> str:
        """The chat list."""
        return f"{self.base}/m/chats"

    @property
    def static(self) -> str:
        """The folder of the CSS and JS."""
        return f"{self.base}/m/static"

    @property
    def logout(self) -> str:
        """Where the logout form posts."""
        return f"{self.base}/m/logout"

    @property
    def live_ticket(self) -> str:
        """Where the page gets a ticket for its live socket ("" with no socket: the page polls)."""
        return f"{self.base}/m/live/ticket" if self.live else ""

    @property
    def cookie_path(self) -> str:
        """The session cookie's ``Path``: the hosted page only, never the API."""
        return f"{self.base}/m"

    def chat(self, chat_id: str) -> str:
        """One chat's page."""
        return f"{self.base}/m/chats/{quote(chat_id, safe='')}"

    def send(self, chat_id: str) -> str:
        """Where a chat's send box posts."""
        return f"{self.chat(chat_id)}/messages"

    def call(self, chat_id: str, action: str = "") -> str:
        """A chat's call screen, or one of the JSON endpoints its script calls (``join``, ``poll``…)."""
        return f"{self.chat(chat_id)}/call" + (f"/{action}" if action else "")

    def chat_settings(self, chat_id: str) -> str:
        """Where a moderator's rename / announcements form posts."""
        return f"{self.chat(chat_id)}/settings"

    def archive(self, chat_id: str) -> str:
        """Where a moderator's «Архивировать» posts."""
        return f"{self.chat(chat_id)}/archive"

    def new_chat(self, step: str = "") -> str:
        """A teacher's «Новый чат» page, or where its forms post (``subject``, ``custom``)."""
        return f"{self.home}/new" + (f"/{step}" if step else "")

    def members(self, chat_id: str) -> str:
        """A chat's member list."""
        return f"{self.chat(chat_id)}/members"

    def delete_message(self, chat_id: str, message_id: str) -> str:
        """Where «Удалить» under a message posts."""
        return f"{self.chat(chat_id)}/messages/{quote(message_id, safe='')}/delete"


def _layout(urls: Urls, title: str, main: Markup, bar: Markup) -> Markup:
    return TEMPLATES.render(
        "layout",
        title=title,
        static=urls.static,
        bar=bar,
        main=main,
        live=urls.live,
        live_ticket=urls.live_ticket,
    )


def _signed_in_bar(urls: Urls, csrf: str) -> Markup:
    return TEMPLATES.render("bar_signed_in", home=urls.home, logout=urls.logout, csrf=csrf)


def _time_text(iso: str) -> str:
    """A fallback for the phone's local time, which the page's script shows instead."""
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(UTC)
    return moment.strftime("%d.%m.%Y %H:%M UTC")


ATTACHMENTS_ONLY = "Вложение"
"""What stands for the text of a message sent with attachments and no text (previews, quotes)."""


def _preview(message: dict[str, Any] | None) -> str:
    if message is None:
        return "Сообщений пока нет"
    text = "Сообщение удалено" if message.get("deleted") else message["text"] or ATTACHMENTS_ONLY
    if len(text) > LAST_MESSAGE_PREVIEW_CHARS:
        text = text[: LAST_MESSAGE_PREVIEW_CHARS - 1].rstrip() + "…"
    return f"{message['author_name']}: {text}"


def _state_badge(chat: dict[str, Any]) -> Markup:
    if chat.get("call"):
        return TEMPLATES.render("call_badge", text="идёт звонок")
    if chat["archived"]:
        return TEMPLATES.render("badge", text="в архиве")
    if chat["read_only"]:
        return TEMPLATES.render("badge", text="только чтение")
    return Markup("")


def _unread_badge(count: int) -> Markup:
    return TEMPLATES.render("unread_badge", count=str(count)) if count else Markup("")


@dataclass(frozen=True)
class ReadReportView:
    """An announcement's read report, for its chat's moderators: counts and who has not read it."""

    read_count: int
    member_count: int
    not_read: Sequence[str]


def _read_report(report: ReadReportView | None) -> Markup:
    if report is None:
        return Markup("")
    people = [TEMPLATES.render("read_report_person", name=name) for name in report.not_read]
    listed = TEMPLATES.render("read_report_list", items=concat(people)) if people else Markup("")
    return TEMPLATES.render(
        "read_report",
        read_count=str(report.read_count),
        member_count=str(report.member_count),
        not_read=listed,
    )


def chat_list_page(
    urls: Urls, csrf: str, chats: Sequence[dict[str, Any]], more_href: str | None, *, may_create: bool = False
) -> Markup:
    """The chat list: each chat's kind, title, state and last message; «+ Новый чат» for teachers."""
    items = [
        TEMPLATES.render(
            "chat_item",
            href=urls.chat(chat["id"]),
            kind=KIND_LABELS.get(chat["kind"], chat["kind"]),
            badge=concat([_state_badge(chat), _unread_badge(chat.get("unread_count", 0))]),
            title=chat["title"],
            last=_preview(chat["last_message"]),
        )
        for chat in chats
    ]
    more = (
        TEMPLATES.render("more", href=more_href, id="more-chats", text="Показать ещё")
        if more_href
        else Markup("")
    )
    main = TEMPLATES.render(
        "chat_list",
        items=concat(items) if items else TEMPLATES.render("chat_list_empty"),
        more=more,
        new_chat=TEMPLATES.render("new_chat_link", href=urls.new_chat()) if may_create else Markup(""),
    )
    return _layout(urls, "Чаты", main, _signed_in_bar(urls, csrf))


@dataclass(frozen=True)
class NewChatForm:
    """What the custom-chat form shows again: its title, search, ticked people and the search's results.

    ``picked`` and ``found`` are ``{"person_id", "name", "about"}``; ``error`` is Russian.
    """

    title: str = ""
    search: str = ""
    picked: Sequence[dict[str, str]] = ()
    found: Sequence[dict[str, str]] = ()
    searched: bool = False
    error: str | None = None


def new_chat_page(urls: Urls, csrf: str, classes: Sequence[dict[str, Any]], form: NewChatForm) -> Markup:
    """A teacher's «Новый чат»: a subject chat from a scheduled class, or a chat of hand-picked people."""
    class_forms = [
        TEMPLATES.render(
            "new_chat_class",
            action=urls.new_chat("subject"),
            csrf=csrf,
            class_id=school_class["class_id"],
            title=school_class["title"],
        )
        for school_class in classes
    ]
    picked_ids = {person["person_id"] for person in form.picked}
    people = [*form.picked, *(p for p in form.found if p["person_id"] not in picked_ids)]
    ticks = [
        TEMPLATES.render(
            "new_chat_person",
            person_id=person["person_id"],
            checked=Markup(" checked") if person["person_id"] in picked_ids else Markup(""),
            name=person["name"],
            about=person["about"],
        )
        for person in people
    ]
    if not ticks:
        ticks = [
            TEMPLATES.render(
                "hint",
                text="Никого не нашли." if form.searched else "Найдите людей и отметьте, кого добавить.",
            )
        ]
    main = TEMPLATES.render(
        "new_chat",
        home=urls.home,
        error=TEMPLATES.render("manage_error", text=form.error) if form.error else Markup(""),
        classes=concat(class_forms)
        if class_forms
        else TEMPLATES.render("hint", text="Вы не ведёте уроков по расписанию в этой школе."),
        custom_action=urls.new_chat("custom"),
        csrf=csrf,
        title=form.title,
        q=form.search,
        people=concat(ticks),
    )
    return _layout(urls, "Новый чат", main, _signed_in_bar(urls, csrf))


@dataclass(frozen=True)
class Composer:
    """The send box: shown when the caller may post, else why not."""

    can_post: bool
    draft: str = ""
    error: str | None = None
    reply_to: dict[str, Any] | None = None  # the message being answered (``api.shapes.message_json``)
    # Quiet hours (chalicelib/schools): when posting opens, shown instead of the send button.
    closed: str | None = None


def new_client_msg_id() -> str:
    """A fresh idempotency key for one rendering of the send box (a resubmitted form sends it again)."""
    return "web-" + secrets.token_urlsafe(12)


def _composer(urls: Urls, csrf: str, chat: dict[str, Any], composer: Composer) -> Markup:
    error = TEMPLATES.render("composer_error", text=composer.error) if composer.error else Markup("")
    if not composer.can_post:
        reason = (
            "Чат в архиве: новые сообщения в него не пишут."
            if chat["archived"]
            else "В этом чате пишут только модераторы (режим объявлений)."
        )
        return concat([error, TEMPLATES.render("read_only", text=reason)])
    if composer.closed:  # quiet hours: when posting opens, and a refused draft kept to copy
        draft = TEMPLATES.render("closed_draft", draft=composer.draft) if composer.draft else Markup("")
        return concat([error, TEMPLATES.render("composer_closed", text=composer.closed, draft=draft)])
    answering = composer.reply_to
    reply = (
        TEMPLATES.render(
            "composer_reply",
            id=answering["id"],
            author=answering["author_name"],
            text=_excerpt(answering["text"] or ATTACHMENTS_ONLY),
            cancel=urls.chat(chat["id"]),
        )
        if answering is not None
        else Markup("")
    )
    return TEMPLATES.render(
        "composer",
        action=urls.send(chat["id"]),
        csrf=csrf,
        client_msg_id=new_client_msg_id(),
        error=error,
        reply=reply,
        draft=composer.draft,
        attach=attach_box(urls.chat(chat["id"]), urls.static),
    )


def _excerpt(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _quote(urls: Urls, chat_id: str, message: dict[str, Any], shown: dict[str, dict[str, Any]]) -> Markup:
    """What a reply answers, above its text: a link to that message (tap to jump) — on this page, or, when
    it is further back, to the page that starts at it (``?start_at=``), where it is highlighted."""
    if not message.get("reply_to"):
        return Markup("")
    quoted = shown.get(message["reply_to"])
    if quoted is None:
        target = quote(message["reply_to"], safe="")
        return TEMPLATES.render(
            "reply_quote_missing", href=f"{urls.chat(chat_id)}?start_at={target}#m-{target}"
        )
    return TEMPLATES.render(
        "reply_quote",
        id=quoted["id"],
        author=quoted["author_name"],
        text="Сообщение удалено" if quoted.get("deleted") else _excerpt(quoted["text"] or ATTACHMENTS_ONLY),
    )


def _message(
    urls: Urls,
    csrf: str,
    chat: dict[str, Any],
    message: dict[str, Any],
    me: str,
    marks: dict[str, str],
    shown: dict[str, dict[str, Any]],
    can_reply: bool,
) -> Markup:
    mine = message["author_id"] == me
    mark = marks.get(message["author_id"], "")
    author = (
        concat([escape(message["author_name"]), TEMPLATES.render("role_mark", text=mark)])
        if mark
        else escape(message["author_name"])
    )
    deletable = (
        not message.get("deleted") and not chat["archived"] and (mine or chat["my_role"] == "moderator")
    )
    actions = concat(
        [
            TEMPLATES.render(
                "reply_link",
                href=f"{urls.chat(chat['id'])}?reply={quote(message['id'], safe='')}#text",
                author=message["author_name"],
                sent_at_text=_time_text(message["sent_at"]),
            )
            if can_reply and not message.get("deleted")
            else Markup(""),
            TEMPLATES.render(
                "delete_message",
                action=urls.delete_message(chat["id"], message["id"]),
                csrf=csrf,
                author=message["author_name"],
                sent_at_text=_time_text(message["sent_at"]),
            )
            if deletable
            else Markup(""),
        ]
    )
    if message.get("deleted"):
        return TEMPLATES.render(
            "message_deleted",
            mine=" mine" if mine else "",
            id=message["id"],
            author=author,
            sent_at=message["sent_at"],
            sent_at_text=_time_text(message["sent_at"]),
        )
    return TEMPLATES.render(
        "message",
        mine=" mine" if mine else "",
        id=message["id"],
        author=author,
        quote=_quote(urls, chat["id"], message, shown),
        text=linkify(message["text"]),
        sent_at=message["sent_at"],
        sent_at_text=_time_text(message["sent_at"]),
        attachments=attachment_list(urls.chat(chat["id"]), message),
        actions=actions,
    )


def _manage(urls: Urls, csrf: str, chat: dict[str, Any], error: str | None) -> Markup:
    """A moderator's controls: rename, announcements mode, archive (subject and custom chats), members."""
    shown_error = TEMPLATES.render("manage_error", text=error) if error else Markup("")
    if chat["my_role"] != "moderator" or chat["archived"]:
        return shown_error
    archive = (
        TEMPLATES.render("manage_archive", action=urls.archive(chat["id"]), csrf=csrf)
        if chat["kind"] in HAND_MANAGED_KINDS
        else Markup("")
    )
    return concat(
        [
            shown_error,
            TEMPLATES.render(
                "manage",
                settings_action=urls.chat_settings(chat["id"]),
                csrf=csrf,
                title=chat["title"],
                announcements_checked=Markup(" checked") if chat["read_only"] else Markup(""),
                archive=archive,
                members_href=urls.members(chat["id"]),
                member_count=chat["member_count"],
            ),
        ]
    )


def chat_page(
    urls: Urls,
    csrf: str,
    me: str,
    chat: dict[str, Any],
    newest_first: Sequence[dict[str, Any]],
    older_href: str | None,
    showing_older: bool,
    composer: Composer,
    call_action: str | None = None,
    first_unread: str | None = None,
    reads: ReadReportView | None = None,
    manage_error: str | None = None,
    members: Sequence[dict[str, Any]] = (),
    open_action: str | None = None,
) -> Markup:
    """A chat: a page of its messages (oldest at the top), "load older", and the send box.

    ``open_action``: where the class teacher's «Открыть чат» posts (teacher first), or None.

    ``call_action`` is ``start`` («Позвонить») or ``join`` («Присоединиться к звонку»), or None.
    A «Новые сообщения» divider stands before ``first_unread`` (a message id);
    ``reads`` is the newest announcement's read report (moderators only).
    Moderators also get the chat's controls and «Удалить» under every message;
    ``manage_error`` says in Russian why their last action was refused.
    """
    marks = {member["person_id"]: role_mark(member, chat["kind"]) for member in members}
    shown = {message["id"]: message for message in newest_first}
    messages: list[Markup] = []
    for message in reversed(newest_first):
        if message["id"] == first_unread:
            messages.append(TEMPLATES.render("new_divider"))
        messages.append(_message(urls, csrf, chat, message, me, marks, shown, composer.can_post))
    older = (
        TEMPLATES.render("more", href=older_href, id="older", text="Загрузить более ранние")
        if older_href
        else Markup("")
    )
    newer = (
        TEMPLATES.render("more", href=urls.chat(chat["id"]), id="newest", text="К последним сообщениям")
        if showing_older
        else Markup("")
    )
    main = TEMPLATES.render(
        "chat",
        home=urls.home,
        title=chat["title"],
        kind=KIND_LABELS.get(chat["kind"], chat["kind"]),
        member_count=chat["member_count"],
        badge=concat([escape(" · "), _state_badge(chat)]) if chat["read_only"] else Markup(""),
        call=_call_button(urls, chat["id"], call_action),
        manage=_manage(urls, csrf, chat, manage_error),
        opening=TEMPLATES.render("open_chat", action=open_action, csrf=csrf) if open_action else Markup(""),
        older=older,
        messages=concat(messages) if messages else TEMPLATES.render("no_messages"),
        newer=newer,
        reads=_read_report(reads),
        composer=_composer(urls, csrf, chat, composer),
    )
    return _layout(urls, chat["title"], main, _signed_in_bar(urls, csrf))


def qr_confirm_page(urls: Urls, action: str, name: str, current: str | None) -> Markup:
    """The page a QR link opens: whose chats it signs in to, one «Продолжить» button (its POST redeems).

    ``current``: the name of someone else this browser is signed in as, who
    would be signed out (said before it happens).
    """
    replacing = TEMPLATES.render("qr_replacing", current=current) if current else Markup("")
    main = TEMPLATES.render("qr_confirm", name=name, action=action, replacing=replacing)
    return _layout(urls, "Вход", main, TEMPLATES.render("bar_signed_out"))


CALL_BUTTONS = {"start": "Позвонить", "join": "Присоединиться к звонку"}


def _call_button(urls: Urls, chat_id: str, action: str | None) -> Markup:
    if action not in CALL_BUTTONS:
        return Markup("")
    return TEMPLATES.render("call_button", href=urls.call(chat_id), text=CALL_BUTTONS[action])


def call_page(
    urls: Urls,
    csrf: str,
    me: str,
    chat: dict[str, Any],
    provider: str,
    moderator: bool,
    scripts: Sequence[str],
) -> Markup:
    """A chat's call screen: the video tiles, microphone, camera, leave, and «Завершить для всех» for
    moderators. Its script (``call.js``, or the Chime SDK's) joins through the page's JSON endpoints."""
    chat_id = chat["id"]
    main = TEMPLATES.render(
        "call",
        me=me,
        csrf=csrf,
        provider=provider,
        join_url=urls.call(chat_id, "join"),
        poll_url=urls.call(chat_id, "poll"),
        signals_url=urls.call(chat_id, "signals"),
        leave_url=urls.call(chat_id, "leave"),
        end_url=urls.call(chat_id, "end"),
        chat_url=urls.chat(chat_id),
        title=chat["title"],
        end_button=TEMPLATES.render("call_end_button") if moderator else Markup(""),
        scripts=concat([TEMPLATES.render("script", src=f"{urls.static}/{name}") for name in scripts]),
    )
    return _layout(urls, f"Звонок · {chat['title']}", main, _signed_in_bar(urls, csrf))


def members_page(
    urls: Urls, csrf: str, chat: dict[str, Any], members: Sequence[dict[str, Any]], more_href: str | None
) -> Markup:
    """A chat's members: each person's name as the school knows it and what they are there
    («мама Козлова Артёма, 5А»; the chat's own mark when the roster no longer has them)."""
    items = [
        TEMPLATES.render(
            "member_item",
            name=member.get("full_name") or member["name"],
            role=(
                member.get("about")
                or role_mark(member, chat["kind"])
                or ROLE_LABELS.get(member["role"], member["role"])
            )
            + (", модератор" if member["chat_role"] == "moderator" else ""),
        )
        for member in members
    ]
    more = (
        TEMPLATES.render("more", href=more_href, id="more-members", text="Показать ещё")
        if more_href
        else Markup("")
    )
    main = TEMPLATES.render(
        "members",
        back=urls.chat(chat["id"]),
        title=chat["title"],
        member_count=chat["member_count"],
        items=concat(items),
        more=more,
    )
    return _layout(urls, f"Участники — {chat['title']}", main, _signed_in_bar(urls, csrf))


def notice_page(urls: Urls, heading: str, text: str) -> Markup:
    """A page with one message and no session: signed out, an expired link, an error."""
    main = TEMPLATES.render("notice", heading=heading, text=text)
    return _layout(urls, heading, main, TEMPLATES.render("bar_signed_out"))
