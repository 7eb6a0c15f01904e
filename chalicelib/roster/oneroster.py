"""OneRoster CSV 1.1 and 1.2 (SPEC §5): a zip of CSV files described by ``manifest.csv``.

What is read, and how messy exports are understood:

* ``manifest.csv`` (``propertyName,value``): ``oneroster.version`` (1.1 or
  1.2; assumed with a warning when missing) and ``file.<name>`` = bulk, delta
  or absent. A file's mode sets ``complete`` of the matching record update.
* ``orgs.csv``: orgs typed ``school`` are schools; other types (district,
  department, …) are kept as orgs with a warning. A class pointing at a
  non-school org is still that org's class (with a warning), so that org gets
  an update like a school.
* ``users.csv``: roles map to the model's (aide/proctor/counselor read as
  teacher with a warning); ``enabledUser=false`` makes the person inactive;
  ``agentSourcedIds`` become ``related_ids`` (guardians are then found from
  either side). In 1.2, ``role``/``orgSourcedIds`` may be absent and come
  from ``roles.csv`` instead, which adds a role per org.
* ``classes.csv``: ``classType`` homeroom/scheduled (anything else: scheduled,
  with a warning); ``subjects`` becomes the class's subject.
* ``enrollments.csv``: student and teacher enrollments; other roles are
  skipped with a warning; ``primary`` marks class teachers.
* ``status``: blank means active (one warning per file); ``tobedeleted``
  rows are left out of bulk files and become deletions in delta files.
  Enumerations are matched case-insensitively; odd casing is a warning.

References are checked against files in bulk mode only: a delta may point at
records the school already has.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Generic, TypeVar

from chalicelib.roster.archive import GuardedZip, open_roster_zip
from chalicelib.roster.codes import IssueCode
from chalicelib.roster.csvfile import Columns, CsvRow, CsvTable, FileReport, split_multi
from chalicelib.roster.issues import IssueLog
from chalicelib.roster.model import ClassKind, EnrollmentRole, Role
from chalicelib.roster.staging import NO_ORG, Completeness, Names, Staging

if TYPE_CHECKING:
    from chalicelib.roster.limits import RosterLimits

MANIFEST = "manifest.csv"
ROSTER_FILES = ("orgs", "users", "roles", "classes", "enrollments")
_VERSION = re.compile(r"^v?1\.([12])(?:\.\d+)*$")
_SPREADSHEET_MEMBERS = ("[content_types].xml", "mimetype")

T = TypeVar("T")


class Mode(Enum):
    """How a file of the export is provided."""

    BULK = "bulk"
    DELTA = "delta"
    ABSENT = "absent"


class Status(Enum):
    """A row's ``status``."""

    ACTIVE = "active"
    DELETED = "tobedeleted"


class _Enum(Generic[T]):
    """An enumeration by its canonical spellings; values are matched case-insensitively."""

    def __init__(self, values: Mapping[str, T]) -> None:
        self._by_key = {canonical.casefold(): (canonical, value) for canonical, value in values.items()}

    def lookup(self, raw: str) -> tuple[str, T] | None:
        """``(canonical spelling, value)`` of ``raw``, or None when it is not one of the values."""
        return self._by_key.get(raw.casefold())


_MODES = _Enum({mode.value: mode for mode in Mode})
_STATUSES = _Enum({"active": Status.ACTIVE, "tobedeleted": Status.DELETED})
_STATUSES_MAPPED = _Enum({"inactive": Status.DELETED, "deleted": Status.DELETED})
_USER_ROLES = _Enum(
    {
        "student": Role.STUDENT,
        "teacher": Role.TEACHER,
        "administrator": Role.ADMIN,
        "principal": Role.ADMIN,
        "siteAdministrator": Role.ADMIN,
        "systemAdministrator": Role.ADMIN,
        "districtAdministrator": Role.ADMIN,
        "parent": Role.PARENT,
        "guardian": Role.PARENT,
        "relative": Role.PARENT,
    }
)
# Roles with no chat meaning of their own: read as teacher, with a warning.
_USER_ROLES_MAPPED = _Enum({"aide": Role.TEACHER, "proctor": Role.TEACHER, "counselor": Role.TEACHER})
_ENROLLMENT_ROLES = _Enum({"student": EnrollmentRole.STUDENT, "teacher": EnrollmentRole.TEACHER})
_CLASS_TYPES = _Enum({"homeroom": ClassKind.HOMEROOM, "scheduled": ClassKind.SCHEDULED})
_BOOLEANS = _Enum({"true": True, "false": False})
_SCHOOL_TYPE = _Enum({"school": True})
# Files whose records other rows refer to, and what a reference calls them.
_REFERENCED_FILES = ("orgs", "users", "classes")
_NOUNS = {"orgs": "org", "users": "user", "classes": "class"}

