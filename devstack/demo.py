"""The demo school the local stack loads: a small OneRoster 1.2 export with named people.

Small enough to read, rich enough to show every chat kind: three homeroom
classes with class teachers, a subject teacher with scheduled classes (for
subject chats), an administrator, siblings in two classes, and a parent who
is also a teacher.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass

SCHOOL_ID = "school-1"
SCHOOL_NAME = "Школа № 1"


@dataclass(frozen=True)
class DemoPerson:
    """A demo user: id, role, family name, given name, patronymic, org."""

    person_id: str
    role: str
    family: str
    given: str
    middle: str
    agents: tuple[str, ...] = ()


PEOPLE: tuple[DemoPerson, ...] = (
    DemoPerson("a-petrova", "administrator", "Петрова", "Ольга", "Сергеевна"),
    DemoPerson("t-ivanova", "teacher", "Иванова", "Мария", "Петровна"),
    DemoPerson("t-smirnov", "teacher", "Смирнов", "Алексей", "Игоревич"),
    DemoPerson("t-kuznetsova", "teacher", "Кузнецова", "Анна", "Викторовна"),
    DemoPerson("t-volkov", "teacher", "Волков", "Дмитрий", "Андреевич"),
    DemoPerson("s-orlov", "student", "Орлов", "Пётр", "Ильич", ("p-orlova",)),
    DemoPerson("s-lebedeva", "student", "Лебедева", "Дарья", "Олеговна", ("p-lebedev", "p-lebedeva")),
    DemoPerson("s-sokolov", "student", "Соколов", "Иван", "Денисович", ("p-sokolova",)),
    DemoPerson("s-morozova", "student", "Морозова", "Алиса", "Павловна", ("p-morozov",)),
    DemoPerson("s-popov", "student", "Попов", "Максим", "Романович", ("p-popova",)),
    DemoPerson("s-vasilieva", "student", "Васильева", "Ева", "Артёмовна", ("p-vasiliev",)),
    DemoPerson("s-novikov", "student", "Новиков", "Лев", "Сергеевич", ("p-novikova",)),
    DemoPerson("s-fedorova", "student", "Фёдорова", "Софья", "Максимовна", ("p-fedorov",)),
    DemoPerson("s-orlova", "student", "Орлова", "Вера", "Ильинична", ("p-orlova",)),
    DemoPerson("s-smirnova", "student", "Смирнова", "Ксения", "Алексеевна", ("t-smirnov",)),
    DemoPerson("p-orlova", "parent", "Орлова", "Наталья", "Викторовна"),
    DemoPerson("p-lebedev", "parent", "Лебедев", "Олег", "Николаевич"),
    DemoPerson("p-lebedeva", "guardian", "Лебедева", "Ирина", "Юрьевна"),
    DemoPerson("p-sokolova", "parent", "Соколова", "Елена", "Андреевна"),
    DemoPerson("p-morozov", "parent", "Морозов", "Павел", "Евгеньевич"),
    DemoPerson("p-popova", "parent", "Попова", "Татьяна", "Игоревна"),
    DemoPerson("p-vasiliev", "relative", "Васильев", "Артём", "Борисович"),
    DemoPerson("p-novikova", "parent", "Новикова", "Юлия", "Сергеевна"),
    DemoPerson("p-fedorov", "parent", "Фёдоров", "Максим", "Олегович"),
)

# class id, title, type, class teacher / teacher, students
CLASSES: tuple[tuple[str, str, str, str, tuple[str, ...]], ...] = (
    ("c-5a", "5А", "homeroom", "t-ivanova", ("s-orlov", "s-lebedeva", "s-sokolov", "s-morozova")),
    ("c-5b", "5Б", "homeroom", "t-smirnov", ("s-popov", "s-vasilieva", "s-novikov")),
    ("c-6a", "6А", "homeroom", "t-kuznetsova", ("s-fedorova", "s-orlova", "s-smirnova")),
    (
        "c-math-5a",
        "Математика 5А",
        "scheduled",
        "t-ivanova",
        ("s-orlov", "s-lebedeva", "s-sokolov", "s-morozova"),
    ),
    ("c-phys-6a", "Физика 6А", "scheduled", "t-volkov", ("s-fedorova", "s-orlova", "s-smirnova")),
)

# Who the printed demo tokens are for: (person id, description).
DEMO_USERS: tuple[tuple[str, str], ...] = (
    ("t-ivanova", "class teacher of 5А, teaches Математика 5А"),
    ("t-volkov", "subject teacher, Физика 6А"),
    ("a-petrova", "school administrator"),
    ("p-orlova", "parent of children in 5А and 6А"),
    ("s-orlov", "student of 5А"),
)


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def demo_oneroster_zip() -> bytes:
    """The demo school as a OneRoster 1.2 bulk zip."""
    stamp = "2026-09-01T00:00:00.000Z"
    manifest = [
        ["propertyName", "value"],
        ["manifest.version", "1.0"],
        ["oneroster.version", "1.2"],
        ["file.orgs", "bulk"],
        ["file.users", "bulk"],
        ["file.classes", "bulk"],
        ["file.enrollments", "bulk"],
        ["file.roles", "bulk"],
    ]
    orgs = [
        ["sourcedId", "status", "dateLastModified", "name", "type", "identifier", "parentSourcedId"],
        [SCHOOL_ID, "active", stamp, SCHOOL_NAME, "school", "1", ""],
    ]
    users = [
        [
            "sourcedId",
            "status",
            "dateLastModified",
            "enabledUser",
            "orgSourcedIds",
            "role",
            "username",
            "givenName",
            "familyName",
            "middleName",
            "agentSourcedIds",
        ]
    ]
    for p in PEOPLE:
        users.append(
            [
                p.person_id,
                "active",
                stamp,
                "true",
                SCHOOL_ID,
                p.role,
                p.person_id,
                p.given,
                p.family,
                p.middle,
                ",".join(p.agents),
            ]
        )
    classes = [
        ["sourcedId", "status", "dateLastModified", "title", "classType", "schoolSourcedId", "subjects"]
    ]
    enrollments = [
        [
            "sourcedId",
            "status",
            "dateLastModified",
            "classSourcedId",
            "schoolSourcedId",
            "userSourcedId",
            "role",
            "primary",
        ]
    ]
    for class_id, title, class_type, teacher, students in CLASSES:
        subject = title.split()[0] if class_type == "scheduled" else ""
        classes.append([class_id, "active", stamp, title, class_type, SCHOOL_ID, subject])
        enrollments.append(
            [f"e-{class_id}-{teacher}", "active", stamp, class_id, SCHOOL_ID, teacher, "teacher", "true"]
        )
        for student in students:
            enrollments.append(
                [f"e-{class_id}-{student}", "active", stamp, class_id, SCHOOL_ID, student, "student", "false"]
            )
    # OneRoster 1.2 roles.csv: a person with several roles (Смирнов teaches and is a parent).
    roles = [["sourcedId", "status", "dateLastModified", "userSourcedId", "roleType", "role", "orgSourcedId"]]
    for p in PEOPLE:
        roles.append([f"r-{p.person_id}", "active", stamp, p.person_id, "primary", p.role, SCHOOL_ID])
    roles.append(["r-t-smirnov-parent", "active", stamp, "t-smirnov", "secondary", "parent", SCHOOL_ID])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, rows in (
            ("manifest.csv", manifest),
            ("orgs.csv", orgs),
            ("users.csv", users),
            ("classes.csv", classes),
            ("enrollments.csv", enrollments),
            ("roles.csv", roles),
        ):
            archive.writestr(name, _csv(rows))
    return buffer.getvalue()
