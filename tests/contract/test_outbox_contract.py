"""The outbound ports, twin and adapter alike: the import outbox (``pipeline.imports.ImportOutbox``:
reports to the bucket, schools to the school queue) and the fan-out queue (``fanout.port.FanOutQueue``).

Each implementation comes with how a test reads back what it sent: the twins keep it in lists, the
adapters put it in the emulator's S3 and SQS, where the consumers read it. A queue is at least once and
unordered, so what is compared is the set of messages, each decoded as its consumer decodes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from chalicelib.fanout.payload import message_sent
from chalicelib.fanout.port import FanOutQueue, MessageSent
from chalicelib.pipeline.imports import ImportOutbox
from chalicelib.pipeline.queue_payloads import school_sync_message

IMPORT_ID = "imp_" + "ab" * 12


@dataclass
class Outbox:
    outbox: ImportOutbox
    report: Callable[[str], Any]  # the published report of an import, or None
    queued: Callable[[], set[tuple[str, str, bool]]]  # (import, school, force) of the messages queued


@dataclass
class Queue:
    queue: FanOutQueue
    queued: Callable[[], set[MessageSent]]


def _drain(queue_name: str) -> list[str]:
    """Every body on an emulator queue (each deleted once read)."""
    from chalicelib.aws import client, queue_url

    sqs, url, bodies = client("sqs"), queue_url(queue_name), []
    while True:
        received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        messages = received.get("Messages", [])
        if not messages:
            return bodies
        for message in messages:
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


@pytest.fixture(params=["memory", "s3-sqs"])
def outbox(request: pytest.FixtureRequest) -> Outbox:
    """The recording twin, then the S3 + SQS adapter (the session's bucket and queues, emptied)."""
    if request.param == "memory":
        from chalicelib.memory.imports import RecordingOutbox

        twin = RecordingOutbox()
        return Outbox(twin, twin.reports.get, lambda: set(twin.queued))
    request.getfixturevalue("aws")
    from chalicelib.config import settings
    from chalicelib.store.import_outbox import S3SqsImportOutbox, report_key
    from chalicelib.store.objects import get_json

    def queued() -> set[tuple[str, str, bool]]:
        parsed = [school_sync_message(body) for body in _drain(settings().school_queue_name)]
        return {(m.import_id, m.school_id, m.force) for m in parsed}

    return Outbox(S3SqsImportOutbox(), lambda import_id: get_json(report_key(import_id)), queued)


@pytest.fixture(params=["memory", "sqs"])
def fan_out(request: pytest.FixtureRequest) -> Queue:
    """The holding twin, then the SQS adapter."""
    if request.param == "memory":
        from chalicelib.memory.fanout import HeldFanOut

        twin = HeldFanOut()
        return Queue(twin, lambda: set(twin.queued))
    request.getfixturevalue("aws")
    from chalicelib.config import settings
    from chalicelib.store.fanout import SqsFanOutQueue

    return Queue(SqsFanOutQueue(), lambda: {message_sent(b) for b in _drain(settings().fanout_queue_name)})


def test_a_report_is_published_under_its_import_and_a_second_one_replaces_it(outbox: Outbox) -> None:
    assert outbox.report(IMPORT_ID) is None
    first = {"id": IMPORT_ID, "status": "running", "schools": [{"school_id": "s1", "name": "Школа № 1"}]}
    outbox.outbox.publish_report(first)
    assert outbox.report(IMPORT_ID) == first
    final = {**first, "status": "succeeded"}
    outbox.outbox.publish_report(final)
    assert outbox.report(IMPORT_ID) == final


def test_each_school_gets_one_message_with_the_import_and_force(outbox: Outbox) -> None:
    schools = [f"school-{n}" for n in range(12)]  # more than one SQS batch of 10
    outbox.outbox.enqueue_schools(IMPORT_ID, schools)
    outbox.outbox.enqueue_schools(IMPORT_ID, ["school-forced"], force=True)
    outbox.outbox.enqueue_schools(IMPORT_ID, [])
    assert outbox.queued() == {(IMPORT_ID, s, False) for s in schools} | {(IMPORT_ID, "school-forced", True)}


def test_a_queued_send_reaches_the_consumer_as_it_was_sent(fan_out: Queue) -> None:
    sent = [
        MessageSent("ch_a", "msg_1", "2026-09-01T08:00:00.000Z"),
        MessageSent("ch_a", "msg_2", "2026-09-01T08:00:01.000Z", may_wait=True),
        MessageSent("ch_b", "msg_3", "2026-09-01T08:00:02.000Z"),
    ]
    for message in sent:
        fan_out.queue.enqueue(message)
    assert fan_out.queued() == set(sent)


@pytest.mark.parametrize(
    "malformed",
    [
        MessageSent("ch_a", "m1", "2026-09-01T08:00:00.000Z"),  # not a message id
        MessageSent("ch_a", "msg_1", "2026-09-01 08:00"),  # not a stored time
        MessageSent("", "msg_1", "2026-09-01T08:00:00.000Z"),
    ],
)
def test_a_send_the_consumer_could_not_read_is_refused_when_queued(
    fan_out: Queue, malformed: MessageSent
) -> None:
    with pytest.raises(ValueError):
        fan_out.queue.enqueue(malformed)
    assert fan_out.queued() == set()
