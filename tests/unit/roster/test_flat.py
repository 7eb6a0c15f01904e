"""The flat CSV roster: encodings, delimiters, merging rows, class ids, and every row-level problem."""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from pathlib import Path

import pytest

from chalicelib.roster.flat import class_id_for
from chalicelib.roster.model import (
    ClassKind,
    EnrollmentRecord,
    EnrollmentRole,
    Role,
    update_from_json,
    update_to_json,
)
from devstack.rostergen import flat_csv
from tests.unit.roster.helpers import FIXTURES, FLAT_HEADER, codes, flat, located, parsed, refusal, updates

NAME = "roster.csv"
SCHOOL = "s1,Школа №1"


def test_a_generated_roster_reads_without_issues_and_keeps_its_shape(tmp_path: Path) -> None:
    data = flat_csv(schools=2, classes_per_school=3, students_per_class=4, parents_per_student=2, seed=7)
    with parsed(tmp_path, data) as roster:
        by_school = updates(roster)
        assert (roster.format, roster.bulk) == ("flat-csv", True)
        assert codes(roster.issues) == ([], [])
        # Per school: an admin, 3 class teachers, 12 students, 24 parents, 1 subject teacher.
        assert (roster.counts.schools, roster.counts.classes, roster.counts.people) == (2, 6, 82)
    assert list(by_school) == ["sch0001", "sch0002"]
    school = by_school["sch0001"]
    assert school.school_name == "МБОУ СОШ №1 г. Тверь"
    assert sorted(school.classes.records) == ["1А", "2А", "3А"]
    assert all(c.kind is ClassKind.HOMEROOM for c in school.classes.records.values())
    assert len(school.people.records) == 41
    assert school.people.complete and school.classes.complete and school.enrollments.complete


def test_school_updates_come_sorted_by_school_id_whatever_the_row_order(tmp_path: Path) -> None:
    data = flat(
        "zeta,Z,5А,student,p1,Иванов,Иван,,,",
        "alpha,A,5А,student,p2,Петров,Пётр,,,",
        "mid,M,5А,student,p3,Сидоров,Сидор,,,",
    )
    with parsed(tmp_path, data) as roster:
        assert [u.school_id for u in roster.school_updates()] == ["alpha", "mid", "zeta"]


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [
        ("utf-8", ","),
        ("utf-8-sig", ","),
        ("cp1251", ","),
        ("utf-8", ";"),
        ("cp1251", ";"),
        ("utf-8-sig", ";"),
    ],
)
def test_encoding_and_delimiter_are_detected(tmp_path: Path, encoding: str, delimiter: str) -> None:
    reference = flat_csv(1, 2, 3, 1, seed=3)
    variant = flat_csv(1, 2, 3, 1, seed=3, encoding=encoding, delimiter=delimiter)
    if encoding == "utf-8-sig":
        assert variant.startswith(codecs.BOM_UTF8)
    with parsed(tmp_path, reference, "a.csv") as roster:
        expected = [update_to_json(u) for u in roster.school_updates()]
    with parsed(tmp_path, variant, "b.csv") as roster:
        assert codes(roster.issues) == ([], [])
        assert [update_to_json(u) for u in roster.school_updates()] == expected


def test_header_names_are_case_insensitive_padded_and_in_any_order(tmp_path: Path) -> None:
    header = (
        " Person_ID ,ROLE,Class, School_Id,last_name,First_Name,guardian_of,middle_name,phone,school_name"
    )
    data = flat("p1,Student,5А,s1,Иванов,Иван,,,,Школа", header=header)
    with parsed(tmp_path, data) as roster:
        school = updates(roster)["s1"]
        assert codes(roster.issues) == ([], [])
    person = school.people.records["p1"]
    assert (person.family_name, person.given_name, person.roles) == (
        "Иванов",
        "Иван",
        frozenset({Role.STUDENT}),
    )
    assert school.school_name == "Школа"


