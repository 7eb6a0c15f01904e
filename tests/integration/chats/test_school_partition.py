"""A send writes nothing into a school's index partitions (issue #17).

The requests of a real send are recorded through the emulator by
``bench.capacity.trace`` (each written item is read before and after, and the
documented index-write rules say which indexes the change reached).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any

import pytest

from bench.capacity.model import Access
from bench.capacity.trace import record
from chalicelib.clock import MovableClock
from chalicelib.config import settings
from chalicelib.store.tables import MembershipItem
from tests.integration.chats.world import SCHOOL, World

pytestmark = pytest.mark.emulator


def _writes(accesses: list[Access], table: str, index: str | None) -> list[Access]:
    return [a for a in accesses if a.kind == "write" and a.table == table and a.index == index]


def test_a_send_moves_every_members_chat_list_but_writes_nothing_under_the_school(
    world: World, clock: MovableClock
) -> None:
    chat_id = world.chats["class"]
    members = world.member_ids("class")
    assert len(members) >= 3

    clock.advance(seconds=60)
    with record(settings().table_prefix) as (trace, _):
        sent = world.send("stu-1", "class", "Завтра экскурсия")
    assert sent.status == 201
    accesses = trace.of()

    # Every member's chat list moved: its entry in the person index changed key,
    # which the documentation prices as two writes (delete the old, put the new)...
    by_person = Counter(a.partition for a in _writes(accesses, "memberships", "by-person"))
    assert by_person == {member: 2 for member in members}
    # ...and nothing into any school partition: neither index keyed by school carries chat activity,
    assert [a for a in accesses if a.kind == "write" and a.index == "by-school"] == []
    assert _writes(accesses, "chats", None) != []  # (the chat's own row did take its last message)
    # while the school's index does hold the chat's rows (it is the index a sync reads).
    rows = list(MembershipItem.by_school.query(SCHOOL))
    assert {row.person_id for row in rows if row.chat_id == chat_id} >= members
    assert all(row.activity_key is None for row in rows)


def test_a_roster_change_still_reaches_the_school_index(world: World) -> None:
    from chalicelib.store.tables import MembershipItem as Row

    row = next(iter(Row.query(world.chats["class"])))
    with record(settings().table_prefix) as (trace, _):
        row.update(actions=[Row.name.set(row.name + " (ред.)")])
    by_school = _writes(trace.of(), "memberships", "by-school")
    assert [(a.partition, a.units) for a in by_school] == [(SCHOOL, 1)]


def test_every_chat_attribute_but_its_activity_is_in_the_school_index() -> None:
    """A new attribute of a chat must be projected (or be activity, and stay out) on purpose."""
    from chalicelib.store.tables import CHAT_DIRECTORY_ATTRIBUTES, ChatItem

    keys = {"chat_id", "school_id"}
    activity = {"last_activity", "last_message", "listed_up_to"}  # listed_up_to: the fan-out's progress
    assert set(CHAT_DIRECTORY_ATTRIBUTES) == set(ChatItem.get_attributes()) - keys - activity


def test_a_member_a_sync_adds_finds_the_chat_at_its_last_message(
    world: World, clock: MovableClock, services: Any
) -> None:
    """The school index no longer carries activity: the sync reads it from the chat (ordering unchanged)."""
    from chalicelib.roster.model import Role
    from chalicelib.store.tables import ChatItem
    from chalicelib.store.tables import MembershipItem as Row
    from tests.integration.chats.world import ROSTER, S, enrolled, person
    from tests.support import install_roster

    chat_id = world.chats["class"]
    last_activity = ChatItem.get(chat_id).last_activity
    clock.advance(seconds=3600)
    newcomer = person("stu-new", Role.STUDENT, "Новикова", "Вера")
    roster = replace(
        ROSTER,
        people={**ROSTER.people, newcomer.person_id: newcomer},
        enrollments={**ROSTER.enrollments, "e-5a-stu-new": enrolled("5a", "stu-new", S)},
    )
    install_roster(services, roster)

    row = Row.get(chat_id, "stu-new")
    assert row.activity_key == f"{last_activity}#{chat_id}"  # not the time of the sync, an hour later
