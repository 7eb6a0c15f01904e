"""The identity provider port, and the built-in provider (SPEC §2: messenger accounts and profiles).

The linking flow needs four things from whoever keeps messenger accounts:
check a phone + password, create an account for a proven phone, read an
account with its educational profile, and create that profile. The built-in
provider keeps accounts in DynamoDB (keyed by phone, Argon2id password
hashes). An external OAuth 2.1 / OpenID Connect provider (VK ID, MAX) would
implement the same port: its ``sub`` becomes the ``account_id``, its userinfo
the profile; the link itself stays in this service (``identity.links``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from chalicelib.identity.passwords import hash_password, needs_rehash, verify_password
from chalicelib.identity.profiles import Gender, Profile, ProfileInput
from chalicelib.store.conditions import is_condition_failure
from chalicelib.store.identity import AccountItem, ProfileMap


class AccountExists(Exception):
    """The phone number already has an account."""


class ProfileAlreadyExists(Exception):
    """The account already has its (one) educational profile."""


@dataclass(frozen=True)
class Account:
    """A messenger account as the linking flow sees it."""

    account_id: str
    phone: str
    profile: Profile | None


class IdentityProvider(Protocol):
    """Who keeps messenger accounts and their educational profiles."""

    def check_password(self, phone: str, password: str) -> Account | None:
        """The account when the password is its own; None for a wrong password or no account alike.

        Must take the same time either way (no account: verify against a dummy hash).
        """
        ...

    def create_account(self, phone: str, password_hash: str, now: datetime) -> Account:
        """A new account for a phone its owner proved; :class:`AccountExists` when it has one."""
        ...

    def set_password(self, phone: str, password_hash: str) -> Account | None:
        """Replace the password of the phone's account (its owner proved the phone); None when it has none."""
        ...

    def account(self, account_id: str) -> Account | None:
        """An account by id, with its profile."""
        ...

    def create_profile(self, account_id: str, profile: ProfileInput, now: datetime) -> Profile:
        """The account's educational profile; :class:`ProfileAlreadyExists` when it has one."""
        ...


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


def _account_from(item: AccountItem) -> Account:
    return Account(account_id=item.account_id, phone=item.phone, profile=_profile_from(item.profile))


class BuiltinIdentityProvider:
    """Messenger accounts in this service's own table."""

    def _by_phone(self, phone: str) -> AccountItem | None:
        try:
            return AccountItem.get(phone, consistent_read=True)
        except DoesNotExist:
            return None

    def check_password(self, phone: str, password: str) -> Account | None:
        """The account when the password is its own; None for a wrong password or no account alike."""
        item = self._by_phone(phone)
        # Verified even when there is no account (against a dummy hash): the answer takes as long.
        matched = verify_password(password, item.password_hash if item else None)
        if item is None or not matched:
            return None
        if needs_rehash(item.password_hash):
            item.update(actions=[AccountItem.password_hash.set(hash_password(password))])
        return _account_from(item)

    def create_account(self, phone: str, password_hash: str, now: datetime) -> Account:
        """A new account for a proven phone; :class:`AccountExists` when the phone has one."""
        item = AccountItem(
            phone=phone, account_id=uuid.uuid4().hex, password_hash=password_hash, created_at=now
        )
        try:
            item.save(condition=AccountItem.phone.does_not_exist())
        except PutError as exc:
            if is_condition_failure(exc):
                raise AccountExists from exc
            raise
        return _account_from(item)

    def set_password(self, phone: str, password_hash: str) -> Account | None:
        """Replace the password of the phone's account (a proven phone reset it); None when there is none."""
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

    def account(self, account_id: str) -> Account | None:
        """An account by id (via the ``by-account`` index), with its profile."""
        for item in AccountItem.by_account.query(account_id, limit=1):
            return _account_from(item)
        return None

    def create_profile(self, account_id: str, profile: ProfileInput, now: datetime) -> Profile:
        """The account's one educational profile (written only if it has none yet)."""
        account = self.account(account_id)
        if account is None:
            raise LookupError("no such account")
        stored = ProfileMap(
            profile_id=uuid.uuid4().hex,
            first_name=profile.first_name,
            last_name=profile.last_name,
            patronymic=profile.patronymic,
            birth_date=profile.birth_date.isoformat(),
            gender=profile.gender.value,
            created_at=now,
        )
        try:
            AccountItem(account.phone).update(
                actions=[AccountItem.profile.set(stored)],
                condition=AccountItem.phone.exists() & AccountItem.profile.does_not_exist(),
            )
        except UpdateError as exc:
            if is_condition_failure(exc):
                raise ProfileAlreadyExists from exc
            raise
        created = _profile_from(stored)
        assert created is not None
        return created
