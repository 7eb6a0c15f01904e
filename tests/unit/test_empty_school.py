"""A bulk update that leaves a school with no people is held (or, for a new school, only reported)."""

from __future__ import annotations

from chalicelib.pipeline.empty_school import empty_school_outcome, likely_cause
from chalicelib.pipeline.report import PartStatus
from chalicelib.roster.issues import IssueLog
from chalicelib.roster.model import (
    PersonRecord,
    RecordUpdate,
    Role,
    SchoolRosterUpdate,
)


def _update(*, people: dict[str, PersonRecord], complete: bool = True) -> SchoolRosterUpdate:
    return SchoolRosterUpdate(
        school_id="s1",
        school_name="Школа №1",
        people=RecordUpdate(complete, people),
        classes=RecordUpdate(complete),
        enrollments=RecordUpdate(complete),
    )


def test_a_synced_school_left_empty_is_held_with_the_cause() -> None:
    outcome = empty_school_outcome(_update(people={}), synced_before=True, cause="12 rows were skipped")
    assert outcome is not None
    assert (outcome.status, outcome.code) == (PartStatus.HELD, "empty_school")
    assert "Школа №1" in outcome.message and "12 rows were skipped" in outcome.message


def test_a_new_school_left_empty_is_only_reported() -> None:
    outcome = empty_school_outcome(_update(people={}), synced_before=False, cause="x")
    assert outcome is not None and outcome.status is PartStatus.UNCHANGED


def test_a_school_with_people_or_a_delta_goes_ahead() -> None:
    person = PersonRecord("p1", frozenset({Role.TEACHER}), "Иванов", "Иван")
    assert empty_school_outcome(_update(people={"p1": person}), synced_before=True, cause="") is None
    assert empty_school_outcome(_update(people={}, complete=False), synced_before=True, cause="") is None


def test_the_cause_names_the_first_skipped_row() -> None:
    log = IssueLog()
    assert likely_cause(log) == "no row of the file gives the school a person"
    log.error("users.csv", 2, None, "field_count_mismatch", "The row has 17 fields; the header has 18.")
    log.error("users.csv", 3, None, "field_count_mismatch", "The row has 17 fields; the header has 18.")
    assert likely_cause(log) == (
        "2 rows of the file were skipped; the first: users.csv line 2: "
        "The row has 17 fields; the header has 18."
    )
