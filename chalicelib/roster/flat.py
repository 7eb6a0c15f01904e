"""The flat CSV roster (SPEC §5): one file a school exports from a spreadsheet.

Header (names case-insensitive, order free)::

    school_id,school_name,class,role,person_id,last_name,first_name,middle_name,phone,guardian_of

One row is one person in one role at one school. Rows of the same person
merge: roles add up per school, the first row's names win (a disagreement is
a ``name_conflict`` warning). ``class_teacher`` makes a primary teacher
enrollment, ``teacher`` with a class a non-primary one, ``student`` a student
enrollment; a parent's ``guardian_of`` (ids separated by ``|``) becomes their
``related_ids``. Every flat class is a homeroom class, and a flat file is
bulk: it is the complete roster of each school it names.

The phone column is read and loosely checked (a warning when it is not a
phone number) but never kept: nothing downstream needs it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from chalicelib.roster.codes import IssueCode
from chalicelib.roster.csvfile import ByteSource, Columns, CsvRow, CsvTable, FileReport, split_multi
from chalicelib.roster.issues import IssueLog
from chalicelib.roster.model import ClassKind, EnrollmentRole, Role
from chalicelib.roster.sds import lone_export_file
from chalicelib.roster.staging import Completeness, Names, Staging

FORMAT = "flat-csv"
COMPLETENESS = Completeness(people=True, classes=True, enrollments=True)

HEADER = (
    *("school_id", "school_name", "class", "role", "person_id"),
    *("last_name", "first_name", "middle_name", "phone", "guardian_of"),
)
"""The columns, in the order the spec lists them."""
_REQUIRED = ("school_id", "class", "role", "person_id", "last_name", "first_name")
COLUMNS = Columns(required=_REQUIRED, optional=tuple(c for c in HEADER if c not in _REQUIRED))
GUARDIAN_SEPARATOR = "|"
# Columns that mark a file as one CSV of a OneRoster export rather than a flat roster.
_ONEROSTER_MARKERS = {"sourcedid", "propertyname"}


@dataclass(frozen=True)
class _FlatRole:
    role: Role
    enrollment: EnrollmentRole | None
    primary: bool = False
    needs_class: bool = False


_ROLES = {
    "student": _FlatRole(Role.STUDENT, EnrollmentRole.STUDENT, needs_class=True),
    "teacher": _FlatRole(Role.TEACHER, EnrollmentRole.TEACHER),
    "class_teacher": _FlatRole(Role.TEACHER, EnrollmentRole.TEACHER, primary=True, needs_class=True),
    "parent": _FlatRole(Role.PARENT, None),
    "admin": _FlatRole(Role.ADMIN, None),
}

# Latin capitals that look like Cyrillic ones, mapped to the Cyrillic letter.
_LOOKALIKES = str.maketrans("ABCEHKMOPTXY", "АВСЕНКМОРТХУ")
_SEPARATORS = "\\s\\-‐‑‒–—_.\"'«»„“”"
_GRADE_AND_LETTER = re.compile(rf"^(\d{{1,2}})[{_SEPARATORS}]*([^\W\d_]{{1,2}})[\"'«»“”]*$")
_PHONE = re.compile(r"\+?[0-9 ()\-.]+")


def class_id_for(title: str) -> str:
    """The class id a flat class name stands for, one per school.

    Real exports spell one class several ways ("5А", "5A", "5а", "5 А", "5-а",
    "05«А»"). The rule: Unicode NFKC, upper case, Latin letters that look like
    Cyrillic ones (A B C E H K M O P T X Y) become those Cyrillic letters; then
    a name of the form *grade number + one or two letters*, with any spaces,
    dashes, dots, underscores or quotes between or around them, becomes the
    number (without leading zeros) followed by the letters ("5А"). Any other
    name only has its runs of whitespace collapsed.
    """
    text = unicodedata.normalize("NFKC", title).strip().upper().translate(_LOOKALIKES)
    match = _GRADE_AND_LETTER.match(text)
    if match:
        return f"{int(match[1])}{match[2]}"
    return " ".join(text.split())


def _phone_is_plausible(phone: str) -> bool:
    digits = sum(character.isdigit() for character in phone)
    return bool(_PHONE.fullmatch(phone)) and 10 <= digits <= 15


def _role_key(raw: str) -> str:
    return "_".join(raw.strip().lower().replace("-", " ").split())


class _FlatReader:
    def __init__(self, table: CsvTable, report: FileReport, staging: Staging) -> None:
        self.table = table
        self.report = report
        self.staging = staging
        self.rows = 0

    def read(self) -> None:
        for row in self.table.rows():
            self.rows += 1
            self._row(row)
        self._settle()

    def _row(self, row: CsvRow) -> None:
        line = row.line
        school_id = self.report.required(row, "school_id")
        if school_id is None:
            return
        person_id = self.report.required(row, "person_id")
        if person_id is None:
            return
        raw_role = self.report.required(row, "role")
        if raw_role is None:
            return
        flat_role = _ROLES.get(_role_key(raw_role))
        if flat_role is None:
            allowed = ", ".join(_ROLES)
            self.report.error(
                line, "role", IssueCode.UNKNOWN_ROLE, f"Role {raw_role!r} is not one of: {allowed}."
            )
            return
        class_title = row["class"]
        if flat_role.needs_class and not class_title:
            self.report.error(
                line, "class", IssueCode.MISSING_VALUE, f"class is blank; a {raw_role.strip()} needs a class."
            )
            return
        names = Names(family=row["last_name"], given=row["first_name"], middle=row["middle_name"])
        if not names.family and not names.given:
            self.report.error(
                line, "last_name", IssueCode.MISSING_VALUE, "Both last_name and first_name are blank."
            )
            return
        self._check_optional_values(row, flat_role, person_id)
        existing = self.staging.add_person(person_id, names, True, line)
        if existing is not None:
            self._compare_names(line, person_id, existing, names)
        self.staging.add_school(school_id)
        if row["school_name"]:
            self.staging.add_school_name(school_id, row["school_name"], line)
        self.staging.add_role(person_id, school_id, flat_role.role)
        if flat_role.enrollment is not None and class_title:
            class_id = class_id_for(class_title)
            self.staging.add_class_title(school_id, class_id, class_title, line)
            self.staging.add_enrollment(
                school_id,
                f"{class_id}|{person_id}|{flat_role.enrollment.value}",
                class_id,
                person_id,
                flat_role.enrollment,
                flat_role.primary,
            )
        if flat_role.role is Role.PARENT:
            for child_id in split_multi(row["guardian_of"], GUARDIAN_SEPARATOR):
                if child_id == person_id:
                    self.report.warning(
                        line,
                        "guardian_of",
                        IssueCode.SELF_REFERENCE,
                        f"{person_id} is listed as their own child.",
                    )
                else:
                    self.staging.add_link(person_id, child_id, line)

    def _check_optional_values(self, row: CsvRow, flat_role: _FlatRole, person_id: str) -> None:
        line = row.line
        phone = row["phone"]
        if phone and not _phone_is_plausible(phone):
            self.report.warning(
                line, "phone", IssueCode.INVALID_PHONE, f"The phone of {person_id} is not a phone number."
            )
        if row["guardian_of"] and flat_role.role is not Role.PARENT:
            self.report.warning(
                line,
                "guardian_of",
                IssueCode.GUARDIAN_OF_IGNORED,
                "guardian_of is ignored: the role is not parent.",
            )
        # A parent's class is usually their child's: harmless, so it is ignored without a warning.
        if row["class"] and flat_role.role is Role.ADMIN:
            self.report.warning(line, "class", IssueCode.CLASS_IGNORED, "class is ignored on an admin row.")

    def _compare_names(self, line: int, person_id: str, kept: Names, names: Names) -> None:
        for column, first, this in (
            ("last_name", kept.family, names.family),
            ("first_name", kept.given, names.given),
            ("middle_name", kept.middle, names.middle),
        ):
            if first != this:
                self.report.warning(
                    line,
                    column,
                    IssueCode.NAME_CONFLICT,
                    f"{column} of {person_id} differs from an earlier row; the earlier one is kept.",
                )
                return

    def _settle(self) -> None:
        report = self.report
        for kept, other, class_id, line in self.staging.settle_class_titles(ClassKind.HOMEROOM):
            report.warning(
                line,
                "class",
                IssueCode.CLASS_VARIANT_MERGED,
                f"Class {other!r} was merged into {kept!r} (class id {class_id!r}).",
            )
        for school_id, kept, other, line in self.staging.settle_school_names():
            report.warning(
                line,
                "school_name",
                IssueCode.SCHOOL_NAME_CONFLICT,
                f"School {school_id} is also named {other!r}; the first name {kept!r} is kept.",
            )
        for person_id, related_id, line in self.staging.remove_dangling_links():
            report.warning(
                line,
                "guardian_of",
                IssueCode.UNKNOWN_RELATED_ID,
                f"guardian_of of {person_id} names {related_id}, who is not in the file; link dropped.",
            )
        for person_id, line in self.staging.parents_without_links():
            report.warning(
                line,
                "guardian_of",
                IssueCode.PARENT_WITHOUT_CHILDREN,
                f"Parent {person_id} is linked to no student in the file, so they join no parents chat.",
            )
        if self.rows == 0:
            report.warning(None, None, IssueCode.NO_ROWS, "The file has a header but no data rows.")


def read_flat(source: ByteSource, log: IssueLog, staging: Staging) -> None:
    """Validate a flat CSV roster row by row and stage it (see the module docstring)."""
    report = FileReport(log, source.name)
    with CsvTable(source, report) as table:
        export_file = lone_export_file(table.header_keys)
        if export_file is not None:
            raise report.unreadable(IssueCode.UNSUPPORTED_FORMAT, f"This is {export_file}.", 1)
        if table.header_keys & _ONEROSTER_MARKERS:
            raise report.unreadable(
                IssueCode.ONEROSTER_NOT_ZIPPED,
                "This is a single OneRoster CSV; upload the whole export as a zip with manifest.csv.",
                1,
            )
        table.bind(COLUMNS)
        _FlatReader(table, report, staging).read()