def test_optional_columns_may_be_left_out(tmp_path: Path) -> None:
    data = flat("s1,5А,student,p1,Иванов,Иван", header="school_id,class,role,person_id,last_name,first_name")
    with parsed(tmp_path, data) as roster:
        school = updates(roster)["s1"]
    assert school.school_name is None
    assert list(school.people.records) == ["p1"]


def test_a_missing_required_column_refuses_the_file(tmp_path: Path) -> None:
    data = flat("s1,5А,student,Иванов,Иван", header="school_id,class,role,last_name,first_name")
    error = refusal(tmp_path, data)
    assert (error.code, error.file, error.line) == ("missing_column", NAME, 1)
    assert "person_id" in error.message


def test_a_column_named_twice_refuses_the_file(tmp_path: Path) -> None:
    header = "school_id,class,role,person_id,Person_Id,last_name,first_name"
    error = refusal(tmp_path, flat("s1,5А,student,p1,x,Иванов,Иван", header=header))
    assert (error.code, error.line) == ("duplicate_column", 1)


def test_extra_columns_are_warned_about_once_and_ignored(tmp_path: Path) -> None:
    data = flat("s1,Ш,5А,student,p1,Иванов,Иван,,,,x@example.org,", header=FLAT_HEADER + ",email,")
    with parsed(tmp_path, data) as roster:
        assert located(roster.issues.warnings) == [(NAME, 1, "email", "extra_column")]
        assert list(updates(roster)["s1"].people.records) == ["p1"]


def test_a_lone_oneroster_users_csv_is_refused_with_a_clear_reason(tmp_path: Path) -> None:
    data = b"sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,givenName,familyName\n"
    error = refusal(tmp_path, data, "users.csv")
    assert (error.code, error.file, error.line) == ("oneroster_not_zipped", "users.csv", 1)
    assert "zip" in error.message


def test_roles_map_to_people_and_enrollments(tmp_path: Path) -> None:
    data = flat(
        f"{SCHOOL},5А,class_teacher,t1,Смирнова,Анна,Петровна,+7 900 000-00-01,",
        f"{SCHOOL},6Б,teacher,t1,Смирнова,Анна,Петровна,,",
        f"{SCHOOL},,teacher,t2,Козлов,Олег,,,",
        f"{SCHOOL},5А,student,c1,Иванов,Иван,,,",
        f"{SCHOOL},6Б,student,c2,Иванова,Мария,,,",
        f"{SCHOOL},,parent,g1,Иванова,Ольга,,+7 900 000-00-02,c1|c2",
        f"{SCHOOL},,admin,a1,Орлов,Павел,,,",
    )
    with parsed(tmp_path, data) as roster:
        school = updates(roster)["s1"]
        assert codes(roster.issues) == ([], [])
    people = school.people.records
    assert people["t1"].roles == {Role.TEACHER} and people["t2"].roles == {Role.TEACHER}
    assert people["a1"].roles == {Role.ADMIN}
    assert people["g1"].roles == {Role.PARENT} and people["g1"].related_ids == {"c1", "c2"}
    assert people["c1"].related_ids == frozenset()
    assert school.enrollments.records == {
        "5А|t1|teacher": EnrollmentRecord("5А|t1|teacher", "5А", "t1", EnrollmentRole.TEACHER, primary=True),
        "6Б|t1|teacher": EnrollmentRecord("6Б|t1|teacher", "6Б", "t1", EnrollmentRole.TEACHER, primary=False),
        "5А|c1|student": EnrollmentRecord("5А|c1|student", "5А", "c1", EnrollmentRole.STUDENT),
        "6Б|c2|student": EnrollmentRecord("6Б|c2|student", "6Б", "c2", EnrollmentRole.STUDENT),
    }


