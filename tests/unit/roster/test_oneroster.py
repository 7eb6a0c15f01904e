"""OneRoster CSV 1.1 and 1.2: bulk and delta, guardians from either side, and messy real exports."""

from __future__ import annotations

from pathlib import Path

import pytest

from chalicelib.planning.plan import plan_school
from chalicelib.roster.model import (
    ClassKind,
    ClassRecord,
    EnrollmentRole,
    Role,
    apply_update,
    update_from_json,
    update_to_json,
)
from devstack.rostergen import oneroster_zip
from tests.unit.roster.helpers import (
    USERS_HEADER,
    codes,
    enrollment,
    klass,
    located,
    manifest,
    oneroster,
    parsed,
    refusal,
    schools_orgs,
    updates,
    user,
    zip_bytes,
)

ZIP = "roster.zip"


def read(tmp_path: Path, data: bytes):  # type: ignore[no-untyped-def]
    """Parse a zip (closed when the test's block ends)."""
    return parsed(tmp_path, data, ZIP)


def small_school() -> dict[str, list[str]]:
    """One school: a class teacher of 5А who also teaches a scheduled class, two students, a parent."""
    return {
        "orgs": schools_orgs("s1"),
        "users": [
            user("t1", "teacher", "s1", "Смирнова", "Анна"),
            user("c1", "student", "s1", "Иванов", "Иван", agents="g1"),
            user("c2", "student", "s1", "Петрова", "Мария"),
            user("g1", "parent", "s1", "Иванова", "Ольга", agents="c1"),
            user("a1", "administrator", "s1", "Орлов", "Павел"),
        ],
        "classes": [
            klass("k5a", "5А", "s1"),
            klass("math5", "Математика 5А", "s1", "scheduled", subjects="Математика"),
        ],
        "enrollments": [
            enrollment("e1", "k5a", "s1", "t1", "teacher", "true"),
            enrollment("e2", "k5a", "s1", "c1", "student"),
            enrollment("e3", "k5a", "s1", "c2", "student"),
            enrollment("e4", "math5", "s1", "t1", "teacher", "false"),
            enrollment("e5", "math5", "s1", "c1", "student"),
        ],
    }


def test_a_clean_bulk_export_reads_without_issues(tmp_path: Path) -> None:
    with read(tmp_path, oneroster(**small_school())) as roster:
        school = updates(roster)["s1"]
        assert (roster.format, roster.bulk) == ("oneroster-1.1", True)
        assert codes(roster.issues) == ([], [])
        assert (roster.counts.schools, roster.counts.classes, roster.counts.people) == (1, 2, 5)
    assert school.school_name == "School s1"
    assert school.is_bulk
    assert school.classes.records == {
        "k5a": ClassRecord("k5a", "5А", ClassKind.HOMEROOM),
        "math5": ClassRecord("math5", "Математика 5А", ClassKind.SCHEDULED, "Математика"),
    }
    people = school.people.records
    assert people["a1"].roles == {Role.ADMIN} and people["g1"].roles == {Role.PARENT}
    assert people["c1"].related_ids == {"g1"} and people["g1"].related_ids == {"c1"}
    # The class teacher of 5А also teaches the scheduled class, not as its primary teacher.
    assert school.enrollments.records["e1"].primary and not school.enrollments.records["e4"].primary
    assert school.enrollments.records["e5"].role is EnrollmentRole.STUDENT


def test_generated_11_and_12_exports_give_the_same_updates(tmp_path: Path) -> None:
    results = {}
    for version in ("1.1", "1.2"):
        with read(tmp_path, oneroster_zip(2, 3, 4, 2, seed=5, version=version)) as roster:
            assert roster.format == f"oneroster-{version}"
            assert codes(roster.issues) == ([], ["org_not_school"])  # the district
            results[version] = [update_to_json(u) for u in roster.school_updates()]
    assert results["1.1"] == results["1.2"]
    assert [u["school_id"] for u in results["1.1"]] == ["sch0001", "sch0002"]


