"""Building rosters and imports for tests, in a few readable lines."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from chalicelib.roster.model import (
    ClassKind,
    ClassRecord,
    EnrollmentRecord,
    EnrollmentRole,
    PersonRecord,
    RecordUpdate,
    Role,
    SchoolRoster,
    SchoolRosterUpdate,
    complete_update,
)


@dataclass
class ClassSpec:
    """A class in a test roster: its title, teachers (first one primary) and students."""

    title: str
    teachers: tuple[str, ...] = ()
    students: tuple[str, ...] = ()
    kind: ClassKind = ClassKind.HOMEROOM
    primary: bool = True


@dataclass
class RosterSpec:
    """A whole school, described compactly."""

    school_id: str = "school-1"
    name: str = "Школа № 1"
    classes: dict[str, ClassSpec] = field(default_factory=dict)
    admins: tuple[str, ...] = ()
    teachers: tuple[str, ...] = ()
    guardians: dict[str, tuple[str, ...]] = field(default_factory=dict)
    inactive: frozenset[str] = frozenset()


def _person(person_id: str, roles: Iterable[Role], related: Iterable[str], active: bool) -> PersonRecord:
    return PersonRecord(
        person_id=person_id,
        roles=frozenset(roles),
        family_name=f"Фамилия-{person_id}",
        given_name=f"Имя-{person_id}",
        related_ids=frozenset(related),
        active=active,
    )


def build_roster(spec: RosterSpec) -> SchoolRoster:
    """The SchoolRoster a spec describes (guardian links are listed on the guardian's record)."""
    roles: dict[str, set[Role]] = {}
    related: dict[str, set[str]] = {}

    def add(person_id: str, role: Role) -> None:
        roles.setdefault(person_id, set()).add(role)
        related.setdefault(person_id, set())

    for person_id in spec.admins:
        add(person_id, Role.ADMIN)
    for person_id in spec.teachers:
        add(person_id, Role.TEACHER)
    classes: dict[str, ClassRecord] = {}
    enrollments: dict[str, EnrollmentRecord] = {}
    for class_id, cls in spec.classes.items():
        classes[class_id] = ClassRecord(class_id=class_id, title=cls.title, kind=cls.kind)
        for index, teacher in enumerate(cls.teachers):
            add(teacher, Role.TEACHER)
            enrollment_id = f"{class_id}|{teacher}|teacher"
            enrollments[enrollment_id] = EnrollmentRecord(
                enrollment_id, class_id, teacher, EnrollmentRole.TEACHER, primary=cls.primary and index == 0
            )
        for student in cls.students:
            add(student, Role.STUDENT)
            enrollment_id = f"{class_id}|{student}|student"
            enrollments[enrollment_id] = EnrollmentRecord(
                enrollment_id, class_id, student, EnrollmentRole.STUDENT
            )
    for guardian, children in spec.guardians.items():
        add(guardian, Role.PARENT)
        related[guardian].update(children)
    people = {pid: _person(pid, roles[pid], related[pid], pid not in spec.inactive) for pid in sorted(roles)}
    return SchoolRoster(spec.school_id, spec.name, people, classes, enrollments)


def sample_school(
    school_id: str = "school-1",
    *,
    classes: int = 2,
    students: int = 4,
    parents_per_student: int = 1,
    prefix: str = "",
) -> SchoolRoster:
    """A regular school: an admin, a class teacher per class, students with parents."""
    spec = RosterSpec(school_id=school_id, admins=(f"{prefix}admin-{school_id}",))
    for c in range(classes):
        class_id = f"{school_id}-c{c}"
        kids = tuple(f"{prefix}{class_id}-s{s}" for s in range(students))
        spec.classes[class_id] = ClassSpec(
            title=f"{5 + c}А", teachers=(f"{prefix}{class_id}-t",), students=kids
        )
        for kid in kids:
            for p in range(parents_per_student):
                spec.guardians[f"{kid}-p{p}"] = (kid,)
    return build_roster(spec)


def delta_update(
    school_id: str,
    *,
    people: Mapping[str, PersonRecord] | None = None,
    deleted_people: Iterable[str] = (),
    enrollments: Mapping[str, EnrollmentRecord] | None = None,
    deleted_enrollments: Iterable[str] = (),
) -> SchoolRosterUpdate:
    """A delta update for one school (nothing complete)."""
    return SchoolRosterUpdate(
        school_id=school_id,
        school_name=None,
        people=RecordUpdate(False, dict(people or {}), frozenset(deleted_people)),
        classes=RecordUpdate(False, {}, frozenset()),
        enrollments=RecordUpdate(False, dict(enrollments or {}), frozenset(deleted_enrollments)),
    )


def bulk_update(roster: SchoolRoster) -> SchoolRosterUpdate:
    """A bulk update replacing a school's roster."""
    return complete_update(roster)


def as_json(update: SchoolRosterUpdate) -> dict[str, Any]:
    """The shard document of an update."""
    from chalicelib.roster.model import update_to_json

    return update_to_json(update)


@dataclass
class InMemoryRoster:
    """A ParsedRoster built from updates (stands in for a parsed file)."""

    updates: list[SchoolRosterUpdate]
    format: str = "flat-csv"
    bulk: bool = True
    issues: Any = None
    counts: Any = None

    def __post_init__(self) -> None:
        from chalicelib.roster.issues import IssueLog
        from chalicelib.roster.reader import RosterCounts

        self.issues = self.issues or IssueLog()
        self.counts = self.counts or RosterCounts(
            schools=len(self.updates),
            classes=sum(len(u.classes.records) for u in self.updates),
            people=len({p for u in self.updates for p in u.people.records}),
        )

    def school_updates(self) -> Iterable[SchoolRosterUpdate]:
        return iter(sorted(self.updates, key=lambda u: u.school_id))

    def close(self) -> None:
        return None


def stage_import(
    services: Any,
    updates: list[SchoolRosterUpdate],
    *,
    key: str = "rosters/test.csv",
    uploaded_at: str = "2026-09-01T08:00:00.000Z",
    bulk: bool | None = None,
) -> str:
    """Run stage 1 of an import for ready-made updates (no file); returns the import id."""
    from chalicelib.config import settings
    from chalicelib.pipeline.queue_payloads import UploadedObject
    from chalicelib.pipeline.upload import split_and_queue

    upload = UploadedObject(settings().roster_bucket, key, None, "etag", uploaded_at)
    store = services.imports
    store.begin(
        upload.import_id,
        bucket=upload.bucket,
        key=upload.key,
        version=upload.version,
        uploaded_at=upload.event_time,
        now=services.clock.now(),
    )
    is_bulk = all(u.is_bulk for u in updates) if bulk is None else bulk
    split_and_queue(services, upload.import_id, InMemoryRoster(updates, bulk=is_bulk), content=None)
    return upload.import_id