def test_role_values_ignore_case_spaces_and_separators(tmp_path: Path) -> None:
    data = flat(
        f"{SCHOOL},5А, Class Teacher ,t1,Смирнова,Анна,,,",
        f"{SCHOOL},5А,STUDENT,c1,Иванов,Иван,,,",
        f"{SCHOOL},,Parent,g1,Иванова,Ольга,,,c1",
        f"{SCHOOL},,class-teacher,t2,Козлов,Олег,,,",
    )
    with parsed(tmp_path, data) as roster:
        school = updates(roster)["s1"]
        # class-teacher without a class is an error: it is read as class_teacher.
        assert located(roster.issues.errors) == [(NAME, 5, "class", "missing_value")]
    assert school.enrollments.records["5А|t1|teacher"].primary
    assert set(school.people.records) == {"t1", "c1", "g1"}


def test_a_person_on_several_rows_merges_roles_and_keeps_the_first_name(tmp_path: Path) -> None:
    data = flat(
        f"{SCHOOL},5А,class_teacher,t1,Смирнова,Анна,Петровна,,",
        f"{SCHOOL},7В,teacher,t1,Смирнова,Анна,Петровна,,",
        f"{SCHOOL},,parent,t1,Смирнова,Анна,Павловна,,c1",
        f"{SCHOOL},5А,student,c1,Смирнов,Иван,,,",
        f"{SCHOOL},5А,teacher,t1,Смирнова,Анна,Петровна,,",
    )
    with parsed(tmp_path, data) as roster:
        school = updates(roster)["s1"]
        assert located(roster.issues.warnings) == [(NAME, 4, "middle_name", "name_conflict")]
        assert "t1" in roster.issues.warnings[0].message
        assert "Павловна" not in roster.issues.warnings[0].message
        assert roster.issues.rows_skipped == 0
        assert roster.counts.people == 2
    teacher = school.people.records["t1"]
    assert teacher.roles == {Role.TEACHER, Role.PARENT}
    assert teacher.middle_name == "Петровна"
    assert teacher.related_ids == {"c1"}
    # class_teacher and teacher rows of the same class make one primary enrollment.
    assert school.enrollments.records["5А|t1|teacher"].primary
    assert not school.enrollments.records["7В|t1|teacher"].primary


def test_a_person_in_two_schools_has_the_roles_of_each_school_there(tmp_path: Path) -> None:
    data = flat(
        "s1,Один,5А,class_teacher,t1,Смирнова,Анна,,,",
        "s2,Два,,parent,t1,Смирнова,Анна,,,c2",
        "s2,Два,3Б,student,c2,Смирнов,Иван,,,",
    )
    with parsed(tmp_path, data) as roster:
        by_school = updates(roster)
    assert by_school["s1"].people.records["t1"].roles == {Role.TEACHER}
    assert by_school["s2"].people.records["t1"].roles == {Role.PARENT}


def test_a_guardian_of_students_in_two_schools_is_in_both_updates(tmp_path: Path) -> None:
    data = flat(
        "s1,Один,5А,student,c1,Иванов,Иван,,,",
        "s2,Два,2Б,student,c2,Иванова,Мария,,,",
        "s1,Один,,parent,g1,Иванова,Ольга,,,c1|c2",
    )
    with parsed(tmp_path, data) as roster:
        by_school = updates(roster)
        assert codes(roster.issues) == ([], [])
    for school_id, child in (("s1", "c1"), ("s2", "c2")):
        school = by_school[school_id]
        assert school.people.records["g1"].roles == {Role.PARENT}
        assert school.people.records["g1"].related_ids == {"c1", "c2"}
        assert school.people.records[child].roles == {Role.STUDENT}


@pytest.mark.parametrize(
    ("title", "class_id"),
    [
        ("5А", "5А"),
        ("5A", "5А"),
        ("5а", "5А"),
        ("5a", "5А"),
        (" 5 А ", "5А"),
        ("5-а", "5А"),
        ("05«А»", "5А"),
        ('5 "А"', "5А"),
        ("11б", "11Б"),
        ("10C", "10С"),
        ("１０Ｂ", "10В"),
        ("10-1", "10-1"),
        ("Подготовительная  группа", "ПОДГОТОВИТЕЛЬНАЯ ГРУППА"),
        ("1 класс коррекционный", "1 КЛАСС КОРРЕКЦИОННЫЙ"),
    ],
)
def test_class_ids_normalise_case_lookalikes_and_separators(title: str, class_id: str) -> None:
    assert class_id_for(title) == class_id


