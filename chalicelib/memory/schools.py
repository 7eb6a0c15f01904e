"""The in-memory twin of the school sync state (``pipeline.schools.SchoolStates``): the same leases and
the same conditions as ``store/schools.py``, in a dict (held to it by
``tests/contract/test_school_store_contract.py``)."""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass
from datetime import datetime

from chalicelib.pipeline.schools import SchoolBusy, SchoolSyncState, lease_seconds


@dataclass(frozen=True)
class _SchoolRow:
    name: str | None = None
    lease_owner: str | None = None
    lease_until: int | None = None
    roster_fingerprint: str | None = None
    roster_key: str | None = None
    last_import_id: str | None = None
    last_uploaded_at: str | None = None
    synced_at: datetime | None = None


class InMemorySchoolStore:
    """Schools' leases and applied rosters in a dict, one lock around every change."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: dict[str, _SchoolRow] = {}

    def acquire(self, school_id: str, school_name: str, owner: str, now: datetime) -> SchoolSyncState:
        """Take the lease when it is free, expired or ``owner``'s own; else :class:`SchoolBusy`."""
        moment = int(now.timestamp())
        with self._lock:
            row = self._rows.get(school_id, _SchoolRow())
            if row.lease_until is not None and row.lease_until >= moment and row.lease_owner != owner:
                raise SchoolBusy(school_id)
            self._rows[school_id] = dataclasses.replace(
                row, lease_owner=owner, lease_until=moment + lease_seconds(), name=school_name
            )
        return self.state(school_id)

    def renew(self, school_id: str, owner: str, now: datetime) -> bool:
        """While ``owner`` holds a lease that was not given back."""
        with self._lock:
            row = self._rows.get(school_id)
            if row is None or row.lease_owner != owner or not (row.lease_until or 0) > 0:
                return False
            until = int(now.timestamp()) + lease_seconds()
            self._rows[school_id] = dataclasses.replace(row, lease_until=until)
            return True

    def release(self, school_id: str, owner: str) -> None:
        """Only ``owner``'s lease."""
        with self._lock:
            row = self._rows.get(school_id)
            if row is not None and row.lease_owner == owner:
                self._rows[school_id] = dataclasses.replace(row, lease_until=0)

    def state(self, school_id: str) -> SchoolSyncState:
        """What the last applied sync left (empty for a school never synced)."""
        with self._lock:
            row = self._rows.get(school_id)
        if row is None:
            return SchoolSyncState(school_id, None, None, None)
        return SchoolSyncState(school_id, row.roster_fingerprint, row.last_import_id, row.last_uploaded_at)

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
        """Unconditionally (the caller holds the lease)."""
        with self._lock:
            row = self._rows.get(school_id, _SchoolRow())
            self._rows[school_id] = dataclasses.replace(
                row,
                roster_fingerprint=fingerprint,
                roster_key=roster_key,
                last_import_id=import_id,
                synced_at=now,
                last_uploaded_at=uploaded_at if uploaded_at is not None else row.last_uploaded_at,
            )

    def mark_unchanged(
        self, school_id: str, *, fingerprint: str, import_id: str, uploaded_at: str | None, now: datetime
    ) -> bool:
        """Same fingerprint, no live lease, no newer upload applied."""
        moment = int(now.timestamp())
        with self._lock:
            row = self._rows.get(school_id)
            if row is None or row.roster_fingerprint != fingerprint:
                return False
            if row.lease_until is not None and not row.lease_until < moment:
                return False
            if (
                uploaded_at is not None
                and row.last_uploaded_at is not None
                and row.last_uploaded_at > uploaded_at
            ):
                return False
            self._rows[school_id] = dataclasses.replace(
                row,
                last_import_id=import_id,
                synced_at=now,
                last_uploaded_at=uploaded_at if uploaded_at is not None else row.last_uploaded_at,
            )
            return True
