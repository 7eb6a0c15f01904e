"""Teacher-made chats, members by hand, archiving and renaming — and how roster syncs treat them."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from chalicelib.planning.model import ChatKind, roster_chat_id
from chalicelib.roster.model import ClassRecord, EnrollmentRole, Role
from chalicelib.store.tables import MembershipItem
from tests.integration.chats.world import (
    OTHER_ROSTER,
    ROSTER,
    SCHOOL,
    World,
    enrolled,
    person,
    without_enrollment,
)
from tests.support import install_roster, link_person

pytestmark = pytest.mark.emulator


def chat_of(world: World, who: str, kind: str) -> dict:
    reply = world.get(who, f"/v1/chats/{world.chats[kind]}")
    assert reply.status == 200, reply.body
    return reply.body


# --- subject chats -------------------------------------------------------------------


def test_a_subject_chat_is_made_once_from_a_class_the_teacher_teaches(world: World) -> None:
    again = world.post("t-math", "/v1/chats", {"kind": "subject", "class_id": "math-5a", "title": "Другое"})
    chat = chat_of(world, "t-math", "subject")

    assert again.status == 200 and again.body["id"] == world.chats["subject"]
    assert world.chats["subject"] == roster_chat_id(SCHOOL, ChatKind.SUBJECT, "math-5a")
    assert chat["title"] == "Математика 5А" and chat["kind"] == "subject"
    assert chat["managed_by_roster"] is True and chat["my_role"] == "moderator"
    assert chat["member_count"] == 3
    assert world.member_ids("subject") == {"t-math", "stu-1", "stu-2"}


@pytest.mark.parametrize(
    ("who", "body", "status", "problem"),
    [
        ("t-class", {"kind": "subject", "class_id": "math-5a"}, 403, "forbidden"),  # not their class
        ("t-math", {"kind": "subject", "class_id": "5a"}, 422, "validation"),  # a homeroom class
        ("t-math", {"kind": "subject", "class_id": "no-such-class"}, 422, "validation"),
        ("t-far", {"kind": "subject", "class_id": "math-5a"}, 422, "validation"),  # not in their school
        ("t-far", {"kind": "subject", "class_id": "math-5a", "school_id": SCHOOL}, 403, "forbidden"),
        ("t-math", {"kind": "subject", "class_id": "math-5a", "school_id": "sch-none"}, 403, "forbidden"),
        ("adm", {"kind": "subject", "class_id": "math-5a"}, 403, "forbidden"),
    ],
)
def test_who_cannot_make_a_subject_chat(
    world: World, who: str, body: dict, status: int, problem: str
) -> None:
    reply = world.post(who, "/v1/chats", body)
    assert (reply.status, reply.problem_type) == (status, problem), reply.body


def test_a_teacher_of_two_schools_names_the_school(services: Any, world: World) -> None:
    both = replace(OTHER_ROSTER, people={**OTHER_ROSTER.people, "t-math": ROSTER.people["t-math"]})
    teaching = enrolled("7a", "t-math", EnrollmentRole.TEACHER)
    both = replace(both, enrollments={**both.enrollments, teaching.enrollment_id: teaching})
    install_roster(services, both)
    unnamed = world.post("t-math", "/v1/chats", {"kind": "custom", "title": "Где?"})
    named = world.post("t-math", "/v1/chats", {"kind": "custom", "title": "Здесь", "school_id": SCHOOL})

    assert unnamed.status == 422 and unnamed.body["errors"][0]["field"] == "school_id"
    assert named.status == 201 and named.body["school_id"] == SCHOOL


def test_a_subject_chat_follows_the_roster(services: Any, world: World) -> None:
    moved = without_enrollment(ROSTER, "math-5a", "stu-1")
    install_roster(services, moved)

    assert world.member_ids("subject") == {"t-math", "stu-2"}
    assert chat_of(world, "t-math", "subject")["member_count"] == 2
    assert world.chats["subject"] not in world.chat_ids_of("stu-1")
    gone = world.get("stu-1", f"/v1/chats/{world.chats['subject']}")
    assert (gone.status, gone.problem_type) == (404, "not-found")
    assert world.send("stu-1", "subject", "я тут?").status == 404


def test_hand_made_changes_to_a_subject_chat_survive_syncs(services: Any, world: World) -> None:
    added = world.add_members("t-math", "subject", "stu-4")
    removed = world.call("t-math", "DELETE", f"/v1/chats/{world.chats['subject']}/members/stu-2")
    assert added.status == 200 and [m["person_id"] for m in added.body["items"]] == ["stu-4"]
    assert removed.status == 204

    # A later sync with any change: the manual member stays, the removed roster member stays out.
    newcomer = person("stu-5", Role.STUDENT, "Новый", "Ян")
    install_roster(services, replace(ROSTER, people={**ROSTER.people, "stu-5": newcomer}))
    assert world.member_ids("subject") == {"t-math", "stu-1", "stu-4"}
    manual = MembershipItem.get(world.chats["subject"], "stu-4")
    excluded = MembershipItem.get(world.chats["subject"], "stu-2")
    assert (manual.source, manual.active) == ("manual", True)
    assert (excluded.excluded, excluded.active, excluded.member_of) == (True, False, None)

    # Adding a removed roster member back makes them follow the roster again.
    world.add_members("t-math", "subject", "stu-2")
    assert MembershipItem.get(world.chats["subject"], "stu-2").source == "roster"
    install_roster(services, without_enrollment(ROSTER, "math-5a", "stu-2"))
    assert world.member_ids("subject") == {"t-math", "stu-1", "stu-4"}
    assert chat_of(world, "t-math", "subject")["member_count"] == 3


def test_an_archived_subject_chat_is_left_alone_by_syncs_and_comes_back_when_asked(
    services: Any, world: World
) -> None:
    archived = world.call("t-math", "DELETE", f"/v1/chats/{world.chats['subject']}")
    assert archived.status == 200 and archived.body["archived"] is True

    install_roster(services, without_enrollment(ROSTER, "math-5a", "stu-2"))
    still = chat_of(world, "stu-2", "subject")
    assert still["archived"] is True and still["member_count"] == 3
    assert world.member_ids("subject") == {"t-math", "stu-1", "stu-2"}

    back = world.post("t-math", "/v1/chats", {"kind": "subject", "class_id": "math-5a"})
    assert back.status == 200 and back.body["archived"] is False and back.body["read_only"] is False
    assert world.member_ids("subject") == {"t-math", "stu-1"}
    assert back.body["member_count"] == 1 + 1
    assert world.send("stu-1", "subject", "снова работаем").status == 201


# --- custom chats --------------------------------------------------------------------


def test_a_custom_chat_has_exactly_the_chosen_people_and_syncs_leave_it_alone(
    services: Any, world: World
) -> None:
    made = world.post(
        "t-class",
        "/v1/chats",
        {"kind": "custom", "title": " Олимпиада ", "member_ids": ["stu-1", "stu-4", "t-class", "stu-1"]},
    )
    assert made.status == 201
    chat = made.body
    assert chat["title"] == "Олимпиада" and chat["kind"] == "custom" and chat["class_id"] is None
    assert chat["managed_by_roster"] is False and chat["my_role"] == "moderator" and chat["member_count"] == 3
    assert world.member_ids(chat["id"]) == {"t-class", "stu-1", "stu-4"}

    install_roster(services, without_enrollment(without_enrollment(ROSTER, "5a", "stu-1"), "5b", "stu-4"))
    assert world.member_ids(chat["id"]) == {"t-class", "stu-1", "stu-4"}


def test_nobody_adds_a_person_of_another_school(world: World) -> None:
    chats_before = world.chat_ids_of("t-class")
    body = {"kind": "custom", "title": "Смешанный", "member_ids": ["stu-far"]}
    made = world.post("t-class", "/v1/chats", body)
    added = world.add_members("t-class", "custom", "t-far")

    assert (made.status, made.problem_type) == (422, "validation")
    assert made.body["errors"] == [{"field": "member_ids", "message": "not a person of the school: stu-far"}]
    assert (added.status, added.problem_type) == (422, "validation")
    assert world.chat_ids_of("t-class") == chats_before
    assert "t-far" not in world.member_ids("custom")
    assert set(world.chat_ids_of("t-far")) == {
        roster_chat_id("sch-2", ChatKind.STAFF, None),
        roster_chat_id("sch-2", ChatKind.CLASS, "7a"),
        roster_chat_id("sch-2", ChatKind.PARENTS, "7a"),
    }


def test_a_parent_never_joins_a_students_chat(world: World) -> None:
    into_subject = world.add_members("t-math", "subject", "par-1")
    into_custom = world.add_members("t-class", "custom", "par-2")

    assert (into_subject.status, into_subject.problem_type) == (403, "forbidden")
    assert into_custom.status == 200
    assert "par-1" not in world.member_ids("subject")


def test_a_parents_row_in_a_students_chat_is_never_shown(world: World) -> None:
    # Not reachable through the API; a stray row written by some other path still must not leak.
    MembershipItem(
        chat_id=world.chats["class"],
        person_id="par-1",
        school_id=SCHOOL,
        chat_role="member",
        person_role="parent",
        name="Иванова Елена",
        active=True,
        member_of="par-1",
        activity_key=f"2030-01-01T00:00:00.000Z#{world.chats['class']}",
    ).save()

    assert world.chats["class"] not in world.chat_ids_of("par-1")
    assert world.get("par-1", f"/v1/chats/{world.chats['class']}").status == 404
    assert world.get("par-1", f"/v1/chats/{world.chats['class']}/messages").status == 404


def test_only_a_teacher_of_the_school_adds_students(world: World) -> None:
    # An administrator who moderates the staff room still cannot put a student there (roster chat: 409),
    # and a custom chat's moderator who is not a teacher cannot add students.
    MembershipItem(world.chats["custom"], "adm").update(
        actions=[
            MembershipItem.school_id.set(SCHOOL),
            MembershipItem.chat_role.set("moderator"),
            MembershipItem.person_role.set("admin"),
            MembershipItem.name.set("Директор Дарья"),
            MembershipItem.active.set(True),
            MembershipItem.member_of.set("adm"),
            MembershipItem.activity_key.set(f"2026-09-01T08:00:00.000Z#{world.chats['custom']}"),
        ]
    )
    by_admin = world.add_members("adm", "custom", "stu-2")
    adult_by_admin = world.add_members("adm", "custom", "par-2")
    by_teacher = world.add_members("t-class", "custom", "stu-2")

    assert (by_admin.status, by_admin.problem_type) == (403, "forbidden")
    assert adult_by_admin.status == 200
    assert by_teacher.status == 200


# --- members by hand -----------------------------------------------------------------


def test_member_counts_stay_exact_through_repeats(world: World) -> None:
    path = f"/v1/chats/{world.chats['custom']}/members"
    first = world.post("t-class", path, {"person_ids": ["t-spare", "stu-4"]})
    repeat = world.post("t-class", path, {"person_ids": ["t-spare"]})
    assert first.status == repeat.status == 200
    assert chat_of(world, "t-class", "custom")["member_count"] == 6

    assert world.call("t-class", "DELETE", f"{path}/t-spare").status == 204
    missing = world.call("t-class", "DELETE", f"{path}/t-spare")
    assert (missing.status, missing.problem_type) == (404, "not-found")
    assert world.call("t-class", "DELETE", f"{path}/nobody").status == 404
    assert chat_of(world, "t-class", "custom")["member_count"] == 5
    assert world.member_ids("custom") == {"t-class", "t-math", "par-1", "t-other", "stu-4"}
    assert world.chats["custom"] not in world.chat_ids_of("t-spare")
    assert world.chats["custom"] in world.chat_ids_of("stu-4")


def test_a_chat_keeps_a_moderator(world: World) -> None:
    last = world.call("t-class", "DELETE", f"/v1/chats/{world.chats['custom']}/members/t-class")
    assert (last.status, last.problem_type) == (409, "conflict")
    assert "t-class" in world.member_ids("custom")


def test_an_inactive_person_is_not_added(services: Any, world: World) -> None:
    retired = replace(ROSTER.people["t-spare"], active=False)
    left = replace(ROSTER, people={**ROSTER.people, "t-spare": retired})
    install_roster(services, left)
    reply = world.add_members("t-class", "custom", "t-spare")
    assert (reply.status, reply.problem_type) == (422, "validation")


# --- renaming ------------------------------------------------------------------------


def test_a_renamed_roster_chat_keeps_its_title_through_syncs(services: Any, world: World) -> None:
    path = f"/v1/chats/{world.chats['class']}"
    renamed = world.call("t-class", "PATCH", path, {"title": "  5А — лучший класс "})
    assert renamed.status == 200 and renamed.body["title"] == "5А — лучший класс"

    retitled = {**ROSTER.classes, "5a": ClassRecord("5a", "5A (лат.)", ROSTER.classes["5a"].kind)}
    install_roster(services, replace(ROSTER, classes=retitled))
    assert chat_of(world, "stu-1", "class")["title"] == "5А — лучший класс"
    assert chat_of(world, "par-1", "parents")["title"] == "5A (лат.) — родители"


def test_a_newly_linked_person_sees_their_chats(world: World) -> None:
    before = world.get("stu-3", "/v1/chats")
    link_person("stu-3")
    after = world.chat_ids_of("stu-3")
    assert (before.status, before.problem_type) == (409, "link-required")
    assert after == [world.chats["class"]]


def test_members_show_no_phone_numbers(world: World) -> None:
    members = world.get("t-class", f"/v1/chats/{world.chats['parents']}/members").body["items"]
    shown = {"person_id", "name", "role", "chat_role", "full_name", "about"}
    assert members and all(set(m) == shown for m in members)
    chat = chat_of(world, "par-1", "parents")
    assert set(chat) == {
        "id",
        "kind",
        "title",
        "school_id",
        "class_id",
        "member_count",
        "my_role",
        "read_only",
        "archived",
        "managed_by_roster",
        "last_message",
        "call",
        "awaiting_open",
        "posting_opens_at",
        "posting_notice",
    }


def test_a_members_page_reads_the_roster_from_s3_only_when_a_new_one_was_applied(
    services: Any, world: World
) -> None:
    from devstack.requests import count_aws_requests

    path = f"/v1/chats/{world.chats['parents']}/members"
    assert world.get("t-class", path).status == 200  # this process's first read of the roster
    with count_aws_requests() as log:
        for _ in range(3):
            page = world.get("t-class", path)
            assert page.status == 200 and page.body["items"]
    assert log.of("s3")["GetObject"] == 0, log.of("s3")

    # A new roster applied (the parent's patronymic added): the very next page shows it.
    parent = ROSTER.people["par-1"]
    install_roster(
        services, replace(ROSTER, people={**ROSTER.people, "par-1": replace(parent, middle_name="Сергеевна")})
    )
    with count_aws_requests() as log:
        items = world.get("t-class", path).body["items"]
    assert log.of("s3")["GetObject"] == 1, log.of("s3")
    shown = next(member for member in items if member["person_id"] == "par-1")
    assert "Сергеевна" in shown["full_name"], shown
    # Hostile paging of the same list changes nothing and reads no roster.
    with count_aws_requests() as log:
        for query in ("?limit=0", "?limit=abc", "?cursor=forged", "?limit=100000"):
            refused = world.get("t-class", path + query)
            assert refused.status in (400, 422), (query, refused.body)
            assert refused.headers["Content-Type"].startswith("application/problem+json")
    assert log.of("s3")["GetObject"] == 0
