"""Each school's last applied roster, kept in memory while it stays the school's current one.

Reading a roster means fetching and parsing the school's whole roster document
(``store.rosters``: one S3 GET, gunzip, JSON, records), which a page of members
(``ChatService.members_about``) or a teacher's «Новый чат» would otherwise pay on
every request. :class:`CachedRosters` wraps the :class:`~chalicelib.chats.service.Rosters`
port and keys what it read by the fingerprint the school's sync state records for the
roster it applied last (``pipeline.schools.SchoolSyncState.roster_fingerprint``, one
small DynamoDB read): while that fingerprint is unchanged the roster, and the index of
who is who (:func:`~chalicelib.chats.people.school_people`), come from memory; a new
roster applied gets a new fingerprint, so the next read fetches it. A school without
a recorded fingerprint is always read through. At most ``max_schools`` rosters are
kept (least recently used go first), so memory stays bounded.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from chalicelib.chats.people import SchoolPeople, school_people
from chalicelib.roster.model import SchoolRoster

MAX_SCHOOLS = 8
"""How many schools' rosters one process keeps (a large school's parsed roster is tens of MB)."""


class RosterSource(Protocol):
    """What :class:`CachedRosters` wraps (the ``chats.service.Rosters`` port)."""

    def load_roster(self, school_id: str) -> SchoolRoster | None:
        """The school's roster as last applied, or None before its first import."""
        ...


@dataclass
class _Kept:
    fingerprint: str
    roster: SchoolRoster
    people: SchoolPeople | None = None


class CachedRosters:
    """The ``Rosters`` port, remembering each school's roster while its fingerprint stays the same."""

    def __init__(
        self,
        inner: RosterSource,
        fingerprint_of: Callable[[str], str | None],
        *,
        max_schools: int = MAX_SCHOOLS,
    ) -> None:
        self.inner = inner
        self.fingerprint_of = fingerprint_of
        self.max_schools = max(1, max_schools)
        self._kept: OrderedDict[str, _Kept] = OrderedDict()
        self._lock = threading.Lock()

    def _read(self, school_id: str) -> tuple[SchoolRoster | None, _Kept | None]:
        """The school's roster, and what is kept of it under its current fingerprint (None: read through)."""
        fingerprint = self.fingerprint_of(school_id)
        with self._lock:
            kept = self._kept.get(school_id)
            if kept is not None and kept.fingerprint == fingerprint:
                self._kept.move_to_end(school_id)
                return kept.roster, kept
            self._kept.pop(school_id, None)  # changed (or nothing recorded): never serve it again
        roster = self.inner.load_roster(school_id)
        if roster is None or fingerprint is None:
            return roster, None
        fresh = _Kept(fingerprint, roster)
        with self._lock:
            self._kept[school_id] = fresh
            while len(self._kept) > self.max_schools:
                self._kept.popitem(last=False)
        return roster, fresh

    def load_roster(self, school_id: str) -> SchoolRoster | None:
        """The school's roster as last applied (from memory while unchanged), or None before its first."""
        return self._read(school_id)[0]

    def school_people(self, school_id: str) -> SchoolPeople | None:
        """Who is who at the school, indexed from its current roster (kept with it), or None."""
        roster, kept = self._read(school_id)
        if kept is None:
            return school_people(roster) if roster is not None else None
        if kept.people is None:
            kept.people = school_people(kept.roster)
        return kept.people

    def kept_schools(self) -> list[str]:
        """The schools whose rosters are in memory, least recently used first (for tests and figures)."""
        with self._lock:
            return list(self._kept)


def people_of(rosters: RosterSource, school_id: str) -> SchoolPeople | None:
    """Who is who at the school: from a :class:`CachedRosters`' memory, else read and indexed now."""
    if isinstance(rosters, CachedRosters):
        return rosters.school_people(school_id)
    roster = rosters.load_roster(school_id)
    return school_people(roster) if roster is not None else None
