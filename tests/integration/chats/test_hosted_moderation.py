"""The hosted page's moderator controls (issue #15): rename, announcements, archive, delete, members.

Each is a form post with the session's CSRF token, decided by the same rules
as the API; a refused one shows the chat again with the reason in Russian and
changes nothing.
"""

from __future__ import annotations

import re

import pytest

from chalicelib.clock import MovableClock
from tests.integration.chats.phone import Phone
from tests.integration.chats.world import World

pytestmark = [pytest.mark.emulator, pytest.mark.usefixtures("phone_answers_documented")]


def _phone(person_id: str, world: World, clock: MovableClock) -> Phone:
    clock.advance(seconds=1)
    signed_in = Phone(world.api)
    signed_in.scan(person_id)
    return signed_in


def _chat(world: World, kind: str, who: str = "t-class") -> dict[str, object]:
    reply = world.get(who, f"/v1/chats/{world.chats[kind]}")
    assert reply.status == 200, reply.body
    body: dict[str, object] = reply.body
    return body


def test_a_moderator_renames_and_switches_announcements_mode(world: World, clock: MovableClock) -> None:
    teacher = _phone("t-class", world, clock)
    path = f"/m/chats/{world.chats['class']}"
    page = teacher.open(path)
    assert 'id="manage"' in page.html and "Режим объявлений" in page.html
    done = teacher.post_form(
        f"{path}/settings", {"csrf": page.field("csrf"), "title": "5А — класс", "announcements": "on"}
    )
    assert done.status == 303 and done.headers["Location"] == path
    chat = _chat(world, "class")
    assert chat["title"] == "5А — класс" and chat["read_only"] is True
    # Unticked: announcements off again, the title kept.
    page = teacher.open(path)
    fields = {"csrf": page.field("csrf"), "title": "5А — класс"}
    assert teacher.post_form(f"{path}/settings", fields).status == 303
    assert _chat(world, "class")["read_only"] is False


def test_a_member_who_is_not_a_moderator_sees_no_controls_and_is_refused_in_russian(
    world: World, clock: MovableClock
) -> None:
    pupil = _phone("stu-1", world, clock)
    path = f"/m/chats/{world.chats['class']}"
    page = pupil.open(path)
    assert 'id="manage"' not in page.html
    refused = pupil.post_form(f"{path}/settings", {"csrf": page.field("csrf"), "title": "Взлом"})
    assert refused.status == 403 and "Это может сделать только модератор чата." in refused.html
    assert _chat(world, "class")["title"] != "Взлом"
    refused = pupil.post_form(f"{path}/archive", {"csrf": page.field("csrf")})
    assert refused.status == 403 and _chat(world, "class")["archived"] is False


def test_hostile_settings_forms_change_nothing(world: World, clock: MovableClock) -> None:
    teacher = _phone("t-class", world, clock)
    path = f"/m/chats/{world.chats['class']}"
    before = _chat(world, "class")
    csrf = teacher.open(path).field("csrf")
    empty = teacher.post_form(f"{path}/settings", {"csrf": csrf, "title": "   "})
    assert empty.status == 422 and "название не может быть пустым" in empty.html
    long = teacher.post_form(f"{path}/settings", {"csrf": csrf, "title": "я" * 201})
    assert long.status == 422
    unknown = teacher.post_form(f"{path}/settings", {"csrf": csrf, "title": "x", "read_only": "on"})
    assert unknown.status == 422
    no_csrf = teacher.post_form(f"{path}/settings", {"title": "Без токена"})
    assert no_csrf.status == 403 and "Страница устарела" in no_csrf.html
    cross_site = teacher.post_form(
        f"{path}/settings", {"csrf": csrf, "title": "Чужой сайт"}, origin="https://evil.example"
    )
    assert cross_site.status == 403
    assert _chat(world, "class") == before


def test_a_moderator_archives_a_subject_chat_and_deletes_a_message(world: World, clock: MovableClock) -> None:
    assert world.send("stu-1", "subject", "лишнее сообщение").status == 201
    teacher = _phone("t-math", world, clock)
    path = f"/m/chats/{world.chats['subject']}"
    page = teacher.open(path)
    [delete_path] = [
        href
        for href in re.findall(r'action="([^"]+/delete)"', page.html)
        if href in page.html.split("лишнее сообщение", 1)[1].split("</li>", 1)[0]
    ]
    assert teacher.post_form(delete_path, {"csrf": page.field("csrf")}).status == 303
    listed = world.get("t-math", f"/v1/chats/{world.chats['subject']}/messages").body["items"]
    texts = [m["text"] for m in listed]
    assert "лишнее сообщение" not in texts
    # A message that is not there: said in Russian.
    gone = teacher.post_form(f"{path}/messages/no-such-message/delete", {"csrf": page.field("csrf")})
    assert gone.status == 404 and "Сообщение не найдено" in gone.html

    page = teacher.open(path)
    assert 'id="archive-form"' in page.html
    assert teacher.post_form(f"{path}/archive", {"csrf": page.field("csrf")}).status == 303
    assert _chat(world, "subject", "t-math")["archived"] is True
    archived = teacher.open(path)
    assert 'id="manage"' not in archived.html and "Чат в архиве" in archived.html


def test_the_member_list_shows_names_and_roles(world: World, clock: MovableClock) -> None:
    teacher = _phone("t-class", world, clock)
    page = teacher.open(f"/m/chats/{world.chats['class']}/members")
    assert page.status == 200
    roles = re.findall(r'<span class="role">([^<]*)</span>', page.html)
    assert "классный руководитель 5А, модератор" in roles and "ученик 5А" in roles
    parents = teacher.open(f"/m/chats/{world.chats['parents']}/members")
    parent_roles = re.findall(r'<span class="role">([^<]*)</span>', parents.html)
    assert "мама Иванова Пети, 5А" in parent_roles and "папа Петровой Маши, 5А" in parent_roles
    outsider = teacher.open(f"/m/chats/{world.chats['subject']}/members")
    assert outsider.status in (403, 404)


def test_authors_carry_a_role_mark(world: World, clock: MovableClock) -> None:
    assert world.send("t-class", "class", "Сообщение классного руководителя").status == 201
    pupil = _phone("stu-1", world, clock)
    page = pupil.open(f"/m/chats/{world.chats['class']}")
    marks = re.findall(r'<span class="role-mark"> · ([^<]*)</span>', page.html)
    assert "классный руководитель" in marks
    assert "ученик" not in marks  # pupils are not marked
