"""The new school year (SPEC §4): 5А → 6А keeps its chats; graduates are archived; ambiguity is decided."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.planning.diff import apply_changes, diff, must_hold, removal_share
from chalicelib.planning.model import ChatKind, SchoolPlan, SchoolState, roster_chat_id
from chalicelib.planning.plan import plan_school
from chalicelib.planning.rollover import carry_over
from chalicelib.roster.model import SchoolRoster
from tests.unit.planning.builders import (
    EMPTY,
    SCHOOL,
    homeroom,
    leads,
    parent,
    school,
    student,
    studies,
    teacher,
    teaches,
)
from tests.unit.planning.strategies import PLANNING, next_school_years, rosters


def plan(roster: SchoolRoster, state: SchoolState, overlap: float = 0.6) -> SchoolPlan:
    return plan_school(roster, state.followed_subject_classes(), carry_over(roster, state, overlap))


def sync(roster: SchoolRoster, state: SchoolState, overlap: float = 0.6) -> SchoolState:
    return apply_changes(state, diff(plan(roster, state, overlap), state))


def year(class_id: str, title: str, kids: range, *, teacher_id: str = "t1") -> list[object]:
    """A homeroom class with its class teacher, students k<n> and a guardian g<n> each."""
    records: list[object] = [homeroom(class_id, title), teacher(teacher_id), leads(teacher_id, class_id)]
    for n in kids:
        records += [student(f"k{n}"), parent(f"g{n}", f"k{n}"), studies(f"k{n}", class_id)]
    return records


def roster_of(*groups: list[object]) -> SchoolRoster:
    return school(*(record for group in groups for record in group))  # type: ignore[arg-type]


CLASS_5A = roster_chat_id(SCHOOL, ChatKind.CLASS, "k5a")
PARENTS_5A = roster_chat_id(SCHOOL, ChatKind.PARENTS, "k5a")


def test_a_class_moving_up_keeps_its_chats_renamed_with_new_members() -> None:
    before = sync(roster_of(year("k5a", "5А", range(10))), EMPTY)
    # September: 5А is now 6А (a new class id); k0 left, k10 joined.
    after_roster = roster_of(year("k6a", "6А", range(1, 11)))
    moved = plan(after_roster, before)
    changes = diff(moved, before)
    after = apply_changes(before, changes)

    assert after.chats[CLASS_5A].class_id == "k6a" and after.chats[CLASS_5A].title == "6А"
    assert after.chats[PARENTS_5A].title == "6А — родители" and not after.chats[PARENTS_5A].archived
    assert not changes.chats_to_create and not changes.chats_to_archive
    assert {m.person_id for m in changes.members_to_remove} == {"k0", "g0"}
    assert {m.person_id for m in changes.members_to_add} == {"k10", "g10"}
    [renamed] = [w for w in moved.warnings if w.code == "class_renamed"]
    assert renamed.message.startswith("renamed 5А → 6А")
    assert "9 of 10 students stay" in renamed.message
    # Explained by the rollover: nothing counts towards the valve.
    assert removal_share(before, changes) == 0.0


def test_without_the_rollover_the_same_september_would_be_held() -> None:
    before = sync(roster_of(year("k5a", "5А", range(10))), EMPTY)
    after_roster = roster_of(year("k6a", "6А", range(1, 11)))
    plain = diff(plan_school(after_roster), before)
    assert must_hold(before, plain, bulk=True)
    assert not must_hold(before, diff(plan(after_roster, before), before), bulk=True)


def test_a_graduating_class_is_archived_and_a_flat_class_id_reused_gets_a_new_chat() -> None:
    # Flat rosters name classes by title: next year's "5А" is new children, last year's moved to "6А".
    before = sync(
        roster_of(year("5А", "5А", range(10)), year("11А", "11А", range(20, 30), teacher_id="t2")), EMPTY
    )
    september = roster_of(year("6А", "6А", range(10)), year("5А", "5А", range(40, 50), teacher_id="t3"))
    after = sync(september, before)
    old_5a = roster_chat_id(SCHOOL, ChatKind.CLASS, "5А")
    new_5a = roster_chat_id(SCHOOL, ChatKind.CLASS, "5А", 2)
    assert after.chats[old_5a].class_id == "6А"  # the children kept their chat
    assert after.chats[new_5a].class_id == "5А" and after.chats[new_5a].title == "5А"
    members_new_5a = {pid for (chat_id, pid), m in after.members.items() if chat_id == new_5a and m.active}
    assert members_new_5a == {"t3", *(f"k{n}" for n in range(40, 50))}  # none of last year's history
    assert after.chats[roster_chat_id(SCHOOL, ChatKind.CLASS, "11А")].archived  # graduated
    assert diff(plan(september, after), after).is_empty


def test_a_class_that_keeps_its_id_keeps_its_chat_even_with_much_turnover() -> None:
    before = sync(roster_of(year("k5a", "5А", range(3))), EMPTY)
    changed = roster_of(year("k5a", "5А", range(2, 5)))  # 1 of 3 stays: below the overlap
    after = sync(changed, before)
    assert not after.chats[CLASS_5A].archived and after.chats[CLASS_5A].class_id == "k5a"


def test_a_pupil_also_listed_as_the_classs_teacher_keeps_the_class_in_its_chat() -> None:
    # Found by the idempotence property below: a person the roster enrols in their class both as a
    # student and as a teacher becomes a teacher member of its chat. When the only other pupil left,
    # the class's chat had no student member in common with the class any more and, read as a new
    # group, was archived for a new chat on the next sync.
    first = school(
        homeroom("k5a", "5А"),
        *(student(k) for k in ("k0", "k1")),
        studies("k0", "k5a"),
        teaches("k0", "k5a"),
        studies("k1", "k5a"),
        teaches("k1", "k5a"),
    )
    before = sync(first, EMPTY)
    september = school(homeroom("k5a", "5А"), student("k1"), studies("k1", "k5a"), teaches("k1", "k5a"))
    after = sync(september, before)
    assert diff(plan(september, after), after).is_empty
    assert set(after.chats) == set(before.chats) and not any(c.archived for c in after.chats.values())


def test_a_split_class_is_ambiguous_and_decided_the_same_way_whatever_the_order() -> None:
    before = sync(roster_of(year("k5a", "5А", range(10))), EMPTY)
    # Half the class in each new class: with a 40 % overlap both match.
    split = roster_of(year("k6b", "6Б", range(5)), year("k6a", "6А", range(5, 10), teacher_id="t2"))
    decided = plan(split, before, overlap=0.4)
    ambiguous = [w for w in decided.warnings if w.code == "rollover_ambiguous"]
    assert len(ambiguous) == 1 and "k6a, k6b" in ambiguous[0].message
    assert "went to class k6a" in ambiguous[0].message  # equal overlap: the lower class id
    assert decided.chats[CLASS_5A].class_id == "k6a"
    reversed_roster = replace(split, classes=dict(reversed(list(split.classes.items()))))
    assert plan(reversed_roster, before, overlap=0.4) == decided


def test_the_overlap_share_is_configurable() -> None:
    before = sync(roster_of(year("k5a", "5А", range(10))), EMPTY)
    half = roster_of(year("k6a", "6А", range(5, 15)))  # 5 of 10 stay: 50 %
    assert plan(half, before).chats.get(CLASS_5A) is None
    assert plan(half, before, overlap=0.5).chats[CLASS_5A].class_id == "k6a"


# --- properties ------------------------------------------------------------------------


@given(st.data())
@PLANNING
def test_a_rollover_is_idempotent_and_the_same_roster_again_writes_nothing(data: st.DataObject) -> None:
    first = data.draw(rosters())
    before = sync(first, EMPTY)
    september = data.draw(next_school_years(first))
    changes = diff(plan(september, before), before)
    after = apply_changes(before, changes)
    assert apply_changes(after, changes) == after  # writing it twice is writing it once
    assert diff(plan(september, after), after).is_empty  # the same roster again writes nothing
    assert carry_over(september, after) == replace(carry_over(september, after))


@given(st.data())
@PLANNING
def test_a_rollover_never_merges_two_classes_into_one_chat(data: st.DataObject) -> None:
    first = data.draw(rosters())
    before = sync(first, EMPTY)
    september = data.draw(next_school_years(first))
    after = sync(september, before)
    live = [c for c in after.chats.values() if not c.archived and c.kind is ChatKind.CLASS]
    assert len({c.class_id for c in live}) == len(live)
    planned = plan(september, after)
    homerooms = {cid for cid, c in september.classes.items() if c.kind.value == "homeroom"}
    assert {c.class_id for c in planned.chats.values() if c.kind is ChatKind.CLASS} == homerooms


def test_a_class_keeps_its_chats_year_after_year_and_its_parents_chat_stays_its_pair() -> None:
    state = sync(roster_of(year("k5a", "5А", range(10))), EMPTY)
    for class_id, title in (("k6a", "6А"), ("k7a", "7А"), ("k8a", "8А")):
        state = sync(roster_of(year(class_id, title, range(10))), state)
    assert state.chats[CLASS_5A].class_id == "k8a" and state.chats[CLASS_5A].title == "8А"
    assert state.chats[PARENTS_5A].class_id == "k8a" and state.chats[PARENTS_5A].title == "8А — родители"
    assert state.chats[CLASS_5A].origin == state.chats[PARENTS_5A].origin  # stored: what the ids came from
    assert state.chats[CLASS_5A].origin is not None and state.chats[CLASS_5A].origin.class_id == "k5a"
    assert [c for c in state.chats.values() if c.archived] == []


def test_an_entirely_new_group_under_an_old_class_id_never_inherits_its_chat() -> None:
    # No moving up in this export: last year's 5А simply left, and 5А now names new children.
    before = sync(roster_of(year("5А", "5А", range(10))), EMPTY)
    after = sync(roster_of(year("5А", "5А", range(20, 30))), before)
    old, new = roster_chat_id(SCHOOL, ChatKind.CLASS, "5А"), roster_chat_id(SCHOOL, ChatKind.CLASS, "5А", 2)
    assert after.chats[old].archived and not after.chats[new].archived
    # Last year's children turning up under another class id do not revive the archived chat.
    back = sync(
        roster_of(year("5А", "5А", range(20, 30)), year("7Б", "7Б", range(10), teacher_id="t2")), after
    )
    assert not back.chats[new].archived and back.chats[old].archived
