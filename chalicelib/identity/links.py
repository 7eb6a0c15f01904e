"""Links between journal users and educational profiles (SPEC §2, §3)."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from chalicelib.errors import LinkRequired
from chalicelib.store.tables import LinkItem


def find_link(person_id: str) -> LinkItem | None:
    """The journal user's link, or None when they have not linked a profile."""
    try:
        return LinkItem.get(person_id)
    except DoesNotExist:
        return None


def require_link(person_id: str) -> LinkItem:
    """The journal user's link, or 409 ``link-required`` (chats are shown only to linked users)."""
    link = find_link(person_id)
    if link is None:
        raise LinkRequired("Link your journal account to an educational profile to see chats.")
    return link
