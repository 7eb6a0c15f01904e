"""Issue #12 through the real upload path: S3 upload → S3 event → SQS → handlers → report and chats."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.aws import client
from chalicelib.config import settings
from chalicelib.store.imports import DynamoImportStore
from chalicelib.store.tables import ChatItem, MembershipItem
from tests.support import auth_headers
from tests.unit.roster.helpers import CLASSES_HEADER as CLASSES
from tests.unit.roster.helpers import (
    ENROLLMENTS_HEADER,
    ORGS_HEADER,
    USERS_HEADER,
    enrollment,
    klass,
    oneroster,
    schools_orgs,
    user,
    zip_bytes,
)

pytestmark = pytest.mark.emulator
OPERATOR = auth_headers("ops", operator=True)


@pytest.fixture
def worker(aws: Any) -> Any:
    from devstack.worker import app_worker

    return app_worker(school_concurrency=2)


def upload(worker: Any, key: str, body: bytes) -> dict[str, Any]:
    """Upload, process every queue, and return the newest import's full report."""
    client("s3").put_object(Bucket=settings().roster_bucket, Key=key, Body=body)
    worker.drain()
    newest = DynamoImportStore().newest(1, None).items[0]
    assert newest["source_key"] == key
    report = DynamoImportStore().report(newest["id"])
    assert report is not None
    return report


def active_memberships() -> set[tuple[str, str]]:
    return {(m.chat_id, m.person_id) for m in MembershipItem.scan() if m.active}


def chat_titles() -> dict[str, bool]:
    return {c.title: bool(c.archived) for c in ChatItem.scan()}


def school(**changes: list[str]) -> dict[str, list[str]]:
    rows = {
        "orgs": schools_orgs("s1"),
        "users": [
            user("t1", "teacher", "s1", "Смирнова", "Анна"),
            user("c1", "student", "s1", "Иванов", "Иван", agents="g1"),
            user("c2", "student", "s1", "Петрова", "Мария"),
            user("g1", "parent", "s1", "Иванова", "Ольга", agents="c1"),
        ],
        "classes": [klass("k5a", "5А", "s1")],
        "enrollments": [
            enrollment("e1", "k5a", "s1", "t1", "teacher", "true"),
            enrollment("e2", "k5a", "s1", "c1", "student"),
            enrollment("e3", "k5a", "s1", "c2", "student"),
        ],
    }
    rows.update(changes)
    return rows


def codes(items: list[dict[str, Any]]) -> list[str]:
    return [item["code"] for item in items]


def test_blank_manifest_entries_for_unread_files_do_not_fail_the_import(worker: Any) -> None:
    rows = school()
    headers = {
        "orgs": ORGS_HEADER,
        "users": USERS_HEADER,
        "classes": CLASSES,
        "enrollments": ENROLLMENTS_HEADER,
    }
    members: dict[str, str | bytes] = {f"{n}.csv": "\n".join((headers[n], *rows[n])) + "\n" for n in headers}
    members["manifest.csv"] = (
        "propertyName,value\noneroster.version,1.2\nfile.scoreScales,\nfile.lineItems,\nfile.roles,\n"
        + "".join(f"file.{n},bulk\n" for n in headers)
    )
    report = upload(worker, "rosters/real-1.2.zip", zip_bytes(members))
    assert report["status"] == "succeeded_with_warnings", report
    assert codes(report["errors"]) == []
    assert codes(report["warnings"]) == ["manifest_mode_blank"]
    assert "file.roles" in report["warnings"][0]["message"]
    assert {"5А", "5А — родители"} <= set(chat_titles())