def test_yielded_updates_survive_the_json_codec_and_plan(tmp_path: Path) -> None:
    with read(tmp_path, oneroster_zip(2, 3, 4, 2, seed=5)) as roster:
        for update in roster.school_updates():
            assert update_from_json(update_to_json(update)) == update
            plan = plan_school(apply_update(None, update))
            assert plan.warnings == ()
            assert len(plan.chats) == 1 + 2 * 3  # staff room, class and parents chats


def test_guardians_are_found_from_either_side_whatever_their_org(tmp_path: Path) -> None:
    data = oneroster(
        orgs=[*schools_orgs("s1", "s2"), "d1,active,,District,district,,"],
        users=[
            user("c1", "student", "s1", agents="g1"),  # the student names the guardian
            user("c2", "student", "s1"),
            user("g1", "guardian", "d1"),  # ... who belongs to the district only
            user("g2", "relative", "", agents="c2"),  # the guardian names the student, with no org
            user("c3", "student", "s2"),
            user("g3", "parent", "s1", agents="c3"),  # a parent at s1 of a student at s2
        ],
        classes=[klass("k1", "5А", "s1"), klass("k2", "3Б", "s2")],
        enrollments=[
            enrollment("e1", "k1", "s1", "c1", "student"),
            enrollment("e2", "k1", "s1", "c2", "student"),
            enrollment("e3", "k2", "s2", "c3", "student"),
        ],
    )
    with read(tmp_path, data) as roster:
        by_school = updates(roster)
        assert codes(roster.issues) == ([], ["org_not_school"])
        assert list(by_school) == ["s1", "s2"]
    s1, s2 = by_school["s1"].people.records, by_school["s2"].people.records
    assert set(s1) == {"c1", "c2", "g1", "g2", "g3"}
    assert s1["g1"].roles == {Role.PARENT} and s1["g2"].roles == {Role.PARENT}
    assert apply_update(None, by_school["s1"]).guardians_by_student() == {"c1": {"g1"}, "c2": {"g2"}}
    # The parent at s1 is also in s2's update, as the guardian of c3.
    assert set(s2) == {"c3", "g3"}
    assert s2["g3"].roles == {Role.PARENT}
    assert apply_update(None, by_school["s2"]).guardians_by_student() == {"c3": {"g3"}}


def test_a_guardian_of_students_in_two_schools_appears_in_both(tmp_path: Path) -> None:
    data = oneroster(
        orgs=schools_orgs("s1", "s2"),
        users=[
            user("c1", "student", "s1"),
            user("c2", "student", "s2", agents="g1"),
            user("g1", "parent", "s1", agents="c1"),
        ],
    )
    with read(tmp_path, data) as roster:
        by_school = updates(roster)
    for school_id, child in (("s1", "c1"), ("s2", "c2")):
        roster_of_school = apply_update(None, by_school[school_id])
        assert roster_of_school.guardians_by_student() == {child: {"g1"}}


def test_odd_enum_casing_is_accepted_with_one_warning_per_value(tmp_path: Path) -> None:
    data = oneroster(
        orgs=["s1,Active,,School,School,,"],
        users=[
            user("t1", "Teacher", "s1", status="ACTIVE"),
            user("t2", "Teacher", "s1"),
            user("c1", "student", "s1", status="Active"),
            user("a1", "SiteAdministrator", "s1"),
        ],
        classes=[klass("k1", "5А", "s1", "HomeRoom"), klass("k2", "6Б", "s1", "HomeRoom")],
        enrollments=[
            enrollment("e1", "k1", "s1", "t1", "Teacher", "TRUE"),
            enrollment("e2", "k1", "s1", "c1", "STUDENT", "False"),
        ],
    )
    with read(tmp_path, data) as roster:
        school = updates(roster)["s1"]
        assert codes(roster.issues)[0] == []
        assert located(roster.issues.warnings) == [
            ("orgs.csv", 2, "status", "enum_case"),
            ("orgs.csv", 2, "type", "enum_case"),
            ("users.csv", 2, "status", "enum_case"),
            ("users.csv", 2, "role", "enum_case"),
            ("users.csv", 4, "status", "enum_case"),
            ("users.csv", 5, "role", "enum_case"),
            ("classes.csv", 2, "classType", "enum_case"),
            ("enrollments.csv", 2, "role", "enum_case"),
            ("enrollments.csv", 3, "role", "enum_case"),
        ]
    assert school.people.records["a1"].roles == {Role.ADMIN}
    assert school.classes.records["k1"].kind is ClassKind.HOMEROOM
    assert school.enrollments.records["e1"].primary


