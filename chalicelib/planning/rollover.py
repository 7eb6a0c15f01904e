"""The new school year (SPEC §4): a homeroom class replaced by one with mostly the same students
keeps its chats. Pure: no I/O.

In September every class moves up (5А → 6А) and, in most exports, gets a new
class id. Without this module its class and parents chats would be archived
and new, empty ones made — the class would lose its history, and the safety
valve would hold every school. :func:`carry_over` decides, before planning,
which stored chat serves each homeroom class of the new roster:

1. **Matches.** A class chat of the school (not archived) and a homeroom class
   of the roster match when their students overlap by at least ``overlap``
   (default 60 %) of the larger of the two groups. Each chat goes to at most
   one class and each class gets at most one chat: pairs are taken greedily,
   best overlap first, then a chat staying with its own class id, then by
   chat id and class id — so the outcome never depends on input order. A chat
   or class that had more than one candidate is reported (``rollover_ambiguous``).
2. **A class that kept its id** and matched nothing keeps its chat (a small
   class whose students changed a lot is still that class) — unless the chat
   had children and none of the class's students was ever a member of it, in
   any role (a pupil also listed as a teacher is a teacher member): an entirely new
   group never inherits another group's history (a flat "5А" of new children).
3. **Anything else** gets a new chat. When its class id's chat moved on to
   another class (a flat roster's "5А" is 5А every year), the new chat's id is
   the next *generation* of that class id, so ids never collide.

A matched chat whose class id changes is carried over: the plan gives it the
new class and title (``renamed 5А → 6А`` in the report), its members follow
the roster, its id and history stay; the parents chat made with it goes
along. Old class chats nobody matched are left out of the plan, so the diff
archives them (a class that graduated).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from chalicelib.planning.model import (
    ChatKind,
    ChatOrigin,
    ExistingChat,
    PlanWarning,
    SchoolState,
    roster_chat_id,
)
from chalicelib.roster.codes import IssueCode
from chalicelib.roster.model import ClassKind, EnrollmentRole, Role, SchoolRoster

DEFAULT_OVERLAP = 0.60
_HOMEROOM_KINDS = (ChatKind.CLASS, ChatKind.PARENTS)


@dataclass(frozen=True)
class ClassChats:
    """Which chat ids serve the roster's homeroom classes, decided against the stored chats."""

    origins: Mapping[str, ChatOrigin]
    """Homeroom class id → the origin its class and parents chats' ids are made from."""
    rolled_over: frozenset[str] = frozenset()
    warnings: tuple[PlanWarning, ...] = ()

    def chat_id(self, school_id: str, kind: ChatKind, class_id: str) -> tuple[str, ChatOrigin | None]:
        """The id (and origin) of a class's chat of ``kind``; the plain one for classes not decided here."""
        origin = self.origins.get(class_id) if kind in _HOMEROOM_KINDS else None
        if origin is None:
            return roster_chat_id(school_id, kind, class_id), None
        return roster_chat_id(school_id, kind, origin.class_id, origin.generation), origin


def _share(old: set[str], new: set[str]) -> float:
    if not old or not new:
        return 0.0
    return len(old & new) / max(len(old), len(new))


def _new_students(roster: SchoolRoster) -> dict[str, set[str]]:
    students: dict[str, set[str]] = defaultdict(set)
    for enrollment in roster.enrollments.values():
        person = roster.people.get(enrollment.person_id)
        if enrollment.role is EnrollmentRole.STUDENT and person is not None and person.active:
            students[enrollment.class_id].add(enrollment.person_id)
    return students


def _old_students(state: SchoolState, *, ever: bool = False) -> dict[str, set[str]]:
    """Each chat's students now (or, with ``ever``, everyone who was a student member of it)."""
    students: dict[str, set[str]] = defaultdict(set)
    for (chat_id, person_id), member in state.members.items():
        if (ever or member.active) and member.person_role is Role.STUDENT:
            students[chat_id].add(person_id)
    return students


def _ever_members(state: SchoolState) -> dict[str, set[str]]:
    """Everyone who was ever a member of each chat, in any role.

    Not only student members: a member's role follows the roster, so a pupil
    the roster also lists as the class's teacher is a teacher member, and
    counting only student members would make their own class look like a new group.
    """
    members: dict[str, set[str]] = defaultdict(set)
    for chat_id, person_id in state.members:
        members[chat_id].add(person_id)
    return members


def _continues(ever_students: set[str], ever_members: set[str], new_students: set[str]) -> bool:
    """Whether a class that kept its id is still the same group.

    It is unless its chat had children and none of the class's students was ever a member of it.
    """
    return not ever_students or not new_students or bool(ever_members & new_students)