def test_trailing_header_cells_are_tolerated_and_cascades_name_the_skipped_row(worker: Any) -> None:
    rows = school()
    rows["users"][2] = user("c2", "pupil", "s1")  # users.csv line 4 is skipped
    members: dict[str, str | bytes] = {}
    data = oneroster(**rows)
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            members[name] = archive.read(name)
    # The header ends with two empty cells over rows that stop short (as in a real export).
    enrollments = members["enrollments.csv"].decode().splitlines()
    members["enrollments.csv"] = "\n".join([enrollments[0] + ",,", *enrollments[1:]]) + "\n"
    report = upload(worker, "rosters/trailing.zip", zip_bytes(members))
    assert report["status"] == "succeeded_with_warnings"
    assert [(e["file"], e["line"], e["code"]) for e in report["errors"]] == [
        ("users.csv", 4, "unknown_role"),
        ("enrollments.csv", 4, "reference_skipped"),
    ]
    assert report["errors"][1]["message"] == (
        "Enrollment e3 is skipped because its user c2 was skipped at users.csv line 4."
    )
    assert "header_trailing_empty" in codes(report["warnings"])
    assert report["counts"]["people"] == 3


def test_enrollments_of_a_class_marked_tobedeleted_are_skipped_with_a_warning(worker: Any) -> None:
    rows = school(
        classes=[klass("k5a", "5А", "s1"), klass("k4b", "4Б", "s1", status="tobedeleted")],
    )
    rows["enrollments"].append(enrollment("e9", "k4b", "s1", "c2", "student"))
    report = upload(worker, "rosters/deleted-class.zip", oneroster(**rows))
    assert report["status"] == "succeeded_with_warnings"
    assert codes(report["errors"]) == []
    [deleted] = [w for w in report["warnings"] if w["code"] == "reference_deleted"]
    assert deleted["message"] == (
        "Enrollment e9 is skipped: its class k4b ('4Б') is marked tobedeleted at classes.csv line 3."
    )
    assert "4Б" not in chat_titles()


def test_a_file_leaving_a_school_with_no_people_is_held_with_its_cause(worker: Any, api: Any) -> None:
    first = upload(worker, "rosters/good.zip", oneroster(**school()))
    assert first["status"] == "succeeded"
    before = active_memberships()
    # A broken export: users.csv lost a column, so every user row is skipped.
    broken_users = [row.rsplit(",", 1)[0] for row in school()["users"]]
    report = upload(worker, "rosters/broken.zip", oneroster(**school(users=broken_users)))
    assert report["status"] == "held", report
    [part] = report["schools"]
    assert part["status"] == "held" and codes(part["warnings"]) == ["empty_school"]
    message = part["warnings"][0]["message"]
    assert "leaves it with no people" in message and "users.csv line 2" in message
    assert active_memberships() == before

    forced = api.http.post(f"/v1/imports/{report['id']}/force", headers=OPERATOR, body="")
    assert forced.status_code == 200, forced.json_body
    worker.drain()
    assert DynamoImportStore().report(report["id"])["status"] == "succeeded_with_warnings"  # type: ignore[index]
    assert active_memberships() == set()


def test_a_new_school_with_no_people_is_reported_not_held(worker: Any) -> None:
    rows = school(orgs=schools_orgs("s1", "s2"))
    report = upload(worker, "rosters/two-orgs.zip", oneroster(**rows))
    assert report["status"] == "succeeded_with_warnings"
    parts = {p["school_id"]: p for p in report["schools"]}
    assert parts["s1"]["status"] == "succeeded"
    assert parts["s2"]["status"] == "unchanged" and codes(parts["s2"]["warnings"]) == ["empty_school"]


def test_people_in_no_chat_are_counted_and_a_department_gets_chats_for_its_classes(worker: Any) -> None:
    rows = school(
        orgs=[*schools_orgs("s1"), "d1,active,,Кафедра,department,,"],
        classes=[klass("k5a", "5А", "s1"), klass("k7", "7В", "d1")],
    )
    rows["users"].append(user("c3", "student", "s1", "Сидоров", "Олег"))  # in no homeroom of s1
    rows["enrollments"] += [
        enrollment("e7", "k7", "d1", "t1", "teacher", "true"),
        enrollment("e8", "k7", "d1", "c3", "student"),
    ]
    report = upload(worker, "rosters/department.zip", oneroster(**rows))
    [no_chat] = [w for w in report["warnings"] if w["code"] == "people_without_chat"]
    assert no_chat["message"].startswith("1 people of the school are in no chat (students: 1)")
    [org] = [w for w in report["warnings"] if w["code"] == "org_not_school"]
    assert "gets chats only for the classes that belong to it" in org["message"]
    assert {"7В", "7В — родители"} <= set(chat_titles())