def test_class_name_variants_merge_into_one_class_with_the_first_title(tmp_path: Path) -> None:
    data = flat(
        f"{SCHOOL},5А,class_teacher,t1,Смирнова,Анна,,,",
        f"{SCHOOL},5A,student,c1,Иванов,Иван,,,",
        f"{SCHOOL},5а,student,c2,Петров,Пётр,,,",
        f"{SCHOOL},5A,student,c3,Сидоров,Сидор,,,",
        f"{SCHOOL},5Б,student,c4,Орлов,Олег,,,",
    )
    with parsed(tmp_path, data) as roster:
        school = updates(roster)["s1"]
        assert located(roster.issues.warnings) == [
            (NAME, 3, "class", "class_variant_merged"),
            (NAME, 4, "class", "class_variant_merged"),
        ]
        assert "'5A'" in roster.issues.warnings[0].message and "'5А'" in roster.issues.warnings[0].message
        assert roster.counts.classes == 2
    assert school.classes.records["5А"].title == "5А"
    assert {e.person_id for e in school.enrollments.records.values() if e.class_id == "5А"} == {
        "t1",
        "c1",
        "c2",
        "c3",
    }


def test_the_same_class_name_in_two_schools_is_two_classes(tmp_path: Path) -> None:
    data = flat("s1,Один,5А,student,c1,Иванов,Иван,,,", "s2,Два,5А,student,c2,Петров,Пётр,,,")
    with parsed(tmp_path, data) as roster:
        by_school = updates(roster)
        assert roster.counts.classes == 2
    assert list(by_school["s1"].classes.records) == list(by_school["s2"].classes.records) == ["5А"]


@pytest.mark.parametrize(
    ("row", "column", "code"),
    [
        (",Ш,5А,student,p1,Иванов,Иван,,,", "school_id", "missing_value"),
        ("s1,Ш,5А,student,,Иванов,Иван,,,", "person_id", "missing_value"),
        ("s1,Ш,5А,,p1,Иванов,Иван,,,", "role", "missing_value"),
        ("s1,Ш,5А,pupil,p1,Иванов,Иван,,,", "role", "unknown_role"),
        ("s1,Ш,,student,p1,Иванов,Иван,,,", "class", "missing_value"),
        ("s1,Ш,,class_teacher,p1,Иванов,Иван,,,", "class", "missing_value"),
        ("s1,Ш,5А,student,p1,,,Иванович,,", "last_name", "missing_value"),
    ],
)
def test_a_bad_row_is_skipped_with_its_line_column_and_code(
    tmp_path: Path, row: str, column: str, code: str
) -> None:
    data = flat("s1,Ш,5А,student,ok,Петров,Пётр,,,", row, "s1,Ш,5А,student,ok2,Сидоров,Сидор,,,")
    with parsed(tmp_path, data) as roster:
        school = updates(roster)["s1"]
        assert located(roster.issues.errors) == [(NAME, 3, column, code)]
        assert roster.issues.rows_skipped == 1
    assert set(school.people.records) == {"ok", "ok2"}


def test_unknown_role_lists_the_allowed_ones(tmp_path: Path) -> None:
    with parsed(tmp_path, flat("s1,Ш,5А,ученик,p1,Иванов,Иван,,,")) as roster:
        message = roster.issues.errors[0].message
    assert "student, teacher, class_teacher, parent, admin" in message


