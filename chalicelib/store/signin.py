"""DynamoDB adapter of the sign-in store (``identity.stores.SignInStore``): the ``qr-links`` and
``web-sessions`` tables (``store/web.py``), both keyed by the SHA-256 of their secret, both with a TTL.

Redeeming a link is one conditional update that sets ``redeemed_at`` only while
it is unset and the link has not expired, so of two phones scanning the same
code exactly one wins.
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from chalicelib.identity.stores import QrGrant, WebSessionRecord
from chalicelib.store.conditions import is_condition_failure
from chalicelib.store.web import QrLinkItem, WebSessionItem


def _grant_of(item: QrLinkItem) -> QrGrant:
    return QrGrant(
        token_hash=item.token_hash,
        person_id=item.person_id,
        profile_id=item.profile_id,
        created_at=item.created_at,
        expires_at=item.expires_at,
        redeemed_at=item.redeemed_at,
    )


def _record_of(item: WebSessionItem) -> WebSessionRecord:
    return WebSessionRecord(
        session_hash=item.session_hash,
        person_id=item.person_id,
        profile_id=item.profile_id,
        csrf_token=item.csrf_token,
        created_at=item.created_at,
        expires_at=item.expires_at,
        last_seen_at=item.last_seen_at,
    )


class DynamoSignInStore:
    """QR sign-in links and hosted-page sessions in DynamoDB."""

    def add_qr_link(self, grant: QrGrant, forget_at: datetime) -> bool:
        """One ``PutItem`` conditional on the hash being free."""
        item = QrLinkItem(
            token_hash=grant.token_hash,
            person_id=grant.person_id,
            profile_id=grant.profile_id,
            created_at=grant.created_at,
            expires_at=grant.expires_at,
            redeemed_at=grant.redeemed_at,
            forget_at=forget_at,
        )
        try:
            item.save(condition=QrLinkItem.token_hash.does_not_exist())
        except PutError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def qr_link(self, token_hash: str) -> QrGrant | None:
        """One strongly consistent ``GetItem``."""
        try:
            return _grant_of(QrLinkItem.get(token_hash, consistent_read=True))
        except DoesNotExist:
            return None

    def redeem_qr_link(self, token_hash: str, now: datetime) -> QrGrant | None:
        """One ``UpdateItem`` setting ``redeemed_at``, conditional on it being unset and the link live."""
        item = QrLinkItem(token_hash=token_hash)
        try:
            item.update(
                actions=[QrLinkItem.redeemed_at.set(now)],
                condition=(
                    QrLinkItem.token_hash.exists()
                    & QrLinkItem.redeemed_at.does_not_exist()
                    & (QrLinkItem.expires_at > now)
                ),
            )
        except UpdateError as exc:
            if is_condition_failure(exc):
                return None
            raise
        return _grant_of(item)

    def add_web_session(self, session: WebSessionRecord, forget_at: datetime) -> bool:
        """One ``PutItem`` conditional on the hash being free."""
        item = WebSessionItem(
            session_hash=session.session_hash,
            person_id=session.person_id,
            profile_id=session.profile_id,
            csrf_token=session.csrf_token,
            created_at=session.created_at,
            expires_at=session.expires_at,
            last_seen_at=session.last_seen_at,
            forget_at=forget_at,
        )
        try:
            item.save(condition=WebSessionItem.session_hash.does_not_exist())
        except PutError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def web_session(self, session_hash: str) -> WebSessionRecord | None:
        """One strongly consistent ``GetItem``."""
        try:
            return _record_of(WebSessionItem.get(session_hash, consistent_read=True))
        except DoesNotExist:
            return None

    def touch_web_session(self, session_hash: str, now: datetime) -> bool:
        """One ``UpdateItem`` of ``last_seen_at``, conditional on the session existing."""
        try:
            WebSessionItem(session_hash).update(
                actions=[WebSessionItem.last_seen_at.set(now)],
                condition=WebSessionItem.session_hash.exists(),
            )
        except UpdateError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def delete_web_session(self, session_hash: str) -> None:
        """One unconditional ``DeleteItem``."""
        WebSessionItem(session_hash).delete()
