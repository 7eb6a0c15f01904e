"""Microsoft School Data Sync CSV v2.1 (SPEC §5): a zip of CSV files with no manifest.

Always a complete snapshot (bulk). What is read:

* ``orgs.csv`` (sourcedId, name, type): orgs typed ``school`` are schools;
  others are kept as orgs with a warning, as in OneRoster.
* ``users.csv`` (sourcedId, givenName, familyName, …): people; roles come
  from elsewhere.
* ``roles.csv`` (userSourcedId, orgSourcedId, role): ``student``,
  ``teacher``, ``administrator``/``principal``, ``guardian``/``parent``/
  ``relative``; higher-education and support roles (``professor``,
  ``lecturer``, ``aide``, …) are read as teacher with a warning.
* ``classes.csv`` (sourcedId, orgSourcedId, title): SDS has no homeroom
  flag, so a class is a homeroom when its title is a class name (``5А``,
  ``11 Б``, ``5A``: :func:`is_class_name`), or matches the configured
  ``ROSTER_HOMEROOM_TITLE_PATTERN``; every other class is scheduled.
* ``enrollments.csv`` (classSourcedId, userSourcedId, role): no id of its
  own, so one is made from the class, the user and the role; no primary flag,
  so a homeroom's class teacher is its only teacher.
* ``relationships.csv`` (userSourcedId = the student,
  relationshipUserSourcedId = the contact, relationshipRole): parents,
  guardians and relatives become the student's guardians (they need no
  ``roles.csv`` row); other relationships (doctor, aide, other) are skipped
  with a warning.

The optional ``academicSessions.csv``, ``courses.csv``, ``demographics.csv``
and ``userFlags.csv`` carry nothing chats need and are not read.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from chalicelib.roster.archive import GuardedZip, open_roster_zip
from chalicelib.roster.codes import IssueCode
from chalicelib.roster.csvfile import Columns, CsvRow, CsvTable, FileReport
from chalicelib.roster.issues import IssueLog
from chalicelib.roster.limits import RosterLimits
from chalicelib.roster.model import ClassKind, EnrollmentRole, Role
from chalicelib.roster.staging import Completeness, Names, Staging

FORMAT = "sds-2.1"
COMPLETENESS = Completeness(people=True, classes=True, enrollments=True)
REQUIRED_FILES = ("orgs", "users", "roles")
OPTIONAL_FILES = ("classes", "enrollments", "relationships")
_HEADER_PEEK_BYTES = 64 << 10

ORGS_COLUMNS = Columns(required=("sourcedId", "name", "type"), optional=("parentSourcedId",))
USERS_COLUMNS = Columns(
    required=("sourcedId", "givenName", "familyName"),
    optional=("username", "password", "activeDirectoryMatchId", "email", "phone", "sms", "middleName"),
)
ROLES_COLUMNS = Columns(
    required=("userSourcedId", "orgSourcedId", "role"),
    optional=("sessionSourcedId", "grade", "isPrimary", "roleStartDate", "roleEndDate"),
)
CLASSES_COLUMNS = Columns(
    required=("sourcedId", "orgSourcedId", "title"),
    optional=("sessionSourcedIds", "courseSourcedId", "code", "subject", "periods", "location"),
)
ENROLLMENTS_COLUMNS = Columns(required=("classSourcedId", "userSourcedId", "role"))
RELATIONSHIPS_COLUMNS = Columns(required=("userSourcedId", "relationshipUserSourcedId", "relationshipRole"))

_ROLES = {
    "student": Role.STUDENT,
    "teacher": Role.TEACHER,
    "administrator": Role.ADMIN,
    "principal": Role.ADMIN,
    "guardian": Role.PARENT,
    "parent": Role.PARENT,
    "relative": Role.PARENT,
}
# Roles SDS allows (higher education, support staff) that have no chat meaning of their own.
_ROLES_AS_TEACHER = frozenset(
    {"professor", "lecturer", "instructor", "faculty", "aide", "counselor", "staff", "teacherassistant"}
)
_GUARDIAN_RELATIONSHIPS = frozenset({"parent", "guardian", "relative"})
_ENROLLMENT_ROLES = {"student": EnrollmentRole.STUDENT, "teacher": EnrollmentRole.TEACHER}

# Class names: a grade (1–12) and one or two letters, with any spaces, dashes, dots or quotes.
_LOOKALIKES = str.maketrans("ABCEHKMOPTXY", "АВСЕНКМОРТХУ")
_CLASS_NAME = re.compile(r"^0?(1[0-2]|[1-9])[\s\-‐‑‒–—_.\"'«»„“”]*[^\W\d_]{1,2}[\"'«»“”]*$")


def is_class_name(title: str) -> bool:
    """Whether a class title names a homeroom class: ``5А``, ``11 Б``, ``5A``, ``7-в`` (SPEC §5)."""
    text = unicodedata.normalize("NFKC", title).strip().upper().translate(_LOOKALIKES)
    return bool(_CLASS_NAME.match(text))


def homeroom_rule(pattern: str | None) -> Callable[[str], bool]:
    """The rule deciding which SDS classes are homerooms: the configured pattern, else :func:`is_class_name`.

    A pattern is a regular expression matched against the whole title, ignoring case.
    """
    if not pattern:
        return is_class_name
    compiled = re.compile(pattern, re.IGNORECASE)
    return lambda title: compiled.fullmatch(title.strip()) is not None


def _first_line(archive: GuardedZip, info: zipfile.ZipInfo) -> str:
    with archive.open_member(info) as stream:
        head = stream.read(_HEADER_PEEK_BYTES)
    return head.split(b"\n", 1)[0].decode("utf-8", "replace").casefold()


def _roster_folder(members: list[zipfile.ZipInfo]) -> tuple[str, dict[str, zipfile.ZipInfo]]:
    """The folder holding ``users.csv`` (the shallowest), and its CSV files by lower-case stem."""
    users = [info for info in members if PurePosixPath(info.filename).name.casefold() == "users.csv"]
    folder = "."
    if users:
        first = min(users, key=lambda info: (info.filename.count("/"), info.filename))
        folder = str(PurePosixPath(first.filename).parent)
    files: dict[str, zipfile.ZipInfo] = {}
    for info in members:
        path = PurePosixPath(info.filename)
        if str(path.parent) == folder and path.suffix.casefold() == ".csv":
            files.setdefault(path.stem.casefold(), info)
    return folder, files


_SDS_V1_FILES = frozenset({"school", "section", "student", "teacher", "studentenrollment", "teacherroster"})
_CLEVER_FILES = frozenset({"schools", "sections", "students", "teachers", "enrollments"})


def is_sds_zip(path: Path, source_name: str, limits: RosterLimits) -> bool:
    """Whether a zip is a School Data Sync v2.1 export (no manifest; its file set and headers).

    Raises :class:`~chalicelib.roster.issues.RosterUnreadable` (``unsupported_format``) for
    exports in a format this service does not read, naming it: SDS v1 and Clever CSV.
    """
    report = FileReport(IssueLog(), source_name)
    with open_roster_zip(path, report, limits) as archive:
        members = archive.members()
        names = {PurePosixPath(info.filename).name.casefold() for info in members}
        if "manifest.csv" in names:
            return False
        stems = {PurePosixPath(name).stem for name in names if name.endswith(".csv")}
        if len(stems & _SDS_V1_FILES) >= 2:
            listed = ", ".join(f"{stem}.csv" for stem in sorted(stems & _SDS_V1_FILES))
            raise report.unreadable(
                IssueCode.UNSUPPORTED_FORMAT,
                f"This looks like a School Data Sync v1 export ({listed}); export School Data Sync "
                "v2.1 CSV or OneRoster CSV instead.",
            )
        _, files = _roster_folder(members)
        if not all(name in files for name in REQUIRED_FILES):
            if len(stems & _CLEVER_FILES) >= 3:
                raise report.unreadable(
                    IssueCode.UNSUPPORTED_FORMAT,
                    "This looks like a Clever CSV export (schools.csv, sections.csv, students.csv); "
                    "export OneRoster CSV or School Data Sync v2.1 CSV instead.",
                )
            return False
        # OneRoster 1.2 has the same file names; its roles.csv has a roleType, its users a status.
        roles, users = _first_line(archive, files["roles"]), _first_line(archive, files["users"])
        return "roletype" not in roles and "enableduser" not in users and "status" not in users


# Columns only School Data Sync files have (v2.1: users, roles, relationships; v1: "SIS ID" columns).
_SDS_V2_COLUMNS = frozenset({"activedirectorymatchid", "relationshipusersourcedid", "relationshiprole"})
_SDS_V1_COLUMNS = frozenset({"sis id", "school sis id", "section sis id", "student sis id", "teacher sis id"})


def lone_export_file(header_keys: set[str]) -> str | None:
    """What a single uploaded CSV is, when it is one file of a multi-file export (else None).

    ``header_keys`` are the header's names, case-folded.
    """
    if header_keys & _SDS_V1_COLUMNS:
        return "a School Data Sync v1 CSV file; export School Data Sync v2.1 CSV or OneRoster CSV, zipped"
    if header_keys & _SDS_V2_COLUMNS or {"usersourcedid", "orgsourcedid"} <= header_keys:
        return (
            "a single School Data Sync v2.1 CSV file; upload the whole export (orgs.csv, users.csv, "
            "roles.csv, …) as one zip"
        )
    return None


class _SdsReader:
    def __init__(
        self, archive: GuardedZip, log: IssueLog, staging: Staging, homeroom: Callable[[str], bool]
    ) -> None:
        self.archive = archive
        self.log = log
        self.staging = staging
        self.homeroom = homeroom
        _, self.files = _roster_folder(archive.members())
        self.homerooms = 0
        self.classes = 0

    def read(self) -> None:
        for file, columns, read_row in (
            ("orgs", ORGS_COLUMNS, self._org),
            ("users", USERS_COLUMNS, self._user),
            ("roles", ROLES_COLUMNS, self._role),
            ("classes", CLASSES_COLUMNS, self._class),
            ("enrollments", ENROLLMENTS_COLUMNS, self._enrollment),
            ("relationships", RELATIONSHIPS_COLUMNS, self._relationship),
        ):
            if file in self.files:
                self._read_file(file, columns, read_row)
        report = FileReport(self.log, "users.csv")
        for user_id, line in list(self.staging.remove_people_without_roles()):
            report.error(
                line,
                "sourcedId",
                IssueCode.NO_ROLE,
                f"User {user_id} has no role in roles.csv and is nobody's guardian in relationships.csv.",
            )
            self.staging.add_skipped("users", user_id, report.file, line)
        if self.classes and not self.homerooms:
            FileReport(self.log, "classes.csv").warning(
                None,
                "title",
                IssueCode.HOMEROOM_BY_TITLE,
                f"None of the {self.classes} classes is titled like a class name (5А, 11 Б), so no class "
                "chats were made; set ROSTER_HOMEROOM_TITLE_PATTERN if homerooms are named otherwise.",
            )
        self.staging.settle_schools_from_orgs()

    def _read_file(self, file: str, columns: Columns, read_row: Callable[[FileReport, CsvRow], None]) -> None:
        name = f"{file}.csv"
        report = FileReport(self.log, name)
        with CsvTable(self.archive.source(self.files[file], name), report) as table:
            table.bind(columns)
            for row in table.rows():
                skipped_before = self.log.rows_skipped
                read_row(report, row)
                skipped = self.log.rows_skipped > skipped_before
                if skipped and file in ("orgs", "users", "classes") and row["sourcedId"]:
                    self.staging.add_skipped(file, row["sourcedId"], name, row.line)

    def _first(self, report: FileReport, row: CsvRow, kind: str, record_id: str) -> bool:
        if self.staging.first_seen(kind, record_id):
            return True
        report.error(
            row.line, "sourcedId", IssueCode.DUPLICATE_ID, f"{record_id} appears twice in {kind}.csv."
        )
        return False

    def _missing(
        self, report: FileReport, row: CsvRow, column: str, kind: str, record_id: str, what: str
    ) -> None:
        noun = {"orgs": "org", "users": "user", "classes": "class"}[kind]
        found = self.staging.skipped(kind, record_id)
        if found is not None:
            report.error(
                row.line,
                column,
                IssueCode.REFERENCE_SKIPPED,
                f"{what} is skipped because its {noun} {record_id} was skipped at {found.file} "
                f"line {found.line}.",
            )
            return
        code = {
            "orgs": IssueCode.UNKNOWN_ORG,
            "users": IssueCode.UNKNOWN_USER,
            "classes": IssueCode.UNKNOWN_CLASS,
        }
        report.error(row.line, column, code[kind], f"{noun.capitalize()} {record_id} is not in {kind}.csv.")

    def _role_of(self, report: FileReport, row: CsvRow, column: str) -> Role | None:
        raw = row[column]
        key = raw.casefold()
        if key in _ROLES:
            return _ROLES[key]
        if key in _ROLES_AS_TEACHER:
            report.warning_once(
                ("role", key),
                row.line,
                column,
                IssueCode.ROLE_MAPPED,
                f"Role {raw!r} has no chat meaning of its own; it was read as teacher.",
            )
            return Role.TEACHER
        report.error(
            row.line, column, IssueCode.UNKNOWN_ROLE, f"Role {raw!r} is not a School Data Sync role."
        )
        return None

    def _org(self, report: FileReport, row: CsvRow) -> None:
        org_id = report.required(row, "sourcedId")
        if org_id is None or not self._first(report, row, "orgs", org_id):
            return
        is_school = row["type"].casefold() == "school"
        if not is_school:
            report.warning(
                row.line,
                "type",
                IssueCode.ORG_NOT_SCHOOL,
                f"Org {org_id} has type {row['type']!r}, not school; it gets chats only for the classes "
                "that belong to it.",
            )
        self.staging.add_org(org_id, row["name"], is_school)

    def _user(self, report: FileReport, row: CsvRow) -> None:
        user_id = report.required(row, "sourcedId")
        if user_id is None or not self._first(report, row, "users", user_id):
            return
        names = Names(family=row["familyName"], given=row["givenName"], middle=row["middleName"])
        if not names.family and not names.given:
            report.error(
                row.line, "familyName", IssueCode.MISSING_VALUE, "Both familyName and givenName are blank."
            )
            return
        self.staging.add_person(user_id, names, True, row.line)

    def _role(self, report: FileReport, row: CsvRow) -> None:
        user_id = report.required(row, "userSourcedId")
        org_id = report.required(row, "orgSourcedId") if user_id else None
        if user_id is None or org_id is None:
            return
        role = self._role_of(report, row, "role")
        if role is None:
            return
        if not self.staging.has_person(user_id):
            self._missing(report, row, "userSourcedId", "users", user_id, "The role")
            return
        if self.staging.org_is_school(org_id) is None:
            self._missing(report, row, "orgSourcedId", "orgs", org_id, "The role")
            return
        self.staging.add_role(user_id, org_id, role)

    def _class(self, report: FileReport, row: CsvRow) -> None:
        class_id = report.required(row, "sourcedId")
        if class_id is None or not self._first(report, row, "classes", class_id):
            return
        org_id = report.required(row, "orgSourcedId")
        title = report.required(row, "title") if org_id else None
        if org_id is None or title is None:
            return
        is_school = self.staging.org_is_school(org_id)
        if is_school is None:
            self._missing(report, row, "orgSourcedId", "orgs", org_id, f"Class {class_id}")
            return
        if is_school is False:
            report.warning_once(
                ("org", org_id),
                row.line,
                "orgSourcedId",
                IssueCode.CLASS_IN_NON_SCHOOL_ORG,
                f"Org {org_id} is not typed school; its classes are read as that org's.",
            )
        self.classes += 1
        kind = ClassKind.SCHEDULED
        if self.homeroom(title):
            kind = ClassKind.HOMEROOM
            self.homerooms += 1
        self.staging.add_class(org_id, class_id, title, kind, row["subject"])

    def _enrollment(self, report: FileReport, row: CsvRow) -> None:
        class_id = report.required(row, "classSourcedId")
        user_id = report.required(row, "userSourcedId") if class_id else None
        if class_id is None or user_id is None:
            return
        raw = row["role"]
        role = _ENROLLMENT_ROLES.get(raw.casefold())
        if role is None and raw.casefold() in _ROLES_AS_TEACHER:
            report.warning_once(
                ("role", raw.casefold()),
                row.line,
                "role",
                IssueCode.ROLE_MAPPED,
                f"Role {raw!r} has no chat meaning of its own; it was read as teacher.",
            )
            role = EnrollmentRole.TEACHER
        if role is None:
            report.warning(
                row.line,
                "role",
                IssueCode.ENROLLMENT_ROLE_IGNORED,
                f"The enrollment of {user_id} in {class_id} has role {raw!r}; only student and teacher "
                "are used.",
            )
            return
        school_id = self.staging.class_school(class_id)
        if school_id is None:
            self._missing(report, row, "classSourcedId", "classes", class_id, f"The enrollment of {user_id}")
            return
        if not self.staging.has_person(user_id):
            self._missing(report, row, "userSourcedId", "users", user_id, f"The enrollment in {class_id}")
            return
        # SDS enrollments have no id: one is made from what identifies them.
        enrollment_id = f"{class_id}|{user_id}|{role.value}"
        self.staging.add_enrollment(school_id, enrollment_id, class_id, user_id, role, False)

    def _relationship(self, report: FileReport, row: CsvRow) -> None:
        student_id = report.required(row, "userSourcedId")
        contact_id = report.required(row, "relationshipUserSourcedId") if student_id else None
        if student_id is None or contact_id is None:
            return
        raw = row["relationshipRole"]
        if raw.casefold() not in _GUARDIAN_RELATIONSHIPS:
            report.warning(
                row.line,
                "relationshipRole",
                IssueCode.RELATIONSHIP_ROLE_IGNORED,
                f"{contact_id} is {student_id}'s {raw or 'contact'!s}, not a parent, guardian or relative; "
                "skipped.",
            )
            return
        if student_id == contact_id:
            report.warning(
                row.line,
                "relationshipUserSourcedId",
                IssueCode.SELF_REFERENCE,
                f"{student_id} is their own {raw}.",
            )
            return
        for column, person_id in (("userSourcedId", student_id), ("relationshipUserSourcedId", contact_id)):
            if not self.staging.has_person(person_id):
                report.warning(
                    row.line,
                    column,
                    IssueCode.UNKNOWN_RELATED_ID,
                    f"The relationship names {person_id}, who is not in users.csv; it was dropped.",
                )
                return
        self.staging.add_role(contact_id, "", Role.PARENT)
        self.staging.add_link(contact_id, student_id, row.line)


def read_sds(
    path: Path,
    source_name: str,
    limits: RosterLimits,
    log: IssueLog,
    staging: Staging,
    homeroom: Callable[[str], bool] = is_class_name,
) -> None:
    """Validate a School Data Sync v2.1 zip file by file and stage it (see the module docstring)."""
    report = FileReport(log, source_name)
    with open_roster_zip(path, report, limits) as archive:
        _SdsReader(archive, log, staging, homeroom).read()