def test_optional_values_that_make_no_sense_are_dropped_with_a_warning(tmp_path: Path) -> None:
    data = flat(
        f"{SCHOOL},5А,student,c1,Иванов,Иван,,,g9",
        f"{SCHOOL},1А,admin,a1,Орлов,Павел,,,",
        f"{SCHOOL},5А,parent,g1,Иванова,Ольга,,,c1",
        f"{SCHOOL},,parent,g2,Петрова,Анна,,,g2|c1",
    )
    with parsed(tmp_path, data) as roster:
        school = updates(roster)["s1"]
        assert located(roster.issues.warnings) == [
            (NAME, 2, "guardian_of", "guardian_of_ignored"),
            (NAME, 3, "class", "class_ignored"),
            (NAME, 5, "guardian_of", "self_reference"),
        ]
        assert roster.issues.rows_skipped == 0
    assert school.people.records["c1"].related_ids == frozenset()
    assert school.people.records["g2"].related_ids == {"c1"}
    # An admin's or a parent's class makes no enrollment.
    assert set(school.enrollments.records) == {"5А|c1|student"}


def test_phones_are_checked_loosely_and_never_kept(tmp_path: Path) -> None:
    data = flat(
        f"{SCHOOL},5А,class_teacher,t1,Смирнова,Анна,,+7 (912) 345-67-89,",
        f"{SCHOOL},,parent,g1,Иванова,Ольга,,8-912-765-43-21,c1",
        f"{SCHOOL},5А,student,c1,Иванов,Иван,,позвонить маме 123,",
    )
    with parsed(tmp_path, data) as roster:
        school = updates(roster)["s1"]
        assert located(roster.issues.warnings) == [(NAME, 4, "phone", "invalid_phone")]
        assert "123" not in roster.issues.warnings[0].message
    document = str(update_to_json(school))
    assert "345-67-89" not in document and "765" not in document and "позвонить" not in document


def test_guardian_links_to_people_not_in_the_file_are_dropped(tmp_path: Path) -> None:
    data = flat(
        f"{SCHOOL},5А,student,c1,Иванов,Иван,,,",
        f"{SCHOOL},,parent,g1,Иванова,Ольга,,,c1 | ghost",
        f"{SCHOOL},,parent,g2,Петрова,Анна,,,nobody",
        f"{SCHOOL},,parent,g3,Сидорова,Вера,,,",
    )
    with parsed(tmp_path, data) as roster:
        school = updates(roster)["s1"]
        assert located(roster.issues.warnings) == [
            (NAME, 3, "guardian_of", "unknown_related_id"),
            (NAME, 4, "guardian_of", "unknown_related_id"),
            (NAME, 4, "guardian_of", "parent_without_children"),
            (NAME, 5, "guardian_of", "parent_without_children"),
        ]
        assert "ghost" in roster.issues.warnings[0].message
    assert school.people.records["g1"].related_ids == {"c1"}
    assert school.people.records["g2"].related_ids == frozenset()


def test_school_names_that_disagree_keep_the_first(tmp_path: Path) -> None:
    data = flat(
        "s1,,5А,student,c1,Иванов,Иван,,,",
        "s1,Школа №1,5А,student,c2,Петров,Пётр,,,",
        "s1,Школа № 1,5А,student,c3,Сидоров,Сидор,,,",
    )
    with parsed(tmp_path, data) as roster:
        school = updates(roster)["s1"]
        assert located(roster.issues.warnings) == [(NAME, 4, "school_name", "school_name_conflict")]
    assert school.school_name == "Школа №1"


def test_a_header_without_rows_warns(tmp_path: Path) -> None:
    with parsed(tmp_path, flat()) as roster:
        assert located(roster.issues.warnings) == [(NAME, None, None, "no_rows")]
        assert list(roster.school_updates()) == []
        assert (roster.counts.schools, roster.counts.people, roster.bulk) == (0, 0, True)


