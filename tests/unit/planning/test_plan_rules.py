"""SPEC §4, rule by rule: a roster in, the exact chats and memberships out.

Each table row is a small school; the expected chats are label → title and the
expected memberships are (chat, person, chat role, person role) tuples, with
nothing left out: a person who appears anywhere unexpected fails the row.
"""

from __future__ import annotations

import pytest

from chalicelib.planning.model import ChatKind
from chalicelib.planning.plan import plan_school
from chalicelib.roster.model import Role, SchoolRoster
from tests.unit.planning.builders import (
    Membership,
    admin,
    chat_labels,
    homeroom,
    leads,
    memberships,
    parent,
    person,
    scheduled,
    school,
    student,
    studies,
    teacher,
    teaches,
    warning_codes,
)

MOD, MEM = "moderator", "member"
STUDENT, TEACHER, PARENT, ADMIN = "student", "teacher", "parent", "admin"
STAFF_ROOM = "Учительская"


def check(
    roster: SchoolRoster,
    chats: dict[str, str],
    members: set[Membership],
    subject_classes: dict[str, str] | None = None,
) -> None:
    plan = plan_school(roster, subject_classes)
    assert chat_labels(plan) == chats
    assert memberships(plan) == members


# --- staff room: all active teachers and administrators; administrators moderate ---------

STAFF_ROOM_CASES = [
    pytest.param(
        school(teacher("t1"), teacher("t2"), admin("a1"), student("s1"), parent("p1", "s1")),
        {"staff": STAFF_ROOM},
        {
            ("staff", "t1", MEM, TEACHER),
            ("staff", "t2", MEM, TEACHER),
            ("staff", "a1", MOD, ADMIN),
        },
        id="teachers-members-admins-moderate-nobody-else",
    ),
    pytest.param(
        school(teacher("t1"), person("a1", Role.ADMIN, Role.TEACHER)),
        {"staff": STAFF_ROOM},
        {("staff", "t1", MEM, TEACHER), ("staff", "a1", MOD, ADMIN)},
        id="admin-who-teaches-moderates-once",
    ),
    pytest.param(
        school(teacher("t1"), teacher("t2", active=False), admin("a1"), admin("a2", active=False)),
        {"staff": STAFF_ROOM},
        {("staff", "t1", MEM, TEACHER), ("staff", "a1", MOD, ADMIN)},
        id="inactive-staff-left-out",
    ),
    pytest.param(
        school(teacher("t1")),
        {"staff": STAFF_ROOM},
        {("staff", "t1", MEM, TEACHER)},
        id="no-admin-no-moderator",
    ),
    pytest.param(
        school(student("s1"), parent("p1", "s1"), teacher("t1", active=False)),
        {},
        set(),
        id="no-active-staff-no-staff-room",
    ),
    pytest.param(
        school(person("tp", Role.TEACHER, Role.PARENT), student("s1", of=["tp"])),
        {"staff": STAFF_ROOM},
        {("staff", "tp", MEM, TEACHER)},
        id="teacher-who-is-a-parent-is-staff",
    ),
]


@pytest.mark.parametrize(("roster", "chats", "members"), STAFF_ROOM_CASES)
def test_staff_room(roster: SchoolRoster, chats: dict[str, str], members: set[Membership]) -> None:
    check(roster, chats, members)


# --- class chat: the class's students and its class teacher(s), who moderate -------------

