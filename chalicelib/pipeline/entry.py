"""The queue handlers' shared loop: one record at a time, failures reported per record.

A record that raises is returned in ``batchItemFailures`` so SQS redelivers
just that one (the rest of its batch is done); after the queue's
``maxReceiveCount`` deliveries it lands in the dead-letter queue. On that last
delivery the import is marked failed first, so its report says so. A message
that is not one of ours at all goes straight to the dead-letter queue: no
retry could help it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chalice.app import SQSEvent, SQSRecord

from chalicelib.aws import client, queue_url
from chalicelib.config import settings
from chalicelib.fanout.deliver import deliver
from chalicelib.fanout.payload import message_sent
from chalicelib.observability import flush_metrics, logger, record_metric, set_correlation_id
from chalicelib.pipeline.lease import MessageHeartbeat
from chalicelib.pipeline.queue_payloads import MalformedMessage, school_sync_message, uploaded_objects
from chalicelib.pipeline.school_sync import fail_school_after_retries, sync_school
from chalicelib.pipeline.schools import SchoolBusy, lease_seconds
from chalicelib.pipeline.upload import fail_after_retries, import_upload

if TYPE_CHECKING:
    from chalicelib.bootstrap import Services

MAX_RECEIVE_COUNT = 5
BUSY_RETRY_SECONDS = 30


def _receive_count(record: dict[str, Any]) -> int:
    try:
        return int(record.get("attributes", {}).get("ApproximateReceiveCount", "1"))
    except (TypeError, ValueError):
        return 1


def _source_queue_url(record: dict[str, Any]) -> str | None:
    arn = record.get("eventSourceARN")
    if not isinstance(arn, str) or ":" not in arn:
        return None
    return queue_url(arn.rsplit(":", 1)[1])


def _held_while_running(record: dict[str, Any]) -> contextlib.AbstractContextManager[Any]:
    """The record's message kept invisible a minute at a time while it is handled (pipeline.lease)."""
    handle = record.get("receiptHandle")
    try:
        url = _source_queue_url(record)
    except Exception:  # best effort: the record is handled all the same
        logger.warning("no queue to extend the message's visibility on", exc_info=True)
        url = None
    if url is None or not isinstance(handle, str):
        return contextlib.nullcontext()
    return MessageHeartbeat(url, handle)


def _dead_letter(record: dict[str, Any], reason: str) -> None:
    client("sqs").send_message(
        QueueUrl=queue_url(settings().dead_letter_queue_name),
        MessageBody=str(record.get("body", ""))[:200_000],
        MessageAttributes={
            "error": {"DataType": "String", "StringValue": reason[:1000]},
            "source": {"DataType": "String", "StringValue": str(record.get("eventSourceARN", ""))},
        },
    )


def _run_batch(
    event: SQSEvent,
    handle: Callable[[str], None],
    on_last_failure: Callable[[str], None],
    *,
    heartbeat: bool = False,
) -> dict[str, Any]:
    failures: list[dict[str, str]] = []
    record: SQSRecord
    for record in event:
        raw = record.to_dict()
        message_id = str(raw.get("messageId", ""))
        # Until the handler knows the import id, this record's log lines carry its message id.
        set_correlation_id(message_id)
        try:
            with _held_while_running(raw) if heartbeat else contextlib.nullcontext():
                handle(record.body)
        except MalformedMessage as malformed:
            logger.error(
                "malformed queue message", extra={"message_id": message_id, "reason": str(malformed)}
            )
            record_metric("MalformedMessages", 1)
            _dead_letter(raw, f"malformed: {malformed}")
        except SchoolBusy:
            # Waiting for another import of the school is not a failure: a delayed copy
            # goes back on the queue and this delivery is done, so waits never use up the
            # receive count that sends failing messages to the dead-letter queue.
            logger.info("school busy; queued again", extra={"message_id": message_id})
            url = _source_queue_url(raw)
            if url is None:
                failures.append({"itemIdentifier": message_id})
            else:
                client("sqs").send_message(
                    QueueUrl=url,
                    MessageBody=record.body,
                    DelaySeconds=min(BUSY_RETRY_SECONDS, lease_seconds()),
                )
        except Exception:
            logger.exception("queue message failed", extra={"message_id": message_id})
            record_metric("QueueMessageFailures", 1)
            if _receive_count(raw) >= MAX_RECEIVE_COUNT:
                try:
                    on_last_failure(record.body)
                except Exception:
                    logger.exception("could not record the failure", extra={"message_id": message_id})
            failures.append({"itemIdentifier": message_id})
    flush_metrics()
    return {"batchItemFailures": failures}


def handle_upload_batch(services: Services, event: SQSEvent) -> dict[str, Any]:
    """The upload queue's handler (S3 event notifications)."""

    def handle(body: str) -> None:
        for upload in uploaded_objects(body):
            import_upload(services, upload)

    def failed(body: str) -> None:
        for upload in uploaded_objects(body):
            fail_after_retries(services, upload)

    return _run_batch(event, handle, failed)


def handle_school_batch(services: Services, event: SQSEvent) -> dict[str, Any]:
    """The school queue's handler (one school's part of an import per message)."""
    return _run_batch(
        event,
        lambda body: sync_school(services, school_sync_message(body)),
        lambda body: fail_school_after_retries(services, school_sync_message(body)),
        heartbeat=True,
    )


def handle_fanout_batch(services: Services, event: SQSEvent) -> dict[str, Any]:
    """The fan-out queue's handler: each sent message moves its chat up in members' lists, then goes live.

    Idempotent per record (``fanout.port``): a redelivered, duplicated or
    reordered message converges on the same lists. A failing record is retried
    alone, and dead-lettered after ``maxReceiveCount`` deliveries; nothing else
    needs marking then (the next message of the chat brings the lists up to date).
    """

    def handle(body: str) -> None:
        deliver(services.chat_lists, services.live, message_sent(body), services.fan_out_audience)

    def failed(body: str) -> None:
        logger.error("fan-out gave up; the chat's next message will bring its lists up to date")

    return _run_batch(event, handle, failed)