# The standard's headers, in its order (rostergen writes exactly these).
ORGS_HEADER = ("sourcedId", "status", "dateLastModified", "name", "type", "identifier", "parentSourcedId")
_USERS_COMMON = ("username", "userIds", "givenName", "familyName", "middleName", "identifier", "email", "sms")
USERS_HEADER_11 = (
    *("sourcedId", "status", "dateLastModified", "enabledUser", "orgSourcedIds", "role"),
    *_USERS_COMMON,
    *("phone", "agentSourcedIds", "grades", "password"),
)
USERS_HEADER_12 = (
    *("sourcedId", "status", "dateLastModified", "enabledUser"),
    *_USERS_COMMON,
    *("phone", "agentSourcedIds", "grades", "password", "userMasterIdentifier", "resourceSourcedIds"),
    *("preferredGivenName", "preferredMiddleName", "preferredFamilyName", "primaryOrgSourcedId", "pronouns"),
)
ROLES_HEADER = (
    *("sourcedId", "status", "dateLastModified", "userSourcedId", "roleType", "role", "orgSourcedId"),
    *("beginDate", "endDate", "userProfileSourcedId"),
)
CLASSES_HEADER = (
    *("sourcedId", "status", "dateLastModified", "title", "grades", "courseSourcedId", "classCode"),
    *("classType", "location", "schoolSourcedId", "termSourcedIds", "subjects", "subjectCodes", "periods"),
)
ENROLLMENTS_HEADER = (
    *("sourcedId", "status", "dateLastModified", "classSourcedId", "schoolSourcedId", "userSourcedId"),
    *("role", "primary", "beginDate", "endDate"),
)


def _columns(headers: tuple[str, ...], required: tuple[str, ...]) -> Columns:
    """What the parser needs of a file: ``required``; the rest of the standard's columns may be absent."""
    optional = tuple(dict.fromkeys(name for name in headers if name not in required))
    return Columns(required=required, optional=optional, silent_prefixes=("metadata.",))


MANIFEST_COLUMNS = Columns(required=("propertyName", "value"))
ORGS_COLUMNS = _columns(ORGS_HEADER, ("sourcedId", "name", "type"))
USERS_COLUMNS_11 = _columns(
    USERS_HEADER_11 + USERS_HEADER_12, ("sourcedId", "orgSourcedIds", "role", "givenName", "familyName")
)
# With a roles.csv (OneRoster 1.2) a user's roles may all come from there.
USERS_COLUMNS_12 = _columns(USERS_HEADER_11 + USERS_HEADER_12, ("sourcedId", "givenName", "familyName"))
ROLES_COLUMNS = _columns(ROLES_HEADER, ("userSourcedId", "role", "orgSourcedId"))
CLASSES_COLUMNS = _columns(
    (*CLASSES_HEADER, "resources"), ("sourcedId", "title", "classType", "schoolSourcedId")
)
ENROLLMENTS_COLUMNS = _columns(
    ENROLLMENTS_HEADER, ("sourcedId", "classSourcedId", "schoolSourcedId", "userSourcedId", "role")
)


@dataclass(frozen=True)
class OneRosterResult:
    """What reading a OneRoster zip decided beyond the staged records."""

    format: str
    completeness: Completeness


