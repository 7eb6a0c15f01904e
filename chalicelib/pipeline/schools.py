"""The school sync state port: each school's lease (one sync at a time) and what it last applied.

The DynamoDB adapter is ``store/schools.py`` (``SchoolStore``), the in-memory
twin ``memory/schools.py``; ``tests/contract/test_school_store_contract.py``
holds both to the same answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib.config import settings

# A running sync renews its lease every HEARTBEAT_SECONDS (pipeline.lease), so the lease can be
# short: a crashed worker's school is free again within a minute. These are the deployed
# defaults; SCHOOL_LEASE_S (lease_seconds) sets the lease, the heartbeat is a quarter of it.
LEASE_SECONDS = 60
HEARTBEAT_SECONDS = 15


def lease_seconds() -> int:
    """How long a school's lease lasts unless renewed (``SCHOOL_LEASE_S``, default :data:`LEASE_SECONDS`)."""
    return settings().school_lease_s


def heartbeat_seconds() -> float:
    """How often a running sync renews its lease and its message's hiding: a quarter of the lease."""
    return lease_seconds() / 4


class SchoolBusy(Exception):
    """Another import holds the school's lease; try again shortly."""


@dataclass(frozen=True)
class SchoolSyncState:
    """What the last applied sync left for a school."""

    school_id: str
    roster_fingerprint: str | None
    last_import_id: str | None
    last_uploaded_at: str | None


class SchoolStates(Protocol):
    """Schools' leases and applied rosters (see ``store.schools.SchoolStore`` for each rule)."""

    def acquire(self, school_id: str, school_name: str, owner: str, now: datetime) -> SchoolSyncState:
        """Take the school's lease for ``owner`` (free, expired or its own), or raise :class:`SchoolBusy`."""
        ...

    def renew(self, school_id: str, owner: str, now: datetime) -> bool:
        """Extend ``owner``'s lease to :func:`lease_seconds` from ``now``; False if ``owner`` lost it."""
        ...

    def release(self, school_id: str, owner: str) -> None:
        """Give the lease back (only if ``owner`` still holds it)."""
        ...

    def state(self, school_id: str) -> SchoolSyncState:
        """The school's sync state (empty for a school never synced)."""
        ...

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
        ...

    def mark_unchanged(
        self, school_id: str, *, fingerprint: str, import_id: str, uploaded_at: str | None, now: datetime
    ) -> bool:
        """Record an upload equal to the roster applied last, unless the fingerprint differs, another
        import holds the lease or a newer upload was applied (then False)."""
        ...
