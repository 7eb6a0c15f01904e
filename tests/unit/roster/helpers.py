"""Building roster files in tests and reading them back."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from chalicelib.roster import flat as flat_format
from chalicelib.roster import oneroster as oneroster_format
from chalicelib.roster.issues import IssueLog, RosterIssue, RosterUnreadable
from chalicelib.roster.model import SchoolRosterUpdate
from chalicelib.roster.reader import ParsedRoster, RosterLimits, read_roster

LIMITS = RosterLimits(max_bytes=64 << 20, max_uncompressed_bytes=256 << 20, max_compression_ratio=100)
FLAT_HEADER = ",".join(flat_format.HEADER)
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "rosters"

ORGS_HEADER = ",".join(oneroster_format.ORGS_HEADER)
USERS_HEADER = ",".join(oneroster_format.USERS_HEADER_11)
CLASSES_HEADER = ",".join(oneroster_format.CLASSES_HEADER)
ENROLLMENTS_HEADER = ",".join(oneroster_format.ENROLLMENTS_HEADER)
ROLES_HEADER = ",".join(oneroster_format.ROLES_HEADER[:-1])  # without the optional userProfileSourcedId


def flat(*rows: str, header: str = FLAT_HEADER) -> bytes:
    """A flat CSV (UTF-8, LF) from a header and row lines."""
    return ("\n".join((header, *rows)) + "\n").encode()


def manifest(modes: Mapping[str, str], version: str | None = "1.1") -> str:
    """The text of a manifest.csv giving each file its mode."""
    lines = ["propertyName,value", "manifest.version,1.0"]
    if version is not None:
        lines.append(f"oneroster.version,{version}")
    lines += [f"file.{name},{mode}" for name, mode in modes.items()]
    return "\n".join(lines) + "\n"


def zip_bytes(members: Mapping[str, str | bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip archive holding ``members`` (text is encoded as UTF-8)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content.encode() if isinstance(content, str) else content)
    return buffer.getvalue()


def oneroster(
    *,
    orgs: list[str] | None = None,
    users: list[str] | None = None,
    classes: list[str] | None = None,
    enrollments: list[str] | None = None,
    roles: list[str] | None = None,
    modes: Mapping[str, str] | None = None,
    version: str | None = "1.1",
    users_header: str = USERS_HEADER,
    extra: Mapping[str, str | bytes] | None = None,
) -> bytes:
    """A OneRoster zip from row lines (headers added); files not given are absent."""
    given = {"orgs": orgs, "users": users, "classes": classes, "enrollments": enrollments, "roles": roles}
    headers = {
        "orgs": ORGS_HEADER,
        "users": users_header,
        "classes": CLASSES_HEADER,
        "enrollments": ENROLLMENTS_HEADER,
        "roles": ROLES_HEADER,
    }
    members: dict[str, str | bytes] = {}
    file_modes = {name: "absent" for name in given}
    for name, rows in given.items():
        if rows is not None:
            members[f"{name}.csv"] = "\n".join((headers[name], *rows)) + "\n"
            file_modes[name] = "bulk"
    file_modes.update(modes or {})
    members["manifest.csv"] = manifest(file_modes, version)
    members.update(extra or {})
    return zip_bytes(members)


def schools_orgs(*school_ids: str) -> list[str]:
    """orgs.csv rows for schools with these ids (named "School <id>")."""
    return [f"{s},active,,School {s},school,," for s in school_ids]


def user(
    user_id: str,
    role: str,
    orgs: str,
    family: str = "Иванов",
    given: str = "Иван",
    *,
    status: str = "active",
    enabled: str = "true",
    agents: str = "",
) -> str:
    """A users.csv (1.1) row."""
    return f'{user_id},{status},,{enabled},"{orgs}",{role},,,{given},{family},,,,,,"{agents}",,'


def klass(
    class_id: str,
    title: str,
    school: str,
    class_type: str = "homeroom",
    *,
    status: str = "active",
    subjects: str = "",
) -> str:
    """A classes.csv row."""
    return f'{class_id},{status},,{title},,,,{class_type},,{school},,"{subjects}",,'


def enrollment(
    enrollment_id: str,
    class_id: str,
    school: str,
    user_id: str,
    role: str,
    primary: str = "false",
    *,
    status: str = "active",
) -> str:
    """An enrollments.csv row."""
    return f"{enrollment_id},{status},,{class_id},{school},{user_id},{role},{primary},,"


def write(tmp_path: Path, data: bytes, name: str = "roster.csv") -> Path:
    """Write an upload to a file as the pipeline's download would."""
    path = tmp_path / name
    path.write_bytes(data)
    return path


@contextmanager
def parsed(
    tmp_path: Path, data: bytes, name: str = "roster.csv", limits: RosterLimits = LIMITS
) -> Iterator[ParsedRoster]:
    """Read an upload; the roster is closed afterwards."""
    roster = read_roster(write(tmp_path, data, name), name, limits)
    try:
        yield roster
    finally:
        roster.close()


def updates(roster: ParsedRoster) -> dict[str, SchoolRosterUpdate]:
    """Every school's update by school id (the order is checked separately)."""
    return {update.school_id: update for update in roster.school_updates()}


def located(issues: list[RosterIssue]) -> list[tuple[str, int | None, str | None, str]]:
    """Issues as ``(file, line, column, code)``."""
    return [(issue.file, issue.line, issue.column, issue.code) for issue in issues]


def codes(log: IssueLog) -> tuple[list[str], list[str]]:
    """The codes of the errors and of the warnings."""
    return [e.code for e in log.errors], [w.code for w in log.warnings]


def refusal(
    tmp_path: Path, data: bytes, name: str = "roster.csv", limits: RosterLimits = LIMITS
) -> RosterUnreadable:
    """The RosterUnreadable reading an upload raises (fails the test when it reads)."""
    try:
        roster = read_roster(write(tmp_path, data, name), name, limits)
    except RosterUnreadable as error:
        return error
    roster.close()
    raise AssertionError("the roster was read; it should have been refused")