def test_a_school_data_sync_export_becomes_chats_with_guardians(worker: Any, api: Any) -> None:
    from tests.unit.roster.sds_helpers import sds_school, sds_zip

    report = upload(worker, "rosters/sds.zip", sds_zip(sds_school()))
    assert report["format"] == "sds-2.1" and report["status"] == "succeeded_with_warnings", report
    assert codes(report["errors"]) == []
    assert {"org_not_school", "role_mapped"} <= set(codes(report["warnings"]))
    chats = api.http.get("/v1/schools/s1/chats", headers=OPERATOR).json_body["items"]
    by_title = {c["title"]: c for c in chats}
    assert set(by_title) == {"Учительская", "5А", "5А — родители", "11 Б", "11 Б — родители"}
    members = api.http.get(f"/v1/chats/{by_title['5А — родители']['id']}/members", headers=OPERATOR)
    roles = {m["person_id"]: (m["role"], m["chat_role"]) for m in members.json_body["items"]}
    assert roles == {"t1": ("teacher", "moderator"), "g1": ("parent", "member")}


def test_an_sds_v1_export_fails_naming_its_format(worker: Any) -> None:
    v1 = zip_bytes({"School.csv": "SIS ID,Name\n1,A\n", "Section.csv": "SIS ID,School SIS ID\n1,1\n"})
    report = upload(worker, "rosters/sds-v1.zip", v1)
    assert report["status"] == "failed"
    [error] = report["errors"]
    assert error["code"] == "unsupported_format" and "School Data Sync v1" in error["message"]


def _flat_year(classes: dict[str, tuple[str, range]]) -> bytes:
    from tests.unit.roster.helpers import flat

    rows = []
    for title, (teacher_id, kids) in classes.items():
        rows.append(f"s1,Школа,{title},class_teacher,{teacher_id},Учитель,{teacher_id},,,")
        for n in kids:
            rows.append(f"s1,Школа,{title},student,k{n},Ученик,{n},,,")
            rows.append(f"s1,Школа,{title},parent,g{n},Родитель,{n},,,k{n}")
    return flat(*rows)


def test_a_new_school_year_carries_class_chats_over_and_archives_graduates(worker: Any, api: Any) -> None:
    june_classes = {
        "5А": ("t1", range(12)),
        "6А": ("t4", range(20, 32)),
        "7А": ("t5", range(40, 52)),
        "11А": ("t2", range(60, 70)),
    }
    june = upload(worker, "rosters/june.csv", _flat_year(june_classes))
    assert june["status"] == "succeeded"
    chats_before = {c.title: c for c in ChatItem.scan()}

    # Every class moves up (a flat roster's class ids are its titles: "6А" now names last year's 5А),
    # 11А graduated, and a new 5А starts.
    september = _flat_year(
        {
            "6А": ("t1", range(1, 13)),
            "7А": ("t4", range(20, 32)),
            "8А": ("t5", range(40, 52)),
            "5А": ("t3", range(100, 110)),
        }
    )
    report = upload(worker, "rosters/september.csv", september)
    assert report["status"] == "succeeded_with_warnings", report  # not held: the rollover explains it
    [part] = report["schools"]
    renamed = sorted(w["message"].split(":")[0] for w in part["warnings"] if w["code"] == "class_renamed")
    assert renamed == ["renamed 5А → 6А", "renamed 6А → 7А", "renamed 7А → 8А"]

    chats = {c.chat_id: c for c in ChatItem.scan()}
    old_5a = chats_before["5А"].chat_id
    assert chats[old_5a].title == "6А" and chats[old_5a].class_id == "6А" and not chats[old_5a].archived
    assert chats[old_5a].created_at == chats_before["5А"].created_at  # the same chat: its history stays
    assert (chats[old_5a].origin_class_id, chats[old_5a].origin_generation) == ("5А", 1)
    assert chats[chats_before["5А — родители"].chat_id].title == "6А — родители"
    assert chats[chats_before["11А"].chat_id].archived  # graduated
    new_5a = [c for c in chats.values() if c.title == "5А" and not c.archived]
    assert len(new_5a) == 1 and new_5a[0].chat_id != old_5a
    listed = api.http.get("/v1/schools/s1/chats", headers=OPERATOR).json_body["items"]
    by_title = {c["title"]: c for c in listed}
    assert by_title["6А"]["id"] == old_5a and by_title["6А"]["member_count"] == 13
    assert by_title["5А"]["member_count"] == 11

    again = upload(worker, "rosters/september-again.csv", september + b"\n")
    assert again["status"] == "succeeded" and again["counts"]["memberships_added"] == 0


