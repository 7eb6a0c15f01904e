"""Deterministic synthetic rosters: the demo school, tests and the benchmark.

Every school is generated from ``(seed, school number)`` alone, so a roster of
any size is written school by school without holding it in memory, and the
same arguments always give the same bytes. A school has an administrator,
homeroom classes titled like "5А" with one class teacher each, students with
Russian names and patronymics, their parents (mother first, then father,
then other relatives), and subject teachers; the class teacher of the first
class also teaches the second one. In OneRoster each subject teacher has
scheduled classes ("Математика 5А") with the students of that homeroom class.

    flat_csv(schools=1, classes_per_school=3, students_per_class=20, parents_per_student=2, seed=7)
    write_flat_csv(open("big.csv", "wb"), 400, 33, 25, 2, seed=1)   # ~100 MB, streamed
    oneroster_zip(2, 3, 20, 2, seed=7, version="1.2")
"""

from __future__ import annotations

import csv
import io
import random
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO

from chalicelib.roster.flat import HEADER as FLAT_HEADER
from chalicelib.roster.oneroster import (
    CLASSES_HEADER,
    ENROLLMENTS_HEADER,
    ORGS_HEADER,
    ROLES_HEADER,
    USERS_HEADER_11,
    USERS_HEADER_12,
)

MODIFIED = "2025-09-01T00:00:00.000Z"
ZIP_TIMESTAMP = (2025, 9, 1, 0, 0, 0)
DISTRICT_ID = "district-1"
CLASS_LETTERS = "АБВГДЕЖИКЛМН"
SUBJECTS = (
    "Математика",
    "Русский язык",
    "Литература",
    "Английский язык",
    "История",
    "Физика",
    "Химия",
    "Биология",
    "География",
    "Информатика",
    "Физкультура",
    "Музыка",
)
# (given name, patronymic of a son, patronymic of a daughter)
MALE_NAMES = (
    ("Александр", "Александрович", "Александровна"),
    ("Алексей", "Алексеевич", "Алексеевна"),
    ("Андрей", "Андреевич", "Андреевна"),
    ("Артём", "Артёмович", "Артёмовна"),
    ("Владимир", "Владимирович", "Владимировна"),
    ("Виктор", "Викторович", "Викторовна"),
    ("Григорий", "Григорьевич", "Григорьевна"),
    ("Денис", "Денисович", "Денисовна"),
    ("Дмитрий", "Дмитриевич", "Дмитриевна"),
    ("Евгений", "Евгеньевич", "Евгеньевна"),
    ("Егор", "Егорович", "Егоровна"),
    ("Иван", "Иванович", "Ивановна"),
    ("Игорь", "Игоревич", "Игоревна"),
    ("Илья", "Ильич", "Ильинична"),
    ("Кирилл", "Кириллович", "Кирилловна"),
    ("Константин", "Константинович", "Константиновна"),
    ("Максим", "Максимович", "Максимовна"),
    ("Матвей", "Матвеевич", "Матвеевна"),
    ("Михаил", "Михайлович", "Михайловна"),
    ("Никита", "Никитич", "Никитична"),
    ("Николай", "Николаевич", "Николаевна"),
    ("Олег", "Олегович", "Олеговна"),
    ("Павел", "Павлович", "Павловна"),
    ("Роман", "Романович", "Романовна"),
    ("Сергей", "Сергеевич", "Сергеевна"),
    ("Тимофей", "Тимофеевич", "Тимофеевна"),
    ("Фёдор", "Фёдорович", "Фёдоровна"),
    ("Юрий", "Юрьевич", "Юрьевна"),
)
FEMALE_NAMES = (
    "Александра",
    "Алиса",
    "Алёна",
    "Анастасия",
    "Анна",
    "Варвара",
    "Валентина",
    "Вероника",
    "Виктория",
    "Галина",
    "Дарья",
    "Екатерина",
    "Елена",
    "Елизавета",
    "Ирина",
    "Кристина",
    "Ксения",
    "Людмила",
    "Марина",
    "Мария",
    "Милана",
    "Надежда",
    "Наталья",
    "Ольга",
    "Полина",
    "Светлана",
    "Софья",
    "Татьяна",
    "Ульяна",
    "Юлия",
)
SURNAMES = (
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
    "Степанов",
    "Николаев",
    "Орлов",
    "Андреев",
    "Макаров",
    "Никитин",
    "Захаров",
    "Зайцев",
    "Соловьёв",
    "Борисов",
    "Яковлев",
    "Григорьев",
    "Романов",
    "Воробьёв",
    "Сергеев",
    "Кузьмин",
    "Фролов",
    "Королёв",
    "Гусев",
    "Киселёв",
    "Ильин",
    "Поляков",
    "Сорокин",
    "Виноградов",
    "Ковалёв",
    "Белов",
    "Медведев",
    "Тарасов",
    "Жуков",
    "Комаров",
    "Беляев",
    "Богданов",
    "Осипов",
    "Титов",
    "Крылов",
    "Мельников",
    "Калинин",
    "Быков",
    "Островский",
    "Вишневский",
    "Шевченко",
    "Бондаренко",
)
CITIES = ("Тверь", "Казань", "Пермь", "Самара", "Омск", "Тула", "Рязань", "Курск", "Псков", "Вологда")