CLASS_CHAT_CASES = [
    pytest.param(
        school(
            teacher("ct"),
            student("s1"),
            student("s2"),
            student("x1"),
            homeroom("5a", "5А"),
            homeroom("5b", "5Б"),
            leads("ct", "5a"),
            studies("s1", "5a"),
            studies("s2", "5a"),
            studies("x1", "5b"),
        ),
        {
            "staff": STAFF_ROOM,
            "class:5a": "5А",
            "parents:5a": "5А — родители",
            "class:5b": "5Б",
            "parents:5b": "5Б — родители",
        },
        {
            ("staff", "ct", MEM, TEACHER),
            ("class:5a", "ct", MOD, TEACHER),
            ("class:5a", "s1", MEM, STUDENT),
            ("class:5a", "s2", MEM, STUDENT),
            ("parents:5a", "ct", MOD, TEACHER),
            ("class:5b", "x1", MEM, STUDENT),
        },
        id="students-and-class-teacher-other-class-apart",
    ),
    pytest.param(
        school(
            teacher("ct1"),
            teacher("ct2"),
            student("s1"),
            homeroom("5a", "5А"),
            leads("ct1", "5a"),
            leads("ct2", "5a"),
            studies("s1", "5a"),
        ),
        {"staff": STAFF_ROOM, "class:5a": "5А", "parents:5a": "5А — родители"},
        {
            ("staff", "ct1", MEM, TEACHER),
            ("staff", "ct2", MEM, TEACHER),
            ("class:5a", "ct1", MOD, TEACHER),
            ("class:5a", "ct2", MOD, TEACHER),
            ("class:5a", "s1", MEM, STUDENT),
            ("parents:5a", "ct1", MOD, TEACHER),
            ("parents:5a", "ct2", MOD, TEACHER),
        },
        id="two-primary-teachers-both-moderate",
    ),
    pytest.param(
        school(homeroom("5a", "5А")),
        {"class:5a": "5А", "parents:5a": "5А — родители"},
        set(),
        id="empty-homeroom-still-has-its-chats",
    ),
]


@pytest.mark.parametrize(("roster", "chats", "members"), CLASS_CHAT_CASES)
def test_class_chat(roster: SchoolRoster, chats: dict[str, str], members: set[Membership]) -> None:
    check(roster, chats, members)


# --- parents chat: guardians of the class's students + class teachers; never a student ---

HOMEROOM_5A = {"staff": STAFF_ROOM, "class:5a": "5А", "parents:5a": "5А — родители"}
CLASS_TEACHER_5A: set[Membership] = {
    ("staff", "ct", MEM, TEACHER),
    ("class:5a", "ct", MOD, TEACHER),
    ("parents:5a", "ct", MOD, TEACHER),
}


def class_5a(*records: object) -> SchoolRoster:
    """A homeroom 5А led by ``ct``, plus ``records``."""
    return school(teacher("ct"), homeroom("5a", "5А"), leads("ct", "5a"), *records)  # type: ignore[arg-type]


