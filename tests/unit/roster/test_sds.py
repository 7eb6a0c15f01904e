"""Microsoft School Data Sync v2.1 (SPEC §5): detection, roles, guardians, homerooms by title."""

from __future__ import annotations

from pathlib import Path

import pytest

from chalicelib.planning.plan import plan_school
from chalicelib.roster.model import ClassKind, EnrollmentRole, Role, apply_update
from chalicelib.roster.reader import read_roster
from chalicelib.roster.sds import homeroom_rule, is_class_name
from tests.unit.roster.helpers import LIMITS, codes, flat, located, parsed, refusal, updates, write, zip_bytes
from tests.unit.roster.sds_helpers import sds_role, sds_school, sds_user, sds_zip

ZIP = "sds.zip"


def test_an_sds_export_is_detected_and_read_as_one_complete_snapshot(tmp_path: Path) -> None:
    with parsed(tmp_path, sds_zip(sds_school()), ZIP) as roster:
        assert (roster.format, roster.bulk) == ("sds-2.1", True)
        assert codes(roster.issues) == ([], ["org_not_school", "role_mapped"])
        school = updates(roster)["s1"]
    assert school.is_bulk and school.school_name == "Школа №1"
    people = school.people.records
    assert set(people) == {"t1", "t2", "c1", "c2", "g1", "a1"}
    assert people["t2"].roles == {Role.TEACHER}  # professor
    assert people["a1"].roles == {Role.ADMIN}  # principal
    assert people["g1"].roles == {Role.PARENT} and people["g1"].related_ids == {"c1"}
    kinds = {c.class_id: c.kind for c in school.classes.records.values()}
    assert kinds == {"k5a": ClassKind.HOMEROOM, "k11b": ClassKind.HOMEROOM, "math": ClassKind.SCHEDULED}
    enrollments = school.enrollments.records
    assert enrollments["k5a|c1|student"].role is EnrollmentRole.STUDENT
    assert set(enrollments) == {
        "k5a|t1|teacher",
        "k5a|c1|student",
        "k5a|c2|student",
        "k11b|t2|teacher",
        "math|t2|teacher",
        "math|c1|student",
    }


def test_guardians_from_relationships_reach_the_parents_chat(tmp_path: Path) -> None:
    with parsed(tmp_path, sds_zip(sds_school()), ZIP) as roster:
        school = updates(roster)["s1"]
    plan = plan_school(apply_update(None, school))
    titles = {chat.chat_id: chat.title for chat in plan.chats.values()}
    in_parents = {pid for (chat_id, pid) in plan.members if titles[chat_id] == "5А — родители"}
    assert in_parents == {"t1", "g1"}  # the only teacher leads; the guardian joins
    assert "11 Б" in titles.values() and "Алгебра 7" not in titles.values()


@pytest.mark.parametrize("relationship", ["relative", "Parent", "GUARDIAN"])
def test_parent_guardian_and_relative_are_guardians(tmp_path: Path, relationship: str) -> None:
    files = sds_school()
    files["relationships"] = [f"c1,g1,{relationship}"]
    with parsed(tmp_path, sds_zip(files), ZIP) as roster:
        assert updates(roster)["s1"].people.records["g1"].roles == {Role.PARENT}


def test_other_relationships_and_bad_rows_are_reported(tmp_path: Path) -> None:
    files = sds_school()
    files["relationships"] = ["c1,g1,doctor", "c2,ghost,parent", "c2,c2,parent"]
    files["roles"].append(sds_role("t1", "s1", "wizard"))
    files["enrollments"].append("k5a,nobody,student")
    files["enrollments"].append("k9,t1,teacher")
    files["users"].append(sds_user("x1", "", ""))
    files["enrollments"].append("k5a,x1,student")
    with parsed(tmp_path, sds_zip(files), ZIP) as roster:
        assert located(roster.issues.errors) == [
            ("users.csv", 8, "familyName", "missing_value"),
            ("roles.csv", 7, "role", "unknown_role"),
            ("enrollments.csv", 8, "userSourcedId", "unknown_user"),
            ("enrollments.csv", 9, "classSourcedId", "unknown_class"),
            ("enrollments.csv", 10, "userSourcedId", "reference_skipped"),
            ("users.csv", 6, "sourcedId", "no_role"),  # g1: a doctor's contact is nobody's guardian
        ]
        warnings = [w for w in located(roster.issues.warnings) if w[0] == "relationships.csv"]
        assert warnings == [
            ("relationships.csv", 2, "relationshipRole", "relationship_role_ignored"),
            ("relationships.csv", 3, "relationshipUserSourcedId", "unknown_related_id"),
            ("relationships.csv", 4, "relationshipUserSourcedId", "self_reference"),
        ]


