"""The messenger port: how chats are provisioned, whichever messenger hosts them (SPEC §2).

The roster sync and the chats API create chats, archive them and change
their members only through a :class:`Messenger`. The built-in messenger
(``messenger.builtin``) keeps chats and messages in this service's DynamoDB
tables; an adapter for an external messenger (MAX, VK) would implement the
same methods by calling that messenger's API.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from chalicelib.planning.diff import ChangeSet
from chalicelib.planning.model import SchoolState


class Messenger(Protocol):
    """Provisions chats and memberships in a messenger."""

    def load_school_state(self, school_id: str) -> SchoolState:
        """The roster-managed chats of a school and their members, as the messenger has them."""
        ...

    def apply_roster_changes(self, state: SchoolState, changes: ChangeSet, now: datetime) -> int:
        """Make a school's chats match its plan; returns the number of requests it took.

        Must be idempotent: the roster pipeline retries after crashes.
        """
        ...
