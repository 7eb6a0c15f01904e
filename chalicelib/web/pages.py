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
from chalicelib.web.render import Markup, Templates, concat, escape

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


@dataclass(frozen=True)
class Urls:
    """Where the hosted page lives: ``base`` is the public URL's path (``/api`` on API Gateway)."""

    base: str

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


def _layout(urls: Urls, title: str, main: Markup, bar: Markup) -> Markup:
    return TEMPLATES.render("layout", title=title, static=urls.static, bar=bar, main=main)


def _signed_in_bar(urls: Urls, csrf: str) -> Markup:
    return TEMPLATES.render("bar_signed_in", home=urls.home, logout=urls.logout, csrf=csrf)


def _time_text(iso: str) -> str:
    """A fallback for the phone's local time, which the page's script shows instead."""
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(UTC)
    return moment.strftime("%d.%m.%Y %H:%M UTC")


def _preview(message: dict[str, Any] | None) -> str:
    if message is None:
        return "Сообщений пока нет"
    text = "Сообщение удалено" if message.get("deleted") else message["text"]
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


def chat_list_page(urls: Urls, csrf: str, chats: Sequence[dict[str, Any]], more_href: str | None) -> Markup:
    """The chat list: each chat's kind, title, state and last message."""
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
        "chat_list", items=concat(items) if items else TEMPLATES.render("chat_list_empty"), more=more
    )
    return _layout(urls, "Чаты", main, _signed_in_bar(urls, csrf))


@dataclass(frozen=True)
class Composer:
    """The send box: shown when the caller may post, else why not."""

    can_post: bool
    draft: str = ""
    error: str | None = None


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
    return TEMPLATES.render(
        "composer",
        action=urls.send(chat["id"]),
        csrf=csrf,
        client_msg_id=new_client_msg_id(),
        error=error,
        draft=composer.draft,
        attach=attach_box(urls.chat(chat["id"]), urls.static),
    )


def _message(message: dict[str, Any], me: str, urls: Urls | None = None) -> Markup:
    return TEMPLATES.render(
        "message_deleted" if message.get("deleted") else "message",
        mine=" mine" if message["author_id"] == me else "",
        id=message["id"],
        author=message["author_name"],
        text=message["text"],
        sent_at=message["sent_at"],
        sent_at_text=_time_text(message["sent_at"]),
        attachments=Markup("") if urls is None else attachment_list(urls.chat(message["chat_id"]), message),
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
) -> Markup:
    """A chat: a page of its messages (oldest at the top), "load older", and the send box.

    ``call_action`` is ``start`` («Позвонить») or ``join`` («Присоединиться к звонку»), or None.
    A «Новые сообщения» divider stands before ``first_unread`` (a message id);
    ``reads`` is the newest announcement's read report (moderators only).
    """
    messages: list[Markup] = []
    for message in reversed(newest_first):
        if message["id"] == first_unread:
            messages.append(TEMPLATES.render("new_divider"))
        messages.append(_message(message, me, urls))
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


def notice_page(urls: Urls, heading: str, text: str) -> Markup:
    """A page with one message and no session: signed out, an expired link, an error."""
    main = TEMPLATES.render("notice", heading=heading, text=text)
    return _layout(urls, heading, main, TEMPLATES.render("bar_signed_out"))