def test_blank_status_in_bulk_files_is_active_with_one_warning_per_file(tmp_path: Path) -> None:
    data = oneroster(
        orgs=["s1,,,School,school,,"],
        users=[user("t1", "teacher", "s1", status=""), user("c1", "student", "s1", status="")],
        classes=[klass("k1", "5А", "s1", status="")],
        enrollments=[enrollment("e1", "k1", "s1", "c1", "student", status="")],
    )
    with read(tmp_path, data) as roster:
        school = updates(roster)["s1"]
        assert located(roster.issues.warnings) == [
            ("orgs.csv", 2, "status", "blank_status"),
            ("users.csv", 2, "status", "blank_status"),
            ("classes.csv", 2, "status", "blank_status"),
            ("enrollments.csv", 2, "status", "blank_status"),
        ]
    assert set(school.people.records) == {"t1", "c1"}


def test_tobedeleted_rows_are_left_out_of_bulk_files(tmp_path: Path) -> None:
    data = oneroster(
        orgs=schools_orgs("s1"),
        users=[user("c1", "student", "s1"), user("c2", "student", "s1", status="tobedeleted")],
        classes=[klass("k1", "5А", "s1"), klass("k2", "6Б", "s1", status="tobedeleted")],
        enrollments=[
            enrollment("e1", "k1", "s1", "c1", "student"),
            enrollment("e2", "k1", "s1", "c1", "student", status="tobedeleted"),
        ],
    )
    with read(tmp_path, data) as roster:
        school = updates(roster)["s1"]
        assert codes(roster.issues) == ([], [])
        assert roster.counts.people == 1
    assert set(school.people.records) == {"c1"} and school.people.deleted_ids == frozenset()
    assert set(school.classes.records) == {"k1"} and set(school.enrollments.records) == {"e1"}


def test_a_delta_upserts_and_deletes(tmp_path: Path) -> None:
    data = oneroster(
        users=[
            user("c1", "student", "s1", "Иванов", "Иван"),
            user("c9", "student", "s1", status="tobedeleted"),
            user("g9", "parent", "", status="tobedeleted"),
        ],
        classes=[klass("k9", "9В", "s1", status="tobedeleted")],
        enrollments=[
            enrollment("e1", "k1", "s1", "c1", "student"),
            enrollment("e9", "k9", "s1", "c9", "student", status="tobedeleted"),
        ],
        modes={"users": "delta", "classes": "delta", "enrollments": "delta"},
    )
    with read(tmp_path, data) as roster:
        by_school = updates(roster)
        assert roster.bulk is False
        # References into the school's stored roster (class k1) are not errors in a delta.
        assert codes(roster.issues) == ([], [])
    school = by_school["s1"]
    assert not (school.people.complete or school.classes.complete or school.enrollments.complete)
    assert set(school.people.records) == {"c1"}
    assert school.people.deleted_ids == {"c9", "g9"}
    assert school.classes.deleted_ids == {"k9"}
    assert set(school.enrollments.records) == {"e1"} and school.enrollments.deleted_ids == {"e9"}


def test_absent_files_leave_their_records_alone(tmp_path: Path) -> None:
    data = oneroster(orgs=schools_orgs("s1"), users=[user("c1", "student", "s1")])
    with read(tmp_path, data) as roster:
        school = updates(roster)["s1"]
        assert roster.bulk is False
    assert school.people.complete
    assert not school.classes.complete and school.classes.records == {}
    assert not school.enrollments.complete and school.enrollments.records == {}


