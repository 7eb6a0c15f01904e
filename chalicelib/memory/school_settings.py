"""The in-memory twin of ``store.school_settings``: the same answers, for unit tests.

Openings are written into the chats twin (``memory.chats.InMemoryChats``) it is
given, as the DynamoDB adapter writes them into the ``chats`` table.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import datetime

from chalicelib.memory.chats import InMemoryChats
from chalicelib.schools.settings import SchoolSettings


class InMemorySchoolSettings:
    """:class:`~chalicelib.schools.settings.SchoolSettingsStore` in a dict, one lock around every change."""

    def __init__(self, chats: InMemoryChats) -> None:
        self._chats = chats
        self._settings: dict[str, SchoolSettings] = {}
        self._lock = threading.Lock()

    def load(self, school_id: str) -> SchoolSettings:
        """The school's settings, or the defaults."""
        with self._lock:
            return self._settings.get(school_id) or SchoolSettings(school_id)

    def load_many(self, school_ids: Iterable[str]) -> dict[str, SchoolSettings]:
        """Several schools' settings, by school id."""
        return {school_id: self.load(school_id) for school_id in set(school_ids)}

    def save(self, settings: SchoolSettings, expected_version: int) -> bool:
        """Keep ``settings`` if the stored version is still ``expected_version``."""
        with self._lock:
            stored = self._settings.get(settings.school_id)
            if (stored.version if stored else 0) != expected_version:
                return False
            self._settings[settings.school_id] = settings
            return True

    def mark_opened(self, chat_id: str, at: datetime) -> datetime | None:
        """Set the chat's ``opened_at`` once; the first opening's time, None for no such chat."""
        return self._chats.mark_opened(chat_id, at)
