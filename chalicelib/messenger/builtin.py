"""The built-in messenger: chats, members and messages live in this service's DynamoDB tables."""

from __future__ import annotations

from datetime import datetime

from chalicelib.planning.diff import ChangeSet
from chalicelib.planning.model import SchoolState
from chalicelib.store.chats import ChatStore


class BuiltinMessenger:
    """The first implementation of :class:`chalicelib.messenger.port.Messenger`."""

    def __init__(self, store: ChatStore | None = None) -> None:
        self.store = store or ChatStore()

    def load_school_state(self, school_id: str) -> SchoolState:
        """The school's roster chats and membership rows, from DynamoDB."""
        return self.store.load_school_state(school_id)

    def apply_roster_changes(self, state: SchoolState, changes: ChangeSet, now: datetime) -> int:
        """Write the change set to DynamoDB (batched, idempotent)."""
        return self.store.write_changes(state, changes, now).requests
