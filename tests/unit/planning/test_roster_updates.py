"""Planning's input: bulk and delta updates of a school roster, and the stored JSON form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.roster.model import (
    RecordUpdate,
    SchoolRoster,
    SchoolRosterUpdate,
    apply_update,
    complete_update,
    roster_from_json,
    roster_to_json,
    update_from_json,
    update_to_json,
)
from tests.unit.planning.builders import homeroom, school, student, studies, teacher
from tests.unit.planning.strategies import PLANNING, rosters


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> RecordUpdate[Any]:
    """The delta that turns ``before`` into ``after``: upserts of what changed, deletions of what went."""
    return RecordUpdate(
        complete=False,
        records={k: v for k, v in after.items() if before.get(k) != v},
        deleted_ids=frozenset(before.keys() - after.keys()),
    )


def delta(before: SchoolRoster, after: SchoolRoster) -> SchoolRosterUpdate:
    """A delta file's update for one school."""
    return SchoolRosterUpdate(
        school_id=after.school_id,
        school_name=after.school_name,
        people=changes(before.people, after.people),
        classes=changes(before.classes, after.classes),
        enrollments=changes(before.enrollments, after.enrollments),
    )


@given(rosters(), st.one_of(st.none(), rosters(), rosters(school_id="s1-before-rename")))
@PLANNING
def test_bulk_update_is_the_complete_roster_whatever_came_before(
    roster: SchoolRoster, current: SchoolRoster | None
) -> None:
    update = complete_update(roster)
    assert update.is_bulk
    assert apply_update(current, update) == roster


@given(rosters(), rosters())
@PLANNING
def test_delta_update_brings_the_last_roster_to_the_new_one(
    before: SchoolRoster, after: SchoolRoster
) -> None:
    update = delta(before, after)
    assert not update.is_bulk
    assert apply_update(before, update) == after


@given(rosters())
@PLANNING
def test_an_empty_delta_changes_nothing(roster: SchoolRoster) -> None:
    nothing = SchoolRosterUpdate(
        roster.school_id, None, RecordUpdate(False), RecordUpdate(False), RecordUpdate(False)
    )
    assert apply_update(roster, nothing) == roster


def test_partly_complete_update_is_not_bulk() -> None:
    """A OneRoster delta that carries a full users.csv is still a delta for classes and enrollments."""
    roster = school(teacher("t1"), student("s1"), homeroom("5a"), studies("s1", "5a"))
    update = SchoolRosterUpdate(
        "s1", None, RecordUpdate(True, {"t1": teacher("t1")}), RecordUpdate(False), RecordUpdate(False)
    )
    assert not update.is_bulk
    after = apply_update(roster, update)
    assert set(after.people) == {"t1"}
    assert after.classes == roster.classes
    assert after.enrollments == roster.enrollments


def test_delta_deletes_and_upserts_by_id() -> None:
    roster = school(teacher("t1"), student("s1"), student("s2"), homeroom("5a"), studies("s1", "5a"))
    update = SchoolRosterUpdate(
        "s1",
        None,
        RecordUpdate(False, {"s3": student("s3")}, deleted_ids=frozenset({"s2", "never-there"})),
        RecordUpdate(False),
        RecordUpdate(False, {"5a/s3/s": studies("s3", "5a")}, deleted_ids=frozenset({"5a/s1/s"})),
    )
    after = apply_update(roster, update)
    assert set(after.people) == {"t1", "s1", "s3"}
    assert set(after.enrollments) == {"5a/s3/s"}
    assert after.school_name == roster.school_name


def test_school_name_falls_back_to_the_stored_one_then_the_id() -> None:
    blank = SchoolRosterUpdate("s9", None, RecordUpdate(True), RecordUpdate(True), RecordUpdate(True))
    assert apply_update(None, blank).school_name == "s9"
    known = school(school_id="s9", name="Гимназия")
    assert apply_update(known, blank).school_name == "Гимназия"
    renamed = SchoolRosterUpdate("s9", "Лицей", RecordUpdate(True), RecordUpdate(True), RecordUpdate(True))
    assert apply_update(known, renamed).school_name == "Лицей"


@given(rosters())
@PLANNING
def test_stored_roster_round_trips(roster: SchoolRoster) -> None:
    assert roster_from_json(roster_to_json(roster)) == roster


@given(rosters(), rosters())
@PLANNING
def test_stored_updates_round_trip(before: SchoolRoster, after: SchoolRoster) -> None:
    for update in (complete_update(after), delta(before, after)):
        assert update_from_json(update_to_json(update)) == update