PARENTS_CHAT_CASES = [
    pytest.param(
        class_5a(
            student("s1"),
            student("s2", of=["g2"]),
            parent("g1", "s1"),
            parent("g2"),
            studies("s1", "5a"),
            studies("s2", "5a"),
        ),
        HOMEROOM_5A,
        CLASS_TEACHER_5A
        | {
            ("class:5a", "s1", MEM, STUDENT),
            ("class:5a", "s2", MEM, STUDENT),
            ("parents:5a", "g1", MEM, PARENT),
            ("parents:5a", "g2", MEM, PARENT),
        },
        id="guardian-links-from-either-record",
    ),
    pytest.param(
        class_5a(
            student("s1"),
            student("s2"),
            parent("g1", "s1", "s2"),
            studies("s1", "5a"),
            studies("s2", "5a"),
        ),
        HOMEROOM_5A,
        CLASS_TEACHER_5A
        | {
            ("class:5a", "s1", MEM, STUDENT),
            ("class:5a", "s2", MEM, STUDENT),
            ("parents:5a", "g1", MEM, PARENT),
        },
        id="two-children-in-one-class-one-membership",
    ),
    pytest.param(
        class_5a(
            student("s1"),
            person("sg", Role.STUDENT, Role.PARENT, of=["s1"]),
            studies("s1", "5a"),
            studies("sg", "5a"),
        ),
        HOMEROOM_5A,
        CLASS_TEACHER_5A
        | {
            ("class:5a", "s1", MEM, STUDENT),
            ("class:5a", "sg", MEM, STUDENT),
        },
        id="student-who-is-also-a-guardian-never-in-parents-chat",
    ),
    pytest.param(
        class_5a(
            student("s1"),
            parent("sib", "s1"),
            homeroom("11a", "11А"),
            studies("s1", "5a"),
            studies("sib", "11a"),
        ),
        {**HOMEROOM_5A, "class:11a": "11А", "parents:11a": "11А — родители"},
        CLASS_TEACHER_5A
        | {
            ("class:5a", "s1", MEM, STUDENT),
            ("class:11a", "sib", MEM, STUDENT),
        },
        id="guardian-enrolled-as-a-student-never-in-parents-chat",
    ),
    pytest.param(
        school(
            person("ts", Role.TEACHER, Role.STUDENT),
            student("s1"),
            parent("g1", "s1"),
            homeroom("5a", "5А"),
            leads("ts", "5a"),
            studies("s1", "5a"),
        ),
        HOMEROOM_5A,
        {
            ("staff", "ts", MEM, TEACHER),
            ("class:5a", "ts", MOD, TEACHER),
            ("class:5a", "s1", MEM, STUDENT),
            ("parents:5a", "g1", MEM, PARENT),
        },
        id="class-teacher-who-is-also-a-student-stays-out-of-parents-chat",
    ),
    pytest.param(
        class_5a(
            student("s1", active=False),
            student("s2"),
            parent("g1", "s1"),
            parent("g2", "s2", active=False),
            studies("s1", "5a"),
            studies("s2", "5a"),
        ),
        HOMEROOM_5A,
        CLASS_TEACHER_5A | {("class:5a", "s2", MEM, STUDENT)},
        id="inactive-child-or-guardian-no-parents-membership",
    ),
    pytest.param(
        class_5a(
            student("s1"),
            student("x1"),
            parent("g1", "x1"),
            parent("g0", "nobody"),
            parent("g9", "ct"),
            homeroom("5b", "5Б"),
            studies("s1", "5a"),
            studies("x1", "5b"),
        ),
        {**HOMEROOM_5A, "class:5b": "5Б", "parents:5b": "5Б — родители"},
        CLASS_TEACHER_5A
        | {
            ("class:5a", "s1", MEM, STUDENT),
            ("class:5b", "x1", MEM, STUDENT),
            ("parents:5b", "g1", MEM, PARENT),
        },
        id="guardians-of-other-classes-unknown-ids-and-non-students-left-out",
    ),
    pytest.param(
        class_5a(
            student("s1"),
            person("nan", Role.TEACHER, of=["s1"]),
            studies("s1", "5a"),
        ),
        HOMEROOM_5A,
        CLASS_TEACHER_5A | {("staff", "nan", MEM, TEACHER), ("class:5a", "s1", MEM, STUDENT)},
        id="link-to-a-person-without-the-parent-role-is-no-guardianship",
    ),
]


@pytest.mark.parametrize(("roster", "chats", "members"), PARENTS_CHAT_CASES)
def test_parents_chat(roster: SchoolRoster, chats: dict[str, str], members: set[Membership]) -> None:
    check(roster, chats, members)


# --- class teacher: the primary teacher, else the only teacher, else none (warned) -------

