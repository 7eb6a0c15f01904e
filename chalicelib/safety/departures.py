"""Departed adults lose access (SPEC §4): pure rules.

When a person leaves a school's roster (or is no longer active in it) they
leave every chat of the school — custom chats and hand-added seats in subject
chats too, which the roster diff never touches. A chat whose last moderator
left gets the school's administrators as moderators, so no chat with pupils is
left to nobody (and no departed teacher stays its only moderator).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from chalicelib.planning.model import ChatKind, ChatRole


@dataclass(frozen=True, slots=True)
class SeatRow:
    """A membership row of a school's chat, as far as these rules care."""

    chat_id: str
    person_id: str
    chat_role: ChatRole
    active: bool


@dataclass(frozen=True, slots=True)
class ChatFacts:
    """A chat of the school, as far as these rules care."""

    chat_id: str
    kind: ChatKind
    archived: bool


@dataclass(frozen=True)
class Departures:
    """What to write: memberships to end, and chats that need the administrators as moderators."""

    leaving: tuple[tuple[str, str], ...]
    unmoderated: tuple[str, ...]
    departed: frozenset[str]


def plan_departures(present: set[str], chats: Mapping[str, ChatFacts], rows: Iterable[SeatRow]) -> Departures:
    """The active memberships of people not ``present`` (active in the roster), and the chats that
    had a moderator but would have none left (and still have members) once they are gone.
    """
    rows = list(rows)
    leaving = tuple(sorted((r.chat_id, r.person_id) for r in rows if r.active and r.person_id not in present))
    gone = set(leaving)
    remaining = [r for r in rows if r.active and (r.chat_id, r.person_id) not in gone]
    return Departures(
        leaving=leaving,
        unmoderated=unmoderated_chats(chats, rows, remaining),
        departed=frozenset(person for _, person in leaving),
    )


def unmoderated_chats(
    chats: Mapping[str, ChatFacts], rows: Iterable[SeatRow], remaining: Iterable[SeatRow]
) -> tuple[str, ...]:
    """Chats that had a moderator and have none among ``remaining`` (active) rows, but have members."""
    had_moderator = {r.chat_id for r in rows if r.chat_role is ChatRole.MODERATOR}
    members: dict[str, int] = {}
    moderated: set[str] = set()
    for row in remaining:
        members[row.chat_id] = members.get(row.chat_id, 0) + 1
        if row.chat_role is ChatRole.MODERATOR:
            moderated.add(row.chat_id)
    return tuple(
        sorted(
            chat_id
            for chat_id in had_moderator
            if chat_id in chats
            and not chats[chat_id].archived
            and members.get(chat_id)
            and chat_id not in moderated
        )
    )