def test_district_and_department_orgs_are_warned_and_classes_in_them_kept(tmp_path: Path) -> None:
    data = oneroster(
        orgs=[
            "d1,active,,District,district,,",
            "s1,active,,School,school,,d1",
            "dep1,active,,Primary wing,department,,s1",
        ],
        users=[user("t1", "teacher", "dep1"), user("c1", "student", "s1")],
        classes=[klass("k1", "1А", "dep1"), klass("k2", "1Б", "dep1"), klass("k3", "5А", "s1")],
        enrollments=[
            enrollment("e1", "k1", "s1", "t1", "teacher", "true"),
            enrollment("e2", "k3", "s1", "c1", "student"),
        ],
    )
    with read(tmp_path, data) as roster:
        by_school = updates(roster)
        assert located(roster.issues.warnings) == [
            ("orgs.csv", 2, "type", "org_not_school"),
            ("orgs.csv", 4, "type", "org_not_school"),
            ("classes.csv", 2, "schoolSourcedId", "class_in_non_school_org"),
            ("enrollments.csv", 2, "schoolSourcedId", "school_mismatch"),
        ]
    assert list(by_school) == ["dep1", "s1"]
    assert by_school["dep1"].school_name == "Primary wing"
    assert set(by_school["dep1"].classes.records) == {"k1", "k2"}
    assert by_school["dep1"].people.records["t1"].roles == {Role.TEACHER}
    assert set(by_school["s1"].classes.records) == {"k3"}


def test_roles_csv_of_12_adds_roles_per_org(tmp_path: Path) -> None:
    users_12 = "sourcedId,status,dateLastModified,enabledUser,username,givenName,familyName,agentSourcedIds"
    data = oneroster(
        version="1.2",
        users_header=users_12,
        orgs=[*schools_orgs("s1", "s2"), "d1,active,,District,district,,"],
        users=[
            "t1,active,,true,,Анна,Смирнова,c2",
            "c1,active,,true,,Иван,Иванов,",
            "c2,active,,true,,Мария,Смирнова,",
            "x1,active,,true,,Никто,Никтов,",
        ],
        roles=[
            "r1,active,,t1,primary,teacher,s1,,",
            "r2,active,,t1,secondary,parent,d1,,",
            "r3,active,,c1,primary,student,s1,,",
            "r4,active,,c2,primary,student,s2,,",
            "r5,active,,ghost,primary,student,s1,,",
            "r6,active,,c1,primary,student,nowhere,,",
        ],
    )
    with read(tmp_path, data) as roster:
        by_school = updates(roster)
        assert roster.format == "oneroster-1.2"
        assert located(roster.issues.errors) == [
            ("roles.csv", 6, "userSourcedId", "unknown_user"),
            ("roles.csv", 7, "orgSourcedId", "unknown_org"),
            ("users.csv", 5, "role", "no_role"),
        ]
        assert roster.counts.people == 3
    # A teacher at s1 who is a parent (at the district) of a student at s2.
    assert by_school["s1"].people.records["t1"].roles == {Role.TEACHER}
    assert by_school["s2"].people.records["t1"].roles == {Role.PARENT}
    assert apply_update(None, by_school["s2"]).guardians_by_student() == {"c2": {"t1"}}


def test_user_roles_map_to_the_models(tmp_path: Path) -> None:
    roles = {
        "u1": ("student", Role.STUDENT),
        "u2": ("teacher", Role.TEACHER),
        "u3": ("administrator", Role.ADMIN),
        "u4": ("principal", Role.ADMIN),
        "u5": ("siteAdministrator", Role.ADMIN),
        "u6": ("systemAdministrator", Role.ADMIN),
        "u7": ("parent", Role.PARENT),
        "u8": ("guardian", Role.PARENT),
        "u9": ("relative", Role.PARENT),
        "u10": ("aide", Role.TEACHER),
        "u11": ("proctor", Role.TEACHER),
        "u12": ("counselor", Role.TEACHER),
    }
    data = oneroster(
        orgs=schools_orgs("s1"),
        users=[user(uid, role, "s1") for uid, (role, _) in roles.items()] + [user("u13", "janitor", "s1")],
    )
    with read(tmp_path, data) as roster:
        people = updates(roster)["s1"].people.records
        assert located(roster.issues.warnings) == [
            ("users.csv", 11, "role", "role_mapped"),
            ("users.csv", 12, "role", "role_mapped"),
            ("users.csv", 13, "role", "role_mapped"),
            # The parents are linked to no student here.
            ("users.csv", 8, "agentSourcedIds", "parent_without_children"),
            ("users.csv", 9, "agentSourcedIds", "parent_without_children"),
            ("users.csv", 10, "agentSourcedIds", "parent_without_children"),
        ]
        assert located(roster.issues.errors) == [("users.csv", 14, "role", "unknown_role")]
    assert {uid: next(iter(p.roles)) for uid, p in people.items()} == {
        uid: r for uid, (_, r) in roles.items()
    }


