"""The hosted page and read state: unread badges, the «Новые сообщения» divider, read reports."""

from __future__ import annotations

import re

import pytest

from chalicelib.clock import MovableClock
from tests.integration.chats.phone import Phone
from tests.integration.chats.world import World

pytestmark = [pytest.mark.emulator, pytest.mark.usefixtures("phone_answers_documented")]


def _signed_in(world: World, who: str) -> Phone:
    phone = Phone(world.api)
    phone.scan(who)
    return phone


def _list_item(html: str, world: World, kind: str) -> str:
    """The chat list's item of one chat."""
    found = re.search(rf'<li class="chat"><a href="/m/chats/{world.chats[kind]}">.*?</li>', html, re.S)
    assert found, html
    return found.group(0)


def _unread_of(world: World, who: str, kind: str) -> int:
    listed = {c["id"]: c["unread_count"] for c in world.get(who, "/v1/chats?limit=100").body["items"]}
    return int(listed[world.chats[kind]])


def test_the_list_shows_unread_badges_and_opening_a_chat_reads_it(world: World, clock: MovableClock) -> None:
    clock.advance(seconds=1)
    world.send("t-class", "class", "Первое")
    clock.advance(seconds=1)
    world.send("t-class", "class", "Второе")
    phone = _signed_in(world, "stu-2")

    listing = _list_item(phone.open("/m/chats").html, world, "class")
    assert re.search(r'<span class="badge unread"[^>]*>3</span>', listing), listing

    chat = phone.open(f"/m/chats/{world.chats['class']}").html
    # Nothing read yet: the divider stands before the oldest message.
    assert chat.index('id="new-messages"') < chat.index("hello from stu-1")
    assert "Новые сообщения" in chat
    assert _unread_of(world, "stu-2", "class") == 0
    assert 'class="badge unread"' not in _list_item(phone.open("/m/chats").html, world, "class")

    clock.advance(seconds=1)
    world.send("stu-1", "class", "Свежее")
    again = phone.open(f"/m/chats/{world.chats['class']}").html
    # The divider moves to where stu-2 stopped: after «Второе», before «Свежее».
    assert again.index("Второе") < again.index('id="new-messages"') < again.index("Свежее")
    reread = phone.open(f"/m/chats/{world.chats['class']}").html
    assert 'id="new-messages"' not in reread


def test_own_messages_bring_no_badge_and_no_divider(world: World) -> None:
    phone = _signed_in(world, "stu-1")  # wrote the class chat's only message
    assert _unread_of(world, "stu-1", "class") == 0
    assert 'id="new-messages"' not in phone.open(f"/m/chats/{world.chats['class']}").html


def test_moderators_of_announcements_see_who_has_not_read(world: World, clock: MovableClock) -> None:
    path = f"/v1/chats/{world.chats['class']}"
    assert world.call("t-class", "PATCH", path, {"read_only": True}).status == 200
    clock.advance(seconds=1)
    world.send("t-class", "class", "Собрание в пятницу")
    _signed_in(world, "stu-1").open(f"/m/chats/{world.chats['class']}")  # stu-1 reads it

    teacher = _signed_in(world, "t-class").open(f"/m/chats/{world.chats['class']}").html
    others = world.member_ids("class") - {"t-class"}
    assert f"Прочитали 1 из {len(others)}" in teacher
    not_read = re.findall(r"<li>([^<]*)</li>", teacher.split('id="reads"')[1])
    assert len(not_read) == len(others) - 1

    student = _signed_in(world, "stu-2").open(f"/m/chats/{world.chats['class']}").html
    assert "Прочитали" not in student and 'id="reads"' not in student