def test_a_messy_real_12_export_with_every_quirk_at_once(worker: Any) -> None:
    from chalicelib.roster import oneroster as fmt

    users_header = ",".join(fmt.USERS_HEADER_12)
    pad = "," * (len(fmt.USERS_HEADER_12) - 8)
    users = [
        f"t1,active,,true,,,Анна,Смирнова{pad}",
        f"c1,,,true,,,Иван,Иванов{pad}",  # blank status in a bulk file
        f"c2,active,,true,,,Мария,Петрова{pad}",
    ]
    roles_header = ",".join(fmt.ROLES_HEADER) + ",,"  # 12 names over 10-field rows
    roles = [
        "r1,active,,t1,primary,Teacher,s1,,,",
        "r2,active,,c1,primary,student,s1,,,",
        "r3,active,,c2,primary,student,s1,,,",
    ]
    members: dict[str, str | bytes] = {
        "manifest.csv": (
            "propertyName,value\nmanifest.version,1.0\noneroster.version,1.2\n"
            "file.academicSessions,\nfile.categories,\nfile.scoreScales,\nfile.demographics,\n"
            "file.orgs,bulk\nfile.users,bulk\nfile.roles,bulk\nfile.classes,bulk\nfile.enrollments,bulk\n"
        ),
        "orgs.csv": "\n".join((ORGS_HEADER, *schools_orgs("s1"))) + "\n",
        "users.csv": "\ufeff" + "\n".join((users_header, *users)) + "\n",
        "roles.csv": "\n".join((roles_header, *roles)) + "\n",
        "classes.csv": "\n".join(
            (CLASSES, klass("k5a", "5А", "s1"), klass("k4b", "4Б", "s1", status="tobedeleted"))
        )
        + "\n",
        "enrollments.csv": "\n".join(
            (
                ENROLLMENTS_HEADER,
                enrollment("e1", "k5a", "s1", "t1", "teacher", "TRUE"),
                enrollment("e2", "k5a", "s1", "c1", "student"),
                enrollment("e3", "k4b", "s1", "c2", "student"),
            )
        )
        + "\n",
        "__MACOSX/._users.csv": b"\x00\x05\x16\x07",
    }
    report = upload(worker, "rosters/messy-1.2.zip", zip_bytes(members))
    assert report["status"] == "succeeded_with_warnings", report
    assert codes(report["errors"]) == []
    assert set(codes(report["warnings"])) >= {
        "blank_status",
        "enum_case",
        "header_trailing_empty",
        "reference_deleted",
        "people_without_chat",  # c2's only class was deleted
    }
    assert report["counts"]["people"] == 3 and report["counts"]["rows_skipped"] == 0
    assert {"5А", "5А — родители", "Учительская"} == {
        t for t, archived in chat_titles().items() if not archived
    }