class _FileReader:
    """Helpers shared by the readers of one CSV file of the export."""

    def __init__(self, report: FileReport, mode: Mode) -> None:
        self.report = report
        self.mode = mode

    def enum(self, row: CsvRow, column: str, values: _Enum[T]) -> tuple[str, T] | None:
        """``(canonical, value)`` of an enumerated value, warning once about odd casing."""
        raw = row[column]
        found = values.lookup(raw)
        if found is not None and found[0] != raw:
            self.report.warning_once(
                (column, raw),
                row.line,
                column,
                IssueCode.ENUM_CASE,
                f"{column} {raw!r} was read as {found[0]!r}.",
            )
        return found

    def status(self, row: CsvRow) -> Status | None:
        """The row's status; None (and a row error) when it cannot be understood."""
        if not row["status"]:
            if not row.has("status"):
                return Status.ACTIVE  # a file without the column carries no deletions
            self.report.warning_once(
                "blank",
                row.line,
                "status",
                IssueCode.BLANK_STATUS,
                "Rows with a blank status are read as active.",
            )
            return Status.ACTIVE
        found = self.enum(row, "status", _STATUSES)
        if found is not None:
            return found[1]
        mapped = _STATUSES_MAPPED.lookup(row["status"])
        if mapped is not None:
            self.report.warning_once(
                ("status", row["status"]),
                row.line,
                "status",
                IssueCode.STATUS_MAPPED,
                f"status {row['status']!r} was read as 'tobedeleted'.",
            )
            return Status.DELETED
        self.report.error(
            row.line,
            "status",
            IssueCode.UNKNOWN_STATUS,
            f"status {row['status']!r} is not active or tobedeleted.",
        )
        return None

    def required(self, row: CsvRow, column: str) -> str | None:
        """A value that must not be blank (a row error when it is)."""
        return self.report.required(row, column)

    def identified(self, row: CsvRow) -> tuple[str, Status] | None:
        """The row's ``sourcedId`` and status; None (after a row error) when either is unusable."""
        record_id = self.required(row, "sourcedId")
        if record_id is None:
            return None
        status = self.status(row)
        return None if status is None else (record_id, status)

    def boolean(self, row: CsvRow, column: str, default: bool) -> bool:
        """A true/false value; blank or unreadable gives ``default`` (the latter with a warning)."""
        raw = row[column]
        if not raw:
            return default
        found = _BOOLEANS.lookup(raw)
        if found is None:
            self.report.warning(
                row.line,
                column,
                IssueCode.INVALID_BOOLEAN,
                f"{column} {raw!r} is not true or false; {str(default).lower()} was used.",
            )
            return default
        return found[1]

    def role(self, row: CsvRow, column: str) -> Role | None:
        """A user role mapped to the model's; None (and a row error) when unknown."""
        found = self.enum(row, column, _USER_ROLES)
        if found is not None:
            return found[1]
        mapped = _USER_ROLES_MAPPED.lookup(row[column])
        if mapped is not None:
            self.report.warning(
                row.line, column, IssueCode.ROLE_MAPPED, f"Role {row[column]!r} was read as teacher."
            )
            return Role.TEACHER
        self.report.error(
            row.line, column, IssueCode.UNKNOWN_ROLE, f"Role {row[column]!r} is not a OneRoster role."
        )
        return None


