"""Stage 2 of the pipeline over moto server: school messages through the real queue handler."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from chalicelib.aws import client
from chalicelib.planning.model import ChatKind, roster_chat_id
from chalicelib.store.imports import DynamoImportStore
from chalicelib.store.tables import ChatItem, ImportItem, MembershipItem
from devstack.requests import count_aws_requests
from tests.builders import (
    ClassSpec,
    RosterSpec,
    build_roster,
    bulk_update,
    delta_update,
    sample_school,
    stage_import,
)
from tests.support import auth_headers


@pytest.fixture
def worker(application: Any) -> Any:
    from devstack.worker import app_worker

    return app_worker(application, school_concurrency=1)


def active_members(school_id: str) -> set[tuple[str, str, str]]:
    return {
        (m.chat_id, m.person_id, m.chat_role) for m in MembershipItem.by_school.query(school_id) if m.active
    }


def report(import_id: str) -> dict[str, Any]:
    found = DynamoImportStore().report(import_id)
    assert found is not None
    return found


def test_first_import_creates_every_chat_with_its_members(services: Any, worker: Any, api: Any) -> None:
    roster = sample_school("school-1", classes=2, students=3, parents_per_student=2)
    import_id = stage_import(services, [bulk_update(roster)])
    worker.drain()

    result = report(import_id)
    assert result["status"] == "succeeded"
    assert result["counts"]["chats_created"] == 5  # staff room + 2 × (class + parents)
    # staff: admin + 2 teachers; class chats: 3 students + teacher; parents chats: 6 parents + teacher
    assert result["counts"]["memberships_added"] == 3 + 2 * 4 + 2 * 7
    staff = ChatItem.get(roster_chat_id("school-1", ChatKind.STAFF, None))
    assert staff.member_count == 3 and staff.title == "Учительская"

    response = api.http.get("/v1/schools/school-1/chats", headers=auth_headers("op", operator=True))
    assert response.status_code == 200, response.body
    chats = {c["title"]: c for c in response.json_body["items"]}
    assert set(chats) == {"Учительская", "5А", "6А", "5А — родители", "6А — родители"}
    assert chats["5А — родители"]["member_count"] == 7
    assert all(c["managed_by_roster"] and not c["archived"] for c in chats.values())

    members = api.http.get(
        f"/v1/chats/{chats['5А']['id']}/members", headers=auth_headers("op", operator=True)
    )
    assert members.status_code == 200
    people = {m["person_id"]: m for m in members.json_body["items"]}
    assert people["school-1-c0-t"]["chat_role"] == "moderator"
    assert people["school-1-c0-s0"] == {
        "person_id": "school-1-c0-s0",
        "name": "Фамилия-school-1-c0-s0 Имя-school-1-c0-s0",
        "role": "student",
        "chat_role": "member",
        "full_name": "Фамилия-school-1-c0-s0 Имя-school-1-c0-s0",
        "about": "ученик 5А",
    }


def test_the_report_is_also_written_to_the_bucket(services: Any, worker: Any, aws: Any) -> None:
    from chalicelib.config import settings

    import_id = stage_import(services, [bulk_update(sample_school())])
    worker.drain()
    body = (
        client("s3")
        .get_object(Bucket=settings().roster_bucket, Key=f"reports/{import_id}.json")["Body"]
        .read()
    )
    assert json.loads(body) == report(import_id)


def test_an_unchanged_roster_writes_nothing_to_chats_or_memberships(services: Any, worker: Any) -> None:
    roster = sample_school()
    stage_import(services, [bulk_update(roster)], key="rosters/a.csv", uploaded_at="2026-09-01T08:00:00.000Z")
    worker.drain()
    before = active_members("school-1")

    with count_aws_requests() as requests:
        second = stage_import(
            services, [bulk_update(roster)], key="rosters/b.csv", uploaded_at="2026-09-02T08:00:00.000Z"
        )
        worker.drain()

    assert report(second)["schools"][0]["status"] == "unchanged"
    assert report(second)["counts"]["memberships_added"] == 0
    assert active_members("school-1") == before
    # No chat or membership is written (nor even read); only the import rows and the school's state are.
    assert requests.writes_to(ChatItem.Meta.table_name) == 0
    assert requests.writes_to(MembershipItem.Meta.table_name) == 0
    assert requests.writes_to(ImportItem.Meta.table_name) > 0  # the counter does see this drain's writes
    assert not any(table == MembershipItem.Meta.table_name for _, table in requests.by_table)


def test_a_student_moving_class_moves_with_their_guardians(services: Any, worker: Any) -> None:
    spec = RosterSpec(
        classes={
            "c5a": ClassSpec("5А", ("t1",), ("s1", "s2")),
            "c5b": ClassSpec("5Б", ("t2",), ("s3", "s4")),
        },
        guardians={"p1": ("s1",), "p2": ("s2",), "p3": ("s3",), "p4": ("s4",)},
    )
    stage_import(
        services,
        [bulk_update(build_roster(spec))],
        key="rosters/a.csv",
        uploaded_at="2026-09-01T08:00:00.000Z",
    )
    worker.drain()
    spec.classes["c5a"] = ClassSpec("5А", ("t1",), ("s2",))
    spec.classes["c5b"] = ClassSpec("5Б", ("t2",), ("s1", "s3", "s4"))
    second = stage_import(
        services,
        [bulk_update(build_roster(spec))],
        key="rosters/b.csv",
        uploaded_at="2026-09-02T08:00:00.000Z",
    )
    worker.drain()

    members = active_members("school-1")
    class_5a = roster_chat_id("school-1", ChatKind.CLASS, "c5a")
    parents_5a = roster_chat_id("school-1", ChatKind.PARENTS, "c5a")
    class_5b = roster_chat_id("school-1", ChatKind.CLASS, "c5b")
    parents_5b = roster_chat_id("school-1", ChatKind.PARENTS, "c5b")
    assert (class_5a, "s1", "member") not in members and (parents_5a, "p1", "member") not in members
    assert (class_5b, "s1", "member") in members and (parents_5b, "p1", "member") in members
    assert report(second)["counts"] == {
        **report(second)["counts"],
        "memberships_added": 2,
        "memberships_removed": 2,
        "chats_created": 0,
    }
    assert ChatItem.get(class_5a).member_count == 2 and ChatItem.get(class_5b).member_count == 4


def test_a_class_that_disappears_is_archived_and_its_rows_are_kept(services: Any, worker: Any) -> None:
    spec = RosterSpec(
        classes={f"c{i}": ClassSpec(f"{i}А", (f"t{i}",), (f"s{i}a", f"s{i}b")) for i in range(5, 10)},
        guardians={f"p{i}": (f"s{i}a",) for i in range(5, 10)},
    )
    stage_import(
        services,
        [bulk_update(build_roster(spec))],
        key="rosters/a.csv",
        uploaded_at="2026-09-01T08:00:00.000Z",
    )
    worker.drain()
    del spec.classes["c9"]
    second = stage_import(
        services,
        [bulk_update(build_roster(spec))],
        key="rosters/b.csv",
        uploaded_at="2026-09-02T08:00:00.000Z",
    )
    worker.drain()

    chat = ChatItem.get(roster_chat_id("school-1", ChatKind.CLASS, "c9"))
    assert chat.archived and chat.member_count == 0
    rows = list(MembershipItem.query(chat.chat_id))
    assert rows and not any(r.active for r in rows)  # ended, never deleted
    counts = report(second)["counts"]
    assert counts["chats_archived"] == 2
    # 9А's class chat (2 students + teacher), its parents chat (1 parent + teacher), t9 in the staff room
    assert counts["memberships_removed"] == 3 + 2 + 1


def test_a_bulk_sync_removing_too_much_is_held_and_an_operator_can_force_it(
    services: Any, worker: Any, api: Any
) -> None:
    roster = sample_school(classes=3, students=4)
    stage_import(services, [bulk_update(roster)], key="rosters/a.csv", uploaded_at="2026-09-01T08:00:00.000Z")
    worker.drain()
    before = active_members("school-1")
    broken = sample_school(classes=1, students=4)  # a broken export: two classes missing
    held = stage_import(
        services, [bulk_update(broken)], key="rosters/b.csv", uploaded_at="2026-09-02T08:00:00.000Z"
    )
    worker.drain()

    result = report(held)
    assert result["status"] == "held"
    part = result["schools"][0]
    assert part["status"] == "held" and part["removal_share"] > 0.3
    assert any(w["code"] == "held_deletion_threshold" for w in result["warnings"])
    assert result["counts"]["memberships_removed"] == 0  # nothing applied
    assert active_members("school-1") == before

    refused = api.http.post(f"/v1/imports/{held}/force", headers=auth_headers("t1"))
    assert refused.status_code == 404
    forced = api.http.post(f"/v1/imports/{held}/force", headers=auth_headers("op", operator=True))
    assert forced.status_code == 200, forced.body
    assert forced.json_body["rerun_school_ids"] == ["school-1"]
    worker.drain()
    assert report(held)["status"] == "succeeded"
    assert len(active_members("school-1")) < len(before)
    again = api.http.post(f"/v1/imports/{held}/force", headers=auth_headers("op", operator=True))
    assert again.status_code == 409


def test_a_delta_sync_applies_changes_and_is_never_held(services: Any, worker: Any) -> None:
    roster = sample_school(classes=1, students=4)
    stage_import(services, [bulk_update(roster)], key="rosters/a.csv", uploaded_at="2026-09-01T08:00:00.000Z")
    worker.drain()
    leaving = [
        e for e in roster.enrollments.values() if e.person_id != "school-1-c0-s0" and e.role == "student"
    ]
    delta = delta_update("school-1", deleted_enrollments=[e.enrollment_id for e in leaving])
    second = stage_import(services, [delta], key="rosters/delta.zip", uploaded_at="2026-09-02T08:00:00.000Z")
    worker.drain()
    # Not held; the three students left with no class are in no chat, and the report counts them.
    assert report(second)["status"] == "succeeded_with_warnings"
    [part] = report(second)["schools"]
    assert [w["code"] for w in part["warnings"]] == ["people_without_chat"]
    assert part["warnings"][0]["message"].startswith(
        "6 people of the school are in no chat (students: 3, guardians: 3)"
    )
    class_chat = roster_chat_id("school-1", ChatKind.CLASS, "school-1-c0")
    assert {p for c, p, _ in active_members("school-1") if c == class_chat} == {
        "school-1-c0-t",
        "school-1-c0-s0",
    }


def test_duplicate_deliveries_of_a_school_message_count_once(services: Any, worker: Any) -> None:
    import_id = stage_import(services, [bulk_update(sample_school())])
    services.lifecycle.enqueue_schools(import_id, ["school-1", "school-1"])  # the same school twice more
    worker.drain()
    result = report(import_id)
    assert result["status"] == "succeeded"
    expected_members = len(active_members("school-1"))
    assert result["counts"]["memberships_added"] == expected_members
    assert Counter(p["school_id"] for p in result["schools"]) == {"school-1": 1}


def test_an_older_upload_arriving_late_is_not_applied(services: Any, worker: Any) -> None:
    newer = sample_school(classes=2)
    stage_import(
        services, [bulk_update(newer)], key="rosters/new.csv", uploaded_at="2026-09-02T08:00:00.000Z"
    )
    worker.drain()
    before = active_members("school-1")
    late = stage_import(
        services,
        [bulk_update(sample_school(classes=1))],
        key="rosters/old.csv",
        uploaded_at="2026-09-01T08:00:00.000Z",
    )
    worker.drain()
    assert report(late)["schools"][0]["status"] == "superseded"
    assert report(late)["status"] == "succeeded_with_warnings"
    assert active_members("school-1") == before


def test_schools_of_one_roster_are_left_alone_by_another_school_import(services: Any, worker: Any) -> None:
    stage_import(
        services,
        [bulk_update(sample_school("school-1")), bulk_update(sample_school("school-2"))],
        key="rosters/both.csv",
        uploaded_at="2026-09-01T08:00:00.000Z",
    )
    worker.drain()
    school_2 = active_members("school-2")
    stage_import(
        services,
        [bulk_update(sample_school("school-1", classes=1))],
        key="rosters/one.csv",
        uploaded_at="2026-09-02T08:00:00.000Z",
    )
    worker.drain()
    assert active_members("school-2") == school_2
