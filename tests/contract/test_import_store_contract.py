"""The import store port (``pipeline.imports.ImportStore``): the twin and ``store.imports`` alike.

An import's header (begun once, failed, reopened), its parts (added once,
finished once, reopened from one status), the final status set by exactly one
caller, the unchanged-file lookup and the report listings.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.pipeline.imports import AppliedFile, ImportHeader, ImportStore, ParsedFile
from chalicelib.pipeline.report import ImportStatus, PartOutcome, PartStatus, SchoolPart
from chalicelib.roster.issues import RosterIssue, Severity

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "dynamodb"])
def store(request: pytest.FixtureRequest) -> ImportStore:
    """The twin, then the DynamoDB adapter (fresh tables per test)."""
    if request.param == "memory":
        from chalicelib.memory.imports import InMemoryImportStore

        return InMemoryImportStore()
    request.getfixturevalue("aws")
    from chalicelib.store.imports import DynamoImportStore

    return DynamoImportStore()


def _begin(store: ImportStore, import_id: str = "imp-1", at: datetime = T0) -> ImportHeader:
    return store.begin(
        import_id,
        bucket="b",
        key=f"rosters/{import_id}.csv",
        version="v1",
        uploaded_at="2026-09-01T07:00:00Z",
        now=at,
    )


def _parsed(
    store: ImportStore, import_id: str, schools: int, *, content: str | None = None, warnings: int = 0
) -> None:
    store.record_parsed(
        import_id,
        ParsedFile(
            format="flat-csv",
            bulk=True,
            counts={"schools": schools, "people": 7},
            errors=[],
            warnings=[{"file": "x.csv", "line": 2, "column": None, "code": "w", "message": "м"}] * warnings,
            error_count=0,
            warning_count=warnings,
            schools_total=schools,
            content_key=content,
        ),
    )


def _add(
    store: ImportStore,
    import_id: str,
    school_id: str,
    *,
    fingerprint: str | None = "fp",
    started_at: str = "2026-09-01T08:00:00Z",
) -> None:
    store.add_part(
        import_id,
        school_id=school_id,
        school_name=f"Школа {school_id}",
        shard_key=f"imports/{import_id}/{school_id}",
        started_at=started_at,
        fingerprint=fingerprint,
    )


def _finish(
    store: ImportStore, import_id: str, school_id: str, status: PartStatus = PartStatus.SUCCEEDED
) -> bool:
    return store.finish_part(
        import_id,
        school_id,
        status=status,
        counts={"memberships_added": 3, "chats_created": 1},
        warnings=[],
        removal_share=0.25,
        now=T0,
    )


def _judge(parts: list[PartOutcome], has_issues: bool) -> ImportStatus:
    if any(p.status is PartStatus.HELD for p in parts):
        return ImportStatus.HELD
    return ImportStatus.SUCCEEDED_WITH_WARNINGS if has_issues else ImportStatus.SUCCEEDED


def test_an_import_is_begun_once_and_read_back_as_a_domain_object(store: ImportStore) -> None:
    first = _begin(store)
    again = _begin(store, at=T0 + timedelta(minutes=5))  # a second delivery: the first header stands
    assert first == again == store.header("imp-1") == store.find_header("imp-1")
    assert isinstance(first, ImportHeader) and first.status is ImportStatus.RUNNING
    assert (first.source_key, first.uploaded_at) == ("rosters/imp-1.csv", "2026-09-01T07:00:00Z")
    assert store.find_header("nothing") is None
    with pytest.raises(LookupError):
        store.header("nothing")
    assert store.report("nothing") is None
    source = store.source("imp-1")
    assert (source.source_key, source.uploaded_at) == ("rosters/imp-1.csv", "2026-09-01T07:00:00Z")


def test_a_failed_import_is_reopened_once(store: ImportStore) -> None:
    _begin(store)
    assert store.reopen_failed("imp-1") is False  # it is running
    issue = RosterIssue(Severity.ERROR, "x.csv", None, None, "processing_error", "сбой")
    store.fail("imp-1", issue, T0)
    failed = store.header("imp-1")
    assert failed.status is ImportStatus.FAILED and failed.error_count == 1
    assert [e["code"] for e in failed.errors] == ["processing_error"]
    assert store.reopen_failed("imp-1") is True
    assert store.reopen_failed("imp-1") is False
    reopened = store.header("imp-1")
    assert reopened.status is ImportStatus.RUNNING and reopened.finished_at is None


def test_a_part_is_added_once_and_finished_once(store: ImportStore) -> None:
    _begin(store)
    _parsed(store, "imp-1", 1)
    _add(store, "imp-1", "s1")
    store.add_part(
        "imp-1", school_id="s1", school_name="другое", shard_key=None, started_at="2026-09-02T00:00:00Z"
    )
    part = store.part("imp-1", "s1")
    assert part == SchoolPart(
        "imp-1", "s1", PartStatus.QUEUED, "Школа s1", False, "imports/imp-1/s1", "fp", None
    )
    assert store.part("imp-1", "s2") is None
    store.mark_running("imp-1", "s1")
    store.record_planned("imp-1", "s1", counts={"memberships_added": 3}, removal_share=0.5)
    planned = store.part("imp-1", "s1")
    assert planned is not None and planned.status is PartStatus.RUNNING
    assert planned.planned == ({"memberships_added": 3}, 0.5)
    assert _finish(store, "imp-1", "s1") is True
    assert _finish(store, "imp-1", "s1") is False  # a duplicate delivery counts once
    assert [p.status for p in store.parts("imp-1")] == [PartStatus.SUCCEEDED]
    report = store.report("imp-1")
    assert report is not None and report["counts"]["memberships_added"] == 3
    assert report["schools"][0]["removal_share"] == 0.25


def test_only_the_last_part_finalizes_and_only_one_caller_sets_the_status(store: ImportStore) -> None:
    _begin(store)
    _parsed(store, "imp-1", 2, warnings=1)
    _add(store, "imp-1", "s1")
    _add(store, "imp-1", "s2")
    _finish(store, "imp-1", "s1")
    assert store.finalize("imp-1", T0, _judge) is None  # s2 still open
    _finish(store, "imp-1", "s2", PartStatus.HELD)
    first = store.finalize("imp-1", T0 + timedelta(seconds=3), _judge)
    again = store.finalize("imp-1", T0 + timedelta(seconds=9), _judge)
    assert first is not None and again is not None
    assert (first.now_final, again.now_final) == (True, False)
    assert first.report == again.report
    assert first.report["status"] == "held" and first.report["finished_at"] is not None
    # A held part's counts stay out of the import's.
    assert first.report["counts"]["memberships_added"] == 3
    assert [s["school_id"] for s in first.report["schools"]] == ["s1", "s2"]
    assert store.header("imp-1").status is ImportStatus.HELD


def test_a_held_part_is_reopened_from_its_status_only(store: ImportStore) -> None:
    _begin(store)
    _parsed(store, "imp-1", 1)
    _add(store, "imp-1", "s1")
    _finish(store, "imp-1", "s1", PartStatus.HELD)
    store.finalize("imp-1", T0, _judge)
    assert store.reopen_part("imp-1", "s1", was=PartStatus.FAILED, force=True) is False
    assert store.reopen_part("imp-1", "s1", was=PartStatus.HELD, force=True) is True
    assert store.reopen_part("imp-1", "s1", was=PartStatus.HELD, force=True) is False
    part = store.part("imp-1", "s1")
    assert part is not None and part.status is PartStatus.QUEUED and part.force and part.planned is None
    header = store.header("imp-1")
    assert header.status is ImportStatus.RUNNING and header.finished_at is None
    assert store.finalize("imp-1", T0, _judge) is None  # one part is open again
    _finish(store, "imp-1", "s1")
    final = store.finalize("imp-1", T0, _judge)
    assert final is not None and final.now_final and final.report["status"] == "succeeded"


def test_a_cleanly_applied_bulk_file_is_found_by_its_content(store: ImportStore) -> None:
    assert store.applied_content("content-1") is None
    for import_id, at in (("imp-1", T0), ("imp-2", T0 + timedelta(hours=1))):
        _begin(store, import_id, at)
        _parsed(store, import_id, 1, content="content-1")
        _add(store, import_id, "s1", fingerprint=f"fp-{import_id}")
        _finish(store, import_id, "s1")
        store.finalize(import_id, at, _judge)
    # Held (not clean): not a candidate.
    _begin(store, "imp-3", T0 + timedelta(hours=2))
    _parsed(store, "imp-3", 1, content="content-1")
    _add(store, "imp-3", "s1")
    _finish(store, "imp-3", "s1", PartStatus.HELD)
    store.finalize("imp-3", T0, _judge)
    found = store.applied_content("content-1")
    assert isinstance(found, AppliedFile)
    assert found.header.import_id == "imp-2" and found.header.format == "flat-csv" and found.header.bulk
    assert found.header.counts["people"] == 7
    assert [(p.school_id, p.fingerprint, p.school_name) for p in found.parts] == [
        ("s1", "fp-imp-2", "Школа s1")
    ]


def test_reports_are_listed_newest_first_in_pages(store: ImportStore) -> None:
    for index in range(3):
        import_id = f"imp-{index}"
        _begin(store, import_id, T0 + timedelta(minutes=index))
        _parsed(store, import_id, 1)
        _add(store, import_id, "s1" if index != 1 else "s2", started_at=f"2026-09-01T08:0{index}:00Z")
    first = store.newest(2, None)
    assert [r["id"] for r in first.items] == ["imp-2", "imp-1"] and first.before is not None
    assert all(r["schools"] == [] for r in first.items)
    rest = store.newest(2, first.before)
    assert [r["id"] for r in rest.items] == ["imp-0"] and rest.before is None
    school = store.newest_for_school("s1", 1, None)
    assert [r["id"] for r in school.items] == ["imp-2"]
    assert [s["school_id"] for s in school.items[0]["schools"]] == ["s1"]
    older = store.newest_for_school("s1", 1, school.before)
    assert [r["id"] for r in older.items] == ["imp-0"] and older.before is None
    assert store.newest_for_school("s9", 5, None).items == []