def test_an_export_without_homeroom_titles_is_warned_about(tmp_path: Path) -> None:
    files = sds_school()
    files["classes"] = ["math,s1,Алгебра 7,y2025,"]
    files["enrollments"] = ["math,t2,teacher"]
    with parsed(tmp_path, sds_zip(files), ZIP) as roster:
        assert "homeroom_by_title" in codes(roster.issues)[1]


def test_a_configured_pattern_decides_homerooms(tmp_path: Path) -> None:
    path = write(tmp_path, sds_zip(sds_school()), ZIP)
    roster = read_roster(path, ZIP, LIMITS, homeroom_pattern=r"Алгебра \d+")
    try:
        kinds = {c.class_id: c.kind for c in updates(roster)["s1"].classes.records.values()}
    finally:
        roster.close()
    assert kinds == {"k5a": ClassKind.SCHEDULED, "k11b": ClassKind.SCHEDULED, "math": ClassKind.HOMEROOM}


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("5А", True),
        ("11 Б", True),
        ("5A", True),
        ("7-в", True),
        ("10 «А»", True),
        ("05а", True),
        ("Алгебра 7", False),
        ("5", False),
        ("13А", False),
        ("Math 5A", False),
        ("5 ABC", False),
    ],
)
def test_the_class_name_rule(title: str, expected: bool) -> None:
    assert is_class_name(title) is expected
    assert homeroom_rule(None)(title) is expected


def test_sds_files_in_a_folder_are_found(tmp_path: Path) -> None:
    with parsed(tmp_path, sds_zip(sds_school(), folder="export/"), ZIP) as roster:
        assert roster.format == "sds-2.1" and "s1" in updates(roster)


def test_a_oneroster_12_zip_without_manifest_is_not_taken_for_sds(tmp_path: Path) -> None:
    files = {
        "orgs.csv": "sourcedId,status,dateLastModified,name,type\ns1,active,,S,school\n",
        "users.csv": "sourcedId,status,enabledUser,givenName,familyName\nu1,active,true,A,B\n",
        "roles.csv": (
            "sourcedId,status,userSourcedId,roleType,role,orgSourcedId\nr1,active,u1,primary,student,s1\n"
        ),
    }
    assert refusal(tmp_path, zip_bytes(files), ZIP).code == "missing_manifest"


def test_sds_v1_and_clever_exports_are_named(tmp_path: Path) -> None:
    v1 = zip_bytes({"School.csv": "SIS ID,Name\n1,A\n", "Section.csv": "SIS ID,School SIS ID\n1,1\n"})
    error = refusal(tmp_path, v1, ZIP)
    assert error.code == "unsupported_format" and "School Data Sync v1" in error.message
    clever = zip_bytes({f"{name}.csv": "id\n1\n" for name in ("schools", "sections", "students", "teachers")})
    error = refusal(tmp_path, clever, ZIP)
    assert error.code == "unsupported_format" and "Clever" in error.message


@pytest.mark.parametrize(
    ("header", "named"),
    [
        ("SIS ID,School SIS ID,First Name,Last Name", "School Data Sync v1"),
        ("userSourcedId,relationshipUserSourcedId,relationshipRole", "School Data Sync v2.1"),
        ("userSourcedId,orgSourcedId,role,isPrimary", "School Data Sync v2.1"),
    ],
)
def test_a_lone_csv_of_an_export_is_named(tmp_path: Path, header: str, named: str) -> None:
    error = refusal(tmp_path, flat("x,y,z,w", header=header))
    assert error.code == "unsupported_format" and named in error.message


def test_a_lone_oneroster_csv_still_says_so(tmp_path: Path) -> None:
    error = refusal(
        tmp_path, flat("u1,active,student,A,B", header="sourcedId,status,role,givenName,familyName")
    )
    assert error.code == "oneroster_not_zipped"
