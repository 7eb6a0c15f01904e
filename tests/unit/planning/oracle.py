"""SPEC §4 restated as set algebra, independently of ``plan.py``: the property tests' reference.

Written straight from the table in SPEC §4 (and the rules the planner's
docstring adds to it), without the planner's builder, so that a mistake in
one is unlikely to be repeated in the other.
"""

from __future__ import annotations

from collections.abc import Mapping

from chalicelib.roster.model import ClassKind, EnrollmentRole, Role, SchoolRoster
from tests.unit.planning.builders import Membership

MOD, MEM = "moderator", "member"


def students_of(roster: SchoolRoster) -> set[str]:
    """Everyone the roster shows as a student: by role, or by a student enrollment in one of its classes."""
    by_role = {p.person_id for p in roster.people.values() if Role.STUDENT in p.roles}
    by_enrollment = {
        e.person_id
        for e in roster.enrollments.values()
        if e.role is EnrollmentRole.STUDENT and e.class_id in roster.classes and e.person_id in roster.people
    }
    return by_role | by_enrollment


def staff_of(roster: SchoolRoster) -> set[str]:
    """Active teachers and administrators."""
    return {p.person_id for p in roster.people.values() if p.active and p.roles & {Role.TEACHER, Role.ADMIN}}


def expected_plan(
    roster: SchoolRoster, subject_classes: Mapping[str, str] | None = None
) -> tuple[dict[str, str], set[Membership], list[str]]:
    """(chat label → title, memberships, warning codes) the SPEC asks for."""
    people = roster.people
    active = {pid for pid, p in people.items() if p.active}
    # (class, person, role, primary) for active people in classes the roster has.
    places = {
        (e.class_id, e.person_id, e.role, e.primary)
        for e in roster.enrollments.values()
        if e.class_id in roster.classes and e.person_id in active
    }
    links = {(p.person_id, other) for p in people.values() for other in p.related_ids if other in people}
    # A link names a guardianship whichever of the two records holds it.
    pairs = links | {(b, a) for (a, b) in links}
    guardian_of = {
        (g, s) for (g, s) in pairs if Role.PARENT in people[g].roles and Role.STUDENT in people[s].roles
    }
    students = students_of(roster)

    chats: dict[str, str] = {}
    members: set[Membership] = set()
    warnings: list[str] = []

    staff = staff_of(roster)
    if staff:
        chats["staff"] = "Учительская"
    for pid in staff:
        is_admin = Role.ADMIN in people[pid].roles
        members.add(("staff", pid, MOD if is_admin else MEM, "admin" if is_admin else "teacher"))

    for class_id in sorted(roster.classes):
        school_class = roster.classes[class_id]
        teachers = {pid for (c, pid, role, _) in places if c == class_id and role is EnrollmentRole.TEACHER}
        kids = {pid for (c, pid, role, _) in places if c == class_id and role is EnrollmentRole.STUDENT}
        if school_class.kind is ClassKind.HOMEROOM:
            primary = {
                pid
                for (c, pid, role, first) in places
                if c == class_id and role is EnrollmentRole.TEACHER and first
            }
            leads = primary or (teachers if len(teachers) == 1 else set())
            if not leads:
                warnings.append("no_class_teacher")
            guardians = {g for (g, s) in guardian_of if s in kids and g in active} - students
            chats[f"class:{class_id}"] = school_class.title
            chats[f"parents:{class_id}"] = school_class.title + " — родители"
            members |= {(f"class:{class_id}", pid, MOD, "teacher") for pid in leads}
            members |= {(f"class:{class_id}", pid, MEM, "student") for pid in kids - leads}
            members |= {(f"parents:{class_id}", pid, MOD, "teacher") for pid in leads - students}
            members |= {(f"parents:{class_id}", pid, MEM, "parent") for pid in guardians - leads}
        if subject_classes and class_id in subject_classes:
            chats[f"subject:{class_id}"] = subject_classes[class_id]
            members |= {(f"subject:{class_id}", pid, MOD, "teacher") for pid in teachers}
            members |= {(f"subject:{class_id}", pid, MEM, "student") for pid in kids - teachers}
    # Everyone active has a place somewhere, or the school hears how many do not.
    if active - {pid for (_, pid, _, _) in members}:
        warnings.append("people_without_chat")
    return chats, members, warnings