def test_disabled_users_are_inactive(tmp_path: Path) -> None:
    data = oneroster(
        orgs=schools_orgs("s1"),
        users=[
            user("c1", "student", "s1", enabled="false"),
            user("c2", "student", "s1", enabled="FALSE"),
            user("c3", "student", "s1", enabled="no"),
            user("c4", "student", "s1", enabled=""),
        ],
    )
    with read(tmp_path, data) as roster:
        people = updates(roster)["s1"].people.records
        assert located(roster.issues.warnings) == [("users.csv", 4, "enabledUser", "invalid_boolean")]
    assert [people[i].active for i in ("c1", "c2", "c3", "c4")] == [False, False, True, True]


def test_bad_user_rows(tmp_path: Path) -> None:
    data = oneroster(
        orgs=schools_orgs("s1"),
        users=[
            user("c1", "student", "s1"),
            user("c1", "student", "s1", "Другой"),
            user("", "student", "s1"),
            user("c2", "", "s1"),
            user("c3", "student", "s1", "", ""),
            user("c4", "student", "s1", status="archived"),
            user("c5", "student", "s1", status="inactive"),
            user("c6", "student", "s1,nowhere", agents="c6,c1,ghost"),
        ],
    )
    with read(tmp_path, data) as roster:
        people = updates(roster)["s1"].people.records
        assert located(roster.issues.errors) == [
            ("users.csv", 3, "sourcedId", "duplicate_id"),
            ("users.csv", 4, "sourcedId", "missing_value"),
            ("users.csv", 5, "role", "missing_value"),
            ("users.csv", 6, "familyName", "missing_value"),
            ("users.csv", 7, "status", "unknown_status"),
        ]
        assert located(roster.issues.warnings) == [
            ("users.csv", 8, "status", "status_mapped"),
            ("users.csv", 9, "orgSourcedIds", "unknown_org_dropped"),
            ("users.csv", 9, "agentSourcedIds", "self_reference"),
            ("users.csv", 9, "agentSourcedIds", "unknown_related_id"),
        ]
        assert roster.issues.rows_skipped == 5
    assert set(people) == {"c1", "c6"}
    assert people["c1"].family_name == "Иванов"
    assert people["c6"].related_ids == {"c1"}