def female_surname(surname: str) -> str:
    """The feminine form of a Russian surname ("Иванов" → "Иванова", "Островский" → "Островская")."""
    if surname.endswith(("ский", "цкий")):
        return surname[:-2] + "ая"
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    return surname


@dataclass(frozen=True)
class Person:
    """One generated person."""

    person_id: str
    family: str
    given: str
    middle: str
    phone: str = ""


@dataclass(frozen=True)
class Guardian:
    """A parent and the ids of their children."""

    person: Person
    role: str
    children: tuple[str, ...]


@dataclass
class Homeroom:
    """A homeroom class with its class teacher, students and their guardians."""

    class_id: str
    title: str
    grade: int
    teacher: Person
    students: list[Person] = field(default_factory=list)
    guardians: list[Guardian] = field(default_factory=list)


@dataclass(frozen=True)
class SubjectClass:
    """A scheduled subject class: one subject teacher and a homeroom class's students."""

    class_id: str
    title: str
    subject: str
    teacher: Person
    homeroom: Homeroom


@dataclass
class School:
    """Everything generated for one school."""

    school_id: str
    name: str
    admin: Person
    homerooms: list[Homeroom]
    subject_teachers: list[tuple[Person, str]]
    subject_classes: list[SubjectClass]
    guardians: dict[str, list[str]] = field(default_factory=dict)
    """Each student's guardians' ids."""


def _phone(rng: random.Random) -> str:
    digits = f"{rng.randrange(10**9):09d}"
    return f"+7 9{digits[:2]} {digits[2:5]}-{digits[5:7]}-{digits[7:]}"


def _adult(rng: random.Random, person_id: str) -> Person:
    if rng.random() < 0.8:  # most teachers are women
        given, middle = rng.choice(FEMALE_NAMES), rng.choice(MALE_NAMES)[2]
        family = female_surname(rng.choice(SURNAMES))
    else:
        given, middle = rng.choice(MALE_NAMES)[0], rng.choice(MALE_NAMES)[1]
        family = rng.choice(SURNAMES)
    return Person(person_id, family, given, middle, _phone(rng))


