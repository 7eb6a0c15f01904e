"""Hypothesis strategies for planning: random but well-formed rosters and stored states.

Ids come from small pools so that successive rosters of one school share
people and classes (students move, classes vanish and return, titles change),
which is where planning and diffing go wrong.

``PLANNING`` is the settings every property test here uses: the registered
profile ``planning`` keeps the suite fast; set ``PLANNING_HYPOTHESIS_PROFILE=
planning-thorough`` for a long run.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from typing import TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from chalicelib.planning.diff import apply_changes, diff
from chalicelib.planning.model import (
    ChatKind,
    ChatRole,
    ExistingChat,
    ExistingMember,
    MemberSource,
    SchoolState,
    roster_chat_id,
)
from chalicelib.planning.plan import plan_school
from chalicelib.roster.model import (
    ClassKind,
    ClassRecord,
    EnrollmentRecord,
    EnrollmentRole,
    PersonRecord,
    Role,
    SchoolRoster,
)

settings.register_profile(
    "planning", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "planning-thorough", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
PLANNING = settings(settings.get_profile(os.environ.get("PLANNING_HYPOTHESIS_PROFILE", "planning")))

SCHOOL_ID = "s1"
PEOPLE = tuple(f"p{i}" for i in range(12))
CLASSES = ("5a", "5b", "6a", "alg", "geo")
TITLES = ("5А", "5Б", "6А", "Алгебра 7", "5А профиль")
FAMILY_NAMES = ("Иванова", "Петров", "Ким")

# Mostly one role, as most exports have; sometimes two (a teacher who is a parent, an admin who teaches,
# a student listed as a guardian).
role_sets = st.one_of(
    st.sampled_from(Role).map(lambda role: frozenset({role})),
    st.frozensets(st.sampled_from(Role), min_size=2, max_size=3),
)


@st.composite
def people(draw: st.DrawFn) -> dict[str, PersonRecord]:
    """People of one school; ``related_ids`` point either way and may name people who are not there."""
    result: dict[str, PersonRecord] = {}
    for person_id in sorted(draw(st.sets(st.sampled_from(PEOPLE), max_size=len(PEOPLE)))):
        result[person_id] = PersonRecord(
            person_id=person_id,
            roles=draw(role_sets),
            family_name=draw(st.sampled_from(FAMILY_NAMES)),
            given_name="Имя",
            related_ids=draw(st.frozensets(st.sampled_from(PEOPLE), max_size=3)),
            active=draw(st.sampled_from((True, True, True, False))),
        )
    return result


@st.composite
def rosters(draw: st.DrawFn, school_id: str = SCHOOL_ID) -> SchoolRoster:
    """A school roster: people with role sets, homeroom and scheduled classes, enrollments, guardians."""
    persons = draw(people())
    classes = {
        class_id: ClassRecord(
            class_id=class_id,
            title=draw(st.sampled_from(TITLES)),
            kind=draw(st.sampled_from((ClassKind.HOMEROOM, ClassKind.HOMEROOM, ClassKind.SCHEDULED))),
        )
        for class_id in sorted(draw(st.sets(st.sampled_from(CLASSES))))
    }
    enrollments: dict[str, EnrollmentRecord] = {}
    if persons and classes:
        for _ in range(draw(st.integers(0, 20))):
            class_id = draw(st.sampled_from(sorted(classes)))
            person_id = draw(st.sampled_from(sorted(persons)))
            role = draw(st.sampled_from(EnrollmentRole))
            primary = role is EnrollmentRole.TEACHER and draw(st.booleans())
            enrollment_id = f"{class_id}/{person_id}/{role.value}"
            enrollments[enrollment_id] = EnrollmentRecord(enrollment_id, class_id, person_id, role, primary)
    return SchoolRoster(
        school_id=school_id,
        school_name=draw(st.sampled_from(("Школа № 1", "Лицей"))),
        people=persons,
        classes=classes,
        enrollments=enrollments,
    )


# Which classes teachers asked subject chats for (a missing class id included).
subject_requests = st.dictionaries(st.sampled_from((*CLASSES, "gone")), st.sampled_from(TITLES), max_size=3)

K = TypeVar("K")
V = TypeVar("V")


def _shuffled(mapping: Mapping[K, V], draw: st.DrawFn) -> dict[K, V]:
    return dict(draw(st.permutations(list(mapping.items()))))


@st.composite
def reordered(draw: st.DrawFn, roster: SchoolRoster) -> SchoolRoster:
    """The same roster with every mapping built in another insertion order."""
    return SchoolRoster(
        school_id=roster.school_id,
        school_name=roster.school_name,
        people=_shuffled(roster.people, draw),
        classes=_shuffled(roster.classes, draw),
        enrollments=_shuffled(roster.enrollments, draw),
    )


@st.composite
def states(draw: st.DrawFn, school_id: str = SCHOOL_ID) -> SchoolState:
    """Whatever a school's stored chats may hold: any mix of archived, locked and user-archived chats,
    active and ended rows, manual members and excluded ones, stale roles and names."""
    candidates = [roster_chat_id(school_id, ChatKind.STAFF, None)] + [
        roster_chat_id(school_id, kind, class_id)
        for kind in (ChatKind.CLASS, ChatKind.PARENTS, ChatKind.SUBJECT)
        for class_id in CLASSES
    ]
    chats: dict[str, ExistingChat] = {}
    for chat_id in sorted(draw(st.sets(st.sampled_from(candidates), max_size=8))):
        kind, class_id = _identity(chat_id, school_id)
        archived_by_user = kind is ChatKind.SUBJECT and draw(st.booleans())
        chats[chat_id] = ExistingChat(
            chat_id=chat_id,
            school_id=school_id,
            kind=kind,
            class_id=class_id,
            title=draw(st.sampled_from((*TITLES, "Учительская", "Наш класс"))),
            archived=archived_by_user or draw(st.booleans()),
            title_locked=draw(st.booleans()),
            archived_by_user=archived_by_user,
        )
    members: dict[tuple[str, str], ExistingMember] = {}
    if chats:
        keys = st.tuples(st.sampled_from(sorted(chats)), st.sampled_from(PEOPLE))
        for chat_id, person_id in sorted(draw(st.sets(keys, max_size=25))):
            source = draw(st.sampled_from((MemberSource.ROSTER, MemberSource.ROSTER, MemberSource.MANUAL)))
            excluded = source is MemberSource.ROSTER and draw(st.sampled_from((False, False, False, True)))
            members[(chat_id, person_id)] = ExistingMember(
                chat_id=chat_id,
                person_id=person_id,
                chat_role=draw(st.sampled_from(ChatRole)),
                person_role=draw(st.sampled_from(Role)),
                name=draw(st.sampled_from(("Иванова Имя", "Петров Имя", "Old Name"))),
                active=not excluded and draw(st.booleans()),
                source=source,
                excluded=excluded,
            )
    return SchoolState(school_id=school_id, chats=chats, members=members)


@st.composite
def lived_in_states(draw: st.DrawFn, school_id: str = SCHOOL_ID) -> SchoolState:
    """The state an earlier roster left, then edited by hand: titles locked, subject chats archived by
    their moderators, roster members excluded, manual members added and removed."""
    earlier = plan_school(draw(rosters(school_id)), draw(subject_requests))
    synced = apply_changes(SchoolState(school_id=school_id), diff(earlier, SchoolState(school_id=school_id)))
    chats = dict(synced.chats)
    for chat_id, chat in sorted(chats.items()):
        edit = draw(st.sampled_from(("none", "none", "lock", "archive")))
        if edit == "lock":
            chats[chat_id] = replace(chat, title="Наш чат", title_locked=True)
        elif edit == "archive" and chat.kind is ChatKind.SUBJECT:
            chats[chat_id] = replace(chat, archived=True, archived_by_user=True)
    members = dict(synced.members)
    for key, row in sorted(members.items()):
        edit = draw(st.sampled_from(("none", "none", "none", "exclude", "end")))
        if edit == "exclude":
            members[key] = replace(row, active=False, excluded=True)
        elif edit == "end":
            members[key] = replace(row, active=False)
    if chats:
        keys = st.tuples(st.sampled_from(sorted(chats)), st.sampled_from(PEOPLE))
        for chat_id, person_id in sorted(draw(st.sets(keys, max_size=6))):
            members[(chat_id, person_id)] = ExistingMember(
                chat_id=chat_id,
                person_id=person_id,
                chat_role=ChatRole.MEMBER,
                person_role=draw(st.sampled_from(Role)),
                name="Гость",
                active=draw(st.booleans()),
                source=MemberSource.MANUAL,
            )
    return SchoolState(school_id=school_id, chats=chats, members=members)


any_states = st.one_of(states(), lived_in_states())


def _identity(chat_id: str, school_id: str) -> tuple[ChatKind, str | None]:
    if chat_id == roster_chat_id(school_id, ChatKind.STAFF, None):
        return ChatKind.STAFF, None
    for kind in (ChatKind.CLASS, ChatKind.PARENTS, ChatKind.SUBJECT):
        for class_id in CLASSES:
            if chat_id == roster_chat_id(school_id, kind, class_id):
                return kind, class_id
    raise AssertionError(chat_id)


@st.composite
def next_school_years(draw: st.DrawFn, roster: SchoolRoster) -> SchoolRoster:
    """The roster a year on: homeroom classes get new ids (or keep theirs), some students leave or join.

    Class ids come from the same pool, so a class may move up to an id another class used last year
    (a flat roster's "5А" is 5А every year) — where chat ids would collide if nothing guarded them.
    """
    moved = {
        class_id: draw(st.sampled_from(CLASSES))
        for class_id, school_class in roster.classes.items()
        if school_class.kind is ClassKind.HOMEROOM
    }
    classes = {
        moved.get(class_id, class_id): replace(
            school_class, class_id=moved.get(class_id, class_id), title=draw(st.sampled_from(TITLES))
        )
        for class_id, school_class in roster.classes.items()
    }
    leaving = draw(st.sets(st.sampled_from(PEOPLE), max_size=3))
    enrollments: dict[str, EnrollmentRecord] = {}
    for enrollment in roster.enrollments.values():
        class_id = moved.get(enrollment.class_id, enrollment.class_id)
        if enrollment.person_id in leaving or class_id not in classes:
            continue
        enrollment_id = f"{class_id}/{enrollment.person_id}/{enrollment.role.value}"
        enrollments[enrollment_id] = replace(enrollment, enrollment_id=enrollment_id, class_id=class_id)
    persons = {pid: p for pid, p in roster.people.items() if pid not in leaving}
    return replace(roster, people=persons, classes=classes, enrollments=enrollments)
