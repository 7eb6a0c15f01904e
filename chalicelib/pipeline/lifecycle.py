"""The import lifecycle's one owner: finish an import once every part is done, publish its report,
queue its schools, fail it.

Both stages and the API go through :class:`ImportLifecycle` (built on the
ports by ``bootstrap.Services.lifecycle``); the import store keeps only its
conditional writes (``pipeline.imports.ImportStore``) and never calls back up here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from chalicelib.observability import log_event, record_import_finished
from chalicelib.pipeline.imports import ImportOutbox, ImportStore
from chalicelib.pipeline.report import ImportStatus, PartOutcome, final_status
from chalicelib.roster.issues import RosterIssue


def issues_key(import_id: str) -> str:
    """Where an import's complete list of errors and warnings is kept (``store.objects``)."""
    return f"reports/{import_id}.issues.jsonl"


def _duration_s(report: dict[str, Any]) -> float | None:
    started, finished = report.get("started_at"), report.get("finished_at")
    if not isinstance(started, str) or not isinstance(finished, str):
        return None
    return (datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds()


def _final_status(parts: list[PartOutcome], has_issues: bool) -> ImportStatus:
    return final_status(parts, import_failed=False, has_issues=has_issues)


class ImportLifecycle:
    """An import's transitions that are more than one conditional write (on the store and outbox ports)."""

    def __init__(self, store: ImportStore, outbox: ImportOutbox) -> None:
        self.store = store
        self.outbox = outbox

    def finish_if_complete(self, import_id: str, now: datetime) -> dict[str, Any] | None:
        """Once every part is done: set the import's final status, publish its report, count it once.

        None while parts are open; else the report (each call publishes it again:
        harmless, and a crash between the status and the report heals so).
        """
        finalized = self.store.finalize(import_id, now, _final_status)
        if finalized is None:
            return None
        self.outbox.publish_report(finalized.report)
        if finalized.now_final:
            log_event("import_finished", import_id=import_id, status=finalized.report["status"])
            record_import_finished(str(finalized.report["status"]), _duration_s(finalized.report))
        return finalized.report

    def enqueue_schools(self, import_id: str, school_ids: Iterable[str], *, force: bool = False) -> None:
        """Queue one school-sync message per school (``force``: past the deletion threshold)."""
        self.outbox.enqueue_schools(import_id, list(school_ids), force=force)

    def fail(self, import_id: str, issue: RosterIssue, now: datetime) -> None:
        """End an import as failed with ``issue`` as its reason, and publish its report."""
        self.store.fail(import_id, issue, now)
        report = self.store.report(import_id)
        if report is not None:
            self.outbox.publish_report(report)
            record_import_finished(str(report["status"]), _duration_s(report))
        log_event("import_failed", import_id=import_id, code=issue.code)
