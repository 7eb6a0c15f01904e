"""DynamoDB adapter of the links port (``identity.stores.LinkStore``).

A link is two rows written and removed in one transaction: ``links`` (by
journal user: what every chat request checks) and ``profile-links`` (by
profile), so neither side can ever have two.
"""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError

from chalicelib.identity.stores import Link
from chalicelib.store.conditions import is_condition_failure, write_transaction
from chalicelib.store.identity import ProfileLinkItem
from chalicelib.store.tables import LinkItem


def _link_of(item: LinkItem) -> Link:
    return Link(
        person_id=item.person_id,
        account_id=item.account_id,
        profile_id=item.profile_id,
        linked_at=item.linked_at,
        consent=item.consent,
    )


class DynamoLinkStore:
    """Links in the ``links`` and ``profile-links`` tables."""

    def find(self, person_id: str) -> Link | None:
        """The journal user's link (one ``GetItem``), or None."""
        try:
            return _link_of(LinkItem.get(person_id))
        except DoesNotExist:
            return None

    def create(self, link: Link) -> bool:
        """Both rows in one transaction, each only if its side is free; False when either is taken."""
        item = LinkItem(
            person_id=link.person_id,
            account_id=link.account_id,
            profile_id=link.profile_id,
            linked_at=link.linked_at,
            consent=link.consent,
        )
        claim = ProfileLinkItem(
            profile_id=link.profile_id, person_id=link.person_id, linked_at=link.linked_at
        )
        try:
            with write_transaction() as transaction:
                transaction.save(item, condition=LinkItem.person_id.does_not_exist())
                transaction.save(claim, condition=ProfileLinkItem.profile_id.does_not_exist())
        except TransactWriteError:
            return False
        return True

    def remove(self, link: Link) -> bool:
        """Both rows in one transaction, while the link is still to that profile; False otherwise."""
        try:
            with write_transaction() as transaction:
                transaction.delete(LinkItem(link.person_id), condition=LinkItem.profile_id == link.profile_id)
                transaction.delete(
                    ProfileLinkItem(link.profile_id),
                    condition=(ProfileLinkItem.person_id == link.person_id)
                    | ProfileLinkItem.profile_id.does_not_exist(),
                )
        except TransactWriteError:
            return False
        return True

    def set_consent(self, person_id: str, profile_id: str, consent: str) -> bool:
        """One conditional ``UpdateItem`` on the journal user's row, only while it links that profile."""
        try:
            LinkItem(person_id).update(
                actions=[LinkItem.consent.set(consent)], condition=LinkItem.profile_id == profile_id
            )
        except UpdateError as error:
            if is_condition_failure(error):
                return False
            raise
        return True
