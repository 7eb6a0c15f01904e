"""A small vocabulary for writing rosters, states and expected chats as readable tables.

Chats are named by a label instead of their hashed id: ``"staff"``,
``"class:5a"``, ``"parents:5a"``, ``"subject:alg"``. Memberships are tuples
``(label, person_id, chat_role, person_role)`` with the enums' string values,
so an expected table reads like the SPEC.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from chalicelib.planning.diff import ChangeSet, apply_changes, diff
from chalicelib.planning.model import (
    ChatKind,
    ExistingChat,
    ExistingMember,
    SchoolPlan,
    SchoolState,
    roster_chat_id,
)
from chalicelib.roster.model import (
    ClassKind,
    ClassRecord,
    EnrollmentRecord,
    EnrollmentRole,
    PersonRecord,
    Role,
    SchoolRoster,
)

SCHOOL = "s1"

Membership = tuple[str, str, str, str]
"""(chat label, person id, chat role, person role)."""


# --- rosters -------------------------------------------------------------------------


def person(person_id: str, *roles: Role, of: Iterable[str] = (), active: bool = True) -> PersonRecord:
    """A person; ``of`` are the ids their own record points at (children or guardians)."""
    return PersonRecord(
        person_id=person_id,
        roles=frozenset(roles),
        family_name=person_id.capitalize(),
        given_name="Name",
        related_ids=frozenset(of),
        active=active,
    )


def student(person_id: str, *, of: Iterable[str] = (), active: bool = True) -> PersonRecord:
    """A student (``of``: guardians named on the student's record)."""
    return person(person_id, Role.STUDENT, of=of, active=active)


def parent(person_id: str, *children: str, active: bool = True) -> PersonRecord:
    """A guardian whose record names their children."""
    return person(person_id, Role.PARENT, of=children, active=active)


def teacher(person_id: str, *, active: bool = True) -> PersonRecord:
    """A teacher."""
    return person(person_id, Role.TEACHER, active=active)


def admin(person_id: str, *, active: bool = True) -> PersonRecord:
    """An administrator."""
    return person(person_id, Role.ADMIN, active=active)


def homeroom(class_id: str, title: str | None = None) -> ClassRecord:
    """A homeroom class (title defaults to the id)."""
    return ClassRecord(class_id=class_id, title=title or class_id, kind=ClassKind.HOMEROOM)


def scheduled(class_id: str, title: str | None = None, subject: str = "") -> ClassRecord:
    """A scheduled (subject) class."""
    return ClassRecord(class_id=class_id, title=title or class_id, kind=ClassKind.SCHEDULED, subject=subject)


def studies(person_id: str, class_id: str) -> EnrollmentRecord:
    """A student enrollment."""
    return EnrollmentRecord(f"{class_id}/{person_id}/s", class_id, person_id, EnrollmentRole.STUDENT)


def teaches(person_id: str, class_id: str, *, primary: bool = False) -> EnrollmentRecord:
    """A teacher enrollment (``primary`` marks a class teacher)."""
    return EnrollmentRecord(f"{class_id}/{person_id}/t", class_id, person_id, EnrollmentRole.TEACHER, primary)


def leads(person_id: str, class_id: str) -> EnrollmentRecord:
    """A primary teacher enrollment: the class teacher."""
    return teaches(person_id, class_id, primary=True)


def school(
    *records: PersonRecord | ClassRecord | EnrollmentRecord,
    school_id: str = SCHOOL,
    name: str = "School No. 1",
) -> SchoolRoster:
    """A roster of one school from people, classes and enrollments in any order."""
    return SchoolRoster(
        school_id=school_id,
        school_name=name,
        people={r.person_id: r for r in records if isinstance(r, PersonRecord)},
        classes={r.class_id: r for r in records if isinstance(r, ClassRecord)},
        enrollments={r.enrollment_id: r for r in records if isinstance(r, EnrollmentRecord)},
    )


# --- chats by label ------------------------------------------------------------------


def label_of(kind: ChatKind, class_id: str | None) -> str:
    """``"staff"`` or ``"<kind>:<class_id>"``."""
    return kind.value if class_id is None else f"{kind.value}:{class_id}"


def chat_id_of(label: str, school_id: str = SCHOOL) -> str:
    """The deterministic id of the chat a label names."""
    kind, _, class_id = label.partition(":")
    return roster_chat_id(school_id, ChatKind(kind), class_id or None)


def chat_labels(plan: SchoolPlan) -> dict[str, str]:
    """Label → title of every planned chat (and a check that each id is the deterministic one)."""
    labels: dict[str, str] = {}
    for chat_id, chat in plan.chats.items():
        assert chat.chat_id == chat_id == roster_chat_id(plan.school_id, chat.kind, chat.class_id)
        assert chat.school_id == plan.school_id
        labels[label_of(chat.kind, chat.class_id)] = chat.title
    return labels


def memberships(plan: SchoolPlan) -> set[Membership]:
    """Every planned membership as a (label, person, chat role, person role) tuple."""
    label_by_id = {chat_id: label_of(c.kind, c.class_id) for chat_id, c in plan.chats.items()}
    result: set[Membership] = set()
    for key, member in plan.members.items():
        assert key == member.key
        result.add(
            (label_by_id[member.chat_id], member.person_id, member.chat_role.value, member.person_role.value)
        )
    return result


def warning_codes(plan: SchoolPlan) -> list[str]:
    """The codes of a plan's warnings, in order."""
    return [w.code for w in plan.warnings]


# --- states and change sets ----------------------------------------------------------


EMPTY = SchoolState(school_id=SCHOOL)


def synced(plan: SchoolPlan, state: SchoolState | None = None) -> SchoolState:
    """The state after one sync of ``plan`` onto ``state`` (empty by default)."""
    state = state if state is not None else SchoolState(school_id=plan.school_id)
    return apply_changes(state, diff(plan, state))


def with_chat(state: SchoolState, label: str, **changes: object) -> SchoolState:
    """``state`` with one chat's stored fields changed (say ``title_locked=True``)."""
    chat_id = chat_id_of(label, state.school_id)
    chats = dict(state.chats)
    chats[chat_id] = replace(chats[chat_id], **changes)  # type: ignore[arg-type]
    return replace(state, chats=chats)


def with_members(state: SchoolState, *members: ExistingMember) -> SchoolState:
    """``state`` with membership rows added or replaced."""
    rows = dict(state.members)
    rows.update({m.key: m for m in members})
    return replace(state, members=rows)


def with_chats(state: SchoolState, *chats: ExistingChat) -> SchoolState:
    """``state`` with chat rows added or replaced."""
    rows = dict(state.chats)
    rows.update({c.chat_id: c for c in chats})
    return replace(state, chats=rows)


def member_row(state: SchoolState, label: str, person_id: str) -> ExistingMember:
    """The stored membership of a person in a labelled chat."""
    return state.members[(chat_id_of(label, state.school_id), person_id)]


def active_memberships(state: SchoolState) -> set[Membership]:
    """The active memberships of a state's chats, as tuples like :func:`memberships`."""
    label_by_id = {chat_id: label_of(c.kind, c.class_id) for chat_id, c in state.chats.items()}
    return {
        (label_by_id[m.chat_id], m.person_id, m.chat_role.value, m.person_role.value)
        for m in state.members.values()
        if m.active
    }


class Changes:
    """A change set in labels, for exact assertions on what a sync writes."""

    def __init__(self, changes: ChangeSet, label_by_id: Mapping[str, str]) -> None:
        self.raw = changes
        self.created = {label_by_id[c.chat_id] for c in changes.chats_to_create}
        self.restored = {label_by_id[c.chat_id] for c in changes.chats_to_restore}
        self.retitled = {label_by_id[c.chat_id]: c.title for c in changes.chats_to_retitle}
        self.archived = {label_by_id[c.chat_id] for c in changes.chats_to_archive}
        self.added = {(label_by_id[m.chat_id], m.person_id) for m in changes.members_to_add}
        self.updated = {(label_by_id[m.chat_id], m.person_id) for m in changes.members_to_update}
        self.removed = {(label_by_id[m.chat_id], m.person_id) for m in changes.members_to_remove}


def changes_between(plan: SchoolPlan, state: SchoolState) -> Changes:
    """``diff(plan, state)`` in labels."""
    label_by_id = {chat_id: label_of(c.kind, c.class_id) for chat_id, c in state.chats.items()}
    label_by_id.update({chat_id: label_of(c.kind, c.class_id) for chat_id, c in plan.chats.items()})
    return Changes(diff(plan, state), label_by_id)


def active_chats(state: SchoolState) -> dict[str, str]:
    """Label → title of a state's chats that are not archived."""
    return {label_of(c.kind, c.class_id): c.title for c in state.chats.values() if not c.archived}
