"""DynamoDB adapter of the link sessions port (``identity.stores.LinkSessionStore``).

Every write is conditional: a whole-session put on the ``version`` that was
read, and the code's entries and its use as conditional updates, so two
concurrent requests on one session cannot both use a code or both count as
one wrong attempt.
"""

from __future__ import annotations

import dataclasses

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from chalicelib.identity.link_flow import LinkSession, Purpose, Step
from chalicelib.store.conditions import is_condition_failure
from chalicelib.store.identity import LinkSessionItem


def _to_item(session: LinkSession) -> LinkSessionItem:
    item = LinkSessionItem(
        session_id=session.session_id,
        person_id=session.person_id,
        phone=session.phone,
        step=session.step.value,
        purpose=session.purpose.value,
        phone_verified=session.phone_verified,
        account_id=session.account_id,
        new_password_hash=session.new_password_hash,
        code_salt=session.code_salt,
        code_digest=session.code_digest,
        code_sent_at=session.code_sent_at,
        wrong_codes=session.wrong_codes,
        created_at=session.created_at,
        expires_at=session.expires_at,
        forget_at=session.expires_at + (session.expires_at - session.created_at),
    )
    if session.version is not None:  # a new session has none: its first save requires that
        item.version = session.version
    return item


def _from_item(item: LinkSessionItem) -> LinkSession:
    return LinkSession(
        session_id=item.session_id,
        person_id=item.person_id,
        phone=item.phone,
        step=Step(item.step),
        purpose=Purpose(item.purpose),
        created_at=item.created_at,
        expires_at=item.expires_at,
        phone_verified=bool(item.phone_verified),
        account_id=item.account_id,
        new_password_hash=item.new_password_hash,
        code_salt=item.code_salt,
        code_digest=item.code_digest,
        code_sent_at=item.code_sent_at,
        wrong_codes=int(item.wrong_codes or 0),
        version=item.version,
    )


class DynamoLinkSessionStore:
    """Link sessions in the ``link-sessions`` table (TTL ``forget_at``: twice the session's life)."""

    def get(self, session_id: str) -> LinkSession | None:
        """One strongly consistent ``GetItem``."""
        try:
            return _from_item(LinkSessionItem.get(session_id, consistent_read=True))
        except DoesNotExist:
            return None

    def save(self, session: LinkSession) -> LinkSession | None:
        """One ``PutItem`` conditional on the version read (on the id being free for a new session)."""
        item = _to_item(session)
        try:
            item.save()
        except PutError as exc:
            if is_condition_failure(exc):
                return None
            raise
        return dataclasses.replace(session, version=item.version)

    def reserve_code_entry(self, session: LinkSession, max_entries: int) -> LinkSession | None:
        """One conditional ``ADD wrong_codes 1``: at ``code``, the same code, entries left."""
        item = _to_item(session)
        condition = (
            (LinkSessionItem.step == Step.CODE.value)
            & (LinkSessionItem.code_digest == (session.code_digest or ""))
            & (LinkSessionItem.wrong_codes < max_entries)
        )
        try:
            item.update(
                actions=[LinkSessionItem.wrong_codes.add(1)], condition=condition, add_version_condition=False
            )
        except UpdateError as exc:
            if is_condition_failure(exc):
                return None
            raise
        return _from_item(item)

    def claim_code(self, session: LinkSession) -> int | None:
        """One ``UpdateItem`` removing the code, conditional on it being the same code."""
        item = _to_item(session)
        try:
            item.update(
                actions=[
                    LinkSessionItem.code_digest.remove(),
                    LinkSessionItem.code_salt.remove(),
                    LinkSessionItem.wrong_codes.set(0),
                ],
                condition=LinkSessionItem.code_digest == (session.code_digest or ""),
                add_version_condition=False,
            )
        except UpdateError as exc:
            if is_condition_failure(exc):
                return None
            raise
        return item.version
