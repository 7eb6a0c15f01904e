"""The QR handoff's tables (SPEC §7): single-use sign-in links and the hosted page's sessions.

Both are keyed by a SHA-256 hash of their secret, never the secret itself:
someone who can read the table cannot sign in with what they find there.
Both carry a DynamoDB TTL attribute so the table forgets them; TTL deletion is
lazy (up to days late), so the code checks every expiry itself and the TTL is
only garbage collection.
"""

from __future__ import annotations

from pynamodb.attributes import TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.store.tables import _Region, _TableName


class QrLinksByPerson(GlobalSecondaryIndex["QrLinkItem"]):
    """A person's sign-in links (keys only): what erasure deletes, found without a Scan."""

    class Meta:
        index_name = "by-person"
        projection = KeysOnlyProjection()

    person_id = UnicodeAttribute(hash_key=True)


class QrLinkItem(Model):
    """A sign-in link shown as a QR code: valid until ``expires_at``, redeemed at most once.

    Redeeming is one conditional update that sets ``redeemed_at`` only while it
    is unset and the link has not expired, so of two phones scanning the same
    code exactly one wins.
    """

    class Meta:
        table_name = _TableName("qr-links")
        region = _Region()

    token_hash = UnicodeAttribute(hash_key=True)
    person_id = UnicodeAttribute()
    profile_id = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    expires_at = UTCDateTimeAttribute()
    redeemed_at = UTCDateTimeAttribute(null=True)
    forget_at = TTLAttribute(null=True)

    by_person = QrLinksByPerson()


class WebSessionsByPerson(GlobalSecondaryIndex["WebSessionItem"]):
    """A person's hosted-page sessions (keys only, so ``last_seen_at`` updates never write to it)."""

    class Meta:
        index_name = "by-person"
        projection = KeysOnlyProjection()

    person_id = UnicodeAttribute(hash_key=True)


class WebSessionItem(Model):
    """A phone's session on the hosted page, started by redeeming a QR link.

    Ends at ``expires_at`` (absolute) or after a while without requests
    (``last_seen_at``); ``csrf_token`` is the synchronizer token every form of
    the session must send back.
    """

    class Meta:
        table_name = _TableName("web-sessions")
        region = _Region()

    session_hash = UnicodeAttribute(hash_key=True)
    person_id = UnicodeAttribute()
    profile_id = UnicodeAttribute()
    csrf_token = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    expires_at = UTCDateTimeAttribute()
    last_seen_at = UTCDateTimeAttribute()
    forget_at = TTLAttribute(null=True)

    by_person = WebSessionsByPerson()