def _class_title(index: int) -> tuple[int, str]:
    grade = 1 + index % 11
    round_, letter_index = divmod(index // 11, len(CLASS_LETTERS))
    suffix = str(round_ + 1) if round_ else ""
    return grade, f"{grade}{CLASS_LETTERS[letter_index]}{suffix}"


def generate_school(
    number: int, classes_per_school: int, students_per_class: int, parents_per_student: int, seed: int
) -> School:
    """School ``number`` (from 1) of a roster: the same arguments always give the same school."""
    rng = random.Random(f"rostergen/{seed}/{number}")
    school_id = f"sch{number:04d}"
    name = f"МБОУ СОШ №{number} г. {CITIES[(number - 1) % len(CITIES)]}"
    admin = _adult(rng, f"{school_id}-a1")
    homerooms: list[Homeroom] = []
    parent_count = 0
    for index in range(classes_per_school):
        grade, title = _class_title(index)
        teacher = _adult(rng, f"{school_id}-t{index + 1:03d}")
        homeroom = Homeroom(f"{school_id}-c{index + 1:03d}", title, grade, teacher)
        for position in range(students_per_class):
            surname = rng.choice(SURNAMES)
            father_given, son_middle, daughter_middle = rng.choice(MALE_NAMES)
            student_id = f"{school_id}-s{index + 1:03d}{position + 1:03d}"
            if rng.random() < 0.5:
                student = Person(student_id, surname, rng.choice(MALE_NAMES)[0], son_middle)
            else:
                student = Person(
                    student_id, female_surname(surname), rng.choice(FEMALE_NAMES), daughter_middle
                )
            homeroom.students.append(student)
            for kin in range(parents_per_student):
                parent_count += 1
                parent_id = f"{school_id}-p{parent_count:05d}"
                if kin == 1:
                    parent = Person(parent_id, surname, father_given, rng.choice(MALE_NAMES)[1], _phone(rng))
                    role = "parent"
                else:
                    family = female_surname(surname) if kin == 0 else female_surname(rng.choice(SURNAMES))
                    parent = Person(
                        parent_id, family, rng.choice(FEMALE_NAMES), rng.choice(MALE_NAMES)[2], _phone(rng)
                    )
                    role = "parent" if kin == 0 else "relative"
                homeroom.guardians.append(Guardian(parent, role, (student_id,)))
        homerooms.append(homeroom)
    subject_teachers = [
        (_adult(rng, f"{school_id}-st{n + 1:02d}"), SUBJECTS[n % len(SUBJECTS)])
        for n in range(max(1, classes_per_school // 3))
    ]
    subject_classes = []
    for index, homeroom in enumerate(homerooms):
        teacher, subject = subject_teachers[index % len(subject_teachers)]
        subject_classes.append(
            SubjectClass(
                f"{school_id}-sc{index + 1:03d}", f"{subject} {homeroom.title}", subject, teacher, homeroom
            )
        )
    guardians: dict[str, list[str]] = {}
    for homeroom in homerooms:
        for guardian in homeroom.guardians:
            for child_id in guardian.children:
                guardians.setdefault(child_id, []).append(guardian.person.person_id)
    return School(school_id, name, admin, homerooms, subject_teachers, subject_classes, guardians)


def _schools(
    schools: int, classes_per_school: int, students_per_class: int, parents_per_student: int, seed: int
) -> Iterator[School]:
    for number in range(1, schools + 1):
        yield generate_school(number, classes_per_school, students_per_class, parents_per_student, seed)


class _CsvWriter:
    """Rows to an encoded binary stream, a block at a time."""

    def __init__(self, target: IO[bytes], encoding: str, delimiter: str = ",") -> None:
        self._target = target
        self._encoding = encoding
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, delimiter=delimiter, lineterminator="\r\n")

    def rows(self, rows: Iterable[Sequence[str]]) -> None:
        self._writer.writerows(rows)
        if self._buffer.tell() > 1 << 16:
            self.flush()

    def flush(self) -> None:
        self._target.write(self._buffer.getvalue().encode(self._encoding))
        self._buffer.seek(0)
        self._buffer.truncate()


def _flat_rows(school: School) -> Iterator[tuple[str, ...]]:
    def row(class_title: str, role: str, person: Person, guardian_of: str = "") -> tuple[str, ...]:
        return (
            school.school_id,
            school.name,
            class_title,
            role,
            person.person_id,
            person.family,
            person.given,
            person.middle,
            person.phone,
            guardian_of,
        )

    yield row("", "admin", school.admin)
    for homeroom in school.homerooms:
        yield row(homeroom.title, "class_teacher", homeroom.teacher)
        for student in homeroom.students:
            yield row(homeroom.title, "student", student)
        for guardian in homeroom.guardians:
            yield row("", "parent", guardian.person, "|".join(guardian.children))
    if len(school.homerooms) > 1:
        # The first class's class teacher also teaches the second class.
        yield row(school.homerooms[1].title, "teacher", school.homerooms[0].teacher)
    for subject_class in school.subject_classes:
        yield row(subject_class.homeroom.title, "teacher", subject_class.teacher)


def write_flat_csv(
    fileobj: IO[bytes],
    schools: int,
    classes_per_school: int,
    students_per_class: int,
    parents_per_student: int,
    seed: int,
    encoding: str = "utf-8",
    delimiter: str = ",",
) -> None:
    """Write a flat CSV roster to ``fileobj`` school by school (memory does not grow with size)."""
    writer = _CsvWriter(fileobj, encoding, delimiter)
    writer.rows([FLAT_HEADER])
    for school in _schools(schools, classes_per_school, students_per_class, parents_per_student, seed):
        writer.rows(_flat_rows(school))
    writer.flush()


def flat_csv(
    schools: int,
    classes_per_school: int,
    students_per_class: int,
    parents_per_student: int,
    seed: int,
    encoding: str = "utf-8",
    delimiter: str = ",",
) -> bytes:
    """A flat CSV roster (see :func:`write_flat_csv`) as bytes."""
    buffer = io.BytesIO()
    write_flat_csv(
        buffer,
        schools,
        classes_per_school,
        students_per_class,
        parents_per_student,
        seed,
        encoding,
        delimiter,
    )
    return buffer.getvalue()


# --- OneRoster ------------------------------------------------------------------------


@dataclass(frozen=True)
class _User:
    person: Person
    role: str
    school_id: str
    agents: tuple[str, ...] = ()
    grade: str = ""


def _users(school: School) -> Iterator[_User]:
    sid = school.school_id
    yield _User(school.admin, "administrator", sid)
    seen_teachers: set[str] = set()
    for homeroom in school.homerooms:
        seen_teachers.add(homeroom.teacher.person_id)
        yield _User(homeroom.teacher, "teacher", sid)
    for teacher, _subject in school.subject_teachers:
        if teacher.person_id not in seen_teachers:
            yield _User(teacher, "teacher", sid)
    for homeroom in school.homerooms:
        grade = f"{homeroom.grade:02d}"
        for student in homeroom.students:
            yield _User(student, "student", sid, tuple(school.guardians.get(student.person_id, ())), grade)
        for guardian in homeroom.guardians:
            yield _User(guardian.person, guardian.role, sid, guardian.children)


def _user_row(user: _User, version: str) -> list[str]:
    p = user.person
    common = {
        "sourcedId": p.person_id,
        "status": "active",
        "dateLastModified": MODIFIED,
        "enabledUser": "true",
        "orgSourcedIds": user.school_id,
        "role": user.role,
        "username": p.person_id,
        "givenName": p.given,
        "familyName": p.family,
        "middleName": p.middle,
        "identifier": p.person_id,
        "phone": p.phone,
        "agentSourcedIds": ",".join(user.agents),
        "grades": user.grade,
        "primaryOrgSourcedId": user.school_id,
    }
    header = USERS_HEADER_11 if version == "1.1" else USERS_HEADER_12
    return [common.get(column, "") for column in header]


def _enrollments(school: School) -> Iterator[list[str]]:
    sid = school.school_id

    def row(class_id: str, person: Person, role: str, primary: str) -> list[str]:
        return [
            f"{class_id}-{person.person_id}",
            "active",
            MODIFIED,
            class_id,
            sid,
            person.person_id,
            role,
            primary,
            "",
            "",
        ]

    for homeroom in school.homerooms:
        yield row(homeroom.class_id, homeroom.teacher, "teacher", "true")
        for student in homeroom.students:
            yield row(homeroom.class_id, student, "student", "false")
    for subject_class in school.subject_classes:
        yield row(subject_class.class_id, subject_class.teacher, "teacher", "true")
        for student in subject_class.homeroom.students:
            yield row(subject_class.class_id, student, "student", "false")
    if len(school.homerooms) > 1:
        yield row(school.homerooms[1].class_id, school.homerooms[0].teacher, "teacher", "false")


def _classes(school: School) -> Iterator[list[str]]:
    for homeroom in school.homerooms:
        yield [
            homeroom.class_id,
            "active",
            MODIFIED,
            homeroom.title,
            f"{homeroom.grade:02d}",
            "",
            homeroom.title,
            "homeroom",
            "",
            school.school_id,
            "",
            "",
            "",
            "",
        ]
    for subject_class in school.subject_classes:
        grade = f"{subject_class.homeroom.grade:02d}"
        yield [
            subject_class.class_id,
            "active",
            MODIFIED,
            subject_class.title,
            grade,
            "",
            subject_class.title,
            "scheduled",
            "",
            school.school_id,
            "",
            subject_class.subject,
            "",
            "",
        ]


def write_oneroster_zip(
    fileobj: IO[bytes],
    schools: int,
    classes_per_school: int,
    students_per_class: int,
    parents_per_student: int,
    seed: int,
    version: str = "1.1",
) -> None:
    """Write a OneRoster CSV export (bulk) as a zip to ``fileobj``, school by school.

    1.1 puts each user's role and org in ``users.csv``; 1.2 puts them in
    ``roles.csv`` (``roleType=primary``) and leaves them out of ``users.csv``.
    """
    if version not in ("1.1", "1.2"):
        raise ValueError(f"unsupported OneRoster version {version!r}")
    args = (schools, classes_per_school, students_per_class, parents_per_student, seed)
    files = ["orgs", "users", "classes", "enrollments"] + (["roles"] if version == "1.2" else [])
    with zipfile.ZipFile(fileobj, "w", zipfile.ZIP_DEFLATED) as archive:

        def member(name: str, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
            # A fixed timestamp keeps the archive's bytes the same from run to run.
            info = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w") as stream:
                writer = _CsvWriter(stream, "utf-8")
                writer.rows([header])
                writer.rows(rows)
                writer.flush()

        manifest = [["manifest.version", "1.0"], ["oneroster.version", version]]
        for name in (
            "academicSessions",
            "categories",
            "classResources",
            "courseResources",
            "courses",
            "demographics",
            "lineItems",
            "resources",
            "results",
            "classes",
            "enrollments",
            "orgs",
            "users",
            "roles",
        ):
            if name == "roles" and version == "1.1":
                continue
            manifest.append([f"file.{name}", "bulk" if name in files else "absent"])
        manifest += [["source.systemName", "rostergen"], ["source.systemCode", f"seed-{seed}"]]
        member("manifest.csv", ["propertyName", "value"], manifest)
        member(
            "orgs.csv",
            ORGS_HEADER,
            [[DISTRICT_ID, "active", MODIFIED, "Управление образования", "district", "", ""]]
            + [
                [s.school_id, "active", MODIFIED, s.name, "school", s.school_id, DISTRICT_ID]
                for s in _schools(*args)
            ],
        )
        member(
            "users.csv",
            USERS_HEADER_11 if version == "1.1" else USERS_HEADER_12,
            (_user_row(user, version) for school in _schools(*args) for user in _users(school)),
        )
        if version == "1.2":
            member(
                "roles.csv",
                ROLES_HEADER,
                (
                    [
                        f"role-{user.person.person_id}",
                        "active",
                        MODIFIED,
                        user.person.person_id,
                        "primary",
                        user.role,
                        user.school_id,
                        "",
                        "",
                        "",
                    ]
                    for school in _schools(*args)
                    for user in _users(school)
                ),
            )
        member("classes.csv", CLASSES_HEADER, (row for school in _schools(*args) for row in _classes(school)))
        member(
            "enrollments.csv",
            ENROLLMENTS_HEADER,
            (row for school in _schools(*args) for row in _enrollments(school)),
        )


def oneroster_zip(
    schools: int,
    classes_per_school: int,
    students_per_class: int,
    parents_per_student: int,
    seed: int,
    version: str = "1.1",
) -> bytes:
    """A OneRoster CSV export (see :func:`write_oneroster_zip`) as the bytes of a zip."""
    buffer = io.BytesIO()
    write_oneroster_zip(
        buffer, schools, classes_per_school, students_per_class, parents_per_student, seed, version
    )
    return buffer.getvalue()
