"""Where an import's results go (``pipeline.imports.ImportOutbox``): reports to the roster bucket,
schools to the school-sync queue."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chalicelib.aws import client, queue_url
from chalicelib.config import settings
from chalicelib.pipeline.queue_payloads import SchoolSyncMessage
from chalicelib.store.objects import put_json

SQS_BATCH = 10


def report_key(import_id: str) -> str:
    """Where an import's report is written in the bucket."""
    return f"reports/{import_id}.json"


class S3SqsImportOutbox:
    """The reports in ``reports/`` of the roster bucket; the schools on the school queue."""

    def publish_report(self, report: Mapping[str, Any]) -> None:
        """Write an import's report to ``reports/`` (overwriting it is harmless: same content)."""
        put_json(report_key(str(report["id"])), dict(report), compress=False)

    def enqueue_schools(self, import_id: str, school_ids: Sequence[str], *, force: bool = False) -> None:
        """Send one school-sync message per school (10 per ``SendMessageBatch``)."""
        url = queue_url(settings().school_queue_name)
        bodies = [
            SchoolSyncMessage(import_id=import_id, school_id=s, force=force).to_body() for s in school_ids
        ]
        for start in range(0, len(bodies), SQS_BATCH):
            entries = [
                {"Id": str(index), "MessageBody": body}
                for index, body in enumerate(bodies[start : start + SQS_BATCH])
            ]
            response = client("sqs").send_message_batch(QueueUrl=url, Entries=entries)
            if response.get("Failed"):
                raise RuntimeError(f"{len(response['Failed'])} school messages were not queued")
