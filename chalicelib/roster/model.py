"""The one in-memory roster model every format is parsed into.

A roster reaches the planner as one :class:`SchoolRoster` per school: people,
classes and enrollments, as the journal exported them. Parsers do not build
it directly: they produce a :class:`SchoolRosterUpdate` per school, which says
for each kind of record whether the file holds the complete set (a flat CSV, a
OneRoster file in bulk mode) or changes to apply (a OneRoster delta file).
:func:`apply_update` turns the last stored roster plus an update into the new
roster, so bulk and delta imports share one path.

This module has no I/O. The JSON codec at the bottom is what the pipeline
stores in S3 (per-school shards of an import, and each school's last roster).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, TypeVar


class Role(StrEnum):
    """What a person is at a school (the API's member ``role``)."""

    STUDENT = "student"
    TEACHER = "teacher"
    PARENT = "parent"
    ADMIN = "admin"


class ClassKind(StrEnum):
    """A homeroom class gets class and parents chats; a scheduled class may get a subject chat."""

    HOMEROOM = "homeroom"
    SCHEDULED = "scheduled"


class EnrollmentRole(StrEnum):
    """How a person takes part in a class."""

    STUDENT = "student"
    TEACHER = "teacher"


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """A person as the roster lists them.

    ``related_ids`` are the ids this person's own record points at: a guardian's
    children, or a student's guardians (OneRoster ``agentSourcedIds`` work in
    either direction; a flat CSV's ``guardian_of``). The roster's phone column
    is deliberately not kept: nothing here needs children's phone numbers.
    """

    person_id: str
    roles: frozenset[Role]
    family_name: str
    given_name: str
    middle_name: str = ""
    related_ids: frozenset[str] = frozenset()
    active: bool = True

    @property
    def display_name(self) -> str:
        """The name chats show, as the school knows it: family and given name ("Козлов Артём"), and for
        adults (teachers, parents, administrators) the patronymic too ("Иванова Мария Петровна")."""
        adult = bool(self.roles - {Role.STUDENT})
        parts = (self.family_name, self.given_name, self.middle_name if adult else "")
        return " ".join(part for part in parts if part)


@dataclass(frozen=True, slots=True)
class ClassRecord:
    """A class (section): a homeroom class like "5А" or a scheduled subject class."""

    class_id: str
    title: str
    kind: ClassKind
    subject: str = ""


@dataclass(frozen=True, slots=True)
class EnrollmentRecord:
    """A person's place in a class; ``primary`` marks a class teacher."""

    enrollment_id: str
    class_id: str
    person_id: str
    role: EnrollmentRole
    primary: bool = False


@dataclass(frozen=True)
class SchoolRoster:
    """Everything the roster says about one school."""

    school_id: str
    school_name: str
    people: Mapping[str, PersonRecord] = field(default_factory=dict)
    classes: Mapping[str, ClassRecord] = field(default_factory=dict)
    enrollments: Mapping[str, EnrollmentRecord] = field(default_factory=dict)

    def enrollments_by_class(self) -> dict[str, list[EnrollmentRecord]]:
        """Enrollments grouped by class id, for classes and people the roster has."""
        grouped: dict[str, list[EnrollmentRecord]] = defaultdict(list)
        for enrollment in self.enrollments.values():
            if enrollment.class_id in self.classes and enrollment.person_id in self.people:
                grouped[enrollment.class_id].append(enrollment)
        return grouped

    def guardians_by_student(self) -> dict[str, set[str]]:
        """Each student's guardians, from either side's ``related_ids``.

        A link counts when one side is a student and the other a parent of this
        school's roster, whichever of the two records names the other.
        """
        guardians: dict[str, set[str]] = defaultdict(set)
        for person in self.people.values():
            for other_id in person.related_ids:
                other = self.people.get(other_id)
                if other is None:
                    continue
                if Role.STUDENT in person.roles and Role.PARENT in other.roles:
                    guardians[person.person_id].add(other_id)
                if Role.PARENT in person.roles and Role.STUDENT in other.roles:
                    guardians[other_id].add(person.person_id)
        return guardians


RecordT = TypeVar("RecordT", PersonRecord, ClassRecord, EnrollmentRecord)


@dataclass(frozen=True)
class RecordUpdate(Generic[RecordT]):
    """New records of one kind for one school.

    ``complete`` means ``records`` is the whole set (a bulk file): whatever the
    school had before and is not in it goes. Otherwise ``records`` are upserts
    and ``deleted_ids`` are removals (a delta file).
    """

    complete: bool
    records: Mapping[str, RecordT] = field(default_factory=dict)
    deleted_ids: frozenset[str] = frozenset()

    def applied_to(self, current: Mapping[str, RecordT]) -> dict[str, RecordT]:
        """The records after this update."""
        result = {} if self.complete else dict(current)
        result.update(self.records)
        for record_id in self.deleted_ids:
            result.pop(record_id, None)
        return result


@dataclass(frozen=True)
class SchoolRosterUpdate:
    """What one import says about one school."""

    school_id: str
    school_name: str | None
    people: RecordUpdate[PersonRecord]
    classes: RecordUpdate[ClassRecord]
    enrollments: RecordUpdate[EnrollmentRecord]

    @property
    def is_bulk(self) -> bool:
        """True when the update replaces the school's roster outright."""
        return self.people.complete and self.classes.complete and self.enrollments.complete


def apply_update(current: SchoolRoster | None, update: SchoolRosterUpdate) -> SchoolRoster:
    """The school's roster after an update (``current`` is None for a school seen first)."""
    base = current or SchoolRoster(school_id=update.school_id, school_name="")
    return SchoolRoster(
        school_id=update.school_id,
        school_name=update.school_name or base.school_name or update.school_id,
        people=update.people.applied_to(base.people),
        classes=update.classes.applied_to(base.classes),
        enrollments=update.enrollments.applied_to(base.enrollments),
    )


def complete_update(roster: SchoolRoster) -> SchoolRosterUpdate:
    """A bulk update that replaces a school's roster with ``roster``."""
    return SchoolRosterUpdate(
        school_id=roster.school_id,
        school_name=roster.school_name,
        people=RecordUpdate(complete=True, records=dict(roster.people)),
        classes=RecordUpdate(complete=True, records=dict(roster.classes)),
        enrollments=RecordUpdate(complete=True, records=dict(roster.enrollments)),
    )


# --- JSON codec (what the pipeline stores in S3) ------------------------------------


def _person_to_json(p: PersonRecord) -> list[Any]:
    return [
        p.person_id,
        sorted(p.roles),
        p.family_name,
        p.given_name,
        p.middle_name,
        sorted(p.related_ids),
        p.active,
    ]


def _person_from_json(row: list[Any]) -> PersonRecord:
    person_id, roles, family, given, middle, related, active = row
    return PersonRecord(
        person_id=person_id,
        roles=frozenset(Role(r) for r in roles),
        family_name=family,
        given_name=given,
        middle_name=middle,
        related_ids=frozenset(related),
        active=bool(active),
    )


def _class_to_json(c: ClassRecord) -> list[Any]:
    return [c.class_id, c.title, c.kind.value, c.subject]


def _class_from_json(row: list[Any]) -> ClassRecord:
    class_id, title, kind, subject = row
    return ClassRecord(class_id=class_id, title=title, kind=ClassKind(kind), subject=subject)


def _enrollment_to_json(e: EnrollmentRecord) -> list[Any]:
    return [e.enrollment_id, e.class_id, e.person_id, e.role.value, e.primary]


def _enrollment_from_json(row: list[Any]) -> EnrollmentRecord:
    enrollment_id, class_id, person_id, role, primary = row
    return EnrollmentRecord(
        enrollment_id=enrollment_id,
        class_id=class_id,
        person_id=person_id,
        role=EnrollmentRole(role),
        primary=bool(primary),
    )


def roster_to_json(roster: SchoolRoster) -> dict[str, Any]:
    """A JSON-ready form of a school roster (sorted, so equal rosters encode equally)."""
    return {
        "school_id": roster.school_id,
        "school_name": roster.school_name,
        "people": [_person_to_json(roster.people[k]) for k in sorted(roster.people)],
        "classes": [_class_to_json(roster.classes[k]) for k in sorted(roster.classes)],
        "enrollments": [_enrollment_to_json(roster.enrollments[k]) for k in sorted(roster.enrollments)],
    }


def roster_from_json(data: Mapping[str, Any]) -> SchoolRoster:
    """The inverse of :func:`roster_to_json`."""
    people = (_person_from_json(row) for row in data["people"])
    classes = (_class_from_json(row) for row in data["classes"])
    enrollments = (_enrollment_from_json(row) for row in data["enrollments"])
    return SchoolRoster(
        school_id=data["school_id"],
        school_name=data["school_name"],
        people={p.person_id: p for p in people},
        classes={c.class_id: c for c in classes},
        enrollments={e.enrollment_id: e for e in enrollments},
    )


def _records_to_json(update: RecordUpdate[Any], encode: Any) -> dict[str, Any]:
    return {
        "complete": update.complete,
        "records": [encode(update.records[k]) for k in sorted(update.records)],
        "deleted_ids": sorted(update.deleted_ids),
    }


def _records_from_json(data: Mapping[str, Any], decode: Any, key: str) -> RecordUpdate[Any]:
    records = [decode(row) for row in data["records"]]
    return RecordUpdate(
        complete=bool(data["complete"]),
        records={getattr(r, key): r for r in records},
        deleted_ids=frozenset(data["deleted_ids"]),
    )


def update_to_json(update: SchoolRosterUpdate) -> dict[str, Any]:
    """A JSON-ready form of a school's update (the per-school shard of an import)."""
    return {
        "school_id": update.school_id,
        "school_name": update.school_name,
        "people": _records_to_json(update.people, _person_to_json),
        "classes": _records_to_json(update.classes, _class_to_json),
        "enrollments": _records_to_json(update.enrollments, _enrollment_to_json),
    }


def update_from_json(data: Mapping[str, Any]) -> SchoolRosterUpdate:
    """The inverse of :func:`update_to_json`."""
    return SchoolRosterUpdate(
        school_id=data["school_id"],
        school_name=data["school_name"],
        people=_records_from_json(data["people"], _person_from_json, "person_id"),
        classes=_records_from_json(data["classes"], _class_from_json, "class_id"),
        enrollments=_records_from_json(data["enrollments"], _enrollment_from_json, "enrollment_id"),
    )
