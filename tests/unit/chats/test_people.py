"""Names and roles as the school says them (issue #15): genitive names, «мама Козлова Артёма, 5А»."""

from __future__ import annotations

import pytest

from chalicelib.chats.people import school_people
from chalicelib.chats.russian_names import Sex, genitive, genitive_family, genitive_given, sex_of
from chalicelib.roster.model import (
    ClassKind,
    ClassRecord,
    EnrollmentRecord,
    EnrollmentRole,
    PersonRecord,
    Role,
    SchoolRoster,
)


@pytest.mark.parametrize(
    ("family", "given", "middle", "expected"),
    [
        ("Козлов", "Артём", "Ильич", "Козлова Артёма"),
        ("Орлова", "Вера", "Ильинична", "Орловой Веры"),
        ("Смирнова", "Ксения", "Алексеевна", "Смирновой Ксении"),
        ("Подольский", "Андрей", "Олегович", "Подольского Андрея"),
        ("Толстой", "Лев", "", "Толстого Льва"),
        ("Орлов", "Пётр", "Ильич", "Орлова Петра"),
        ("Фёдорова", "Софья", "Максимовна", "Фёдоровой Софьи"),
        ("Черных", "Ольга", "Ивановна", "Черных Ольги"),
        ("Ким", "Никита", "Сергеевич", "Кима Никиты"),
        ("Ким", "Анна", "Сергеевна", "Ким Анны"),
        ("Лебедь", "Игорь", "", "Лебедя Игоря"),
        ("Морозова", "Любовь", "", "Морозовой Любови"),
        ("Шевченко", "Илья", "Петрович", "Шевченко Ильи"),
    ],
)
def test_names_in_the_genitive(family: str, given: str, middle: str, expected: str) -> None:
    assert genitive(family, given, sex_of(given, middle)) == expected


def test_the_patronymic_decides_the_sex_before_the_given_name() -> None:
    assert sex_of("Саша", "Петрович") is Sex.MALE
    assert sex_of("Саша", "Петровна") is Sex.FEMALE
    assert sex_of("Никита") is Sex.MALE
    assert sex_of("Саша") is Sex.UNKNOWN
    assert sex_of("Мария") is Sex.FEMALE
    assert sex_of("") is Sex.UNKNOWN
    # Unknown sex: names stay as written rather than being declined wrongly.
    assert genitive_family("Козлов", Sex.UNKNOWN) == "Козлов"
    assert genitive_given("Артём", Sex.UNKNOWN) == "Артём"


def _person(pid: str, role: Role, family: str, given: str, middle: str = "", *related: str) -> PersonRecord:
    return PersonRecord(pid, frozenset({role}), family, given, middle, frozenset(related))


ROSTER = SchoolRoster(
    school_id="s1",
    school_name="Школа",
    people={
        p.person_id: p
        for p in (
            _person("t1", Role.TEACHER, "Иванова", "Мария", "Петровна"),
            _person("t2", Role.TEACHER, "Волков", "Дмитрий", "Андреевич"),
            _person("a1", Role.ADMIN, "Петрова", "Ольга", "Сергеевна"),
            _person("s1", Role.STUDENT, "Козлов", "Артём", "Ильич", "p1"),
            _person("s2", Role.STUDENT, "Козлова", "Вера", "Ильинична"),
            _person("p1", Role.PARENT, "Козлова", "Наталья", "Викторовна", "s2"),
            _person("p2", Role.PARENT, "Козлов", "Илья", "Петрович", "s1"),
            _person("p3", Role.PARENT, "Ким", "Саша", "", "s9"),
        )
    },
    classes={
        "5a": ClassRecord("5a", "5А", ClassKind.HOMEROOM),
        "6a": ClassRecord("6a", "6А", ClassKind.HOMEROOM),
        "m5a": ClassRecord("m5a", "Математика 5А", ClassKind.SCHEDULED, "Математика"),
    },
    enrollments={
        e.enrollment_id: e
        for e in (
            EnrollmentRecord("e1", "5a", "t1", EnrollmentRole.TEACHER, primary=True),
            EnrollmentRecord("e2", "5a", "s1", EnrollmentRole.STUDENT),
            EnrollmentRecord("e3", "6a", "s2", EnrollmentRole.STUDENT),
            EnrollmentRecord("e4", "m5a", "t2", EnrollmentRole.TEACHER),
            EnrollmentRecord("e5", "m5a", "s1", EnrollmentRole.STUDENT),
        )
    },
)


def test_each_person_is_described_as_the_school_says_it() -> None:
    people = school_people(ROSTER)
    about = {pid: people.describe(pid) for pid in ROSTER.people}

    assert about["p1"] is not None and about["p1"].about == "мама Козлова Артёма (5А) и Козловой Веры (6А)"
    assert about["p2"] is not None and about["p2"].about == "папа Козлова Артёма, 5А"
    assert about["p3"] is not None and about["p3"].about == "родитель"  # no child in the roster, sex unclear
    assert about["t1"] is not None and about["t1"].about == "классный руководитель 5А"
    assert about["t2"] is not None and about["t2"].about == "учитель"
    assert about["a1"] is not None and about["a1"].about == "администрация"
    assert about["s1"] is not None and about["s1"].about == "ученик 5А"
    assert about["s2"] is not None and about["s2"].about == "ученица 6А"
    assert people.describe("nobody") is None


def test_adults_are_named_with_their_patronymic_pupils_without() -> None:
    assert ROSTER.people["t1"].display_name == "Иванова Мария Петровна"
    assert ROSTER.people["p3"].display_name == "Ким Саша"
    assert ROSTER.people["s1"].display_name == "Козлов Артём"
