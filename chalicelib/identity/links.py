"""Links between journal users and educational profiles (SPEC §2, §3): one journal user ↔ one profile.

The use cases on the links port (``identity.stores.LinkStore``; DynamoDB
adapter ``store/links.py``, twin ``memory/identity.py``), which keeps a link by
journal user and by profile so neither side can ever have two.
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.errors import AlreadyLinked, LinkRequired, NotFound
from chalicelib.identity.stores import Link, LinkStore


def require_link(links: LinkStore, person_id: str) -> Link:
    """The journal user's link, or 409 ``link-required`` (chats are shown only to linked users)."""
    link = links.find(person_id)
    if link is None:
        raise LinkRequired("Link your journal account to an educational profile to see chats.")
    return link


def require_not_linked(links: LinkStore, person_id: str) -> None:
    """409 ``already-linked`` when the journal user has a link (unlink first to link another profile)."""
    if links.find(person_id) is not None:
        raise AlreadyLinked("Your journal account is already linked to an educational profile.")


def create_link(
    links: LinkStore,
    person_id: str,
    account_id: str,
    profile_id: str,
    now: datetime,
    consent: str | None = None,
) -> Link:
    """Link a journal user to a profile; 409 when either of them is linked already.

    ``consent`` is set (``pending``) when a young pupil's link waits for a guardian.
    """
    link = Link(
        person_id=person_id, account_id=account_id, profile_id=profile_id, linked_at=now, consent=consent
    )
    if not links.create(link):
        require_not_linked(links, person_id)
        raise AlreadyLinked("This educational profile is linked to another journal account.")
    return link


def remove_link(links: LinkStore, person_id: str) -> Link:
    """Unlink a journal user; 404 when there is no link."""
    link = links.find(person_id)
    if link is None or not links.remove(link):
        raise NotFound("Your journal account is not linked.")
    return link


def set_link_consent(links: LinkStore, person_id: str, profile_id: str, consent: str) -> bool:
    """Record a guardian's decision on a pupil's link (only the link to that profile); False if gone."""
    return links.set_consent(person_id, profile_id, consent)