CLASS_TEACHER_CASES = [
    pytest.param(
        school(
            teacher("pri"),
            teacher("sub"),
            student("s1"),
            homeroom("5a", "5А"),
            leads("pri", "5a"),
            teaches("sub", "5a"),
            studies("s1", "5a"),
        ),
        {"pri"},
        [],
        id="primary-teacher",
    ),
    pytest.param(
        school(
            teacher("only"), student("s1"), homeroom("5a", "5А"), teaches("only", "5a"), studies("s1", "5a")
        ),
        {"only"},
        [],
        id="only-teacher-when-none-primary",
    ),
    pytest.param(
        school(
            teacher("t1"),
            teacher("t2"),
            student("s1"),
            homeroom("5a", "5А"),
            teaches("t1", "5a"),
            teaches("t2", "5a"),
            studies("s1", "5a"),
        ),
        set(),
        ["no_class_teacher"],
        id="several-non-primary-none-and-warned",
    ),
    pytest.param(
        school(student("s1"), homeroom("5a", "5А"), studies("s1", "5a")),
        set(),
        ["no_class_teacher"],
        id="no-teacher-none-and-warned",
    ),
    pytest.param(
        school(
            teacher("gone", active=False),
            student("s1"),
            homeroom("5a", "5А"),
            leads("gone", "5a"),
            studies("s1", "5a"),
        ),
        set(),
        ["no_class_teacher"],
        id="inactive-primary-alone-none-and-warned",
    ),
    pytest.param(
        school(
            teacher("gone", active=False),
            teacher("stays"),
            student("s1"),
            homeroom("5a", "5А"),
            leads("gone", "5a"),
            teaches("stays", "5a"),
            studies("s1", "5a"),
        ),
        {"stays"},
        [],
        id="inactive-primary-the-only-active-teacher-leads",
    ),
    pytest.param(
        school(
            teacher("t1"),
            teacher("t2", active=False),
            student("s1"),
            homeroom("5a", "5А"),
            teaches("t1", "5a"),
            teaches("t2", "5a"),
            studies("s1", "5a"),
        ),
        {"t1"},
        [],
        id="inactive-second-teacher-does-not-count",
    ),
]


@pytest.mark.parametrize(("roster", "class_teachers", "warnings"), CLASS_TEACHER_CASES)
def test_class_teacher(roster: SchoolRoster, class_teachers: set[str], warnings: list[str]) -> None:
    plan = plan_school(roster)
    found = memberships(plan)
    for label in ("class:5a", "parents:5a"):
        assert {p for (chat, p, role, _) in found if chat == label and role == MOD} == class_teachers
        assert {p for (chat, p, _, prole) in found if chat == label and prole == TEACHER} == class_teachers
    assert ("class:5a", "s1", MEM, STUDENT) in found
    assert warning_codes(plan) == warnings


def test_no_class_teacher_warning_names_the_class() -> None:
    plan = plan_school(school(homeroom("c-17", "7В")))
    assert len(plan.warnings) == 1
    assert "7В" in plan.warnings[0].message
    assert "c-17" in plan.warnings[0].message


# --- only homeroom classes get class and parents chats; subject chats only when asked ----

KIND_CASES = [
    pytest.param(
        school(
            teacher("t1"),
            student("s1"),
            parent("g1", "s1"),
            scheduled("alg", "Алгебра 7"),
            leads("t1", "alg"),
            studies("s1", "alg"),
        ),
        None,
        {"staff": STAFF_ROOM},
        {("staff", "t1", MEM, TEACHER)},
        id="scheduled-class-gets-no-class-or-parents-chat",
    ),
    pytest.param(
        school(
            teacher("t1"),
            teacher("t2"),
            student("s1"),
            student("s2", active=False),
            parent("g1", "s1"),
            scheduled("alg", "Алгебра 7"),
            scheduled("geo", "Геометрия 7"),
            leads("t1", "alg"),
            teaches("t2", "alg"),
            studies("s1", "alg"),
            studies("s2", "alg"),
            teaches("t2", "geo"),
        ),
        {"alg": "Алгебра 7А"},
        {"staff": STAFF_ROOM, "subject:alg": "Алгебра 7А"},
        {
            ("staff", "t1", MEM, TEACHER),
            ("staff", "t2", MEM, TEACHER),
            ("subject:alg", "t1", MOD, TEACHER),
            ("subject:alg", "t2", MOD, TEACHER),
            ("subject:alg", "s1", MEM, STUDENT),
        },
        id="listed-subject-class-all-its-teachers-moderate-no-guardians",
    ),
    pytest.param(
        school(teacher("t1"), scheduled("alg"), teaches("t1", "alg")),
        {"gone": "Химия"},
        {"staff": STAFF_ROOM},
        {("staff", "t1", MEM, TEACHER)},
        id="listed-class-missing-from-roster-left-out",
    ),
    pytest.param(
        school(teacher("t1"), student("s1"), scheduled("alg"), teaches("t1", "alg"), studies("s1", "alg")),
        {},
        {"staff": STAFF_ROOM},
        {("staff", "t1", MEM, TEACHER)},
        id="nothing-listed-no-subject-chat",
    ),
]


