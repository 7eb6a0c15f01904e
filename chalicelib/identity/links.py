"""Links between journal users and educational profiles (SPEC §2, §3): one journal user ↔ one profile.

A link is two rows written and removed in one transaction: ``links`` (by
journal user: what every chat request checks) and ``profile-links`` (by
profile), so neither side can ever have two.
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError

from chalicelib.errors import AlreadyLinked, LinkRequired, NotFound
from chalicelib.store.conditions import is_condition_failure, write_transaction
from chalicelib.store.identity import ProfileLinkItem
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


def require_not_linked(person_id: str) -> None:
    """409 ``already-linked`` when the journal user has a link (unlink first to link another profile)."""
    if find_link(person_id) is not None:
        raise AlreadyLinked("Your journal account is already linked to an educational profile.")


def create_link(
    person_id: str, account_id: str, profile_id: str, now: datetime, consent: str | None = None
) -> LinkItem:
    """Link a journal user to a profile; 409 when either of them is linked already.

    ``consent`` is set (``pending``) when a young pupil's link waits for a guardian.
    """
    link = LinkItem(
        person_id=person_id, account_id=account_id, profile_id=profile_id, linked_at=now, consent=consent
    )
    claim = ProfileLinkItem(profile_id=profile_id, person_id=person_id, linked_at=now)
    try:
        with write_transaction() as transaction:
            transaction.save(link, condition=LinkItem.person_id.does_not_exist())
            transaction.save(claim, condition=ProfileLinkItem.profile_id.does_not_exist())
    except TransactWriteError as exc:
        require_not_linked(person_id)
        raise AlreadyLinked("This educational profile is linked to another journal account.") from exc
    return link


def remove_link(person_id: str) -> LinkItem:
    """Unlink a journal user; 404 when there is no link."""
    link = find_link(person_id)
    if link is None:
        raise NotFound("Your journal account is not linked.")
    try:
        with write_transaction() as transaction:
            transaction.delete(link, condition=LinkItem.profile_id == link.profile_id)
            transaction.delete(
                ProfileLinkItem(link.profile_id),
                condition=(ProfileLinkItem.person_id == person_id)
                | ProfileLinkItem.profile_id.does_not_exist(),
            )
    except TransactWriteError as exc:
        raise NotFound("Your journal account is not linked.") from exc
    return link


def set_link_consent(person_id: str, profile_id: str, consent: str) -> bool:
    """Record a guardian's decision on a pupil's link (only the link to that profile); False if gone."""
    try:
        LinkItem(person_id).update(
            actions=[LinkItem.consent.set(consent)], condition=LinkItem.profile_id == profile_id
        )
    except UpdateError as error:
        if is_condition_failure(error):
            return False
        raise
    return True
