"""The on-disk store a roster is staged in while it is read, then split per school.

A roster can be far larger than the memory of the function reading it, so
parsers never keep its records in Python objects: each row goes into an SQLite
database in a private temporary directory (no journal, no fsync — it is thrown
away), and :meth:`Staging.school_update` assembles one school's
:class:`~chalicelib.roster.model.SchoolRosterUpdate` at a time with indexed
queries. Both formats fill the same tables:

* ``people`` — one row per person id (the first row wins);
* ``roles`` — (person, org, role): what a person is at each school or org;
  ``org_id`` is ``''`` for a role given without an org;
* ``links`` — a person's own ``related_ids`` (``guardian_of``, ``agentSourcedIds``);
* ``classes``, ``enrollments`` — keyed by school, so flat class ids ("5А") can
  repeat across schools;
* ``deleted`` — delta deletions, for one school or (``school_id`` NULL) for all;
* ``schools``, ``orgs`` — the schools the file mentions and the OneRoster orgs.

A school's people are those with a role at the school, those enrolled in its
classes, and the guardians of its students: anyone with a parent role (at any
org) linked to one of its students from either side.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chalicelib.roster.model import (
    ClassKind,
    ClassRecord,
    EnrollmentRecord,
    EnrollmentRole,
    PersonRecord,
    RecordUpdate,
    Role,
    SchoolRosterUpdate,
)

BATCH_ROWS = 5000
CACHE_KIB = 8192
NO_ORG = ""

_SCHEMA = """
CREATE TABLE schools (school_id TEXT PRIMARY KEY, name TEXT) WITHOUT ROWID;
CREATE TABLE school_names (
    school_id TEXT, name TEXT, line INTEGER, PRIMARY KEY (school_id, name)) WITHOUT ROWID;
CREATE TABLE orgs (org_id TEXT PRIMARY KEY, name TEXT, is_school INTEGER) WITHOUT ROWID;
CREATE TABLE people (
    person_id TEXT PRIMARY KEY, family TEXT, given TEXT, middle TEXT, active INTEGER, line INTEGER
) WITHOUT ROWID;
CREATE TABLE roles (
    person_id TEXT, org_id TEXT, role TEXT, PRIMARY KEY (person_id, org_id, role)) WITHOUT ROWID;
CREATE TABLE links (
    person_id TEXT, related_id TEXT, line INTEGER, PRIMARY KEY (person_id, related_id)) WITHOUT ROWID;
CREATE INDEX links_by_related ON links (related_id);
CREATE TABLE classes (
    school_id TEXT, class_id TEXT, title TEXT, kind TEXT, subject TEXT, PRIMARY KEY (school_id, class_id)
) WITHOUT ROWID;
CREATE INDEX classes_by_id ON classes (class_id);
CREATE TABLE class_titles (
    school_id TEXT, class_id TEXT, title TEXT, line INTEGER, PRIMARY KEY (school_id, class_id, title)
) WITHOUT ROWID;
CREATE TABLE enrollments (
    school_id TEXT, enrollment_id TEXT, class_id TEXT, person_id TEXT, role TEXT, is_primary INTEGER,
    PRIMARY KEY (school_id, enrollment_id)) WITHOUT ROWID;
CREATE TABLE deleted (kind TEXT, record_id TEXT, school_id TEXT);
CREATE TABLE seen (kind TEXT, record_id TEXT, PRIMARY KEY (kind, record_id)) WITHOUT ROWID;
CREATE TABLE skipped (
    kind TEXT, record_id TEXT, file TEXT, line INTEGER, deleted INTEGER, title TEXT,
    PRIMARY KEY (kind, record_id)) WITHOUT ROWID;
