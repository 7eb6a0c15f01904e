"""Every screen, as people use them (issue #15): accessible (axe-core), big enough to tap, readable.

The journal runs at 1280 px, the phone at 360 px. On every screen axe-core
(vendored, see tests/browser/vendor/) must find no serious or critical
violation — colour contrast of 4.5:1 included — and on the phone every
control is at least 44×44 px. Screenshots go to ``test-output/browser/``
(``screens-*.png``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.browser.accessibility import assert_accessible, small_targets, violations
from tests.browser.support import (
    DESKTOP_VIEWPORT,
    PASSWORD,
    assert_fits_phone,
    demo_headers,
    phone_signed_in,
    watch_errors,
)
from tests.identity_support import last_code, unique_phone
from tests.local_stack import Stack

pytestmark = [pytest.mark.browser, pytest.mark.emulator]


def _api(api: str, person_id: str, method: str, path: str, body: Any = None) -> requests.Response:
    return requests.request(
        method, f"{api}{path}", json=body, headers=demo_headers(api, person_id), timeout=10
    )


class Screens:
    """Checks one screen: axe, then a screenshot named after it."""

    def __init__(self, shots: Path) -> None:
        self.shots = shots

    def check(self, page: Any, name: str, *, phone: bool = False) -> None:
        """No serious/critical axe finding; on the phone, no control under 44×44 px; a screenshot."""
        page.screenshot(path=str(self.shots / f"screens-{name}.png"), full_page=phone)
        assert_accessible(page, name)
        if phone:
            assert small_targets(page) == [], name
            assert_fits_phone(page, name)


@pytest.fixture(scope="module")
def journal(browser: Any, stack: Stack, screenshots: Path) -> Iterator[tuple[Any, list[str]]]:
    """The demo journal, signed in as the class teacher of 5А and linked, on its Chats screen.

    Each screen of the way there is checked on the way.
    """
    from playwright.sync_api import expect

    api, emulator = stack.ready["api"], stack.ready["emulator"]
    screens = Screens(screenshots)
    context = browser.new_context(viewport=DESKTOP_VIEWPORT, locale="ru-RU")
    page = context.new_page()
    errors = watch_errors(page)
    page.goto(f"{api}/demo")
    screens.check(page, "journal-01-sign-in")
    page.select_option("#user", "t-ivanova")
    page.click("#sign-in-button")
    expect(page.locator("#home")).to_contain_text("Иванова Мария Петровна")
    screens.check(page, "journal-02-home")
    page.click("#chats-button")
    expect(page.locator("#link-phone")).to_be_visible()
    screens.check(page, "journal-03-link-phone")
    number = unique_phone()
    page.fill("#phone", number)
    page.get_by_role("button", name="Продолжить").click()
    expect(page.locator("#link-password")).to_be_visible()
    screens.check(page, "journal-04-link-password")
    page.click("#register")
    expect(page.locator("#link-register")).to_be_visible()
    screens.check(page, "journal-05-link-register")
    page.fill("#new-password", PASSWORD)
    page.get_by_role("button", name="Продолжить").click()
    # Hashing the password and checking it against common ones is slow on a loaded 2-core machine.
    expect(page.locator("#link-code")).to_be_visible(timeout=30_000)
    screens.check(page, "journal-06-link-code")
    page.fill("#code", last_code(emulator, number))
    page.get_by_role("button", name="Подтвердить").click()
    expect(page.locator("#link-create")).to_be_visible()
    screens.check(page, "journal-07-link-create-profile")
    # Pre-filled with the journal's name for the person, patronymic included.
    assert [page.input_value(f) for f in ("#last-name", "#first-name", "#patronymic")] == [
        "Иванова",
        "Мария",
        "Петровна",
    ]
    page.fill("#last-name", "Иванова")
    page.fill("#first-name", "Мария")
    page.fill("#patronymic", "Петровна")
    page.fill("#birth-date", "1984-03-14")
    page.get_by_role("button", name="Создать учебный профиль").click()
    expect(page.locator("#link-choose")).to_be_visible()
    screens.check(page, "journal-08-link-choose-profile")
    page.click("#continue-profile")
    expect(page.locator("#chat-list")).to_contain_text("5А — родители", timeout=15_000)
    yield page, errors
    context.close()


def _chat_id(api: str, title: str, person_id: str = "t-ivanova") -> str:
    chats = _api(api, person_id, "GET", "/v1/chats?limit=100").json()["items"]
    return next(chat["id"] for chat in chats if chat["title"] == title)


def test_every_journal_screen_is_accessible_with_days_and_one_time_format(
    journal: tuple[Any, list[str]], stack: Stack, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    page, errors = journal
    api = stack.ready["api"]
    screens = Screens(screenshots)
    screens.check(page, "journal-09-chats")
    path = f"/v1/chats/{_chat_id(api, '5А')}/messages"
    sent = _api(api, "t-ivanova", "POST", path, {"text": "Доброе утро"})
    assert sent.status_code == 201, sent.text
    page.locator("#chat-list button", has_text=re.compile(r"^Класс5А")).click()
    expect(page.locator("#chat-messages")).to_contain_text("Доброе утро")
    expect(page.locator("#chat-messages .day").first).to_have_text("Сегодня")
    times = page.locator("#chat-messages .message time").all_text_contents()
    assert times and all(re.fullmatch(r"\d\d:\d\d", t) for t in times), times
    screens.check(page, "journal-10-chat-open")
    assert errors == []


def test_every_phone_screen_is_accessible_and_big_enough_to_tap(
    browser: Any, journal: tuple[Any, list[str]], stack: Stack, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    api = stack.ready["api"]
    screens = Screens(screenshots)
    phone, errors, _ = phone_signed_in(browser, api, demo_headers(api, "t-ivanova"))
    expect(phone.locator("#chats")).to_contain_text("Учительская")
    screens.check(phone, "phone-01-chat-list", phone=True)

    chat_id = _chat_id(api, "5А")
    phone.goto(f"{api}/m/chats/{chat_id}")
    # The message box has a label one can see, not only a screen reader.
    label = phone.locator("label[for=text]")
    expect(label).to_have_text("Сообщение")
    box = label.bounding_box()
    assert box is not None and box["width"] > 40 and box["height"] > 10
    phone.fill("#text", "Напоминаю про сменную обувь")
    phone.get_by_role("button", name="Отправить").click()
    expect(phone.locator("#messages .message.mine .text").last).to_have_text("Напоминаю про сменную обувь")
    expect(phone.locator("#messages .day").first).to_have_text("Сегодня")
    times = phone.locator("#messages .message time").all_text_contents()
    assert times and all(re.fullmatch(r"\d\d:\d\d", t) for t in times), times
    screens.check(phone, "phone-02-chat", phone=True)

    # The composer's error, in Russian, on an empty message sent without the browser's check.
    phone.evaluate("document.getElementById('text').removeAttribute('required')")
    phone.fill("#text", "   ")
    phone.get_by_role("button", name="Отправить").click()
    expect(phone.locator("#composer .error")).to_be_visible()
    screens.check(phone, "phone-03-chat-error", phone=True)

    phone.get_by_role("button", name="Выйти").click()
    expect(phone.locator("body")).to_contain_text("Вы не вошли")
    screens.check(phone, "phone-05-signed-out", phone=True)
    # The 422 of the empty message and the 401 of the signed-out page are the only failed loads.
    assert [e for e in errors if not e.startswith("Failed to load resource")] == []


def test_day_separators_read_today_yesterday_and_a_date(
    journal: tuple[Any, list[str]],
) -> None:
    page, _ = journal
    days = page.evaluate(
        """() => {
          const now = new Date(2026, 10, 29, 10, 0);
          const when = window.SchoolChatsWhen;
          return [
            when.dayText(new Date(2026, 10, 29, 0, 5), now),
            when.dayText(new Date(2026, 10, 28, 23, 59), now),
            when.dayText(new Date(2026, 2, 12, 9, 0), now),
            when.dayText(new Date(2025, 11, 31, 9, 0), now),
            when.timeText(new Date(2026, 2, 12, 9, 5)),
          ];
        }"""
    )
    assert days == ["Сегодня", "Вчера", "12 марта", "31 декабря 2025", "09:05"]


def test_the_checker_can_fail(journal: tuple[Any, list[str]]) -> None:
    """The journal's old grey (#7b8794, 3.6:1 on white) is what axe reports; a 20-px button is too small."""
    page, _ = journal
    page.evaluate(
        """() => {
          const p = document.createElement("p");
          p.id = "grey"; p.textContent = "Серый текст"; p.style.color = "#7b8794";
          const b = document.createElement("button");
          b.id = "tiny"; b.textContent = "x"; b.style.width = "20px"; b.style.height = "20px";
          document.body.append(p, b);
        }"""
    )
    try:
        assert "color-contrast" in [v["id"] for v in violations(page)]
        assert any(t.startswith("button#tiny") for t in small_targets(page))
    finally:
        page.evaluate("() => ['grey', 'tiny'].forEach(id => document.getElementById(id).remove())")


