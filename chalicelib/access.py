"""Who may see and do what (SPEC §6). Every authorization rule of the API lives here."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from chalicelib.errors import NotFound
from chalicelib.identity.journal_token import Caller
from chalicelib.planning.model import ChatKind, roster_chat_id
from chalicelib.roster.model import Role
from chalicelib.store.tables import MembershipItem


def active_membership(chat_id: str, person_id: str) -> MembershipItem | None:
    """A person's active membership of a chat, or None."""
    try:
        item = MembershipItem.get(chat_id, person_id)
    except DoesNotExist:
        return None
    return item if item.active else None


def is_school_admin(person_id: str, school_id: str) -> bool:
    """Whether the roster makes the person an administrator of the school (via its staff room)."""
    membership = active_membership(roster_chat_id(school_id, ChatKind.STAFF, None), person_id)
    return membership is not None and membership.person_role == Role.ADMIN.value


def can_use_back_office(caller: Caller, school_id: str) -> bool:
    """Operators see every school; a school's administrators see theirs."""
    return caller.is_operator or is_school_admin(caller.person_id, school_id)


def require_back_office(caller: Caller, school_id: str) -> None:
    """404 unless the caller may use the school's back office (404, so schools can't be probed)."""
    if not can_use_back_office(caller, school_id):
        raise NotFound("No such school.")
