"""Roster → the chats and memberships it implies (SPEC §4). Pure: no I/O.

The rules, all in this module:

* **Staff room** ("Учительская"): every active teacher and administrator of the
  school; administrators moderate.
* **Class chat**, per homeroom class: the class's students and its class
  teacher(s); class teachers moderate.
* **Parents chat**, per homeroom class ("5А — родители"): the guardians of the
  class's students and its class teacher(s); class teachers moderate; never a
  student.
* **Subject chat**, per scheduled class a teacher asked for one: the class's
  students and teachers; its teachers moderate.
* A class teacher is a teacher enrollment marked primary or, when no teacher of
  the class is primary, the only teacher of the class. Only active people
  count: an inactive primary teacher leaves the class to its only active
  teacher, and a class left with no class teacher is warned about.
* Inactive people (``enabledUser=false``) are in no chat.
* A student of the school (a student role, or a student enrollment in any of
  its classes) is never in a parents chat, whatever else the roster says
  they are.
"""

from __future__ import annotations

from collections.abc import Mapping

from chalicelib.planning.model import (
    ChatKind,
    ChatOrigin,
    ChatRole,
    MemberKey,
    PlannedChat,
    PlannedMember,
    PlanWarning,
    SchoolPlan,
    roster_chat_id,
)
from chalicelib.planning.rollover import ClassChats
from chalicelib.roster.codes import IssueCode
from chalicelib.roster.model import (
    ClassKind,
    EnrollmentRecord,
    EnrollmentRole,
    PersonRecord,
    Role,
    SchoolRoster,
)

STAFF_ROOM_TITLE = "Учительская"
_ROLE_ORDER = (Role.STUDENT, Role.PARENT, Role.TEACHER, Role.ADMIN)
_ROLE_NAMES = {
    Role.STUDENT: "students",
    Role.PARENT: "guardians",
    Role.TEACHER: "teachers",
    Role.ADMIN: "admins",
}
PARENTS_TITLE_SUFFIX = " — родители"


def class_teacher_ids(enrollments: list[EnrollmentRecord]) -> set[str]:
    """The class teachers among a class's enrollments: the primary teachers, else the only one."""
    teachers = {e.person_id for e in enrollments if e.role is EnrollmentRole.TEACHER}
    primary = {e.person_id for e in enrollments if e.role is EnrollmentRole.TEACHER and e.primary}
    if primary:
        return primary
    return teachers if len(teachers) == 1 else set()


def parents_chat_title(class_title: str) -> str:
    """The title of a homeroom class's parents chat ("5А — родители")."""
    return class_title + PARENTS_TITLE_SUFFIX


class _PlanBuilder:
    def __init__(self, roster: SchoolRoster, class_chats: ClassChats | None = None) -> None:
        self.roster = roster
        self.class_chats = class_chats
        self.by_class = roster.enrollments_by_class()
        # Parents chats must never reach a child: anyone the roster shows as a
        # student in any way, not only by role, is kept out of them.
        self.student_ids = {p.person_id for p in roster.people.values() if Role.STUDENT in p.roles} | {
            e.person_id
            for enrollments in self.by_class.values()
            for e in enrollments
            if e.role is EnrollmentRole.STUDENT
        }
        self.chats: dict[str, PlannedChat] = {}
        self.members: dict[MemberKey, PlannedMember] = {}
        self.warnings: list[PlanWarning] = []

    def active(self, person_id: str) -> PersonRecord | None:
        person = self.roster.people.get(person_id)
        return person if person is not None and person.active else None

    def chat(self, kind: ChatKind, class_id: str | None, title: str) -> str:
        origin: ChatOrigin | None = None
        if self.class_chats is not None and class_id is not None:
            chat_id, origin = self.class_chats.chat_id(self.roster.school_id, kind, class_id)
        else:
            chat_id = roster_chat_id(self.roster.school_id, kind, class_id)
        self.chats[chat_id] = PlannedChat(chat_id, self.roster.school_id, kind, class_id, title, origin)
        return chat_id

    def member(self, chat_id: str, person: PersonRecord, chat_role: ChatRole, role: Role) -> None:
        key = (chat_id, person.person_id)
        existing = self.members.get(key)
        # A person reached twice (say, class teacher and also a guardian in the
        # same parents chat) keeps the stronger standing.
        if existing is not None and existing.chat_role is ChatRole.MODERATOR:
            return
        self.members[key] = PlannedMember(chat_id, person.person_id, chat_role, role, person.display_name)

    def warn_about_people_without_chat(self) -> None:
        """One warning, with counts by role, for active people the plan puts in no chat."""
        placed = {person_id for _, person_id in self.members}
        left: dict[Role, int] = {}
        for person in self.roster.people.values():
            if person.active and person.person_id not in placed:
                role = min(person.roles, key=_ROLE_ORDER.index) if person.roles else Role.STUDENT
                left[role] = left.get(role, 0) + 1
        if not left:
            return
        by_role = ", ".join(f"{_ROLE_NAMES[role]}: {left[role]}" for role in _ROLE_ORDER if role in left)
        self.warnings.append(
            PlanWarning(
                IssueCode.PEOPLE_WITHOUT_CHAT.value,
                f"{sum(left.values())} people of the school are in no chat ({by_role}): students need "
                "a homeroom class, guardians a child in one.",
            )
        )

    def build(self) -> SchoolPlan:
        carried = self.class_chats
        return SchoolPlan(
            school_id=self.roster.school_id,
            chats=self.chats,
            members=self.members,
            warnings=(*(carried.warnings if carried else ()), *self.warnings),
            rolled_over=carried.rolled_over if carried else frozenset(),
        )


