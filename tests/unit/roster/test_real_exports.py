"""Quirks of real OneRoster exports (issue #12): each reproduced in a small fixture of its own."""

from __future__ import annotations

from pathlib import Path

from tests.unit.roster.helpers import (
    ORGS_HEADER,
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

ZIP = "export.zip"


def _school() -> dict[str, list[str]]:
    return {
        "orgs": schools_orgs("s1"),
        "users": [
            user("t1", "teacher", "s1", "Смирнова", "Анна"),
            user("c1", "student", "s1", "Иванов", "Иван"),
        ],
        "classes": [klass("k5a", "5А", "s1")],
        "enrollments": [
            enrollment("e1", "k5a", "s1", "t1", "teacher", "true"),
            enrollment("e2", "k5a", "s1", "c1", "student"),
        ],
    }


def _members(school: dict[str, list[str]], mode_lines: list[str]) -> dict[str, str | bytes]:
    members: dict[str, str | bytes] = {}
    headers = {
        "orgs": ORGS_HEADER,
        "users": oneroster_header("users"),
        "classes": oneroster_header("classes"),
        "enrollments": oneroster_header("enrollments"),
    }
    for name, rows in school.items():
        members[f"{name}.csv"] = "\n".join((headers[name], *rows)) + "\n"
    members["manifest.csv"] = "\n".join(["propertyName,value", "oneroster.version,1.1", *mode_lines]) + "\n"
    return members


def oneroster_header(name: str) -> str:
    from tests.unit.roster import helpers

    return str(getattr(helpers, f"{name.upper()}_HEADER"))


# --- 1. blank manifest entries ----------------------------------------------------------


def test_blank_and_unknown_manifest_entries_for_unread_files_are_ignored(tmp_path: Path) -> None:
    modes = [f"file.{name},bulk" for name in ("orgs", "users", "classes", "enrollments")]
    modes += [
        "file.scoreScales,",
        "file.lineItems,",
        "file.academicSessions,bulk",
        "file.demographics,whatever",
    ]
    data = zip_bytes(_members(_school(), modes))
    with parsed(tmp_path, data, ZIP) as roster:
        assert codes(roster.issues) == ([], [])
        assert set(updates(roster)["s1"].people.records) == {"t1", "c1"}


def test_a_blank_mode_for_a_roster_file_is_absent_with_a_warning(tmp_path: Path) -> None:
    modes = [f"file.{name},bulk" for name in ("orgs", "users", "classes")] + ["file.Enrollments,"]
    data = zip_bytes(_members(_school(), modes))
    with parsed(tmp_path, data, ZIP) as roster:
        assert located(roster.issues.warnings) == [("manifest.csv", 6, "value", "manifest_mode_blank")]
        assert roster.issues.warnings[0].message == "file.Enrollments has no mode; it was read as absent."
        update = updates(roster)["s1"]
    assert not update.enrollments.complete and update.enrollments.records == {}


def test_an_invalid_mode_is_quoted_as_the_manifest_spells_the_file(tmp_path: Path) -> None:
    data = oneroster(**_school(), modes={"Users": "full"})
    error = refusal(tmp_path, data, ZIP)
    assert error.code == "manifest_invalid"
    assert error.message == "file.Users is 'full'; it must be bulk, delta or absent."


# --- 2. trailing empty header cells, and cascades that say why ----------------------------


def test_a_header_with_trailing_empty_cells_reads_shorter_rows(tmp_path: Path) -> None:
    school = _school()
    roles_header = (
        "sourcedId,status,dateLastModified,userSourcedId,roleType,role,orgSourcedId,beginDate,endDate,,"
    )
    roles = ["r1,active,,t1,primary,teacher,s1,,", "r2,active,,c1,primary,student,s1,,"]
    members = _members(
        school, [f"file.{n},bulk" for n in ("orgs", "users", "classes", "enrollments", "roles")]
    )
    members["roles.csv"] = "\n".join((roles_header, *roles)) + "\n"
    with parsed(tmp_path, zip_bytes(members), ZIP) as roster:
        assert codes(roster.issues) == ([], ["header_trailing_empty"])
        assert located(roster.issues.warnings) == [("roles.csv", 2, None, "header_trailing_empty")]
        assert set(updates(roster)["s1"].people.records) == {"t1", "c1"}


def test_a_row_that_refers_to_a_skipped_row_says_so(tmp_path: Path) -> None:
    school = _school()
    school["users"][1] = user("c1", "pupil", "s1")  # line 3: an unknown role skips the user
    school["classes"].append(klass("k6b", "", "s1"))  # line 3: a blank title skips the class
    school["enrollments"].append(enrollment("e3", "k6b", "s1", "t1", "teacher"))
    with parsed(tmp_path, oneroster(**school), ZIP) as roster:
        assert located(roster.issues.errors) == [
            ("users.csv", 3, "role", "unknown_role"),
            ("classes.csv", 3, "title", "missing_value"),
            ("enrollments.csv", 3, "userSourcedId", "reference_skipped"),
            ("enrollments.csv", 4, "classSourcedId", "reference_skipped"),
        ]
        messages = [e.message for e in roster.issues.errors[2:]]
    assert messages == [
        "Enrollment e2 is skipped because its user c1 was skipped at users.csv line 3.",
        "Enrollment e3 is skipped because its class k6b was skipped at classes.csv line 3.",
    ]


def test_a_user_without_any_role_is_named_by_the_rows_that_refer_to_them(tmp_path: Path) -> None:
    school = _school()
    users_12 = [
        "t1,active,,true,,,Анна,Смирнова" + "," * 15,
        "c1,active,,true,,,Иван,Иванов" + "," * 15,
    ]
    from chalicelib.roster import oneroster as fmt

    data = oneroster(
        orgs=school["orgs"],
        users=users_12,
        classes=school["classes"],
        enrollments=school["enrollments"],
        roles=["r1,active,,t1,primary,teacher,s1,,"],
        version="1.2",
        users_header=",".join(fmt.USERS_HEADER_12),
    )
    with parsed(tmp_path, data, ZIP) as roster:
        assert located(roster.issues.errors) == [
            ("users.csv", 3, "role", "no_role"),
            ("enrollments.csv", 3, "userSourcedId", "reference_skipped"),
        ]
        assert (
            "skipped because its user c1 was skipped at users.csv line 3" in roster.issues.errors[1].message
        )


def test_an_unknown_reference_is_still_unknown(tmp_path: Path) -> None:
    school = _school()
    school["enrollments"].append(enrollment("e3", "k5a", "s1", "ghost", "student"))
    with parsed(tmp_path, oneroster(**school), ZIP) as roster:
        assert codes(roster.issues) == (["unknown_user"], [])


# --- 3. enrollments of a class marked tobedeleted -----------------------------------------


def test_enrollments_of_a_deleted_class_are_skipped_with_a_warning_naming_it(tmp_path: Path) -> None:
    school = _school()
    school["classes"].append(klass("k4b", "4Б", "s1", status="tobedeleted"))
    school["enrollments"].append(enrollment("e3", "k4b", "s1", "c1", "student"))
    with parsed(tmp_path, oneroster(**school), ZIP) as roster:
        assert roster.issues.errors == []
        assert located(roster.issues.warnings) == [
            ("enrollments.csv", 4, "classSourcedId", "reference_deleted")
        ]
        assert roster.issues.warnings[0].message == (
            "Enrollment e3 is skipped: its class k4b ('4Б') is marked tobedeleted at classes.csv line 3."
        )
        assert roster.issues.rows_skipped == 0
        assert set(updates(roster)["s1"].enrollments.records) == {"e1", "e2"}


def test_a_delta_enrolling_into_a_class_it_deletes_skips_the_enrollment(tmp_path: Path) -> None:
    data = oneroster(
        classes=[klass("k4b", "4Б", "s1", status="tobedeleted")],
        enrollments=[enrollment("e9", "k4b", "s1", "c1", "student")],
        modes={"classes": "delta", "enrollments": "delta"},
    )
    with parsed(tmp_path, data, ZIP) as roster:
        assert codes(roster.issues) == ([], ["reference_deleted"])
        update = updates(roster)["s1"]
    assert update.classes.deleted_ids == {"k4b"} and update.enrollments.records == {}


def test_the_manifest_helper_still_writes_standard_manifests() -> None:
    assert manifest({"users": "bulk"}).splitlines()[-1] == "file.users,bulk"
