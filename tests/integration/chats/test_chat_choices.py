"""«Новый чат» and the member list (issue #15): what a teacher may make a chat from; who each member is."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.integration.chats.world import World

pytestmark = pytest.mark.emulator


def test_a_teacher_gets_the_scheduled_classes_they_teach_and_finds_people_by_name_or_class(
    world: World,
) -> None:
    bare = world.get("t-math", "/v1/chat-choices")
    assert bare.status == 200, bare.body
    assert bare.body["classes"] == [{"class_id": "math-5a", "title": "Математика 5А", "subject": "math"}]
    assert bare.body["people"] == []  # nobody listed without a search

    by_name = world.get("t-math", f"/v1/chat-choices?q={quote('петр')}")
    assert [p["person_id"] for p in by_name.body["people"]] == ["par-2", "stu-2"]
    assert by_name.body["people"][0] == {
        "person_id": "par-2",
        "name": "Петров Олег",
        "about": "папа Петровой Маши, 5А",
    }

    by_class = world.get("t-math", f"/v1/chat-choices?q={quote('5Б')}&limit=10")
    assert {p["person_id"] for p in by_class.body["people"]} == {"stu-4", "par-4", "t-other"}

    limited = world.get("t-math", f"/v1/chat-choices?q={quote('5А')}&limit=2")
    assert len(limited.body["people"]) == 2

    # The class teacher teaches no scheduled class: no subject chats to offer.
    assert world.get("t-class", "/v1/chat-choices").body["classes"] == []


@pytest.mark.parametrize("who", ["stu-1", "par-1", "adm"])
def test_only_teachers_are_offered_chats_to_make(world: World, who: str) -> None:
    refused = world.get(who, "/v1/chat-choices?q=a")
    assert refused.status == 403, refused.body
    assert "people" not in refused.body


@pytest.mark.parametrize(
    "query",
    ["q=" + "я" * 101, "q=%01", "limit=0", "limit=101", "school_id=" + "x" * 300],
)
def test_hostile_searches_are_refused_clearly(world: World, query: str) -> None:
    refused = world.get("t-math", f"/v1/chat-choices?{query}")
    assert refused.status == 422, refused.body
    assert refused.body["type"].endswith("validation")


def test_members_come_with_who_they_are_at_the_school(world: World) -> None:
    parents_chat = world.chats["parents"]
    members = world.get("t-class", f"/v1/chats/{parents_chat}/members")
    assert members.status == 200, members.body
    about = {m["person_id"]: m.get("about") for m in members.body["items"]}
    assert about["par-1"] == "мама Иванова Пети, 5А"
    assert about["t-class"] == "классный руководитель 5А"
    names = {m["person_id"]: m.get("full_name") for m in members.body["items"]}
    assert names["par-1"] == "Иванова Елена"
