"""Whatever is uploaded, reading it either succeeds or raises RosterUnreadable, nothing else."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.roster.issues import RosterUnreadable
from chalicelib.roster.model import update_from_json, update_to_json
from chalicelib.roster.reader import RosterLimits, read_roster
from tests.unit.roster.helpers import (
    CLASSES_HEADER,
    ENROLLMENTS_HEADER,
    FLAT_HEADER,
    ORGS_HEADER,
    ROLES_HEADER,
    USERS_HEADER,
    manifest,
    zip_bytes,
)

LIMITS = RosterLimits(max_bytes=1 << 20, max_uncompressed_bytes=4 << 20, max_compression_ratio=100)
FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Values that mean something to the parsers, and (more rarely) hostile characters.
WORDS = [
    "s1",
    "s2",
    "c1",
    "c2",
    "g1",
    "t1",
    "k1",
    "k2",
    "5А",
    "5A",
    "5а",
    "student",
    "Student",
    "teacher",
    "class_teacher",
    "parent",
    "guardian",
    "admin",
    "administrator",
    "aide",
    "homeroom",
    "HOMEROOM",
    "scheduled",
    "school",
    "district",
    "active",
    "active",
    "active",
    "tobedeleted",
    "inactive",
    "true",
    "FALSE",
    "bulk",
    "delta",
    "1.1",
    "1.2",
    "c1|c2",
    "c1,g1",
    "Иванов",
    "",
    "",
]
HOSTILE = ['"', '""', ",", ";", "|", "\n", "\r", "\r\n", "\ufeff", "\x98"]  # NUL: see test_random_bytes
fields = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(WORDS),
    st.sampled_from(WORDS),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=8),
    st.sampled_from(HOSTILE),
)


def _check(data: bytes, name: str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / name
        path.write_bytes(data)
        try:
            roster = read_roster(path, name, LIMITS)
        except RosterUnreadable as error:
            assert error.code and error.message
            return
        try:
            school_ids = []
            for update in roster.school_updates():
                assert update_from_json(update_to_json(update)) == update
                school_ids.append(update.school_id)
            assert school_ids == sorted(set(school_ids))
            assert roster.counts.schools == len(school_ids)
            assert roster.issues.rows_skipped <= roster.issues.error_count
        finally:
            roster.close()


@FUZZ
@given(st.binary(max_size=4096))
def test_random_bytes(data: bytes) -> None:
    _check(data, "upload.csv")


@FUZZ
@given(st.binary(max_size=2048))
def test_random_bytes_after_a_zip_signature(data: bytes) -> None:
    _check(b"PK\x03\x04" + data, "upload.zip")


def _csv(header: str, rows: list[list[str]], delimiter: str) -> str:
    # Written properly quoted, so that odd characters reach the parsers inside fields; raw
    # delimiters and quotes are fuzzed by the random bytes and by rows of the wrong width.
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header.split(","))
    writer.writerows(rows)
    return buffer.getvalue()


IDS = ["s1", "s2", "d1", "c1", "c2", "g1", "t1", "k1", "k2", "e1", "e2", "", "c1,g1", "s1,d1"]
POOLS = {
    "status": ["active", "", "tobedeleted", "Active", "inactive", "bogus"],
    "role": [
        "student",
        "teacher",
        "parent",
        "guardian",
        "administrator",
        "aide",
        "Student",
        "janitor",
        "",
        "class_teacher",
        "admin",
    ],
    "type": ["school", "district", "department", "School", ""],
    "classtype": ["homeroom", "scheduled", "HOMEROOM", "club", ""],
    "primary": ["true", "false", "TRUE", "yes", ""],
    "enableduser": ["true", "false", "TRUE", "yes", ""],
    "roletype": ["primary", "secondary", ""],
    "class": ["5А", "5A", "5а", " 5 а", "11Б", ""],
    "guardian_of": ["c1", "c1|c2", "ghost", "", "g1"],
    "phone": ["+7 900 000-00-00", "12", ""],
}
NAME_POOL = ["Иванов", "Мария", "5А", "Математика", "", "x"]


def _column(name: str) -> st.SearchStrategy[str]:
    key = name.casefold()
    if key in POOLS:
        pool = POOLS[key]
    elif key.endswith(("id", "ids")):
        pool = IDS
    elif key in ("givenname", "familyname", "title", "name", "last_name", "first_name", "school_name"):
        pool = NAME_POOL
    else:
        pool = [""]
    return st.one_of(*[st.sampled_from(pool)] * 6, fields)


def _rows(header: str, max_rows: int) -> st.SearchStrategy[list[list[str]]]:
    """Rows mostly as wide as the header, with meaningful values per column; sometimes not."""
    columns = header.split(",")
    row = st.one_of(
        st.tuples(*[_column(name) for name in columns]).map(list),
        st.tuples(*[_column(name) for name in columns]).map(list),
        st.tuples(*[_column(name) for name in columns]).map(list),
        st.lists(fields, max_size=len(columns) + 2),
    )
    return st.lists(row, max_size=max_rows)


HEADERS = {
    "orgs": ORGS_HEADER,
    "users": USERS_HEADER,
    "classes": CLASSES_HEADER,
    "enrollments": ENROLLMENTS_HEADER,
    "roles": ROLES_HEADER,
}


@FUZZ
@given(
    _rows(FLAT_HEADER, 25),
    st.sampled_from([",", ";"]),
    st.sampled_from(["utf-8", "utf-8-sig", "cp1251"]),
)
def test_random_flat_csv(rows: list[list[str]], delimiter: str, encoding: str) -> None:
    text = _csv(FLAT_HEADER, rows, delimiter)
    _check(text.encode(encoding, errors="replace"), "upload.csv")


@FUZZ
@given(
    st.fixed_dictionaries({name: _rows(header, 8) for name, header in HEADERS.items()}),
    st.fixed_dictionaries(
        {
            name: st.sampled_from(["bulk", "delta", "absent", "Bulk"])
            for name in ("orgs", "users", "classes", "enrollments", "roles")
        }
    ),
    st.sampled_from(["1.1", "1.2", None]),
)
def test_random_oneroster_zip(
    rows: dict[str, list[list[str]]], modes: dict[str, str], version: str | None
) -> None:
    members: dict[str, str | bytes] = {"manifest.csv": manifest(modes, version)}
    for name, mode in modes.items():
        if mode != "absent":
            members[f"{name}.csv"] = _csv(HEADERS[name], rows[name], ",").encode("utf-8", errors="replace")
    _check(zip_bytes(members), "upload.zip")