def test_bad_class_and_enrollment_rows(tmp_path: Path) -> None:
    data = oneroster(
        orgs=schools_orgs("s1"),
        users=[
            user("t1", "teacher", "s1"),
            user("c1", "student", "s1"),
            user("g1", "parent", "s1", agents="c1"),
        ],
        classes=[
            klass("k1", "5А", "s1"),
            klass("k1", "5А again", "s1"),
            klass("k2", "", "s1"),
            klass("k3", "Кружок", "s1", "club", subjects="Шахматы, Робототехника"),
            klass("k4", "7Г", "nowhere"),
            klass("k5", "7Д", ""),
        ],
        enrollments=[
            enrollment("e1", "k1", "s1", "c1", "student"),
            enrollment("e2", "k1", "s1", "g1", "parent"),
            enrollment("e3", "kX", "s1", "c1", "student"),
            enrollment("e4", "k1", "s1", "ghost", "student"),
            enrollment("e5", "k1", "s1", "t1", "teacher", "yes"),
            enrollment("e1", "k1", "s1", "t1", "teacher"),
            enrollment("e6", "", "s1", "t1", "teacher"),
        ],
    )
    with read(tmp_path, data) as roster:
        school = updates(roster)["s1"]
        assert located(roster.issues.errors) == [
            ("classes.csv", 3, "sourcedId", "duplicate_id"),
            ("classes.csv", 4, "title", "missing_value"),
            ("classes.csv", 6, "schoolSourcedId", "unknown_org"),
            ("classes.csv", 7, "schoolSourcedId", "missing_value"),
            ("enrollments.csv", 4, "classSourcedId", "unknown_class"),
            ("enrollments.csv", 5, "userSourcedId", "unknown_user"),
            ("enrollments.csv", 7, "sourcedId", "duplicate_id"),
            ("enrollments.csv", 8, "classSourcedId", "missing_value"),
        ]
        assert located(roster.issues.warnings) == [
            ("classes.csv", 5, "classType", "unknown_class_type"),
            ("enrollments.csv", 3, "role", "enrollment_role_ignored"),
            ("enrollments.csv", 6, "primary", "invalid_boolean"),
        ]
    assert school.classes.records["k3"] == ClassRecord(
        "k3", "Кружок", ClassKind.SCHEDULED, "Шахматы, Робототехника"
    )
    assert set(school.enrollments.records) == {"e1", "e5"}
    assert school.enrollments.records["e5"].primary is False


def test_extra_columns_are_warned_about_but_metadata_columns_are_not(tmp_path: Path) -> None:
    header = USERS_HEADER + ",metadata.ru.snils,favouriteColour"
    data = oneroster(
        orgs=schools_orgs("s1"), users=[user("c1", "student", "s1") + ",123,blue"], users_header=header
    )
    with read(tmp_path, data) as roster:
        assert located(roster.issues.warnings) == [("users.csv", 1, "favouriteColour", "extra_column")]
        assert set(updates(roster)["s1"].people.records) == {"c1"}


def test_a_missing_required_column_refuses_the_zip(tmp_path: Path) -> None:
    header = USERS_HEADER.replace(",role,", ",roleName,")
    error = refusal(tmp_path, oneroster(orgs=schools_orgs("s1"), users=[], users_header=header), ZIP)
    assert (error.code, error.file, error.line) == ("missing_column", "users.csv", 1)
    assert "role" in error.message


def test_12_users_without_roles_need_a_roles_csv(tmp_path: Path) -> None:
    users_12 = "sourcedId,status,dateLastModified,enabledUser,username,givenName,familyName"
    data = oneroster(
        version="1.2", users_header=users_12, orgs=schools_orgs("s1"), users=["c1,active,,true,,И,И"]
    )
    error = refusal(tmp_path, data, ZIP)
    assert (error.code, error.file) == ("missing_column", "users.csv")


def test_delta_roles_for_users_not_in_the_file_are_skipped_with_a_warning(tmp_path: Path) -> None:
    data = oneroster(
        version="1.2",
        users=[user("c1", "student", "s1")],
        roles=[
            "r1,active,,c1,primary,student,s1,,",
            "r2,active,,c7,primary,student,s1,,",
            "r3,tobedeleted,,c1,secondary,teacher,s1,,",
        ],
        modes={"users": "delta", "roles": "delta"},
    )
    with read(tmp_path, data) as roster:
        assert located(roster.issues.warnings) == [
            ("roles.csv", 3, "userSourcedId", "role_without_user"),
            ("roles.csv", 4, "status", "role_deletion_ignored"),
        ]
        assert roster.issues.rows_skipped == 0


def test_a_delta_deleting_an_org_is_ignored_with_a_warning(tmp_path: Path) -> None:
    data = oneroster(orgs=["s1,tobedeleted,,School,school,,"], modes={"orgs": "delta"})
    with read(tmp_path, data) as roster:
        assert located(roster.issues.warnings) == [("orgs.csv", 2, "status", "org_deletion_ignored")]
        assert list(roster.school_updates()) == []