def _plan_staff_room(builder: _PlanBuilder) -> None:
    staff = [
        p
        for p in builder.roster.people.values()
        if p.active and (Role.TEACHER in p.roles or Role.ADMIN in p.roles)
    ]
    if not staff:
        return
    chat_id = builder.chat(ChatKind.STAFF, None, STAFF_ROOM_TITLE)
    for person in staff:
        if Role.ADMIN in person.roles:
            builder.member(chat_id, person, ChatRole.MODERATOR, Role.ADMIN)
        else:
            builder.member(chat_id, person, ChatRole.MEMBER, Role.TEACHER)


def _plan_homeroom(
    builder: _PlanBuilder,
    class_id: str,
    title: str,
    enrollments: list[EnrollmentRecord],
    guardians_by_student: Mapping[str, set[str]],
) -> None:
    # Inactive people are not in the class at all, so they neither lead it
    # nor stop the only active teacher from leading it.
    present = [e for e in enrollments if builder.active(e.person_id) is not None]
    teacher_ids = class_teacher_ids(present)
    if not teacher_ids:
        builder.warnings.append(
            PlanWarning(
                IssueCode.NO_CLASS_TEACHER.value, f"Class {title!r} ({class_id}) has no class teacher."
            )
        )
    student_ids = {e.person_id for e in present if e.role is EnrollmentRole.STUDENT}
    class_chat = builder.chat(ChatKind.CLASS, class_id, title)
    parents_chat = builder.chat(ChatKind.PARENTS, class_id, parents_chat_title(title))
    for person_id in sorted(teacher_ids):
        teacher = builder.roster.people[person_id]
        builder.member(class_chat, teacher, ChatRole.MODERATOR, Role.TEACHER)
        if person_id not in builder.student_ids:
            builder.member(parents_chat, teacher, ChatRole.MODERATOR, Role.TEACHER)
    for student_id in sorted(student_ids):
        builder.member(class_chat, builder.roster.people[student_id], ChatRole.MEMBER, Role.STUDENT)
        for guardian_id in sorted(guardians_by_student.get(student_id, ())):
            guardian = builder.active(guardian_id)
            if guardian is not None and guardian_id not in builder.student_ids:
                builder.member(parents_chat, guardian, ChatRole.MEMBER, Role.PARENT)


def _plan_subject(
    builder: _PlanBuilder, class_id: str, title: str, enrollments: list[EnrollmentRecord]
) -> None:
    chat_id = builder.chat(ChatKind.SUBJECT, class_id, title)
    for enrollment in sorted(enrollments, key=lambda e: e.person_id):
        person = builder.active(enrollment.person_id)
        if person is None:
            continue
        if enrollment.role is EnrollmentRole.TEACHER:
            builder.member(chat_id, person, ChatRole.MODERATOR, Role.TEACHER)
        else:
            builder.member(chat_id, person, ChatRole.MEMBER, Role.STUDENT)


def plan_school(
    roster: SchoolRoster,
    subject_classes: Mapping[str, str] | None = None,
    class_chats: ClassChats | None = None,
) -> SchoolPlan:
    """The chats and memberships a school's roster implies.

    ``subject_classes`` maps the class id of each subject chat that follows the
    roster to the chat's title; a subject chat whose class is gone from the
    roster is left out (and so archived by the diff). ``class_chats`` (from
    :func:`~chalicelib.planning.rollover.carry_over`) says which stored chats
    serve the homeroom classes: a new school year's classes keep their chats.
    """
    builder = _PlanBuilder(roster, class_chats)
    _plan_staff_room(builder)
    by_class = builder.by_class
    guardians = roster.guardians_by_student()
    for class_id in sorted(roster.classes):
        school_class = roster.classes[class_id]
        if school_class.kind is ClassKind.HOMEROOM:
            _plan_homeroom(builder, class_id, school_class.title, by_class.get(class_id, []), guardians)
    for class_id, title in sorted((subject_classes or {}).items()):
        if class_id in roster.classes:
            _plan_subject(builder, class_id, title, by_class.get(class_id, []))
    builder.warn_about_people_without_chat()
    return builder.build()


def subject_chat_members(roster: SchoolRoster, class_id: str, title: str) -> SchoolPlan:
    """The plan of a single new subject chat (used when a teacher creates one)."""
    builder = _PlanBuilder(roster)
    _plan_subject(builder, class_id, title, builder.by_class.get(class_id, []))
    return builder.build()


def teaches_class(roster: SchoolRoster, person_id: str, class_id: str) -> bool:
    """Whether a person is enrolled as a teacher of a class."""
    return any(
        e.class_id == class_id and e.person_id == person_id and e.role is EnrollmentRole.TEACHER
        for e in roster.enrollments.values()
    )