def carry_over(roster: SchoolRoster, state: SchoolState, overlap: float = DEFAULT_OVERLAP) -> ClassChats:
    """Which stored class chat serves each homeroom class of ``roster`` (see the module docstring)."""
    homerooms = {cid: c for cid, c in roster.classes.items() if c.kind is ClassKind.HOMEROOM}
    class_chats = sorted(
        (c for c in state.chats.values() if c.kind is ChatKind.CLASS and c.class_id is not None),
        key=lambda c: c.chat_id,
    )
    new_students = _new_students(roster)
    old_students = _old_students(state)
    ever_students = _old_students(state, ever=True)
    ever_members = _ever_members(state)
    candidates: list[tuple[float, ExistingChat, str]] = []
    for chat in class_chats:
        if chat.archived:
            continue
        for class_id in sorted(homerooms):
            share = _share(old_students[chat.chat_id], new_students[class_id])
            if share >= overlap and share > 0:
                candidates.append((share, chat, class_id))
    candidates.sort(key=lambda c: (-c[0], c[1].class_id != c[2], c[1].chat_id, c[2]))

    chat_of: dict[str, ExistingChat] = {}
    taken: set[str] = set()
    for _, chat, class_id in candidates:
        if class_id not in chat_of and chat.chat_id not in taken:
            chat_of[class_id] = chat
            taken.add(chat.chat_id)
    warnings = _ambiguities(candidates, chat_of)
    for class_id in sorted(homerooms):
        if class_id in chat_of:
            continue
        # A class that kept its id keeps its chat (archived chats come back), unless that chat moved on
        # or none of its children are in the class now (a new group must not inherit another's history).
        same = [
            c
            for c in class_chats
            if c.class_id == class_id
            and c.chat_id not in taken
            and _continues(ever_students[c.chat_id], ever_members[c.chat_id], new_students[class_id])
        ]
        if same:
            chat = min(same, key=lambda c: (c.archived, c.chat_id))
            chat_of[class_id] = chat
            taken.add(chat.chat_id)

    origins: dict[str, ChatOrigin] = {}
    rolled_over: set[str] = set()
    for class_id in sorted(homerooms):
        found = chat_of.get(class_id)
        origin = found.effective_origin if found is not None else None
        if origin is None:
            origin = _fresh_origin(state, class_id)
        origins[class_id] = origin
        if found is not None and found.class_id != class_id:
            chat = found
            parents = roster_chat_id(state.school_id, ChatKind.PARENTS, origin.class_id, origin.generation)
            rolled_over |= {chat.chat_id, parents}
            stay = len(old_students[chat.chat_id] & new_students[class_id])
            warnings.append(
                PlanWarning(
                    IssueCode.CLASS_RENAMED.value,
                    f"{_headline(chat.title, homerooms[class_id].title)}: a new school year "
                    f"({stay} of {len(old_students[chat.chat_id])} students stay; class {chat.class_id} "
                    f"→ {class_id}); the chats and their history carry over.",
                )
            )
    return ClassChats(origins=origins, rolled_over=frozenset(rolled_over), warnings=tuple(warnings))


def _headline(old_title: str, new_title: str) -> str:
    if old_title == new_title:
        return f"{old_title} continues under a new class id"
    return f"renamed {old_title} → {new_title}"


def _fresh_origin(state: SchoolState, class_id: str) -> ChatOrigin:
    """The first generation of ``class_id`` whose chat ids no stored chat uses."""
    generation = 1
    while any(
        roster_chat_id(state.school_id, kind, class_id, generation) in state.chats for kind in _HOMEROOM_KINDS
    ):
        generation += 1
    return ChatOrigin(class_id, generation)


def _ambiguities(
    candidates: list[tuple[float, ExistingChat, str]],
    chat_of: Mapping[str, ExistingChat],
) -> list[PlanWarning]:
    by_chat: dict[str, list[str]] = defaultdict(list)
    by_class: dict[str, list[ExistingChat]] = defaultdict(list)
    for _, chat, class_id in candidates:
        by_chat[chat.chat_id].append(class_id)
        by_class[class_id].append(chat)
    winner = {chat.chat_id: class_id for class_id, chat in chat_of.items()}
    warnings: list[PlanWarning] = []
    titles = {chat.chat_id: chat.title for _, chat, _ in candidates}
    for chat_id, class_ids in sorted(by_chat.items()):
        if len(class_ids) > 1:
            chosen = winner.get(chat_id)
            outcome = f"it went to class {chosen}" if chosen else "each went to another chat"
            warnings.append(
                PlanWarning(
                    IssueCode.ROLLOVER_AMBIGUOUS.value,
                    f"Class chat {titles[chat_id]!r} matches classes {', '.join(sorted(class_ids))} of the "
                    f"new roster; {outcome} (the largest overlap wins, then the class id).",
                )
            )
    for class_id, chats in sorted(by_class.items()):
        if len(chats) > 1:
            chosen_chat = chat_of.get(class_id)
            names = ", ".join(sorted(repr(c.title) for c in chats))
            outcome = f"{chosen_chat.title!r} carries over" if chosen_chat else "none carries over"
            warnings.append(
                PlanWarning(
                    IssueCode.ROLLOVER_AMBIGUOUS.value,
                    f"Class {class_id} of the new roster matches class chats {names}; {outcome}.",
                )
            )
    return warnings
