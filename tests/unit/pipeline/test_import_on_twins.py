"""An import's two stages (``pipeline.upload``, ``pipeline.school_sync``) on the in-memory twins: a file
is read, split and queued; each school syncs; the import finishes once with its report published; the
same file again is settled without reading it; a missing file fails the import. The emulator's
versions are in ``tests/integration`` (test_roster_upload, test_school_sync, test_unchanged_file, …).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.bootstrap import Services
from chalicelib.chats.directory import Chat
from chalicelib.memory.imports import RecordingOutbox
from chalicelib.memory.roster_files import InMemoryRosterFiles
from chalicelib.pipeline.queue_payloads import SchoolSyncMessage, UploadedObject
from chalicelib.pipeline.school_sync import sync_school
from chalicelib.pipeline.upload import import_upload
from devstack.rostergen import flat_csv
from tests.twins import twin_services

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
BUCKET = "uploads"


@pytest.fixture
def services() -> Services:
    return twin_services(T0)


def _outbox(services: Services) -> RecordingOutbox:
    assert isinstance(services.import_outbox, RecordingOutbox)
    return services.import_outbox


def _upload(services: Services, key: str, body: bytes | None, etag: str) -> UploadedObject:
    files = services.roster_files
    assert isinstance(files, InMemoryRosterFiles)
    if body is not None:
        files.upload(BUCKET, key, body)
    return UploadedObject(BUCKET, key, None, etag, "2026-09-01T07:00:00.000Z")


def _chats(services: Services) -> list[Chat]:
    found: list[Chat] = []
    for school_id in ("sch0001", "sch0002"):
        found += services.chat_directory.school_chats(school_id, 1000, None).items
    return found


def _drain(services: Services) -> None:
    outbox = _outbox(services)
    while outbox.queued:
        import_id, school_id, force = outbox.queued.pop(0)
        sync_school(services, SchoolSyncMessage(import_id=import_id, school_id=school_id, force=force))


def test_a_file_is_split_synced_and_reported_once(services: Services) -> None:
    upload = _upload(services, "rosters/a.csv", flat_csv(2, 2, 3, 1, seed=1), "e1")
    import_upload(services, upload)
    outbox = _outbox(services)
    assert len(outbox.queued) == 2 and outbox.reports == {}
    import_upload(services, upload)  # a duplicate delivery queues the schools again …
    assert len(outbox.queued) == 4
    _drain(services)  # … and each is synced once
    report = outbox.reports[upload.import_id]
    assert report == services.imports.report(upload.import_id)
    assert report["status"] == "succeeded"
    assert [s["status"] for s in report["schools"]] == ["succeeded", "succeeded"]
    assert report["counts"]["chats_created"] > 0
    members = sum(len(services.chat_directory.members(c.chat_id, 1000, None).items) for c in _chats(services))
    assert report["counts"]["memberships_added"] == members > 0


def test_the_same_file_again_is_settled_without_a_sync(services: Services) -> None:
    body = flat_csv(2, 2, 3, 1, seed=1)
    first = _upload(services, "rosters/a.csv", body, "e1")
    import_upload(services, first)
    _drain(services)
    again = _upload(services, "rosters/a.csv", body, "e2")
    import_upload(services, again)
    outbox = _outbox(services)
    assert outbox.queued == []  # nothing to sync
    report = outbox.reports[again.import_id]
    assert report["status"] == "succeeded"
    assert [s["status"] for s in report["schools"]] == ["unchanged", "unchanged"]
    assert report["counts"]["memberships_added"] == 0


def test_a_file_deleted_before_it_is_read_fails_the_import(services: Services) -> None:
    upload = _upload(services, "rosters/gone.csv", None, "e1")
    import_upload(services, upload)
    report = _outbox(services).reports[upload.import_id]
    assert report["status"] == "failed"
    assert [e["code"] for e in report["errors"]] == ["file_missing"]
