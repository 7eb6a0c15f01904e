"""The identity tables (SPEC §2, §3): messenger accounts, link sessions, throttling counters,
and which journal user each profile is linked to.

Link sessions and counters carry a DynamoDB TTL attribute so the table forgets
them; TTL deletion is lazy (up to days late), so the code always checks the
expiry time itself and treats the TTL only as garbage collection.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.store.tables import _Region, _TableName

# --- accounts ------------------------------------------------------------------------


class ProfileMap(MapAttribute[str, Any]):
    """An account's educational profile (at most one per account)."""

    profile_id = UnicodeAttribute()
    first_name = UnicodeAttribute()
    last_name = UnicodeAttribute()
    patronymic = UnicodeAttribute(null=True)
    birth_date = UnicodeAttribute()
    gender = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()


class AccountsById(GlobalSecondaryIndex["AccountItem"]):
    """An account by its id (a link names the account by id)."""

    class Meta:
        index_name = "by-account"
        projection = AllProjection()

    account_id = UnicodeAttribute(hash_key=True)


class AccountItem(Model):
    """A messenger account of the built-in identity provider, keyed by its phone number (unique)."""

    class Meta:
        table_name = _TableName("identity-accounts")
        region = _Region()

    phone = UnicodeAttribute(hash_key=True)
    account_id = UnicodeAttribute()
    password_hash = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    profile = ProfileMap(null=True)

    by_account = AccountsById()


# --- link sessions -------------------------------------------------------------------


class LinkSessionsByPerson(GlobalSecondaryIndex["LinkSessionItem"]):
    """A journal user's link sessions (keys only): what erasure deletes, found without a Scan."""

    class Meta:
        index_name = "by-person"
        projection = KeysOnlyProjection()

    person_id = UnicodeAttribute(hash_key=True)


class LinkSessionItem(Model):
    """One journal user's run through the linking flow (see ``identity.link_flow``).

    Holds the phone number (to send the SMS and to find or create the account),
    never a code: only its salted hash. ``version`` makes every write
    conditional, so two concurrent requests on one session cannot both use a
    code or both count as one wrong attempt.
    """

    class Meta:
        table_name = _TableName("link-sessions")
        region = _Region()

    session_id = UnicodeAttribute(hash_key=True)
    person_id = UnicodeAttribute()
    phone = UnicodeAttribute()
    step = UnicodeAttribute()
    purpose = UnicodeAttribute()
    phone_verified = BooleanAttribute(default=False)
    account_id = UnicodeAttribute(null=True)
    new_password_hash = UnicodeAttribute(null=True)
    code_salt = UnicodeAttribute(null=True)
    code_digest = UnicodeAttribute(null=True)
    code_sent_at = UTCDateTimeAttribute(null=True)
    wrong_codes = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()
    expires_at = UTCDateTimeAttribute()
    version = VersionAttribute()
    forget_at = TTLAttribute(null=True)

    by_person = LinkSessionsByPerson()


# --- counters ------------------------------------------------------------------------


class CounterItem(Model):
    """A throttling record, keyed by what it throttles (``identity.throttle`` makes the keys).

    Either a log of recent events (``times``, epoch seconds: SMS sent to a
    phone or for a journal user, wrong passwords of a journal user), or a run
    of consecutive password failures for a phone (``failures``, ``last_at``).
    """

    class Meta:
        table_name = _TableName("identity-counters")
        region = _Region()

    key = UnicodeAttribute(hash_key=True)
    times = ListAttribute[float](of=NumberAttribute, default=list)  # type: ignore[arg-type]  # elements are numbers
    failures = NumberAttribute(default=0)
    last_at = UTCDateTimeAttribute(null=True)
    spent = NumberAttribute(null=True)  # a fixed-window budget (the global SMS budget)
    version = VersionAttribute()
    forget_at = TTLAttribute(null=True)


# --- profile links -------------------------------------------------------------------


class ProfileLinkItem(Model):
    """Which journal user a profile is linked to: written in one transaction with the ``links`` row,
    it keeps a profile linked to at most one journal user (SPEC §2: one journal user ↔ one profile)."""

    class Meta:
        table_name = _TableName("profile-links")
        region = _Region()

    profile_id = UnicodeAttribute(hash_key=True)
    person_id = UnicodeAttribute()
    linked_at = UTCDateTimeAttribute()
