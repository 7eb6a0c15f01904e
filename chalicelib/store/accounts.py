"""DynamoDB adapter of the account store (``identity.stores.AccountStore``): the built-in identity
provider's messenger accounts, keyed by phone (unique), found by id through the ``by-account`` index."""

from __future__ import annotations

from datetime import date, datetime

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from chalicelib.identity.profiles import Gender, Profile
from chalicelib.identity.stores import StoredAccount
from chalicelib.store.conditions import is_condition_failure
from chalicelib.store.identity import AccountItem, ProfileMap


def _profile_from(item: ProfileMap | None) -> Profile | None:
    if item is None:
        return None
    return Profile(
        profile_id=item.profile_id,
        first_name=item.first_name,
        last_name=item.last_name,
        patronymic=item.patronymic,
        birth_date=date.fromisoformat(item.birth_date),
        gender=Gender(item.gender),
    )


def _account_from(item: AccountItem) -> StoredAccount:
    return StoredAccount(
        account_id=item.account_id,
        phone=item.phone,
        password_hash=item.password_hash,
        created_at=item.created_at,
        profile=_profile_from(item.profile),
    )


class DynamoAccountStore:
    """Accounts in the ``identity-accounts`` table."""

    def by_phone(self, phone: str) -> StoredAccount | None:
        """One strongly consistent ``GetItem``."""
        try:
            return _account_from(AccountItem.get(phone, consistent_read=True))
        except DoesNotExist:
            return None

    def by_id(self, account_id: str) -> StoredAccount | None:
        """One ``Query`` of the ``by-account`` index."""
        for item in AccountItem.by_account.query(account_id, limit=1):
            return _account_from(item)
        return None

    def add(self, account: StoredAccount) -> bool:
        """One ``PutItem`` conditional on the phone having no account."""
        item = AccountItem(
            phone=account.phone,
            account_id=account.account_id,
            password_hash=account.password_hash,
            created_at=account.created_at,
        )
        try:
            item.save(condition=AccountItem.phone.does_not_exist())
        except PutError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def set_password(self, phone: str, password_hash: str) -> StoredAccount | None:
        """One ``UpdateItem`` conditional on the account existing."""
        item = AccountItem(phone)
        try:
            item.update(
                actions=[AccountItem.password_hash.set(password_hash)], condition=AccountItem.phone.exists()
            )
        except UpdateError as exc:
            if is_condition_failure(exc):
                return None
            raise
        return _account_from(item)

    def set_profile(self, phone: str, profile: Profile, now: datetime) -> bool:
        """One ``UpdateItem`` conditional on the account existing without a profile."""
        stored = ProfileMap(
            profile_id=profile.profile_id,
            first_name=profile.first_name,
            last_name=profile.last_name,
            patronymic=profile.patronymic,
            birth_date=profile.birth_date.isoformat(),
            gender=profile.gender.value,
            created_at=now,
        )
        try:
            AccountItem(phone).update(
                actions=[AccountItem.profile.set(stored)],
                condition=AccountItem.phone.exists() & AccountItem.profile.does_not_exist(),
            )
        except UpdateError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True
