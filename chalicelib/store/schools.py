"""Schools' sync state in DynamoDB (``pipeline.schools.SchoolStates``): the lease that lets one sync at
a time touch a school, and what it applied."""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.update import Action

from chalicelib.pipeline.schools import SchoolBusy, SchoolSyncState, lease_seconds
from chalicelib.store.conditions import is_condition_failure
from chalicelib.store.tables import SchoolItem


class SchoolStore:
    """Reads and writes school rows."""

    def acquire(self, school_id: str, school_name: str, owner: str, now: datetime) -> SchoolSyncState:
        """Take the school's lease for ``owner`` (an import id), or raise :class:`SchoolBusy`.

        Two imports of one school running at once would each diff against a state
        the other is changing; the lease makes them take turns. A lease left by a
        crashed worker expires after :func:`lease_seconds`; a live one is renewed
        (:meth:`renew`) while its sync runs.
        """
        moment = int(now.timestamp())
        try:
            SchoolItem(school_id).update(
                actions=[
                    SchoolItem.lease_owner.set(owner),
                    SchoolItem.lease_until.set(moment + lease_seconds()),
                    SchoolItem.name.set(school_name),
                ],
                condition=(
                    SchoolItem.lease_until.does_not_exist()
                    | (SchoolItem.lease_until < moment)
                    | (SchoolItem.lease_owner == owner)
                ),
            )
        except UpdateError as error:
            if is_condition_failure(error):
                raise SchoolBusy(school_id) from error
            raise
        return self.state(school_id)

    def renew(self, school_id: str, owner: str, now: datetime) -> bool:
        """Extend ``owner``'s lease to :func:`lease_seconds` from ``now``; False if ``owner`` lost it."""
        try:
            SchoolItem(school_id).update(
                actions=[SchoolItem.lease_until.set(int(now.timestamp()) + lease_seconds())],
                condition=(SchoolItem.lease_owner == owner) & (SchoolItem.lease_until > 0),
            )
        except UpdateError as error:
            if is_condition_failure(error):
                return False
            raise
        return True

    def release(self, school_id: str, owner: str) -> None:
        """Give the lease back (only if ``owner`` still holds it)."""
        try:
            SchoolItem(school_id).update(
                actions=[SchoolItem.lease_until.set(0)],
                condition=SchoolItem.lease_owner == owner,
            )
        except UpdateError as error:
            if not is_condition_failure(error):
                raise

    def state(self, school_id: str) -> SchoolSyncState:
        """The school's sync state (empty for a school never synced)."""
        try:
            item = SchoolItem.get(school_id, consistent_read=True)
        except DoesNotExist:
            return SchoolSyncState(school_id, None, None, None)
        return SchoolSyncState(
            school_id=school_id,
            roster_fingerprint=item.roster_fingerprint,
            last_import_id=item.last_import_id,
            last_uploaded_at=item.last_uploaded_at,
        )

    def record_applied(
        self,
        school_id: str,
        *,
        fingerprint: str,
        roster_key: str,
        import_id: str,
        uploaded_at: str | None,
        now: datetime,
    ) -> None:
        """Remember the roster a sync applied (an equal roster next time is skipped)."""
        actions: list[Action] = [
            SchoolItem.roster_fingerprint.set(fingerprint),
            SchoolItem.roster_key.set(roster_key),
            SchoolItem.last_import_id.set(import_id),
            SchoolItem.synced_at.set(now),
        ]
        if uploaded_at is not None:
            actions.append(SchoolItem.last_uploaded_at.set(uploaded_at))
        SchoolItem(school_id).update(actions=actions)

    def mark_unchanged(
        self, school_id: str, *, fingerprint: str, import_id: str, uploaded_at: str | None, now: datetime
    ) -> bool:
        """Record an upload whose roster equals the one applied last; False when that is not so.

        One conditional write decides it: the fingerprint must match, no other
        import may hold the lease (it could be changing the school right now),
        and no newer upload may have been applied. When it succeeds, an older
        upload arriving later is refused as superseded, as if this one had been
        applied in full.
        """
        moment = int(now.timestamp())
        condition = (SchoolItem.roster_fingerprint == fingerprint) & (
            SchoolItem.lease_until.does_not_exist() | (SchoolItem.lease_until < moment)
        )
        actions: list[Action] = [SchoolItem.last_import_id.set(import_id), SchoolItem.synced_at.set(now)]
        if uploaded_at is not None:
            condition &= SchoolItem.last_uploaded_at.does_not_exist() | (
                SchoolItem.last_uploaded_at <= uploaded_at
            )
            actions.append(SchoolItem.last_uploaded_at.set(uploaded_at))
        try:
            SchoolItem(school_id).update(actions=actions, condition=condition)
        except UpdateError as error:
            if is_condition_failure(error):
                return False
            raise
        return True
