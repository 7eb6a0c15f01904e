"""The school settings port (``schools.settings.SchoolSettingsStore``): the twin and DynamoDB alike.

Runs on both implementations of the chats ports (``conftest.ports``), each with its own settings
store: openings are written into the chats the directory reads.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from chalicelib.schools.settings import PostingHours, SchoolSettings, SchoolSettingsStore
from tests.contract.conftest import ChatPorts
from tests.contract.test_chats_contract import T0, custom_chat


@pytest.fixture
def store(ports: ChatPorts) -> SchoolSettingsStore:
    """The settings store of the same implementation as ``ports``."""
    from chalicelib.memory.chats import InMemoryChats

    if isinstance(ports.messenger, InMemoryChats):
        from chalicelib.memory.school_settings import InMemorySchoolSettings

        return InMemorySchoolSettings(ports.messenger)
    from chalicelib.store.school_settings import DynamoSchoolSettings

    return DynamoSchoolSettings()


def _changed(school_id: str, version: int) -> SchoolSettings:
    return SchoolSettings(
        school_id,
        teacher_first=True,
        teacher_first_since=T0,
        posting_hours=PostingHours(time(22, 30), time(6, 0)),
        time_zone="Asia/Yekaterinburg",
        version=version,
        updated_at=T0 + timedelta(minutes=version),
        updated_by="adm-1",
    )


def test_a_school_that_never_changed_its_settings_has_the_defaults(
    ports: ChatPorts, store: SchoolSettingsStore
) -> None:
    assert store.load("school-1") == SchoolSettings("school-1")
    assert store.load("school-1").time_zone == "Europe/Moscow"
    assert store.load_many(["school-1", "school-2"]) == {
        "school-1": SchoolSettings("school-1"),
        "school-2": SchoolSettings("school-2"),
    }
    assert store.load_many([]) == {}


def test_saved_settings_come_back_whole(ports: ChatPorts, store: SchoolSettingsStore) -> None:
    assert store.save(_changed("school-1", 1), expected_version=0)
    assert store.load("school-1") == _changed("school-1", 1)
    assert store.load_many(["school-1", "school-2"]) == {
        "school-1": _changed("school-1", 1),
        "school-2": SchoolSettings("school-2"),
    }
    # Removing the quiet hours and switching teacher first off are stored too.
    cleared = SchoolSettings("school-1", version=2, updated_at=T0, updated_by="op")
    assert store.save(cleared, expected_version=1)
    assert store.load("school-1") == cleared


def test_a_save_over_a_version_someone_else_changed_is_refused(
    ports: ChatPorts, store: SchoolSettingsStore
) -> None:
    assert store.save(_changed("school-1", 1), expected_version=0)
    assert not store.save(_changed("school-1", 1), expected_version=0)  # the second "first" save
    assert not store.save(_changed("school-1", 3), expected_version=2)  # a version never stored
    assert store.load("school-1").version == 1
    assert store.save(_changed("school-1", 2), expected_version=1)
    assert store.load("school-1").version == 2


def test_opening_a_chat_is_kept_once_and_read_with_the_chat(
    ports: ChatPorts, store: SchoolSettingsStore
) -> None:
    chat = custom_chat(ports)
    assert chat.opened_at is None
    assert chat.created_at == T0
    first = datetime(2026, 9, 2, 7, 30, tzinfo=UTC)
    assert store.mark_opened(chat.chat_id, first) == first
    assert store.mark_opened(chat.chat_id, first + timedelta(hours=1)) == first  # the first opening stays
    found = ports.directory.lookup("s-1", chat.chat_id).chat
    assert found is not None and found.opened_at == first
    listed = {c.chat_id: c for _, c in ports.directory.chats_of("s-1", 10, None).items}
    assert listed[chat.chat_id].opened_at == first
    assert store.mark_opened("ch_no_such_chat", first) is None
    assert ports.directory.lookup("s-1", "ch_no_such_chat").chat is None  # nothing made up
