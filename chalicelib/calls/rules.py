"""Who may start, join and end a chat's call (SPEC §9). Pure: no storage, no HTTP.

* In class, subject and parents chats only their moderators start a call; in
  the staff room and custom chats any member does.
* Anyone who may read the chat (a member) joins the call under way. People who
  see the chat only through the back office (a school's administrators,
  operators) get the same 403 as for its messages, whether or not a call is
  under way; non-members get the chat's 404, so nobody else learns a call exists.
* An archived chat has no calls.
* Only moderators end a call for everyone; a call also ends when its last
  participant leaves, or at its maximum length.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.calls.model import Call
from chalicelib.errors import Conflict, Forbidden, LinkRequired, ReadOnly
from chalicelib.planning.model import ChatKind

LINK_REQUIRED_DETAIL = "Link your journal account to an educational profile to see chats."

OPEN_CALL_KINDS = frozenset({ChatKind.STAFF, ChatKind.CUSTOM})
"""Chats where any member may start a call; in the others only moderators do."""


@dataclass(frozen=True, slots=True)
class CallerInChat:
    """What the rules need to know about the caller and the chat (built from the chats feature's view)."""

    kind: ChatKind
    archived: bool
    member: bool
    moderator: bool
    linked: bool = True


def may_start(who: CallerInChat) -> bool:
    """Whether the caller may start a call in the chat."""
    if not who.member or who.archived:
        return False
    return who.moderator or who.kind in OPEN_CALL_KINDS


def require_reader(who: CallerInChat) -> None:
    """Seeing or joining a call is for the chat's members (back-office viewers: 403, or 409
    ``link-required`` without a linked profile, as for the chat's messages)."""
    if not who.member:
        if not who.linked:
            raise LinkRequired(LINK_REQUIRED_DETAIL)
        raise Forbidden("Only the chat's members take part in its calls.")


def require_can_join(who: CallerInChat) -> None:
    """Joining: members of a chat that is not archived."""
    require_reader(who)
    if who.archived:
        raise ReadOnly("The chat is archived: it has no calls.")


def require_can_start(who: CallerInChat) -> None:
    """Starting: see :func:`may_start` (403 for a member who may only join)."""
    require_can_join(who)
    if not may_start(who):
        raise Forbidden("In this chat only its moderators start a call.")


def require_can_end(who: CallerInChat) -> None:
    """Ending a call for everyone: the chat's moderators."""
    require_reader(who)
    if not who.moderator:
        raise Forbidden("Only the chat's moderators end a call for everyone.")


def has_ended(call: Call, now: datetime) -> bool:
    """Whether the call reached its maximum length."""
    return now >= call.ends_at


def require_room(call: Call, person_id: str, limit: int) -> None:
    """A participant limit per provider: 409 when the call is full (someone already in stays in)."""
    if call.participant(person_id) is None and call.participant_count >= limit:
        raise Conflict(f"The call is full: at most {limit} participants.")


def require_participant(call: Call, person_id: str) -> None:
    """Signals go only between participants of the same call."""
    if call.participant(person_id) is None:
        raise Forbidden("Only the call's participants exchange signals.")