def test_rows_with_the_wrong_number_of_fields_are_skipped(tmp_path: Path) -> None:
    data = flat(
        f"{SCHOOL},5А,student,c1,Иванов,Иван,,,",
        f"{SCHOOL},5А,student,c2,Иванов, Иван-Мария,,,,",
        f"{SCHOOL},5А,student,c3,Петров",
        f"{SCHOOL},5А,student,c4,Сидоров,Сидор,,,",
    )
    with parsed(tmp_path, data) as roster:
        assert located(roster.issues.errors) == [
            (NAME, 3, None, "field_count_mismatch"),
            (NAME, 4, None, "field_count_mismatch"),
        ]
        assert "11 fields" in roster.issues.errors[0].message
        assert set(updates(roster)["s1"].people.records) == {"c1", "c4"}


def test_quoted_newlines_and_mixed_line_endings_keep_line_numbers(tmp_path: Path) -> None:
    data = (
        FLAT_HEADER
        + "\r\n"
        + 's1,"Школа\r\nимени Пушкина",5А,student,c1,Иванов,Иван,,,\n'
        + "s1,,5А,student,c2,Петров,Пётр,,,\r"
        + "s1,,5А,pupil,c3,Сидоров,Сидор,,,\r\n"
        + "\n"
        + "s1,,5А,student,c4,Орлов,Олег,,,\n"
        + "s1,,5А,alien,c5,Кто,То,,,"
    ).encode()
    with parsed(tmp_path, data) as roster:
        school = updates(roster)["s1"]
        assert located(roster.issues.errors) == [
            (NAME, 5, "role", "unknown_role"),
            (NAME, 8, "role", "unknown_role"),
        ]
    assert school.school_name == "Школа\r\nимени Пушкина"
    assert set(school.people.records) == {"c1", "c2", "c4"}


def test_blank_and_delimiter_only_lines_are_skipped_silently(tmp_path: Path) -> None:
    data = flat(
        "",
        f"{SCHOOL},5А,student,c1,Иванов,Иван,,,",
        ",,,,,,,,,",
        "  ",
        f"{SCHOOL},5А,student,c2,Петров,Пётр,,,",
    )
    with parsed(tmp_path, data) as roster:
        assert codes(roster.issues) == ([], [])
        assert set(updates(roster)["s1"].people.records) == {"c1", "c2"}


def test_a_nul_byte_in_a_row_skips_that_row(tmp_path: Path) -> None:
    padding = [f"{SCHOOL},5А,student,p{n},Иванов,Иван,,," for n in range(2000)]  # past the binary sniff
    data = flat(
        *padding, f"{SCHOOL},5А,student,bad,Ива\x00нов,Иван,,,", f"{SCHOOL},5А,student,ok,Петров,Пётр,,,"
    )
    with parsed(tmp_path, data) as roster:
        assert located(roster.issues.errors) == [(NAME, 2002, "last_name", "nul_byte")]
        people = updates(roster)["s1"].people.records
    assert "bad" not in people and "ok" in people


def test_an_oversized_field_skips_its_row_and_reading_goes_on(tmp_path: Path) -> None:
    huge = "Я" * ((1 << 20) + 1)
    data = flat(f"{SCHOOL},5А,student,c1,{huge},Иван,,,", f"{SCHOOL},5А,student,c2,Петров,Пётр,,,")
    with parsed(tmp_path, data) as roster:
        assert located(roster.issues.errors) == [(NAME, 2, None, "field_too_long")]
        assert set(updates(roster)["s1"].people.records) == {"c2"}


def test_an_overlong_line_skips_that_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import chalicelib.roster.csvfile as csvfile

    monkeypatch.setattr(csvfile, "LINE_LIMIT_CHARS", 200)
    data = flat(f"{SCHOOL},5А,student,c1,{'Я' * 500},Иван,,,", f"{SCHOOL},5А,student,c2,Петров,Пётр,,,")
    with parsed(tmp_path, data) as roster:
        assert located(roster.issues.errors) == [(NAME, 2, None, "line_too_long")]
        assert set(updates(roster)["s1"].people.records) == {"c2"}