@pytest.mark.parametrize(("roster", "subject_classes", "chats", "members"), KIND_CASES)
def test_class_kinds_and_subject_chats(
    roster: SchoolRoster,
    subject_classes: dict[str, str] | None,
    chats: dict[str, str],
    members: set[Membership],
) -> None:
    check(roster, chats, members, subject_classes)


# --- inactive people are in no chat -------------------------------------------------------


def test_inactive_people_are_in_no_chat() -> None:
    roster = class_5a(
        student("s1"),
        student("s2", active=False),
        parent("g1", "s1", active=False),
        parent("g2", "s2"),
        teacher("t9", active=False),
        admin("a9", active=False),
        scheduled("alg"),
        teaches("t9", "5a"),
        teaches("t9", "alg"),
        studies("s1", "5a"),
        studies("s2", "5a"),
        studies("s2", "alg"),
    )
    plan = plan_school(roster, {"alg": "Алгебра"})
    inactive = {"s2", "g1", "t9", "a9"}
    assert not {p for (_, p, _, _) in memberships(plan)} & inactive
    assert memberships(plan) == CLASS_TEACHER_5A | {("class:5a", "s1", MEM, STUDENT)}


# --- people in several places ------------------------------------------------------------

SEVERAL_PLACES_CASES = [
    pytest.param(
        school(
            teacher("c5"),
            teacher("c6"),
            student("s5"),
            student("s6"),
            parent("g", "s5", "s6"),
            homeroom("5a", "5А"),
            homeroom("6a", "6А"),
            leads("c5", "5a"),
            leads("c6", "6a"),
            studies("s5", "5a"),
            studies("s6", "6a"),
        ),
        {
            "staff": STAFF_ROOM,
            "class:5a": "5А",
            "parents:5a": "5А — родители",
            "class:6a": "6А",
            "parents:6a": "6А — родители",
        },
        {
            ("staff", "c5", MEM, TEACHER),
            ("staff", "c6", MEM, TEACHER),
            ("class:5a", "c5", MOD, TEACHER),
            ("parents:5a", "c5", MOD, TEACHER),
            ("class:6a", "c6", MOD, TEACHER),
            ("parents:6a", "c6", MOD, TEACHER),
            ("class:5a", "s5", MEM, STUDENT),
            ("class:6a", "s6", MEM, STUDENT),
            ("parents:5a", "g", MEM, PARENT),
            ("parents:6a", "g", MEM, PARENT),
        },
        id="siblings-in-two-classes-guardian-in-both-parents-chats",
    ),
    pytest.param(
        school(
            teacher("ct"),
            teacher("c6"),
            student("s1"),
            student("s6"),
            homeroom("5a", "5А"),
            homeroom("6a", "6А"),
            scheduled("alg"),
            scheduled("geo"),
            leads("ct", "5a"),
            teaches("ct", "6a"),
            leads("c6", "6a"),
            teaches("ct", "alg"),
            leads("ct", "geo"),
            studies("s1", "5a"),
            studies("s6", "6a"),
        ),
        {
            "staff": STAFF_ROOM,
            "class:5a": "5А",
            "parents:5a": "5А — родители",
            "class:6a": "6А",
            "parents:6a": "6А — родители",
        },
        {
            ("staff", "ct", MEM, TEACHER),
            ("staff", "c6", MEM, TEACHER),
            ("class:5a", "ct", MOD, TEACHER),
            ("parents:5a", "ct", MOD, TEACHER),
            ("class:6a", "c6", MOD, TEACHER),
            ("parents:6a", "c6", MOD, TEACHER),
            ("class:5a", "s1", MEM, STUDENT),
            ("class:6a", "s6", MEM, STUDENT),
        },
        id="class-teacher-of-one-class-who-teaches-others-only-in-that-class-and-staff-room",
    ),
    pytest.param(
        school(
            person("ct", Role.TEACHER, Role.PARENT, of=["x"]),
            student("own", of=["ct"]),
            student("s1"),
            student("x"),
            homeroom("5a", "5А"),
            homeroom("5b", "5Б"),
            leads("ct", "5a"),
            studies("own", "5a"),
            studies("s1", "5a"),
            studies("x", "5b"),
        ),
        {
            "staff": STAFF_ROOM,
            "class:5a": "5А",
            "parents:5a": "5А — родители",
            "class:5b": "5Б",
            "parents:5b": "5Б — родители",
        },
        {
            ("staff", "ct", MEM, TEACHER),
            ("class:5a", "ct", MOD, TEACHER),
            ("parents:5a", "ct", MOD, TEACHER),
            ("class:5a", "own", MEM, STUDENT),
            ("class:5a", "s1", MEM, STUDENT),
            ("class:5b", "x", MEM, STUDENT),
            ("parents:5b", "ct", MEM, PARENT),
        },
        id="class-teacher-who-is-a-parent-moderates-own-parents-chat-once-member-elsewhere",
    ),
    pytest.param(
        school(
            person("ap", Role.ADMIN, Role.TEACHER),
            student("s1"),
            homeroom("5a", "5А"),
            leads("ap", "5a"),
            studies("s1", "5a"),
        ),
        HOMEROOM_5A,
        {
            ("staff", "ap", MOD, ADMIN),
            ("class:5a", "ap", MOD, TEACHER),
            ("parents:5a", "ap", MOD, TEACHER),
            ("class:5a", "s1", MEM, STUDENT),
        },
        id="admin-who-is-a-class-teacher",
    ),
]


