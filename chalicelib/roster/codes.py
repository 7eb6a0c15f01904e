"""Every code an import report can carry, with what it means: the one registry.

Parsers refer to codes only through :class:`IssueCode`, so a code cannot be
misspelt, and ``docs/roster-issues.md`` is generated from :data:`REGISTRY`
(a test keeps the two in step). Each code has one kind:

* ``unreadable`` — the whole file is refused (:class:`~chalicelib.roster.issues.RosterUnreadable`);
* ``error`` — one row is dropped and counted in ``rows_skipped``;
* ``warning`` — the row is kept, one value is dropped or reinterpreted;
* ``school`` — said of one school's part of the import by the planner or the
  pipeline (it appears among the warnings, with the school's part).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

Kind = Literal["unreadable", "error", "warning", "school"]


class IssueCode(StrEnum):
    """The stable snake_case codes of the import report."""

    # The file as a whole.
    FILE_EMPTY = "file_empty"
    FILE_TOO_LARGE = "file_too_large"
    FILE_MISSING = "file_missing"
    PROCESSING_ERROR = "processing_error"
    BINARY_FILE = "binary_file"
    UNSUPPORTED_ENCODING = "unsupported_encoding"
    UNKNOWN_ENCODING = "unknown_encoding"
    SPREADSHEET_NOT_CSV = "spreadsheet_not_csv"
    ONEROSTER_NOT_ZIPPED = "oneroster_not_zipped"
    MISSING_HEADER = "missing_header"
    MISSING_COLUMN = "missing_column"
    DUPLICATE_COLUMN = "duplicate_column"
    ZIP_CORRUPT = "zip_corrupt"
    ZIP_ENCRYPTED = "zip_encrypted"
    ZIP_UNSUPPORTED_COMPRESSION = "zip_unsupported_compression"
    ZIP_TOO_MANY_MEMBERS = "zip_too_many_members"
    ZIP_TOO_LARGE = "zip_too_large"
    ZIP_BOMB = "zip_bomb"
    MISSING_MANIFEST = "missing_manifest"
    MANIFEST_INVALID = "manifest_invalid"
    UNSUPPORTED_VERSION = "unsupported_version"
    MISSING_FILE = "missing_file"
    UNSUPPORTED_FORMAT = "unsupported_format"

    # One row.
    FIELD_COUNT_MISMATCH = "field_count_mismatch"
    FIELD_TOO_LONG = "field_too_long"
    LINE_TOO_LONG = "line_too_long"
    MALFORMED_ROW = "malformed_row"
    NUL_BYTE = "nul_byte"
    MISSING_VALUE = "missing_value"
    UNKNOWN_ROLE = "unknown_role"
    UNKNOWN_STATUS = "unknown_status"
    DUPLICATE_ID = "duplicate_id"
    UNKNOWN_CLASS = "unknown_class"
    UNKNOWN_USER = "unknown_user"
    UNKNOWN_ORG = "unknown_org"
    NO_ROLE = "no_role"
    REFERENCE_SKIPPED = "reference_skipped"

    # One value.
    EXTRA_COLUMN = "extra_column"
    ENUM_CASE = "enum_case"
    BLANK_STATUS = "blank_status"
    STATUS_MAPPED = "status_mapped"
    ROLE_MAPPED = "role_mapped"
    ORG_NOT_SCHOOL = "org_not_school"
    CLASS_IN_NON_SCHOOL_ORG = "class_in_non_school_org"
    ORG_DELETION_IGNORED = "org_deletion_ignored"
    ROLE_DELETION_IGNORED = "role_deletion_ignored"
    ROLE_WITHOUT_USER = "role_without_user"
    UNKNOWN_CLASS_TYPE = "unknown_class_type"
    INVALID_BOOLEAN = "invalid_boolean"
    ENROLLMENT_ROLE_IGNORED = "enrollment_role_ignored"
    SCHOOL_MISMATCH = "school_mismatch"
    UNKNOWN_ORG_DROPPED = "unknown_org_dropped"
    UNKNOWN_RELATED_ID = "unknown_related_id"
    SELF_REFERENCE = "self_reference"
    NAME_CONFLICT = "name_conflict"
    SCHOOL_NAME_CONFLICT = "school_name_conflict"
    CLASS_VARIANT_MERGED = "class_variant_merged"
    CLASS_IGNORED = "class_ignored"
    GUARDIAN_OF_IGNORED = "guardian_of_ignored"
    INVALID_PHONE = "invalid_phone"
    PARENT_WITHOUT_CHILDREN = "parent_without_children"
    MANIFEST_VERSION_ASSUMED = "manifest_version_assumed"
    MANIFEST_FILE_UNLISTED = "manifest_file_unlisted"
    NESTED_FOLDER = "nested_folder"
    NO_ROWS = "no_rows"
    MANIFEST_MODE_BLANK = "manifest_mode_blank"
    HEADER_TRAILING_EMPTY = "header_trailing_empty"
    REFERENCE_DELETED = "reference_deleted"
    RELATIONSHIP_ROLE_IGNORED = "relationship_role_ignored"
    HOMEROOM_BY_TITLE = "homeroom_by_title"

    # One school's part of the import (planner and pipeline).
    NO_CLASS_TEACHER = "no_class_teacher"
    PEOPLE_WITHOUT_CHAT = "people_without_chat"
    EMPTY_SCHOOL = "empty_school"
    HELD_DELETION_THRESHOLD = "held_deletion_threshold"
    SUPERSEDED = "superseded"
    CLASS_RENAMED = "class_renamed"
    ROLLOVER_AMBIGUOUS = "rollover_ambiguous"


@dataclass(frozen=True)
class CodeInfo:
    """What a code means and what it does to the import."""

    kind: Kind
    description: str


REGISTRY: Mapping[IssueCode, CodeInfo] = {
    IssueCode.FILE_EMPTY: CodeInfo("unreadable", "The file (or a CSV inside the zip) has 0 bytes."),
    IssueCode.FILE_TOO_LARGE: CodeInfo(
        "unreadable",
        "The upload is larger than ROSTER_MAX_BYTES (256 MiB); the reason asks for a file per school.",
    ),
    IssueCode.FILE_MISSING: CodeInfo(
        "unreadable", "The uploaded object was deleted before it could be imported (pipeline)."
    ),
    IssueCode.PROCESSING_ERROR: CodeInfo(
        "unreadable", "Processing failed repeatedly and the message went to the dead-letter queue (pipeline)."
    ),
    IssueCode.BINARY_FILE: CodeInfo(
        "unreadable", "The file is binary (NUL or control bytes near its start), not a CSV text file."
    ),
    IssueCode.UNSUPPORTED_ENCODING: CodeInfo(
        "unreadable", "The text is UTF-16/UTF-32 ('Unicode text'); save it as CSV UTF-8 or Windows-1251."
    ),
    IssueCode.UNKNOWN_ENCODING: CodeInfo(
        "unreadable", "The bytes are neither valid UTF-8 nor valid Windows-1251."
    ),
    IssueCode.SPREADSHEET_NOT_CSV: CodeInfo(
        "unreadable", "The file is a spreadsheet workbook (xlsx, xls, ods); save it as CSV."
    ),
    IssueCode.ONEROSTER_NOT_ZIPPED: CodeInfo(
        "unreadable",
        "A single OneRoster CSV was uploaded; upload the whole export as a zip with manifest.csv.",
    ),
    IssueCode.MISSING_HEADER: CodeInfo("unreadable", "The CSV has no header line."),
    IssueCode.MISSING_COLUMN: CodeInfo("unreadable", "A required column is missing from the header."),
    IssueCode.DUPLICATE_COLUMN: CodeInfo("unreadable", "The header names the same column twice."),
    IssueCode.ZIP_CORRUPT: CodeInfo("unreadable", "The zip archive is damaged (bad structure or checksum)."),
    IssueCode.ZIP_ENCRYPTED: CodeInfo("unreadable", "A file in the zip is password-protected."),
    IssueCode.ZIP_UNSUPPORTED_COMPRESSION: CodeInfo(
        "unreadable", "A file in the zip uses a compression method other than stored/deflate/bzip2/lzma."
    ),
    IssueCode.ZIP_TOO_MANY_MEMBERS: CodeInfo("unreadable", "The zip holds more files than a roster needs."),
    IssueCode.ZIP_TOO_LARGE: CodeInfo(
        "unreadable",
        "The zip's declared or actual uncompressed size exceeds ROSTER_MAX_UNCOMPRESSED_BYTES.",
    ),
    IssueCode.ZIP_BOMB: CodeInfo(
        "unreadable",
        "A file in the zip expands more than ROSTER_MAX_COMPRESSION_RATIO times (declared or while reading).",
    ),
    IssueCode.MISSING_MANIFEST: CodeInfo("unreadable", "The zip has no OneRoster manifest.csv."),
    IssueCode.MANIFEST_INVALID: CodeInfo(
        "unreadable", "manifest.csv gives a file a mode other than bulk, delta or absent."
    ),
    IssueCode.UNSUPPORTED_VERSION: CodeInfo(
        "unreadable", "manifest.csv names a OneRoster version other than 1.1 or 1.2."
    ),
    IssueCode.MISSING_FILE: CodeInfo(
        "unreadable", "manifest.csv lists a file as bulk or delta but the zip does not contain it."
    ),
    IssueCode.UNSUPPORTED_FORMAT: CodeInfo(
        "unreadable",
        "The file is a roster format this service does not read (School Data Sync v1, a single CSV of a "
        "OneRoster or School Data Sync export, OneRoster without manifest.csv); the message names it.",
    ),
    IssueCode.FIELD_COUNT_MISMATCH: CodeInfo(
        "error", "The row has more or fewer fields than the header (often an unquoted delimiter)."
    ),
    IssueCode.FIELD_TOO_LONG: CodeInfo(
        "error", "A value is longer than its column allows (256 characters; 16384 for lists of ids)."
    ),
    IssueCode.LINE_TOO_LONG: CodeInfo("error", "A physical line is longer than the line length limit."),
    IssueCode.MALFORMED_ROW: CodeInfo("error", "The CSV parser could not read the row."),
    IssueCode.NUL_BYTE: CodeInfo("error", "A field contains a NUL byte."),
    IssueCode.MISSING_VALUE: CodeInfo("error", "A required value is blank."),
    IssueCode.UNKNOWN_ROLE: CodeInfo("error", "The person's role is not one the format defines."),
    IssueCode.UNKNOWN_STATUS: CodeInfo("error", "status is neither active nor tobedeleted."),
    IssueCode.DUPLICATE_ID: CodeInfo("error", "A sourcedId repeats an earlier row of the same file."),
    IssueCode.UNKNOWN_CLASS: CodeInfo("error", "The enrollment's class is not in the bulk classes.csv."),
    IssueCode.UNKNOWN_USER: CodeInfo("error", "The row's user is not in the bulk users.csv."),
    IssueCode.UNKNOWN_ORG: CodeInfo("error", "The row's org (school) is not in the bulk orgs.csv."),
    IssueCode.NO_ROLE: CodeInfo(
        "error", "The user has no role: none in users.csv and none in roles.csv (OneRoster 1.2)."
    ),
    IssueCode.REFERENCE_SKIPPED: CodeInfo(
        "error",
        "The row refers to a record (user, class, org) whose own row was skipped; the message names "
        "that row.",
    ),
    IssueCode.EXTRA_COLUMN: CodeInfo(
        "warning", "The header has a column the format does not define; it is ignored."
    ),
    IssueCode.ENUM_CASE: CodeInfo(
        "warning", "An enumerated value has unusual letter case; it was accepted (reported once per value)."
    ),
    IssueCode.BLANK_STATUS: CodeInfo(
        "warning", "Rows with a blank status were read as active (reported once per file)."
    ),
    IssueCode.STATUS_MAPPED: CodeInfo("warning", "status 'inactive'/'deleted' was read as tobedeleted."),
    IssueCode.ROLE_MAPPED: CodeInfo(
        "warning", "A role without a chat meaning of its own (aide, proctor, counselor) was read as teacher."
    ),
    IssueCode.ORG_NOT_SCHOOL: CodeInfo(
        "warning",
        "The org is not typed school (district, department, …); it gets chats only for the classes that "
        "belong to it.",
    ),
    IssueCode.CLASS_IN_NON_SCHOOL_ORG: CodeInfo(
        "warning", "Classes point at an org not typed school; that org is treated as their school."
    ),
    IssueCode.ORG_DELETION_IGNORED: CodeInfo(
        "warning", "A delta deletes an org; schools are never deleted by an import."
    ),
    IssueCode.ROLE_DELETION_IGNORED: CodeInfo(
        "warning", "A delta roles.csv deletes a role; send the user's record instead."
    ),
    IssueCode.ROLE_WITHOUT_USER: CodeInfo(
        "warning", "A delta roles.csv row names a user missing from this users.csv; it is skipped."
    ),
    IssueCode.UNKNOWN_CLASS_TYPE: CodeInfo(
        "warning", "classType is neither homeroom nor scheduled; the class was read as scheduled."
    ),
    IssueCode.INVALID_BOOLEAN: CodeInfo("warning", "A true/false value was neither; the default was used."),
    IssueCode.ENROLLMENT_ROLE_IGNORED: CodeInfo(
        "warning", "An enrollment whose role is neither student nor teacher was skipped."
    ),
    IssueCode.SCHOOL_MISMATCH: CodeInfo(
        "warning", "The enrollment's schoolSourcedId differs from its class's school; the class's is used."
    ),
    IssueCode.UNKNOWN_ORG_DROPPED: CodeInfo(
        "warning", "One of the user's orgSourcedIds is not in the bulk orgs.csv; that id was dropped."
    ),
    IssueCode.UNKNOWN_RELATED_ID: CodeInfo(
        "warning", "A guardian link (guardian_of / agentSourcedIds) names an unknown person; it was dropped."
    ),
    IssueCode.SELF_REFERENCE: CodeInfo("warning", "A person is linked to themself; the link was dropped."),
    IssueCode.NAME_CONFLICT: CodeInfo(
        "warning", "Rows of the same person disagree on a name; the first row's name is kept."
    ),
    IssueCode.SCHOOL_NAME_CONFLICT: CodeInfo(
        "warning", "Rows of the same school disagree on its name; the first one is kept."
    ),
    IssueCode.CLASS_VARIANT_MERGED: CodeInfo(
        "warning",
        "Class names differing only in case, Latin/Cyrillic lookalikes or separators were merged into one.",
    ),
    IssueCode.CLASS_IGNORED: CodeInfo("warning", "class is ignored on an admin row."),
    IssueCode.GUARDIAN_OF_IGNORED: CodeInfo(
        "warning", "guardian_of is ignored on a row whose role is not parent."
    ),
    IssueCode.INVALID_PHONE: CodeInfo(
        "warning", "The phone does not look like a phone number (it is not stored in any case)."
    ),
    IssueCode.PARENT_WITHOUT_CHILDREN: CodeInfo(
        "warning", "A parent is linked to no known student, so they join no parents chat."
    ),
    IssueCode.MANIFEST_VERSION_ASSUMED: CodeInfo(
        "warning", "manifest.csv has no oneroster.version; 1.2 was assumed with roles.csv, else 1.1."
    ),
    IssueCode.MANIFEST_FILE_UNLISTED: CodeInfo(
        "warning", "The zip holds a roster CSV that manifest.csv does not list; it was ignored."
    ),
    IssueCode.NESTED_FOLDER: CodeInfo(
        "warning", "The OneRoster files sit in a folder inside the zip rather than at its top level."
    ),
    IssueCode.NO_ROWS: CodeInfo("warning", "The file has a header but no data rows."),
    IssueCode.MANIFEST_MODE_BLANK: CodeInfo(
        "warning", "manifest.csv gives a roster file no mode (file.users,); the file was read as absent."
    ),
    IssueCode.HEADER_TRAILING_EMPTY: CodeInfo(
        "warning", "The header ends with empty cells (…,,); rows may leave those cells out."
    ),
    IssueCode.REFERENCE_DELETED: CodeInfo(
        "warning",
        "The row refers to a record marked tobedeleted in the same file (an enrollment of a deleted "
        "class); the row is skipped, as the deletion intends.",
    ),
    IssueCode.RELATIONSHIP_ROLE_IGNORED: CodeInfo(
        "warning",
        "A School Data Sync relationship is neither parent, guardian nor relative (doctor, aide, other); "
        "it was skipped.",
    ),
    IssueCode.HOMEROOM_BY_TITLE: CodeInfo(
        "warning",
        "School Data Sync has no homeroom flag: classes titled like a class name (5А, 11 Б) were read as "
        "homerooms, the rest as scheduled (reported once, with the counts).",
    ),
    IssueCode.NO_CLASS_TEACHER: CodeInfo(
        "school", "A homeroom class has no class teacher (no primary teacher, and not exactly one teacher)."
    ),
    IssueCode.PEOPLE_WITHOUT_CHAT: CodeInfo(
        "school",
        "Some active people of the school are in no chat at all (a student with no homeroom, a guardian "
        "whose children are in no homeroom); the message gives the count.",
    ),
    IssueCode.EMPTY_SCHOOL: CodeInfo(
        "school",
        "The file names the school but leaves it with no people (a broken header, a wrong export): it is "
        "held, not applied as everyone leaving; an operator can force it.",
    ),
    IssueCode.HELD_DELETION_THRESHOLD: CodeInfo(
        "school",
        "The bulk sync would end more than DELETION_THRESHOLD of the school's memberships; it was held "
        "until an operator forces it.",
    ),
    IssueCode.CLASS_RENAMED: CodeInfo(
        "school",
        "A new school year: a homeroom class was replaced by one with mostly the same students "
        "(ROLLOVER_OVERLAP, default 60 %), so its class and parents chats carried over — renamed "
        "(renamed 5А → 6А), same chat id, history kept, members updated; not counted by the valve.",
    ),
    IssueCode.ROLLOVER_AMBIGUOUS: CodeInfo(
        "school",
        "A class chat matched several new classes, or a new class several chats; the largest overlap "
        "won (then the class id, then the chat id), and the message says which.",
    ),
    IssueCode.SUPERSEDED: CodeInfo(
        "school", "A roster of the school uploaded later was already applied; this older one was not."
    ),
}


def codes_markdown() -> str:
    """The registry as the Markdown table of ``docs/roster-issues.md``."""
    lines = [
        "# Roster import codes",
        "",
        "Generated from `chalicelib/roster/codes.py` (`python -m chalicelib.roster.codes`); do not edit.",
        "",
        "* **unreadable** — the whole file is refused and the import fails, changing nothing;",
        "* **error** — the row is skipped and counted in `rows_skipped`;",
        "* **warning** — the row is kept; one value was dropped or reinterpreted;",
        "* **school** — said of one school's part (planner, pipeline); listed among the warnings.",
        "",
        "| code | kind | meaning |",
        "|---|---|---|",
    ]
    lines += [f"| `{code.value}` | {info.kind} | {info.description} |" for code, info in REGISTRY.items()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(codes_markdown(), end="")
