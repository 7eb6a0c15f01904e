"""The identity provider port, and the built-in provider (SPEC §2: messenger accounts and profiles).

The linking flow needs four things from whoever keeps messenger accounts:
check a phone + password, create an account for a proven phone, read an
account with its educational profile, and create that profile. The built-in
provider keeps accounts in an account store (``identity.stores.AccountStore``:
DynamoDB keyed by phone in ``store/accounts.py``, or the in-memory twin), with
Argon2id password hashes. An external OAuth 2.1 / OpenID Connect provider (VK ID, MAX) would
implement the same port: its ``sub`` becomes the ``account_id``, its userinfo
the profile; the link itself stays in this service (``identity.links``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib.identity.passwords import hash_password, needs_rehash, verify_password
from chalicelib.identity.profiles import Profile, ProfileInput
from chalicelib.identity.stores import AccountStore, StoredAccount


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


def _account_from(stored: StoredAccount) -> Account:
    return Account(account_id=stored.account_id, phone=stored.phone, profile=stored.profile)


class BuiltinIdentityProvider:
    """Messenger accounts in this service's own store (``identity.stores.AccountStore``)."""

    def __init__(self, accounts: AccountStore) -> None:
        self.accounts = accounts

    def check_password(self, phone: str, password: str) -> Account | None:
        """The account when the password is its own; None for a wrong password or no account alike."""
        stored = self.accounts.by_phone(phone)
        # Verified even when there is no account (against a dummy hash): the answer takes as long.
        matched = verify_password(password, stored.password_hash if stored else None)
        if stored is None or not matched:
            return None
        if needs_rehash(stored.password_hash):
            self.accounts.set_password(phone, hash_password(password))
        return _account_from(stored)

    def create_account(self, phone: str, password_hash: str, now: datetime) -> Account:
        """A new account for a proven phone; :class:`AccountExists` when the phone has one."""
        stored = StoredAccount(
            account_id=uuid.uuid4().hex, phone=phone, password_hash=password_hash, created_at=now
        )
        if not self.accounts.add(stored):
            raise AccountExists
        return _account_from(stored)

    def set_password(self, phone: str, password_hash: str) -> Account | None:
        """Replace the password of the phone's account (a proven phone reset it); None when there is none."""
        stored = self.accounts.set_password(phone, password_hash)
        return _account_from(stored) if stored is not None else None

    def account(self, account_id: str) -> Account | None:
        """An account by id, with its profile."""
        stored = self.accounts.by_id(account_id)
        return _account_from(stored) if stored is not None else None

    def create_profile(self, account_id: str, profile: ProfileInput, now: datetime) -> Profile:
        """The account's one educational profile (written only if it has none yet)."""
        account = self.account(account_id)
        if account is None:
            raise LookupError("no such account")
        created = Profile(
            profile_id=uuid.uuid4().hex,
            first_name=profile.first_name,
            last_name=profile.last_name,
            patronymic=profile.patronymic,
            birth_date=profile.birth_date,
            gender=profile.gender,
        )
        if not self.accounts.set_profile(account.phone, created, now):
            raise ProfileAlreadyExists
        return created
