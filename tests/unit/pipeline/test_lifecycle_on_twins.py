"""The import lifecycle (``pipeline.lifecycle.ImportLifecycle``) on the in-memory twins: the report is
published once every part is done, the finish is counted once, a failure publishes its report, the
schools are queued. The DynamoDB/S3/SQS versions are in ``tests/integration``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.memory.imports import InMemoryImportStore, RecordingOutbox
from chalicelib.observability import flush_metrics
from chalicelib.pipeline.imports import ParsedFile
from chalicelib.pipeline.lifecycle import ImportLifecycle
from chalicelib.pipeline.report import PartStatus
from chalicelib.roster.issues import RosterIssue, Severity
from tests.integration.test_observability import metric_values

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def store() -> InMemoryImportStore:
    return InMemoryImportStore()


@pytest.fixture
def outbox() -> RecordingOutbox:
    return RecordingOutbox()


@pytest.fixture
def lifecycle(store: InMemoryImportStore, outbox: RecordingOutbox) -> ImportLifecycle:
    return ImportLifecycle(store, outbox)


def _two_schools(store: InMemoryImportStore, *, warnings: int = 0) -> None:
    store.begin(
        "imp-1", bucket="b", key="rosters/a.csv", version="v", uploaded_at="2026-09-01T07:00:00Z", now=T0
    )
    store.record_parsed(
        "imp-1",
        ParsedFile(
            format="flat-csv",
            bulk=True,
            counts={"schools": 2},
            errors=[],
            warnings=[{"code": "w", "message": "м", "file": "a.csv", "line": 1, "column": None}] * warnings,
            error_count=0,
            warning_count=warnings,
            schools_total=2,
            content_key=None,
        ),
    )
    for school_id in ("s1", "s2"):
        store.add_part(
            "imp-1",
            school_id=school_id,
            school_name=school_id,
            shard_key="k",
            started_at="2026-09-01T08:00:00Z",
        )


def _finish(store: InMemoryImportStore, school_id: str, status: PartStatus) -> None:
    store.finish_part(
        "imp-1",
        school_id,
        status=status,
        counts={"memberships_added": 2},
        warnings=[],
        removal_share=None,
        now=T0,
    )


def test_nothing_is_published_while_a_part_is_open(
    store: InMemoryImportStore, outbox: RecordingOutbox, lifecycle: ImportLifecycle
) -> None:
    _two_schools(store)
    _finish(store, "s1", PartStatus.SUCCEEDED)
    assert lifecycle.finish_if_complete("imp-1", T0) is None
    assert outbox.reports == {}


def test_the_last_part_publishes_the_report_and_the_finish_is_counted_once(
    store: InMemoryImportStore,
    outbox: RecordingOutbox,
    lifecycle: ImportLifecycle,
    capfd: pytest.CaptureFixture[str],
) -> None:
    _two_schools(store, warnings=1)
    _finish(store, "s1", PartStatus.SUCCEEDED)
    _finish(store, "s2", PartStatus.UNCHANGED)
    flush_metrics()
    capfd.readouterr()
    report = lifecycle.finish_if_complete("imp-1", T0 + timedelta(seconds=30))
    again = lifecycle.finish_if_complete("imp-1", T0 + timedelta(seconds=40))  # a duplicate delivery
    flush_metrics()
    out = capfd.readouterr().out
    assert report is not None and report == again
    assert report["status"] == "succeeded_with_warnings"  # the file's warning
    assert outbox.reports == {"imp-1": report}
    values = metric_values(out)
    assert values["ImportsFinished"] == [1.0]
    assert values["ImportDurationSeconds"] == [30.0]


def test_a_held_school_holds_the_import(
    store: InMemoryImportStore, outbox: RecordingOutbox, lifecycle: ImportLifecycle
) -> None:
    _two_schools(store)
    _finish(store, "s1", PartStatus.SUCCEEDED)
    _finish(store, "s2", PartStatus.HELD)
    report = lifecycle.finish_if_complete("imp-1", T0)
    assert report is not None and report["status"] == "held"
    assert report["counts"]["memberships_added"] == 2  # the held school's plan is not counted


def test_a_failure_ends_the_import_and_publishes_its_report(
    store: InMemoryImportStore, outbox: RecordingOutbox, lifecycle: ImportLifecycle
) -> None:
    _two_schools(store)
    issue = RosterIssue(Severity.ERROR, "a.csv", None, None, "file_missing", "Файл удалён.")
    lifecycle.fail("imp-1", issue, T0)
    assert outbox.reports["imp-1"]["status"] == "failed"
    assert outbox.reports["imp-1"]["errors"][0]["code"] == "file_missing"
    assert outbox.queued == []


def test_schools_are_queued_with_the_force_flag(outbox: RecordingOutbox, lifecycle: ImportLifecycle) -> None:
    lifecycle.enqueue_schools("imp-1", iter(["s1", "s2"]), force=True)
    assert outbox.queued == [("imp-1", "s1", True), ("imp-1", "s2", True)]