def test_an_unclosed_quote_does_not_swallow_the_file_silently(tmp_path: Path) -> None:
    data = flat(f'{SCHOOL},5А,student,c1,"Иванов,Иван,,,', f"{SCHOOL},5А,student,c2,Петров,Пётр,,,")
    with parsed(tmp_path, data) as roster:
        assert [e.code for e in roster.issues.errors] == ["field_count_mismatch"]
        assert roster.issues.errors[0].line == 2
        assert list(roster.school_updates()) == []


def test_flat_updates_are_bulk_and_survive_the_json_codec(tmp_path: Path) -> None:
    data = flat_csv(2, 3, 5, 2, seed=11)
    with parsed(tmp_path, data) as roster:
        for update in roster.school_updates():
            assert update.is_bulk
            assert update_from_json(update_to_json(update)) == update


def test_any_other_csv_parser_error_skips_the_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # With newline="" and a lenient dialect the csv module has no other error left to raise
    # today; should a future version add one, the row is reported rather than crashing the import.
    import csv

    real_reader = csv.reader

    class Reader:
        def __init__(self, lines: Iterator[str], **options: str) -> None:
            self._rows = real_reader(lines, **options)

        def __iter__(self) -> Reader:
            return self

        def __next__(self) -> list[str]:
            row = next(self._rows)
            if row and row[4] == "boom":
                raise csv.Error("unexpected end of data")
            return row

    monkeypatch.setattr(csv, "reader", Reader)
    data = flat(f"{SCHOOL},5А,student,boom,Иванов,Иван,,,", f"{SCHOOL},5А,student,c2,Петров,Пётр,,,")
    with parsed(tmp_path, data) as roster:
        assert located(roster.issues.errors) == [(NAME, 2, None, "malformed_row")]
        assert set(updates(roster)["s1"].people.records) == {"c2"}


def test_a_spreadsheet_export_as_excel_writes_it(tmp_path: Path) -> None:
    # Windows-1251, ';', CRLF, a trailing ';' on every line, title-case header and roles,
    # "5А"/"5A"/"5а" for one class, a blank line and an empty last row.
    data = (FIXTURES / "excel-cp1251-semicolon.csv").read_bytes()
    with parsed(tmp_path, data, "school-714.csv") as roster:
        school = updates(roster)["714"]
        assert located(roster.issues.warnings) == [
            ("school-714.csv", 3, "class", "class_variant_merged"),
            ("school-714.csv", 4, "class", "class_variant_merged"),
        ]
        assert roster.issues.errors == []
    assert school.school_name == "МБОУ «СОШ №5»"
    assert {c.class_id: c.title for c in school.classes.records.values()} == {"5А": "5А", "6Б": "6Б"}
    assert school.people.records["P-01"].related_ids == {"S-01", "S-02"}
    assert school.people.records["T-01"].roles == {Role.TEACHER}
    assert school.enrollments.records["5А|T-01|teacher"].primary
    assert not school.enrollments.records["6Б|T-01|teacher"].primary
    assert {e.person_id for e in school.enrollments.records.values() if e.role is EnrollmentRole.STUDENT} == {
        "S-01",
        "S-02",
    }


def test_each_column_has_a_length_cap(tmp_path: Path) -> None:
    """A 300-character surname is no name: the row is skipped and named, the value never stored (#10.7)."""
    data = flat(
        f"{SCHOOL},5А,student,c1,{'Я' * 300},Иван,,,",
        f"{SCHOOL},5А,student,{'x' * 300},Петров,Пётр,,,",
        f"{SCHOOL},5А,student,c3,Петров,Пётр,,,",
    )
    with parsed(tmp_path, data) as roster:
        assert located(roster.issues.errors) == [
            (NAME, 2, "last_name", "field_too_long"),
            (NAME, 3, "person_id", "field_too_long"),
        ]
        assert all(len(issue.message) < 300 for issue in roster.issues.errors)
        assert set(updates(roster)["s1"].people.records) == {"c3"}
