"""The import lifecycle's one owner: finish an import once every part is done, publish its report,
queue its schools, fail it.

Both stages and the API call these; the import store keeps only its conditional
writes (``store.imports``) and never calls back up here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from chalicelib.aws import client, queue_url
from chalicelib.config import settings
from chalicelib.observability import log_event, record_import_finished
from chalicelib.pipeline.queue_payloads import SchoolSyncMessage
from chalicelib.pipeline.report import ImportStatus, PartOutcome, final_status
from chalicelib.roster.issues import RosterIssue
from chalicelib.store.imports import ImportStore
from chalicelib.store.objects import put_json

SQS_BATCH = 10


def report_key(import_id: str) -> str:
    """Where an import's report is written in the bucket."""
    return f"reports/{import_id}.json"


def issues_key(import_id: str) -> str:
    """Where an import's complete list of errors and warnings is kept (``store.objects``)."""
    return f"reports/{import_id}.issues.jsonl"


def publish_report(report: dict[str, object]) -> None:
    """Write an import's report to ``reports/`` (overwriting it is harmless: same content)."""
    put_json(report_key(str(report["id"])), report, compress=False)


def _duration_s(report: dict[str, Any]) -> float | None:
    started, finished = report.get("started_at"), report.get("finished_at")
    if not isinstance(started, str) or not isinstance(finished, str):
        return None
    return (datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds()


def finish_import_if_complete(store: ImportStore, import_id: str, now: datetime) -> dict[str, Any] | None:
    """Once every part is done: set the import's final status, publish its report, count it once."""
    finalized = store.finalize(import_id, now, _final_status)
    if finalized is None:
        return None
    publish_report(finalized.report)
    if finalized.now_final:
        log_event("import_finished", import_id=import_id, status=finalized.report["status"])
        record_import_finished(str(finalized.report["status"]), _duration_s(finalized.report))
    return finalized.report


def _final_status(parts: list[PartOutcome], has_issues: bool) -> ImportStatus:
    return final_status(parts, import_failed=False, has_issues=has_issues)


def enqueue_schools(import_id: str, school_ids: Iterable[str], *, force: bool = False) -> None:
    """Send one school-sync message per school (10 per ``SendMessageBatch``)."""
    url = queue_url(settings().school_queue_name)
    bodies = [SchoolSyncMessage(import_id=import_id, school_id=s, force=force).to_body() for s in school_ids]
    for start in range(0, len(bodies), SQS_BATCH):
        entries = [
            {"Id": str(index), "MessageBody": body}
            for index, body in enumerate(bodies[start : start + SQS_BATCH])
        ]
        response = client("sqs").send_message_batch(QueueUrl=url, Entries=entries)
        if response.get("Failed"):
            raise RuntimeError(f"{len(response['Failed'])} school messages were not queued")


def fail_import(store: ImportStore, import_id: str, issue: RosterIssue, now: datetime) -> None:
    store.fail(import_id, issue, now)
    report = store.report(import_id)
    if report is not None:
        publish_report(report)
        record_import_finished(str(report["status"]), _duration_s(report))
    log_event("import_failed", import_id=import_id, code=issue.code)