def _in_view(page: Any, selector: str) -> bool:
    """The element is inside the window and inside its scrolling list, with no scrolling by the reader."""
    seen: bool = page.evaluate(
        """(selector) => {
          const node = document.querySelector(selector);
          const box = node.getBoundingClientRect();
          const list = node.closest(".messages").getBoundingClientRect();
          return box.top >= 0 && box.bottom <= window.innerHeight
              && box.top >= list.top - 1 && box.bottom <= list.bottom + 1;
        }""",
        selector,
    )
    return seen


def test_the_journal_writes_and_loads_earlier_messages_newest_in_view(
    journal: tuple[Any, list[str]], stack: Stack, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    page, errors = journal
    api = stack.ready["api"]
    staff_room = _chat_id(api, "Учительская")
    messages = f"/v1/chats/{staff_room}/messages"
    for n in range(35):
        sent = _api(api, "t-ivanova", "POST", messages, {"text": f"Сообщение {n:02}"})
        assert sent.status_code == 201, sent.text

    page.locator("#chat-list button", has_text="Учительская").click()
    expect(page.locator("#chat-title")).to_have_text("Учительская")
    expect(page.locator("#chat-messages .message")).to_have_count(30)
    expect(page.locator("#chat-messages .message .text").last).to_have_text("Сообщение 34")
    assert _in_view(page, "#chat-messages .message:last-of-type")
    expect(page.locator("#journal-composer label[for=journal-text]")).to_have_text("Сообщение")
    Screens(screenshots).check(page, "journal-11-chat-newest-in-view")

    page.get_by_role("button", name="Загрузить более ранние").click()
    expect(page.locator("#chat-messages .message")).to_have_count(35)
    expect(page.locator("#chat-messages .message .text").first).to_have_text("Сообщение 00")
    expect(page.locator("#journal-older")).to_have_count(0)

    # Empty: said in Russian, nothing sent.
    page.fill("#journal-text", "   ")
    page.get_by_role("button", name="Отправить").click()
    expect(page.locator("#journal-send-error")).to_have_text("Напишите сообщение.")

    page.fill("#journal-text", "Педсовет в 15:00, кабинет 12")
    page.get_by_role("button", name="Отправить").click()
    expect(page.locator("#chat-messages .message .text").last).to_have_text("Педсовет в 15:00, кабинет 12")
    expect(page.locator("#journal-text")).to_have_value("")
    assert _in_view(page, "#chat-messages .message:last-of-type")
    # Earlier messages stay loaded through the journal's refresh, and the post is in the API once.
    page.wait_for_timeout(5500)
    expect(page.locator("#chat-messages .message")).to_have_count(36)
    texts = [m["text"] for m in _api(api, "t-ivanova", "GET", messages).json()["items"]]
    assert texts.count("Педсовет в 15:00, кабинет 12") == 1
    expect(page.locator("#chat-list")).to_contain_text("Педсовет в 15:00")
    Screens(screenshots).check(page, "journal-12-chat-sent")
    assert errors == []


def test_a_teacher_runs_the_chat_from_the_phone(
    browser: Any, journal: tuple[Any, list[str]], stack: Stack, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    api = stack.ready["api"]
    screens = Screens(screenshots)
    phone, errors, _ = phone_signed_in(browser, api, demo_headers(api, "t-ivanova"))
    parents = _chat_id(api, "5А — родители")
    sent = _api(api, "t-ivanova", "POST", f"/v1/chats/{parents}/messages", {"text": "Ошибочное сообщение"})
    assert sent.status_code == 201, sent.text
    linked = _api(
        api, "t-ivanova", "POST", f"/v1/chats/{parents}/messages", {"text": "См. https://school.example/p"}
    )
    assert linked.ok
    phone.goto(f"{api}/m/chats/{parents}")
    link = phone.locator("#messages a", has_text="https://school.example/p")
    assert (link.get_attribute("href"), link.get_attribute("rel"), link.get_attribute("target")) == (
        "https://school.example/p",
        "noopener noreferrer",
        "_blank",
    )
    class_teacher = "Иванова Мария Петровна · классный руководитель"
    expect(phone.locator("#messages .message .author").first).to_have_text(class_teacher)
    phone.get_by_text("Управление чатом").click()
    expect(phone.locator("#chat-title-input")).to_have_value("5А — родители")
    screens.check(phone, "phone-06-manage-open", phone=True)

    phone.fill("#chat-title-input", "5А — родители (объявления)")
    phone.locator("#announcements").check()
    phone.get_by_role("button", name="Сохранить").click()
    expect(phone.locator("h1")).to_have_text("5А — родители (объявления)")
    expect(phone.locator(".meta")).to_contain_text("только чтение")
    chat = _api(api, "t-ivanova", "GET", f"/v1/chats/{parents}").json()
    assert chat["read_only"] is True and chat["title"] == "5А — родители (объявления)"

    # A refusal is said in Russian: an empty title.
    phone.get_by_text("Управление чатом").click()
    phone.evaluate("document.getElementById('chat-title-input').removeAttribute('required')")
    phone.fill("#chat-title-input", " ")
    phone.get_by_role("button", name="Сохранить").click()
    expect(phone.locator("#manage-error")).to_contain_text("название не может быть пустым")
    screens.check(phone, "phone-07-manage-refused", phone=True)

    message = phone.locator("#messages li.message", has_text="Ошибочное сообщение")
    message.get_by_role("button", name=re.compile("^Удалить сообщение")).click()
    expect(phone.locator("#messages li.message.deleted .text")).to_have_text("Сообщение удалено")
    screens.check(phone, "phone-08-message-deleted", phone=True)

    phone.get_by_text("Управление чатом").click()
    phone.click("#members-link")
    expect(phone.locator("h1")).to_have_text("Участники")
    expect(phone.locator("#members")).to_contain_text("Иванова Мария Петровна")
    expect(phone.locator("#members")).to_contain_text("классный руководитель 5А, модератор")
    # Parents say whose parents they are.
    expect(phone.locator("#members")).to_contain_text("мама Орлова Петра (5А) и Орловой Веры (6А)")
    screens.check(phone, "phone-09-members", phone=True)
    assert [e for e in errors if not e.startswith("Failed to load resource")] == []


def test_a_teacher_runs_the_chat_from_the_journal(
    journal: tuple[Any, list[str]], stack: Stack, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    page, errors = journal
    api = stack.ready["api"]
    class_chat = _chat_id(api, "5А")
    sent = _api(api, "t-ivanova", "POST", f"/v1/chats/{class_chat}/messages", {"text": "Удалю это"})
    assert sent.status_code == 201, sent.text
    page.locator("#chat-list button", has_text=re.compile(r"^Класс5А")).click()
    expect(page.locator("#chat-title")).to_have_text("5А")
    page.get_by_text("Управление чатом").click()
    expect(page.locator("#journal-chat-title")).to_have_value("5А")
    Screens(screenshots).check(page, "journal-13-manage-open")

    page.fill("#journal-chat-title", "")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.locator("#journal-manage-error")).to_have_text(
        "Не сохранено: название не может быть пустым или длиннее 200 символов."
    )
    page.fill("#journal-chat-title", "5А — классный чат")
    page.locator("#journal-announcements").check()
    page.get_by_role("button", name="Сохранить").click()
    expect(page.locator("#chat-title")).to_have_text("5А — классный чат")
    expect(page.locator("#chat-meta")).to_contain_text("только чтение")
    chat = _api(api, "t-ivanova", "GET", f"/v1/chats/{class_chat}").json()
    assert chat["title"] == "5А — классный чат" and chat["read_only"] is True

    # Addresses in messages are links that open apart from the journal; javascript: is not.
    link_text = "Материалы: https://school.example/5a?x=1. И javascript:alert(1)"
    assert _api(api, "t-ivanova", "POST", f"/v1/chats/{class_chat}/messages", {"text": link_text}).ok
    link = page.locator("#chat-messages .message a", has_text="https://school.example/5a?x=1")
    expect(link).to_have_attribute("href", "https://school.example/5a?x=1", timeout=10_000)
    assert (link.get_attribute("rel"), link.get_attribute("target")) == ("noopener noreferrer", "_blank")
    expect(page.locator("#chat-messages .message a")).to_have_count(1)

    # Who is writing: the class teacher is marked as such, in the journal and on the phone.
    expect(page.locator("#chat-messages .message .author").first).to_have_text(
        "Иванова Мария Петровна · классный руководитель"
    )

    message = page.locator("#chat-messages .message", has_text="Удалю это")
    message.get_by_role("button", name=re.compile("^Удалить сообщение")).click()
    expect(page.locator(f"#m-{sent.json()['id']} .text")).to_have_text("Сообщение удалено")
    Screens(screenshots).check(page, "journal-14-manage-done")
    # The refused empty title's 422 is the one failed load.
    assert [e for e in errors if not e.startswith("Failed to load resource")] == []


def test_a_teacher_makes_a_subject_chat_and_a_chat_of_picked_people_on_the_phone(
    browser: Any, journal: tuple[Any, list[str]], stack: Stack, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    api = stack.ready["api"]
    screens = Screens(screenshots)
    phone, errors, _ = phone_signed_in(browser, api, demo_headers(api, "t-ivanova"))
    phone.get_by_role("link", name="+ Новый чат").click()
    expect(phone.locator("h1")).to_have_text("Новый чат")
    screens.check(phone, "phone-10-new-chat", phone=True)

    # A refusal names the field, in Russian, and keeps the ticks.
    phone.fill("#people-search", "5А")
    phone.get_by_role("button", name="Найти").click()
    expect(phone.locator("#people")).to_contain_text("мама Орлова Петра (5А) и Орловой Веры (6А)")
    phone.get_by_label(re.compile("^Орлова Наталья Викторовна")).check()
    phone.get_by_label(re.compile("^Орлов Пётр")).check()
    screens.check(phone, "phone-11-new-chat-found", phone=True)
    phone.get_by_role("button", name="Создать чат", exact=True).click()
    expect(phone.locator("#manage-error")).to_have_text("Название чата: введите от 1 до 200 символов.")
    expect(phone.get_by_label(re.compile("^Орлов Пётр"))).to_be_checked()
    screens.check(phone, "phone-12-new-chat-refused", phone=True)

    phone.fill("#custom-title", "Олимпиада по математике")
    phone.get_by_role("button", name="Создать чат", exact=True).click()
    expect(phone.locator("h1")).to_have_text("Олимпиада по математике")
    expect(phone.locator(".meta")).to_contain_text("участников: 3")

    # «Ответить»: the reply quotes the message it answers, and the quote jumps to it.
    made = _chat_id(api, "Олимпиада по математике")
    asked = _api(api, "t-ivanova", "POST", f"/v1/chats/{made}/messages", {"text": "Какие задачи будут?"})
    assert asked.status_code == 201, asked.text
    phone.reload()
    asked_id = asked.json()["id"]
    phone.locator(f"#m-{asked_id}").get_by_role("link", name=re.compile("^Ответить на сообщение")).click()
    expect(phone.locator("#reply-to")).to_contain_text("Какие задачи будут?")
    screens.check(phone, "phone-14-reply", phone=True)
    phone.fill("#text", "Из сборника, с 1 по 10")
    phone.get_by_role("button", name="Отправить").click()
    answer = phone.locator("#messages li.message", has_text="Из сборника, с 1 по 10")
    expect(answer.locator(".quote")).to_contain_text("Какие задачи будут?")
    answer.locator(".quote").click()
    expect(phone).to_have_url(re.compile(f"#m-{asked_id}$"))
    screens.check(phone, "phone-15-replied", phone=True)

    phone.get_by_role("link", name="← Все чаты").click()
    phone.get_by_role("link", name="+ Новый чат").click()
    phone.get_by_role("button", name="Создать чат «Математика 5А»").click()
    expect(phone.locator("h1")).to_have_text("Математика 5А")
    screens.check(phone, "phone-13-subject-chat", phone=True)
    assert [e for e in errors if not e.startswith("Failed to load resource")] == []


def test_a_teacher_makes_a_chat_sees_who_is_in_it_and_replies_in_the_journal(
    journal: tuple[Any, list[str]], stack: Stack, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    page, errors = journal
    api = stack.ready["api"]
    screens = Screens(screenshots)
    page.click("#journal-new-chat")
    expect(page.locator("#chat-title")).to_have_text("Новый чат")
    expect(page.get_by_role("button", name="Создать чат «Математика 5А»")).to_be_visible()
    page.fill("#journal-people-search", "Орлов")
    page.click("#journal-people-find")
    expect(page.locator("#journal-people")).to_contain_text("мама Орлова Петра (5А) и Орловой Веры (6А)")
    page.get_by_label(re.compile("^Орлова Наталья Викторовна")).check()
    page.get_by_label(re.compile("^Орлов Пётр")).check()
    screens.check(page, "journal-15-new-chat")
    page.click("#journal-create-custom")
    expect(page.locator("#journal-new-chat-error")).to_have_text(
        "Название чата: введите от 1 до 200 символов."
    )
    page.fill("#journal-custom-title", "Экскурсия 12 мая")
    page.click("#journal-create-custom")
    expect(page.locator("#chat-title")).to_have_text("Экскурсия 12 мая")
    expect(page.locator("#chat-list")).to_contain_text("Экскурсия 12 мая")

    # Who is in it, as the school knows them.
    page.click("#journal-members-button")
    members = page.locator("#journal-members")
    expect(members).to_contain_text("Иванова Мария Петровна")
    expect(members).to_contain_text("мама Орлова Петра (5А) и Орловой Веры (6А)")
    expect(members).to_contain_text("ученик 5А")
    screens.check(page, "journal-16-members")

    # A reply quotes the message it answers; the quote jumps to it.
    chat_id = _chat_id(api, "Экскурсия 12 мая")
    asked = _api(api, "t-ivanova", "POST", f"/v1/chats/{chat_id}/messages", {"text": "Во сколько сбор?"})
    assert asked.status_code == 201, asked.text
    message = page.locator(f"#m-{asked.json()['id']}")
    expect(message).to_be_visible(timeout=15_000)
    message.get_by_role("button", name=re.compile("^Ответить на сообщение")).click()
    expect(page.locator("#journal-reply-to")).to_contain_text("Во сколько сбор?")
    page.fill("#journal-text", "В 8:30 у школы")
    page.get_by_role("button", name="Отправить").click()
    answer = page.locator("#chat-messages .message", has_text="В 8:30 у школы")
    expect(answer.locator(".quote")).to_contain_text("Во сколько сбор?")
    expect(page.locator("#journal-reply-to")).to_be_hidden()
    sent = _api(api, "t-ivanova", "GET", f"/v1/chats/{chat_id}/messages?limit=5").json()["items"]
    assert sent[0]["text"] == "В 8:30 у школы" and sent[0]["reply_to"] == asked.json()["id"]
    answer.locator(".quote").click()
    expect(message).to_be_focused()
    screens.check(page, "journal-17-reply")
    # The empty title's 422 is the one failed load.
    assert [e for e in errors if not e.startswith("Failed to load resource")] == []


def test_the_first_time_path_asks_about_an_account_and_offers_a_reset(
    browser: Any, stack: Stack, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    api, emulator = stack.ready["api"], stack.ready["emulator"]
    screens = Screens(screenshots)
    page = browser.new_context(viewport=DESKTOP_VIEWPORT, locale="ru-RU").new_page()
    errors = watch_errors(page)
    page.goto(f"{api}/demo")
    page.select_option("#user", "t-volkov")
    page.click("#sign-in-button")
    page.click("#chats-button")
    expect(page.locator("#has-account legend")).to_have_text("Есть аккаунт мессенджера?")
    expect(page.get_by_label("Да, войти по паролю")).to_be_checked()
    screens.check(page, "journal-18-first-time-choice")

    # «Нет, создать аккаунт» goes straight to choosing a password; the number is shown checkably.
    number = unique_phone()
    page.fill("#phone", number)
    page.get_by_label("Нет, создать аккаунт").check()
    page.get_by_role("button", name="Продолжить").click()
    expect(page.locator("#link-register")).to_contain_text(f"+7 {number[2:5]} ***-**-{number[-2:]}")
    page.fill("#new-password", "password1")
    page.get_by_role("button", name="Продолжить").click()
    expect(page.locator("#error")).to_have_text(
        "Пароль слишком простой: выберите такой, который труднее угадать.", timeout=30_000
    )
    screens.check(page, "journal-19-password-too-simple")

    # Another visit, «Да»: the password screen offers «Забыли пароль?», which leads to a new password.
    page.click("#chats-button")
    page.fill("#phone", number)
    page.get_by_role("button", name="Продолжить").click()
    expect(page.locator("#link-password")).to_be_visible()
    page.get_by_role("button", name="Забыли пароль?").click()
    expect(page.locator("#link-reset h1")).to_have_text("Новый пароль")
    screens.check(page, "journal-20-reset-password")
    page.fill("#new-password", PASSWORD)
    page.get_by_role("button", name="Продолжить").click()
    expect(page.locator("#link-code")).to_contain_text(
        f"Код отправлен на номер +7 {number[2:5]} ***-**-{number[-2:]}", timeout=30_000
    )
    page.fill("#code", last_code(emulator, number))
    page.get_by_role("button", name="Подтвердить").click()
    expect(page.locator("#link-create")).to_be_visible()
    # The profile form starts from the journal's own name for the person, patronymic included.
    assert [page.input_value(f) for f in ("#last-name", "#first-name", "#patronymic")] == [
        "Волков",
        "Дмитрий",
        "Андреевич",
    ]
    page.fill("#birth-date", "2090-01-01")
    page.get_by_role("button", name="Создать учебный профиль").click()
    expect(page.locator("#error")).to_have_text("Дата рождения не может быть в будущем.")
    screens.check(page, "journal-21-profile-refused")
    # The refused password's and birth date's 422s are the only failed loads.
    assert [e for e in errors if not e.startswith("Failed to load resource")] == []