@pytest.mark.parametrize(("roster", "chats", "members"), SEVERAL_PLACES_CASES)
def test_people_in_several_places(
    roster: SchoolRoster, chats: dict[str, str], members: set[Membership]
) -> None:
    check(roster, chats, members)


def test_guardian_with_children_in_two_schools_is_in_each_schools_parents_chat() -> None:
    """Schools are planned one at a time; the same guardian id turns up in each school's roster."""
    first = school(
        teacher("t1"),
        student("kid1"),
        parent("g", "kid1"),
        homeroom("5a", "5А"),
        leads("t1", "5a"),
        studies("kid1", "5a"),
        school_id="school-1",
    )
    second = school(
        teacher("t2"),
        student("kid2"),
        parent("g", "kid2"),
        homeroom("5a", "5А"),
        leads("t2", "5a"),
        studies("kid2", "5a"),
        school_id="school-2",
    )
    plan_one, plan_two = plan_school(first), plan_school(second)
    assert ("parents:5a", "g", MEM, PARENT) in memberships(plan_one)
    assert ("parents:5a", "g", MEM, PARENT) in memberships(plan_two)
    assert memberships(plan_one) == {
        ("staff", "t1", MEM, TEACHER),
        ("class:5a", "t1", MOD, TEACHER),
        ("parents:5a", "t1", MOD, TEACHER),
        ("class:5a", "kid1", MEM, STUDENT),
        ("parents:5a", "g", MEM, PARENT),
    }
    # The same class id in two schools names two different chats.
    assert not set(plan_one.chats) & set(plan_two.chats)
    assert {c.school_id for c in plan_two.chats.values()} == {"school-2"}


def test_members_carry_the_display_name() -> None:
    plan = plan_school(class_5a(student("s1"), studies("s1", "5a")))
    names = {m.person_id: m.name for m in plan.members.values()}
    assert names == {"ct": "Ct Name", "s1": "S1 Name"}


def test_kinds_planned_are_only_roster_kinds() -> None:
    plan = plan_school(class_5a(student("s1"), scheduled("alg"), studies("s1", "5a")), {"alg": "A"})
    assert {c.kind for c in plan.chats.values()} == {
        ChatKind.STAFF,
        ChatKind.CLASS,
        ChatKind.PARENTS,
        ChatKind.SUBJECT,
    }