CREATE TEMP TABLE school_members (person_id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TEMP TABLE school_students (person_id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TEMP TABLE school_guardians (person_id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TEMP TABLE school_people (person_id TEXT PRIMARY KEY) WITHOUT ROWID;
"""

# Built once every row is in: what the per-school queries look up by.
_INDEXES = (
    "CREATE INDEX roles_by_org ON roles (org_id, role)",
    "CREATE INDEX enrollments_by_school ON enrollments (school_id, role)",
    "CREATE INDEX deleted_by_school ON deleted (school_id)",
    "CREATE TABLE parents (person_id TEXT PRIMARY KEY) WITHOUT ROWID",
    "INSERT OR IGNORE INTO parents SELECT person_id FROM roles WHERE role = 'parent'",
)

_INSERTS = {
    "role": "INSERT OR IGNORE INTO roles VALUES (?, ?, ?)",
    "link": "INSERT OR IGNORE INTO links VALUES (?, ?, ?)",
    "school": "INSERT OR IGNORE INTO schools VALUES (?, NULL)",
    "school_name": "INSERT OR IGNORE INTO school_names VALUES (?, ?, ?)",
    "class": "INSERT OR IGNORE INTO classes VALUES (?, ?, ?, ?, ?)",
    "class_title": "INSERT OR IGNORE INTO class_titles VALUES (?, ?, ?, ?)",
    "enrollment": (
        "INSERT INTO enrollments VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (school_id, enrollment_id) "
        "DO UPDATE SET is_primary = max(is_primary, excluded.is_primary)"
    ),
    "deleted": "INSERT INTO deleted VALUES (?, ?, ?)",
}


@dataclass(frozen=True)
class Completeness:
    """Which kinds of record the file holds in full (bulk) rather than as changes (delta)."""

    people: bool
    classes: bool
    enrollments: bool

    @property
    def bulk(self) -> bool:
        """True when every kind is complete."""
        return self.people and self.classes and self.enrollments


@dataclass(frozen=True)
class SkippedRecord:
    """Where a record was left out of the roster, and whether it was marked tobedeleted."""

    file: str
    line: int
    deleted: bool
    title: str


@dataclass(frozen=True)
class Names:
    """A person's names as staged."""

    family: str
    given: str
    middle: str


class Staging:
    """A roster staged on disk. Writes are batched; :meth:`finish` ends loading."""

    def __init__(self, directory: str | None = None) -> None:
        self._directory = Path(tempfile.mkdtemp(prefix="roster-staging-", dir=directory))
        self._db = sqlite3.connect(self._directory / "roster.sqlite3", isolation_level=None)
        for pragma in (
            "journal_mode = OFF",
            "synchronous = OFF",
            f"cache_size = -{CACHE_KIB}",
            "temp_store = FILE",
            "locking_mode = EXCLUSIVE",
        ):
            self._db.execute(f"PRAGMA {pragma}")
        self._db.executescript(_SCHEMA)
        self._db.execute("BEGIN")
        self._pending: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        self._finished = False

    # --- loading ----------------------------------------------------------------------

    def _add(self, kind: str, row: tuple[Any, ...]) -> None:
        batch = self._pending[kind]
        batch.append(row)
        if len(batch) >= BATCH_ROWS:
            self._db.executemany(_INSERTS[kind], batch)
            batch.clear()

    def flush(self) -> None:
        """Write every batched row (reads call this before they look)."""
        for kind, batch in self._pending.items():
            if batch:
                self._db.executemany(_INSERTS[kind], batch)
                batch.clear()

    def first_seen(self, kind: str, record_id: str) -> bool:
        """True the first time ``(kind, record_id)`` is offered (finds repeated ids)."""
        cursor = self._db.execute("INSERT OR IGNORE INTO seen VALUES (?, ?)", (kind, record_id))
        return cursor.rowcount == 1

    def add_person(self, person_id: str, names: Names, active: bool, line: int) -> Names | None:
        """Stage a person; when the id is already staged, keep the first and return its names."""
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO people VALUES (?, ?, ?, ?, ?, ?)",
            (person_id, names.family, names.given, names.middle, int(active), line),
        )
        if cursor.rowcount == 1:
            return None
        row = self._db.execute(
            "SELECT family, given, middle FROM people WHERE person_id = ?", (person_id,)
        ).fetchone()
        return Names(*row)

    def has_person(self, person_id: str) -> bool:
        """Whether a person with this id is staged."""
        found = self._db.execute("SELECT 1 FROM people WHERE person_id = ?", (person_id,)).fetchone()
        return found is not None

    def add_role(self, person_id: str, org_id: str, role: Role) -> None:
        """A person has ``role`` at ``org_id`` (a school, another org, or ``NO_ORG``)."""
        self._add("role", (person_id, org_id, role.value))

    def add_link(self, person_id: str, related_id: str, line: int) -> None:
        """One of a person's own ``related_ids`` (the line is kept to report a dangling link)."""
        self._add("link", (person_id, related_id, line))

    def add_school(self, school_id: str) -> None:
        """A school the file mentions (its name comes from :meth:`add_school_name` or orgs)."""
        self._add("school", (school_id,))

    def add_school_name(self, school_id: str, name: str, line: int) -> None:
        """A name a row gives its school (the first one wins; see :meth:`settle_school_names`)."""
        self._add("school_name", (school_id, name, line))

    def add_org(self, org_id: str, name: str, is_school: bool) -> None:
        """A OneRoster org (the first row of an id wins)."""
        self._db.execute("INSERT OR IGNORE INTO orgs VALUES (?, ?, ?)", (org_id, name, int(is_school)))

    def org_is_school(self, org_id: str) -> bool | None:
        """Whether a staged org is a school; None when the org is not staged."""
        row = self._db.execute("SELECT is_school FROM orgs WHERE org_id = ?", (org_id,)).fetchone()
        return None if row is None else bool(row[0])

    def add_class(self, school_id: str, class_id: str, title: str, kind: ClassKind, subject: str) -> None:
        """A class of a school."""
        self._add("class", (school_id, class_id, title, kind.value, subject))

    def add_class_title(self, school_id: str, class_id: str, title: str, line: int) -> None:
        """A spelling of a flat class's name (see :meth:`settle_class_titles`)."""
        self._add("class_title", (school_id, class_id, title, line))

    def class_school(self, class_id: str) -> str | None:
        """The school of a staged class (OneRoster class ids are unique across schools)."""
        self.flush()
        row = self._db.execute("SELECT school_id FROM classes WHERE class_id = ?", (class_id,)).fetchone()
        return None if row is None else str(row[0])

    def add_enrollment(
        self,
        school_id: str,
        enrollment_id: str,
        class_id: str,
        person_id: str,
        role: EnrollmentRole,
        primary: bool,
    ) -> None:
        """An enrollment; staging the same id again only ever turns ``primary`` on."""
        self._add("enrollment", (school_id, enrollment_id, class_id, person_id, role.value, int(primary)))

    def add_skipped(
        self, kind: str, record_id: str, file: str, line: int, *, deleted: bool = False, title: str = ""
    ) -> None:
        """A record left out of the roster (a row error, or marked tobedeleted), for rows that refer to it."""
        self._db.execute(
            "INSERT OR IGNORE INTO skipped VALUES (?, ?, ?, ?, ?, ?)",
            (kind, record_id, file, line, int(deleted), title),
        )

    def skipped(self, kind: str, record_id: str) -> SkippedRecord | None:
        """Why a record the file mentions is not staged, if it was left out (see :meth:`add_skipped`)."""
        row = self._db.execute(
            "SELECT file, line, deleted, title FROM skipped WHERE kind = ? AND record_id = ?",
            (kind, record_id),
        ).fetchone()
        if row is None:
            return None
        return SkippedRecord(file=row[0], line=row[1], deleted=bool(row[2]), title=row[3])

    def add_deleted(self, kind: str, record_id: str, school_id: str | None) -> None:
        """A delta deletion of a ``people``/``classes``/``enrollments`` record (None: every school)."""
        self._add("deleted", (kind, record_id, school_id))

    # --- settling: checks and merges once a file is in --------------------------------
    # Each method does its work at once and returns a cursor over what it found.

    def settle_class_titles(self, kind: ClassKind) -> Iterator[tuple[str, str, str, int]]:
        """Make one class per (school, class id), titled by its first spelling.

        Returns ``(kept_title, other_title, class_id, line)`` for every other
        spelling, at the line where it first appears.
        """
        self.flush()
        self._db.execute(
            """
            INSERT OR IGNORE INTO classes
            SELECT school_id, class_id, title, ?, '' FROM class_titles t
            WHERE line = (SELECT min(line) FROM class_titles u
                          WHERE u.school_id = t.school_id AND u.class_id = t.class_id)
            """,
            (kind.value,),
        )
        return self._db.execute(
            """
            SELECT c.title, t.title, t.class_id, t.line FROM class_titles t
            JOIN classes c ON c.school_id = t.school_id AND c.class_id = t.class_id
            WHERE t.title != c.title ORDER BY t.line
            """
        )

    def settle_school_names(self) -> Iterator[tuple[str, str, str, int]]:
        """Name each school by the first name its rows give.

        Returns ``(school_id, kept_name, other_name, line)`` for every other name.
        """
        self.flush()
        self._db.execute(
            """
            UPDATE schools SET name = (SELECT name FROM school_names n
                                       WHERE n.school_id = schools.school_id ORDER BY line LIMIT 1)
            """
        )
        return self._db.execute(
            """
            SELECT s.school_id, s.name, n.name, n.line FROM school_names n
            JOIN schools s ON s.school_id = n.school_id WHERE n.name != s.name ORDER BY n.line
            """
        )

    def settle_schools_from_orgs(self) -> None:
        """The schools a OneRoster file mentions.

        Orgs typed school; every org a class or enrollment belongs to; and every
        org a role or deletion names that is not known to be something else.
        """
        self.flush()
        for statement in (
            "INSERT OR IGNORE INTO schools SELECT org_id, name FROM orgs WHERE is_school = 1",
            "INSERT OR IGNORE INTO schools SELECT DISTINCT school_id, NULL FROM classes",
            "INSERT OR IGNORE INTO schools SELECT DISTINCT school_id, NULL FROM enrollments",
            """INSERT OR IGNORE INTO schools SELECT DISTINCT org_id, NULL FROM roles
               WHERE org_id != '' AND org_id NOT IN (SELECT org_id FROM orgs)""",
            """INSERT OR IGNORE INTO schools SELECT DISTINCT school_id, NULL FROM deleted
               WHERE school_id IS NOT NULL
                 AND school_id NOT IN (SELECT org_id FROM orgs WHERE is_school = 0)""",
            """UPDATE schools SET name = (SELECT name FROM orgs WHERE orgs.org_id = schools.school_id)
               WHERE name IS NULL""",
        ):
            self._db.execute(statement)

    def remove_people_without_roles(self) -> Iterator[tuple[str, int]]:
        """Drop people who have no role anywhere; returns ``(person_id, line)`` of each."""
        self.flush()
        self._db.execute("DROP TABLE IF EXISTS temp.removed_people")
        self._db.execute(
            """
            CREATE TEMP TABLE removed_people AS SELECT person_id, line FROM people p
            WHERE NOT EXISTS (SELECT 1 FROM roles r WHERE r.person_id = p.person_id)
            """
        )
        self._db.execute("DELETE FROM people WHERE person_id IN (SELECT person_id FROM removed_people)")
        self._db.execute("DELETE FROM links WHERE person_id IN (SELECT person_id FROM removed_people)")
        return self._db.execute("SELECT person_id, line FROM removed_people ORDER BY line")

    def remove_dangling_links(self) -> Iterator[tuple[str, str, int]]:
        """Drop links to people not staged; returns ``(person_id, related_id, line)`` of each."""
        self.flush()
        self._db.execute("DROP TABLE IF EXISTS temp.removed_links")
        self._db.execute(
            """
            CREATE TEMP TABLE removed_links AS SELECT person_id, related_id, line FROM links l
            WHERE NOT EXISTS (SELECT 1 FROM people p WHERE p.person_id = l.related_id)
            """
        )
        self._db.execute(
            """DELETE FROM links WHERE (person_id, related_id) IN
               (SELECT person_id, related_id FROM removed_links)"""
        )
        return self._db.execute(
            "SELECT person_id, related_id, line FROM removed_links ORDER BY line, related_id"
        )

    def parents_without_links(self) -> Iterator[tuple[str, int]]:
        """People with a parent role linked to nobody, from either side: ``(person_id, line)``."""
        self.flush()
        return self._db.execute(
            """
            SELECT p.person_id, p.line FROM people p
            WHERE EXISTS (SELECT 1 FROM roles r WHERE r.person_id = p.person_id AND r.role = 'parent')
              AND NOT EXISTS (SELECT 1 FROM links l WHERE l.person_id = p.person_id)
              AND NOT EXISTS (SELECT 1 FROM links l WHERE l.related_id = p.person_id)
            ORDER BY p.line
            """
        )

    def finish(self) -> None:
        """End loading: write what is batched and build the indexes the per-school queries use."""
        if self._finished:
            return
        self.flush()
        for statement in _INDEXES:
            self._db.execute(statement)
        self._db.execute("COMMIT")
        self._finished = True

    # --- reading, one school at a time -----------------------------------------------

    def counts(self) -> tuple[int, int, int]:
        """``(schools, classes, people)`` staged."""
        return (
            self._count("schools"),
            self._count("classes"),
            self._count("people"),
        )

    def _count(self, table: str) -> int:
        return int(self._db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608

    def schools(self) -> list[tuple[str, str | None]]:
        """Every school's ``(school_id, name)``, sorted by id."""
        return [
            (str(i), n) for i, n in self._db.execute("SELECT school_id, name FROM schools ORDER BY school_id")
        ]

    def _select_school_people(self, school_id: str) -> None:
        args = {"school": school_id}
        for statement in (
            "DELETE FROM school_members",
            "DELETE FROM school_students",
            "DELETE FROM school_guardians",
            "DELETE FROM school_people",
            "INSERT OR IGNORE INTO school_members SELECT person_id FROM roles WHERE org_id = :school",
            """INSERT OR IGNORE INTO school_members SELECT person_id FROM enrollments
               WHERE school_id = :school""",
            """INSERT OR IGNORE INTO school_students SELECT person_id FROM roles
               WHERE org_id = :school AND role = 'student'""",
            """INSERT OR IGNORE INTO school_students SELECT person_id FROM enrollments
               WHERE school_id = :school AND role = 'student'""",
            # Guardians of the school's students, named on either side, whatever their own org.
            # (CROSS JOIN fixes the join order: from the school's few people into the big tables.)
            """INSERT OR IGNORE INTO school_guardians SELECT l.related_id FROM school_students s
               CROSS JOIN links l ON l.person_id = s.person_id
               CROSS JOIN parents p ON p.person_id = l.related_id""",
            """INSERT OR IGNORE INTO school_guardians SELECT l.person_id FROM school_students s
               CROSS JOIN links l ON l.related_id = s.person_id
               CROSS JOIN parents p ON p.person_id = l.person_id""",
            """INSERT OR IGNORE INTO school_people
               SELECT person_id FROM school_members UNION SELECT person_id FROM school_guardians""",
        ):
            self._db.execute(statement, args)

    def _school_people(self, school_id: str) -> dict[str, PersonRecord]:
        roles_here: dict[str, set[Role]] = defaultdict(set)
        roles_anywhere: dict[str, set[Role]] = defaultdict(set)
        for person_id, org_id, role in self._db.execute(
            """SELECT r.person_id, r.org_id, r.role FROM school_people s
               CROSS JOIN roles r ON r.person_id = s.person_id"""
        ):
            roles_anywhere[person_id].add(Role(role))
            if org_id == school_id:
                roles_here[person_id].add(Role(role))
        related: dict[str, set[str]] = defaultdict(set)
        for person_id, related_id in self._db.execute(
            """SELECT l.person_id, l.related_id FROM school_people s
               CROSS JOIN links l ON l.person_id = s.person_id"""
        ):
            related[person_id].add(related_id)
        people: dict[str, PersonRecord] = {}
        for person_id, family, given, middle, active, member, guardian in self._db.execute(
            """
            SELECT p.person_id, p.family, p.given, p.middle, p.active,
                   EXISTS (SELECT 1 FROM school_members m WHERE m.person_id = p.person_id),
                   EXISTS (SELECT 1 FROM school_guardians g WHERE g.person_id = p.person_id)
            FROM school_people s CROSS JOIN people p ON p.person_id = s.person_id
            """
        ):
            # A member's roles are those at this school, or (enrolled from another org) all of
            # theirs; someone reached only as a guardian is just a parent here.
            roles = set(roles_here.get(person_id) or (roles_anywhere.get(person_id, set()) if member else ()))
            if guardian:
                roles.add(Role.PARENT)
            if not roles:
                continue
            people[person_id] = PersonRecord(
                person_id=person_id,
                roles=frozenset(roles),
                family_name=family,
                given_name=given,
                middle_name=middle,
                related_ids=frozenset(related.get(person_id, ())),
                active=bool(active),
            )
        return people

    def _deleted(self, school_id: str, kind: str) -> frozenset[str]:
        return frozenset(
            str(row[0])
            for row in self._db.execute(
                "SELECT record_id FROM deleted WHERE kind = ? AND (school_id = ? OR school_id IS NULL)",
                (kind, school_id),
            )
        )

    def school_update(self, school_id: str, name: str | None, complete: Completeness) -> SchoolRosterUpdate:
        """Everything staged about one school, as its update."""
        self.finish()
        self._select_school_people(school_id)
        people = self._school_people(school_id)
        classes = {
            class_id: ClassRecord(class_id=class_id, title=title, kind=ClassKind(kind), subject=subject)
            for class_id, title, kind, subject in self._db.execute(
                "SELECT class_id, title, kind, subject FROM classes WHERE school_id = ?", (school_id,)
            )
        }
        enrollments = {
            enrollment_id: EnrollmentRecord(
                enrollment_id=enrollment_id,
                class_id=class_id,
                person_id=person_id,
                role=EnrollmentRole(role),
                primary=bool(primary),
            )
            for enrollment_id, class_id, person_id, role, primary in self._db.execute(
                """SELECT enrollment_id, class_id, person_id, role, is_primary
                   FROM enrollments WHERE school_id = ?""",
                (school_id,),
            )
        }
        return SchoolRosterUpdate(
            school_id=school_id,
            school_name=name,
            people=RecordUpdate(complete.people, people, self._deleted(school_id, "people")),
            classes=RecordUpdate(complete.classes, classes, self._deleted(school_id, "classes")),
            enrollments=RecordUpdate(
                complete.enrollments, enrollments, self._deleted(school_id, "enrollments")
            ),
        )

    def close(self) -> None:
        """Close the database and remove its directory."""
        try:
            self._db.close()
        finally:
            shutil.rmtree(self._directory, ignore_errors=True)
