"""The difference between a school's plan and what is stored, and the deletion safety valve.

Pure functions. :func:`diff` says what to write; :func:`apply_changes` says
what the store looks like after writing it (the store adapter does the same
thing against DynamoDB, and ``tests/contract/test_write_changes_property.py`` holds
the two — the DynamoDB adapter and its in-memory twin — to each other).

Nothing is ever deleted: a chat the roster no longer implies is archived and
its memberships end (rows stay, inactive); a membership that ends is marked
inactive. A chat or member that comes back is restored in place.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from chalicelib.planning.model import (
    ExistingChat,
    ExistingMember,
    MemberKey,
    MemberSource,
    PlannedChat,
    PlannedMember,
    SchoolPlan,
    SchoolState,
)

DEFAULT_DELETION_THRESHOLD = 0.30


@dataclass(frozen=True)
class ChangeSet:
    """The writes that make a school's stored chats match its plan."""

    school_id: str
    chats_to_create: tuple[PlannedChat, ...] = ()
    chats_to_restore: tuple[PlannedChat, ...] = ()
    chats_to_retitle: tuple[PlannedChat, ...] = ()
    chats_to_archive: tuple[ExistingChat, ...] = ()
    members_to_add: tuple[PlannedMember, ...] = ()
    members_to_update: tuple[PlannedMember, ...] = ()
    members_to_remove: tuple[ExistingMember, ...] = ()

    @property
    def is_empty(self) -> bool:
        """True when nothing needs writing."""
        return not (
            self.chats_to_create
            or self.chats_to_restore
            or self.chats_to_retitle
            or self.chats_to_archive
            or self.members_to_add
            or self.members_to_update
            or self.members_to_remove
        )

    @property
    def touched_chat_ids(self) -> set[str]:
        """Chats whose member count changes."""
        return {m.chat_id for m in self.members_to_add} | {m.chat_id for m in self.members_to_remove}


def _planned_equals_existing(planned: PlannedMember, existing: ExistingMember) -> bool:
    return (
        existing.active
        and existing.chat_role is planned.chat_role
        and existing.person_role is planned.person_role
        and existing.name == planned.name
    )


def diff(plan: SchoolPlan, state: SchoolState) -> ChangeSet:
    """What to write so that ``state`` matches ``plan``.

    Manual members (added by a moderator) are never touched; roster members a
    moderator removed by hand (``excluded``) are not added back. A chat not in
    the plan is archived and every active roster membership in it ends — those
    count among the removals, as the deletion threshold requires. A chat its
    moderator archived by hand is detached from the roster: its members stay
    as they were (read-only history), so they are neither ended nor counted.
    """
    create: list[PlannedChat] = []
    restore: list[PlannedChat] = []
    retitle: list[PlannedChat] = []
    for chat_id in sorted(plan.chats):
        planned_chat = plan.chats[chat_id]
        existing_chat = state.chats.get(chat_id)
        if existing_chat is None:
            create.append(planned_chat)
        elif existing_chat.archived:
            restore.append(planned_chat)
        elif existing_chat.title != planned_chat.title and not existing_chat.title_locked:
            retitle.append(planned_chat)

    archive = [
        chat
        for chat_id, chat in sorted(state.chats.items())
        if chat_id not in plan.chats and not chat.archived
    ]

    add: list[PlannedMember] = []
    update: list[PlannedMember] = []
    for key in sorted(plan.members):
        planned = plan.members[key]
        existing = state.members.get(key)
        if existing is None or not existing.active:
            if existing is not None and existing.excluded:
                continue
            add.append(planned)
        elif existing.source is MemberSource.ROSTER and not _planned_equals_existing(planned, existing):
            update.append(planned)

    detached = {
        chat_id
        for chat_id, chat in state.chats.items()
        if chat.archived_by_user and chat_id not in plan.chats
    }
    remove = [
        member
        for key, member in sorted(state.members.items())
        if member.active
        and member.source is MemberSource.ROSTER
        and key not in plan.members
        and member.chat_id not in detached
    ]
    return ChangeSet(
        school_id=plan.school_id,
        chats_to_create=tuple(create),
        chats_to_restore=tuple(restore),
        chats_to_retitle=tuple(retitle),
        chats_to_archive=tuple(archive),
        members_to_add=tuple(add),
        members_to_update=tuple(update),
        members_to_remove=tuple(remove),
    )


def _as_existing_chat(planned: PlannedChat, previous: ExistingChat | None) -> ExistingChat:
    if previous is not None:
        # Restoring or retitling touches only these two fields in the store;
        # everything else the chat carries (the user's archive flag, its last
        # activity, a moderator's title lock) stays as it was.
        title = previous.title if previous.title_locked else planned.title
        return replace(previous, archived=False, title=title)
    return ExistingChat(
        chat_id=planned.chat_id,
        school_id=planned.school_id,
        kind=planned.kind,
        class_id=planned.class_id,
        title=planned.title,
    )


def _as_existing_member(planned: PlannedMember) -> ExistingMember:
    return ExistingMember(
        chat_id=planned.chat_id,
        person_id=planned.person_id,
        chat_role=planned.chat_role,
        person_role=planned.person_role,
        name=planned.name,
        active=True,
        source=MemberSource.ROSTER,
    )


def apply_changes(state: SchoolState, changes: ChangeSet) -> SchoolState:
    """The stored state after ``changes`` are written (what the store adapter must produce).

    Applying the same change set twice gives the same state as applying it once.
    """
    chats = dict(state.chats)
    members: dict[MemberKey, ExistingMember] = dict(state.members)
    for planned_chat in (*changes.chats_to_create, *changes.chats_to_restore, *changes.chats_to_retitle):
        chats[planned_chat.chat_id] = _as_existing_chat(planned_chat, chats.get(planned_chat.chat_id))
    for archived in changes.chats_to_archive:
        chats[archived.chat_id] = replace(chats.get(archived.chat_id, archived), archived=True)
    for planned in (*changes.members_to_add, *changes.members_to_update):
        members[planned.key] = _as_existing_member(planned)
    for removed in changes.members_to_remove:
        current = members.get(removed.key, removed)
        members[removed.key] = replace(current, active=False)
    return SchoolState(school_id=state.school_id, chats=chats, members=members)


def removal_share(state: SchoolState, changes: ChangeSet) -> float:
    """The share of the school's active roster memberships the change set would end."""
    current = state.active_roster_member_count()
    if current == 0:
        return 0.0
    return len(changes.members_to_remove) / current


def must_hold(
    state: SchoolState,
    changes: ChangeSet,
    *,
    bulk: bool,
    threshold: float = DEFAULT_DELETION_THRESHOLD,
    force: bool = False,
) -> bool:
    """Whether a sync must be held for an operator instead of applied (SPEC §4 safety valve).

    Only bulk syncs are held — a delta names its deletions one by one — and
    only when they would end more than ``threshold`` of the school's current
    memberships, counting those of chats they would archive. ``force`` is the
    operator's override.
    """
    return bulk and not force and removal_share(state, changes) > threshold
