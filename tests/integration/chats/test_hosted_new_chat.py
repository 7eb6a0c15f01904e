"""The hosted page's «Новый чат» (issue #15): a teacher makes a subject chat or a chat of picked people.

Form posts with the session's CSRF token through the same rules as
``POST /v1/chats``; a refusal shows the form again, in Russian, ticks kept,
and makes nothing.
"""

from __future__ import annotations

import pytest

from chalicelib.clock import MovableClock
from chalicelib.planning.model import ChatKind, roster_chat_id
from tests.integration.chats.phone import Phone
from tests.integration.chats.world import SCHOOL, World

pytestmark = [pytest.mark.emulator, pytest.mark.usefixtures("phone_answers_documented")]


def _phone(person_id: str, world: World, clock: MovableClock) -> Phone:
    clock.advance(seconds=1)
    signed_in = Phone(world.api)
    signed_in.scan(person_id)
    return signed_in


def _titles(world: World, who: str) -> set[str]:
    return {chat["title"] for chat in world.get(who, "/v1/chats?limit=100").body["items"]}


def test_a_teacher_opens_the_subject_chat_of_a_class_they_teach(world: World, clock: MovableClock) -> None:
    teacher = _phone("t-math", world, clock)
    home = teacher.open("/m/chats")
    assert home.link("new-chat-link") == "/m/chats/new"
    page = teacher.open("/m/chats/new")
    assert page.status == 200 and "Создать чат «Математика 5А»" in page.html
    made = teacher.post_form("/m/chats/new/subject", {"csrf": home.field("csrf"), "class_id": "math-5a"})
    assert made.status == 303
    assert made.headers["Location"] == f"/m/chats/{roster_chat_id(SCHOOL, ChatKind.SUBJECT, 'math-5a')}"

    # A class they do not teach: refused in Russian, nothing made.
    refused = teacher.post_form("/m/chats/new/subject", {"csrf": home.field("csrf"), "class_id": "5a"})
    assert refused.status == 422 and "Класс: такого урока по расписанию в школе нет." in refused.html


def test_a_teacher_finds_people_ticks_them_and_makes_a_custom_chat(world: World, clock: MovableClock) -> None:
    teacher = _phone("t-class", world, clock)
    csrf = teacher.open("/m/chats/new").field("csrf")
    found = teacher.post_form(
        "/m/chats/new/custom", {"csrf": csrf, "title": "Поход", "q": "5А", "do": "search"}
    )
    assert found.status == 200
    assert 'name="m-par-1"' in found.html and "мама Иванова Пети, 5А" in found.html
    assert 'value="Поход"' in found.html
    # Ticks survive a second search.
    again = teacher.post_form(
        "/m/chats/new/custom",
        {"csrf": csrf, "title": "Поход", "q": "Козлов", "m-par-1": "on", "do": "search"},
    )
    assert 'name="m-par-1" value="on" checked' in again.html and 'name="m-par-4"' in again.html

    made = teacher.post_form(
        "/m/chats/new/custom",
        {"csrf": csrf, "title": "Поход", "q": "", "m-par-1": "on", "m-stu-1": "on", "do": "create"},
    )
    assert made.status == 303, made.html
    chat_id = made.headers["Location"].rsplit("/", 1)[1]
    members = world.get("t-class", f"/v1/chats/{chat_id}/members").body["items"]
    assert {m["person_id"] for m in members} == {"t-class", "par-1", "stu-1"}
    assert "Поход" in _titles(world, "par-1")


def test_a_refused_custom_chat_is_said_in_russian_with_the_ticks_kept(
    world: World, clock: MovableClock
) -> None:
    teacher = _phone("t-class", world, clock)
    csrf = teacher.open("/m/chats/new").field("csrf")
    before = _titles(world, "t-class")
    empty_title = teacher.post_form("/m/chats/new/custom", {"csrf": csrf, "title": " ", "m-par-1": "on"})
    assert empty_title.status == 422
    assert "Название чата: введите от 1 до 200 символов." in empty_title.html
    assert 'name="m-par-1" value="on" checked' in empty_title.html
    stranger = teacher.post_form("/m/chats/new/custom", {"csrf": csrf, "title": "Чужие", "m-stu-far": "on"})
    assert stranger.status == 422 and "Участники:" in stranger.html
    assert _titles(world, "t-class") == before


@pytest.mark.parametrize(
    "fields",
    [
        {"title": "X", "m-par-1": "yes"},
        {"title": "X", "do": "drop"},
        {"title": "X", "member": "par-1"},
    ],
)
def test_malformed_forms_are_refused_and_make_nothing(
    world: World, clock: MovableClock, fields: dict
) -> None:
    teacher = _phone("t-class", world, clock)
    csrf = teacher.open("/m/chats/new").field("csrf")
    before = _titles(world, "t-class")
    refused = teacher.post_form("/m/chats/new/custom", {"csrf": csrf, **fields})
    assert refused.status == 400
    assert _titles(world, "t-class") == before


def test_pupils_and_parents_get_no_new_chat_and_forged_posts_are_refused(
    world: World, clock: MovableClock
) -> None:
    parent = _phone("par-1", world, clock)
    home = parent.open("/m/chats")
    assert home.link("new-chat-link") is None
    assert parent.open("/m/chats/new").status == 403
    refused = parent.post_form(
        "/m/chats/new/custom", {"csrf": home.field("csrf"), "title": "X", "m-stu-1": "on"}
    )
    assert refused.status == 403
    teacher = _phone("t-class", world, clock)
    teacher.open("/m/chats/new")
    forged = teacher.post_form("/m/chats/new/custom", {"csrf": "wrong", "title": "X", "do": "create"})
    assert forged.status == 403
    assert "X" not in _titles(world, "t-class")