class _OneRosterReader:
    def __init__(self, archive: GuardedZip, log: IssueLog, staging: Staging, source_name: str) -> None:
        self.archive = archive
        self.log = log
        self.staging = staging
        self.zip_report = FileReport(log, source_name)
        self.modes: dict[str, Mode] = {}
        self.members: dict[str, zipfile.ZipInfo] = {}
        self.version = "1.1"
        self.orgs_bulk = False
        self.users_bulk = False
        self.roles_file = False
        self.classes_bulk = False

    # --- the archive and its manifest ---------------------------------------------

    def locate_files(self) -> None:
        members = self.archive.members()
        names = {PurePosixPath(info.filename).name.casefold() for info in members}
        if names & set(_SPREADSHEET_MEMBERS) or any(info.filename.startswith("xl/") for info in members):
            raise self.zip_report.unreadable(
                IssueCode.SPREADSHEET_NOT_CSV, "The file is a spreadsheet workbook; save it as CSV."
            )
        manifests = [info for info in members if PurePosixPath(info.filename).name.casefold() == MANIFEST]
        if not manifests:
            raise self.zip_report.unreadable(IssueCode.MISSING_MANIFEST, "The zip has no manifest.csv.")
        manifest = min(manifests, key=lambda info: (info.filename.count("/"), info.filename))
        folder = str(PurePosixPath(manifest.filename).parent)
        if folder != ".":
            self.zip_report.warning(
                None, None, IssueCode.NESTED_FOLDER, f"The OneRoster files are read from folder {folder!r}."
            )
        for info in members:
            path = PurePosixPath(info.filename)
            if str(path.parent) == folder:
                self.members.setdefault(path.name.casefold(), info)

    def read_manifest(self) -> None:
        info = self.members[MANIFEST]
        report = FileReport(self.log, MANIFEST)
        reader = _FileReader(report, Mode.BULK)
        version: str | None = None
        with CsvTable(self.archive.source(info, MANIFEST), report) as table:
            table.bind(MANIFEST_COLUMNS)
            for row in table.rows():
                name = row["propertyName"]
                if name.casefold() == "oneroster.version":
                    match = _VERSION.match(row["value"])
                    if match is None:
                        raise report.unreadable(
                            IssueCode.UNSUPPORTED_VERSION,
                            f"OneRoster version {row['value']!r} is not supported (1.1 or 1.2).",
                            row.line,
                        )
                    version = f"1.{match[1]}"
                elif name.casefold().startswith("file."):
                    self._manifest_mode(reader, row, name[len("file.") :])
        if version is None:
            roles_listed = self.modes.get("roles", Mode.ABSENT) is not Mode.ABSENT
            version = "1.2" if roles_listed and "roles.csv" in self.members else "1.1"
            report.warning(
                None,
                "propertyName",
                IssueCode.MANIFEST_VERSION_ASSUMED,
                f"manifest.csv has no oneroster.version; {version} was assumed.",
            )
        self.version = version

    def _manifest_mode(self, reader: _FileReader, row: CsvRow, written: str) -> None:
        """One ``file.<name>`` row; ``written`` is the name as the manifest spells it."""
        file = written.casefold()
        if file not in ROSTER_FILES:
            return  # a file this importer never reads (scoreScales, lineItems, …): its mode is moot
        if not row["value"]:
            reader.report.warning(
                row.line,
                "value",
                IssueCode.MANIFEST_MODE_BLANK,
                f"file.{written} has no mode; it was read as absent.",
            )
            self.modes.setdefault(file, Mode.ABSENT)
            return
        found = reader.enum(row, "value", _MODES)
        if found is None:
            raise reader.report.unreadable(
                IssueCode.MANIFEST_INVALID,
                f"file.{written} is {row['value']!r}; it must be bulk, delta or absent.",
                row.line,
            )
        self.modes.setdefault(file, found[1])

    def mode(self, file: str) -> Mode:
        """The mode of one of the roster files, checked against the archive's contents."""
        mode = self.modes.get(file)
        present = f"{file}.csv" in self.members
        if mode is None:
            if present:
                self.zip_report.warning(
                    None,
                    None,
                    IssueCode.MANIFEST_FILE_UNLISTED,
                    f"{file}.csv is not listed in manifest.csv; it was ignored.",
                )
            return Mode.ABSENT
        if mode is not Mode.ABSENT and not present:
            raise self.zip_report.unreadable(
                IssueCode.MISSING_FILE, f"manifest.csv lists {file}.csv as {mode.value} but the zip lacks it."
            )
        return mode

    def table(self, file: str, report: FileReport, columns: Columns) -> CsvTable:
        name = f"{file}.csv"
        table = CsvTable(self.archive.source(self.members[name], name), report)
        try:
            table.bind(columns)
        except BaseException:
            table.close()
            raise
        return table

    def _read_file(
        self, file: str, mode: Mode, columns: Columns, read_row: Callable[[_FileReader, CsvRow], None]
    ) -> None:
        report = FileReport(self.log, f"{file}.csv")
        reader = _FileReader(report, mode)
        keeps_ids = file in _REFERENCED_FILES
        with self.table(file, report, columns) as table:
            for row in table.rows():
                skipped_before = self.log.rows_skipped
                read_row(reader, row)
                if keeps_ids and self.log.rows_skipped > skipped_before and row["sourcedId"]:
                    # Rows that refer to this record will say why it is missing.
                    self.staging.add_skipped(file, row["sourcedId"], report.file, row.line)

    def _left_out(self, reader: _FileReader, row: CsvRow, kind: str, record_id: str) -> None:
        """Remember a record marked tobedeleted, for the rows that still refer to it."""
        title = row["title"] if kind == "classes" else ""
        self.staging.add_skipped(kind, record_id, reader.report.file, row.line, deleted=True, title=title)

    def _missing(
        self,
        reader: _FileReader,
        row: CsvRow,
        column: str,
        kind: str,
        record_id: str,
        what: str,
        unknown: tuple[IssueCode, str],
    ) -> None:
        """A row refers to a record the roster lacks: say why, if the file left that record out."""
        noun = _NOUNS[kind]
        found = self.staging.skipped(kind, record_id)
        if found is None:
            reader.report.error(row.line, column, unknown[0], unknown[1])
            return
        named = f"{noun} {record_id}" + (f" ({found.title!r})" if found.title else "")
        if found.deleted:
            reader.report.warning(
                row.line,
                column,
                IssueCode.REFERENCE_DELETED,
                f"{what} is skipped: its {named} is marked tobedeleted at {found.file} line {found.line}.",
            )
            return
        reader.report.error(
            row.line,
            column,
            IssueCode.REFERENCE_SKIPPED,
            f"{what} is skipped because its {named} was skipped at {found.file} line {found.line}.",
        )

    def _first(self, reader: _FileReader, row: CsvRow, kind: str, record_id: str) -> bool:
        """False (after a row error) when this id already appeared in the file."""
        if self.staging.first_seen(kind, record_id):
            return True
        reader.report.error(
            row.line, "sourcedId", IssueCode.DUPLICATE_ID, f"{record_id} appears twice in {kind}.csv."
        )
        return False

    # --- the roster files ---------------------------------------------------------

    def read(self) -> OneRosterResult:
        self.locate_files()
        if MANIFEST not in self.members:
            raise self.zip_report.unreadable(IssueCode.MISSING_MANIFEST, "The zip has no manifest.csv.")
        self.read_manifest()
        modes = {file: self.mode(file) for file in ROSTER_FILES}
        self.orgs_bulk = modes["orgs"] is Mode.BULK
        self.users_bulk = modes["users"] is Mode.BULK
        self.roles_file = modes["roles"] is not Mode.ABSENT
        self.classes_bulk = modes["classes"] is Mode.BULK
        users_columns = USERS_COLUMNS_12 if self.roles_file else USERS_COLUMNS_11
        for file, columns, read_row in (
            ("orgs", ORGS_COLUMNS, self._org),
            ("users", users_columns, self._user),
            ("roles", ROLES_COLUMNS, self._role_row),
            ("classes", CLASSES_COLUMNS, self._class),
            ("enrollments", ENROLLMENTS_COLUMNS, self._enrollment),
        ):
            if modes[file] is not Mode.ABSENT:
                self._read_file(file, modes[file], columns, read_row)
            if file == "roles" and modes["users"] is not Mode.ABSENT:
                self._settle_users()
        self.staging.settle_schools_from_orgs()
        return OneRosterResult(
            format=f"oneroster-{self.version}",
            completeness=Completeness(
                people=self.users_bulk,
                classes=modes["classes"] is Mode.BULK,
                enrollments=modes["enrollments"] is Mode.BULK,
            ),
        )

    def _org(self, reader: _FileReader, row: CsvRow) -> None:
        identified = reader.identified(row)
        if identified is None:
            return
        org_id, status = identified
        if status is Status.DELETED:
            self._left_out(reader, row, "orgs", org_id)
            if reader.mode is Mode.DELTA:
                reader.report.warning(
                    row.line,
                    "status",
                    IssueCode.ORG_DELETION_IGNORED,
                    f"Org {org_id} is marked tobedeleted; schools are not deleted by imports.",
                )
            return
        if not self._first(reader, row, "orgs", org_id):
            return
        is_school = reader.enum(row, "type", _SCHOOL_TYPE) is not None
        if not is_school:
            reader.report.warning(
                row.line,
                "type",
                IssueCode.ORG_NOT_SCHOOL,
                f"Org {org_id} has type {row['type']!r}, not school; it gets chats only for the classes "
                "that belong to it.",
            )
        self.staging.add_org(org_id, row["name"], is_school)

    def _org_known(self, org_id: str) -> bool:
        return self.staging.org_is_school(org_id) is not None

    def _user(self, reader: _FileReader, row: CsvRow) -> None:
        report = reader.report
        line = row.line
        identified = reader.identified(row)
        if identified is None:
            return
        user_id, status = identified
        if status is Status.DELETED:
            self._left_out(reader, row, "users", user_id)
            if reader.mode is Mode.DELTA:
                # Removing an id a school does not have changes nothing, so a deleted person
                # goes to every school, and to the orgs the row names so they count as mentioned.
                self.staging.add_deleted("people", user_id, None)
                for org_id in split_multi(row["orgSourcedIds"]):
                    self.staging.add_deleted("people", user_id, org_id)
            return
        if not self._first(reader, row, "users", user_id):
            return
        role: Role | None = None
        if row["role"]:
            role = reader.role(row, "role")
            if role is None:
                return
        elif not self.roles_file:
            report.error(line, "role", IssueCode.MISSING_VALUE, "role is blank.")
            return
        names = Names(family=row["familyName"], given=row["givenName"], middle=row["middleName"])
        if not names.family and not names.given:
            report.error(
                line, "familyName", IssueCode.MISSING_VALUE, "Both familyName and givenName are blank."
            )
            return
        active = reader.boolean(row, "enabledUser", default=True)
        orgs: list[str] = []
        for org_id in split_multi(row["orgSourcedIds"]):
            if self.orgs_bulk and not self._org_known(org_id):
                report.warning(
                    line,
                    "orgSourcedIds",
                    IssueCode.UNKNOWN_ORG_DROPPED,
                    f"Org {org_id} of user {user_id} is not in orgs.csv; it is ignored.",
                )
            else:
                orgs.append(org_id)
        self.staging.add_person(user_id, names, active, line)
        if role is not None:
            for org_id in orgs or [NO_ORG]:
                self.staging.add_role(user_id, org_id, role)
        for related_id in split_multi(row["agentSourcedIds"]):
            if related_id == user_id:
                report.warning(
                    line, "agentSourcedIds", IssueCode.SELF_REFERENCE, f"User {user_id} is their own agent."
                )
            else:
                self.staging.add_link(user_id, related_id, line)

    def _role_row(self, reader: _FileReader, row: CsvRow) -> None:
        report = reader.report
        status = reader.status(row)
        if status is None:
            return
        if status is Status.DELETED:
            if reader.mode is Mode.DELTA:
                report.warning(
                    row.line,
                    "status",
                    IssueCode.ROLE_DELETION_IGNORED,
                    "A role cannot be deleted on its own; send the user's record in users.csv.",
                )
            return
        user_id = reader.required(row, "userSourcedId")
        org_id = reader.required(row, "orgSourcedId") if user_id else None
        if user_id is None or org_id is None:
            return
        role = reader.role(row, "role")
        if role is None:
            return
        if not self.staging.has_person(user_id):
            if self.users_bulk:
                self._missing(
                    reader,
                    row,
                    "userSourcedId",
                    "users",
                    user_id,
                    "The role",
                    (IssueCode.UNKNOWN_USER, f"User {user_id} is not in users.csv."),
                )
            else:
                report.warning(
                    row.line,
                    "userSourcedId",
                    IssueCode.ROLE_WITHOUT_USER,
                    f"User {user_id} is not in this users.csv; the role is skipped.",
                )
            return
        if self.orgs_bulk and not self._org_known(org_id):
            self._missing(
                reader,
                row,
                "orgSourcedId",
                "orgs",
                org_id,
                "The role",
                (IssueCode.UNKNOWN_ORG, f"Org {org_id} is not in orgs.csv."),
            )
            return
        self.staging.add_role(user_id, org_id, role)

    def _settle_users(self) -> None:
        report = FileReport(self.log, "users.csv")
        for user_id, line in list(self.staging.remove_people_without_roles()):
            report.error(
                line, "role", IssueCode.NO_ROLE, f"User {user_id} has no role in users.csv or roles.csv."
            )
            self.staging.add_skipped("users", user_id, report.file, line)
        if not self.users_bulk:
            return
        for user_id, related_id, line in self.staging.remove_dangling_links():
            report.warning(
                line,
                "agentSourcedIds",
                IssueCode.UNKNOWN_RELATED_ID,
                f"agentSourcedIds of {user_id} names {related_id}, who is not in users.csv; link dropped.",
            )
        for user_id, line in self.staging.parents_without_links():
            report.warning(
                line,
                "agentSourcedIds",
                IssueCode.PARENT_WITHOUT_CHILDREN,
                f"Guardian {user_id} is linked to no student, so they join no parents chat.",
            )

    def _class(self, reader: _FileReader, row: CsvRow) -> None:
        report = reader.report
        line = row.line
        identified = reader.identified(row)
        if identified is None:
            return
        class_id, status = identified
        if status is Status.DELETED:
            self._left_out(reader, row, "classes", class_id)
            if reader.mode is Mode.DELTA:
                self.staging.add_deleted("classes", class_id, row["schoolSourcedId"] or None)
            return
        if not self._first(reader, row, "classes", class_id):
            return
        school_id = reader.required(row, "schoolSourcedId")
        if school_id is None:
            return
        is_school = self.staging.org_is_school(school_id)
        if is_school is None and self.orgs_bulk:
            self._missing(
                reader,
                row,
                "schoolSourcedId",
                "orgs",
                school_id,
                f"Class {class_id}",
                (IssueCode.UNKNOWN_ORG, f"Org {school_id} is not in orgs.csv."),
            )
            return
        title = reader.required(row, "title")
        if title is None:
            return
        if is_school is False:
            report.warning_once(
                ("org", school_id),
                line,
                "schoolSourcedId",
                IssueCode.CLASS_IN_NON_SCHOOL_ORG,
                f"Org {school_id} is not typed school; its classes are read as that org's.",
            )
        found = reader.enum(row, "classType", _CLASS_TYPES)
        if found is None:
            report.warning(
                line,
                "classType",
                IssueCode.UNKNOWN_CLASS_TYPE,
                f"classType {row['classType']!r} is not homeroom or scheduled; read as scheduled.",
            )
            kind = ClassKind.SCHEDULED
        else:
            kind = found[1]
        subject = ", ".join(split_multi(row["subjects"]))
        self.staging.add_class(school_id, class_id, title, kind, subject)

    def _enrollment(self, reader: _FileReader, row: CsvRow) -> None:
        report = reader.report
        line = row.line
        identified = reader.identified(row)
        if identified is None:
            return
        enrollment_id, status = identified
        class_id = row["classSourcedId"]
        if status is Status.DELETED:
            if reader.mode is Mode.DELTA:
                school = (self.staging.class_school(class_id) if class_id else None) or row["schoolSourcedId"]
                self.staging.add_deleted("enrollments", enrollment_id, school or None)
            return
        if not self._first(reader, row, "enrollments", enrollment_id):
            return
        found = reader.enum(row, "role", _ENROLLMENT_ROLES)
        if found is None:
            report.warning(
                line,
                "role",
                IssueCode.ENROLLMENT_ROLE_IGNORED,
                f"Enrollment {enrollment_id} has role {row['role']!r}; only student and teacher are used.",
            )
            return
        role = found[1]
        if reader.required(row, "classSourcedId") is None:
            return
        user_id = reader.required(row, "userSourcedId")
        if user_id is None:
            return
        school_id = self.staging.class_school(class_id)
        if school_id is None:
            left_out = self.staging.skipped("classes", class_id)
            if self.classes_bulk or (left_out is not None and left_out.deleted):
                self._missing(
                    reader,
                    row,
                    "classSourcedId",
                    "classes",
                    class_id,
                    f"Enrollment {enrollment_id}",
                    (IssueCode.UNKNOWN_CLASS, f"Class {class_id} is not in classes.csv."),
                )
                return
            school_id = reader.required(row, "schoolSourcedId")
            if school_id is None:
                return
        elif row["schoolSourcedId"] and row["schoolSourcedId"] != school_id:
            report.warning(
                line,
                "schoolSourcedId",
                IssueCode.SCHOOL_MISMATCH,
                f"Enrollment {enrollment_id} names org {row['schoolSourcedId']}, but class {class_id} "
                f"belongs to {school_id}; {school_id} is used.",
            )
        if self.users_bulk and not self.staging.has_person(user_id):
            self._missing(
                reader,
                row,
                "userSourcedId",
                "users",
                user_id,
                f"Enrollment {enrollment_id}",
                (IssueCode.UNKNOWN_USER, f"User {user_id} is not in users.csv."),
            )
            return
        primary = reader.boolean(row, "primary", default=False)
        self.staging.add_enrollment(school_id, enrollment_id, class_id, user_id, role, primary)


def read_oneroster(
    path: Path, source_name: str, limits: RosterLimits, log: IssueLog, staging: Staging
) -> OneRosterResult:
    """Validate a OneRoster zip file by file and stage it (see the module docstring)."""
    report = FileReport(log, source_name)
    with open_roster_zip(path, report, limits) as archive:
        return _OneRosterReader(archive, log, staging, source_name).read()