def test_parents_linked_to_nobody_are_warned_about(tmp_path: Path) -> None:
    data = oneroster(orgs=schools_orgs("s1"), users=[user("c1", "student", "s1"), user("g1", "parent", "s1")])
    with read(tmp_path, data) as roster:
        assert located(roster.issues.warnings) == [
            ("users.csv", 3, "agentSourcedIds", "parent_without_children")
        ]


# --- the manifest and the archive ---------------------------------------------------------


def test_no_manifest_refuses_the_zip(tmp_path: Path) -> None:
    error = refusal(tmp_path, zip_bytes({"users.csv": USERS_HEADER + "\n"}), ZIP)
    assert (error.code, error.file) == ("missing_manifest", ZIP)


def test_a_manifest_mode_that_is_not_bulk_delta_or_absent_refuses_the_zip(tmp_path: Path) -> None:
    error = refusal(tmp_path, oneroster(orgs=schools_orgs("s1"), modes={"users": "full"}), ZIP)
    assert (error.code, error.file, error.line) == ("manifest_invalid", "manifest.csv", 5)


@pytest.mark.parametrize("version", ["2.0", "1.0", "one"])
def test_an_unsupported_version_refuses_the_zip(tmp_path: Path, version: str) -> None:
    error = refusal(tmp_path, oneroster(orgs=schools_orgs("s1"), version=version), ZIP)
    assert (error.code, error.file, error.line) == ("unsupported_version", "manifest.csv", 3)


def test_a_listed_file_missing_from_the_zip_refuses_it(tmp_path: Path) -> None:
    data = zip_bytes({"manifest.csv": manifest({"orgs": "absent", "users": "bulk"})})
    error = refusal(tmp_path, data, ZIP)
    assert error.code == "missing_file" and "users.csv" in error.message


def test_a_missing_version_is_assumed_and_unlisted_files_are_ignored(tmp_path: Path) -> None:
    members = {
        "manifest.csv": "propertyName,value\nfile.orgs,Bulk\n",
        "orgs.csv": "sourcedId,name,type\ns1,School,school\n",
        "users.csv": USERS_HEADER + "\n" + user("c1", "student", "s1") + "\n",
    }
    with read(tmp_path, zip_bytes(members)) as roster:
        assert roster.format == "oneroster-1.1"
        assert located(roster.issues.warnings) == [
            ("manifest.csv", 2, "value", "enum_case"),
            ("manifest.csv", None, "propertyName", "manifest_version_assumed"),
            (ZIP, None, None, "manifest_file_unlisted"),
        ]
        school = updates(roster)["s1"]
    assert school.people.records == {}


def test_files_in_a_folder_of_the_zip_are_found(tmp_path: Path) -> None:
    flat_zip = oneroster(**small_school())
    import io
    import zipfile

    nested = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(flat_zip)) as source, zipfile.ZipFile(nested, "w") as target:
        for info in source.infolist():
            target.writestr(f"export-2025/{info.filename}", source.read(info))
        target.writestr("__MACOSX/export-2025/._users.csv", b"\x00\x05\x16\x07")
    with read(tmp_path, nested.getvalue()) as roster:
        assert located(roster.issues.warnings) == [(ZIP, None, None, "nested_folder")]
        assert set(updates(roster)["s1"].people.records) == {"t1", "c1", "c2", "g1", "a1"}


def test_oneroster_csvs_may_be_windows_1251_or_semicolon_delimited(tmp_path: Path) -> None:
    school = small_school()
    reference = oneroster(**school)
    members = {
        "manifest.csv": manifest(
            {"orgs": "bulk", "users": "bulk", "classes": "absent", "enrollments": "absent"}
        ),
        "orgs.csv": ("sourcedId;name;type\ns1;School s1;school\n").encode("cp1251"),
        "users.csv": (USERS_HEADER + "\n" + "\n".join(school["users"]) + "\n").encode("cp1251"),
    }
    with read(tmp_path, reference) as roster:
        expected = updates(roster)["s1"].people.records
    with read(tmp_path, zip_bytes(members)) as roster:
        assert codes(roster.issues) == ([], [])
        assert updates(roster)["s1"].people.records == expected
