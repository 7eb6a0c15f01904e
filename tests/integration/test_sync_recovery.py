"""Recovery after a crashed school sync: the school is free again within a minute, and counts end right.

A sync holds its school's lease for a minute and renews it while it runs
(``pipeline.lease``), so a worker that dies mid-sync blocks the school's next
delivery for about a minute, not five. A crash after the memberships were
written but before the chats' counts were leaves ``member_count`` wrong; the
retry's sync corrects it.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import pytest

from chalicelib.clock import MovableClock
from chalicelib.pipeline.schools import LEASE_SECONDS, SchoolBusy
from chalicelib.store.tables import ChatItem, MembershipItem, SchoolItem
from tests.builders import bulk_update, sample_school, stage_import
from tests.integration.test_queue_handlers import (
    drop_queued_messages,
    event,
    run_school_batch,
    school_message,
)

pytestmark = pytest.mark.emulator


def counts_by_chat(school_id: str) -> dict[str, int]:
    """Every chat's member count, from its active membership rows."""
    return dict(Counter(m.chat_id for m in MembershipItem.by_school.query(school_id) if m.active))


def stored_counts(school_id: str) -> dict[str, int]:
    return {
        chat.chat_id: int(chat.member_count or 0)
        for chat in ChatItem.by_school.query(school_id)
        if not chat.archived
    }


def test_a_crashed_syncs_lease_frees_the_school_within_about_a_minute(
    services: Any, application: Any, clock: MovableClock
) -> None:
    import_id = stage_import(services, [bulk_update(sample_school())])
    drop_queued_messages()
    # A worker took the lease and died (no release, no more renewals).
    services.schools.acquire("school-1", "Школа", "imp_crashed/worker", clock.now())

    clock.advance(seconds=30)
    with pytest.raises(SchoolBusy):
        services.schools.acquire("school-1", "Школа", "imp_next/worker", clock.now())

    clock.advance(seconds=40)  # 70 s after the crash
    assert run_school_batch(application, event(school_message(import_id))) == {"batchItemFailures": []}
    report = services.imports.report(import_id)
    assert report is not None and report["status"] == "succeeded", report
    assert LEASE_SECONDS <= 60


def test_a_running_sync_keeps_its_lease_by_renewing_it(services: Any, clock: MovableClock) -> None:
    from chalicelib.pipeline.lease import LeaseHeartbeat

    schools = services.schools
    schools.acquire("school-1", "Школа", "imp_long/worker", clock.now())
    with LeaseHeartbeat(schools, "school-1", "imp_long/worker", clock, interval_s=0.05) as heartbeat:
        for _ in range(20):  # the sync runs on; its clock moves past the first lease's end
            clock.advance(seconds=LEASE_SECONDS / 4)
            time.sleep(0.1)
        assert heartbeat.renewals > 0
        with pytest.raises(SchoolBusy):
            schools.acquire("school-1", "Школа", "imp_other/worker", clock.now())
    assert not heartbeat.lost
    # The heartbeat stopped with the sync: the lease then runs out as any other.
    clock.advance(seconds=LEASE_SECONDS + 1)
    schools.acquire("school-1", "Школа", "imp_other/worker", clock.now())
    item = SchoolItem.get("school-1", consistent_read=True)
    assert item.lease_owner == "imp_other/worker"


def test_a_crash_between_memberships_and_counts_leaves_no_wrong_count(
    services: Any, application: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = stage_import(services, [bulk_update(sample_school(students=2))], key="rosters/day-1.csv")
    drop_queued_messages()
    assert run_school_batch(application, event(school_message(first))) == {"batchItemFailures": []}

    # The next roster adds students to existing chats: memberships first, then each chat's count.
    second = stage_import(
        services,
        [bulk_update(sample_school(students=5))],
        key="rosters/day-2.csv",
        uploaded_at="2026-09-02T08:00:00.000Z",
    )
    drop_queued_messages()
    real_update = ChatItem.update

    def crash(self: ChatItem, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the worker died before writing the counts")

    monkeypatch.setattr(ChatItem, "update", crash)
    assert len(run_school_batch(application, event(school_message(second)))["batchItemFailures"]) == 1
    monkeypatch.setattr(ChatItem, "update", real_update)
    assert stored_counts("school-1") != counts_by_chat("school-1")  # the crash left counts behind

    assert run_school_batch(application, event(school_message(second), receive_count=2)) == {
        "batchItemFailures": []
    }
    report = services.imports.report(second)
    assert report is not None and report["status"] == "succeeded", report
    assert stored_counts("school-1") == counts_by_chat("school-1")


class WorkerDied(BaseException):
    """The process ends mid-sync: nothing after it runs (not even the batch's failure report)."""


def test_a_crashed_syncs_message_comes_back_within_its_lease_not_the_queues_timeout(
    services: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.aws import client
    from chalicelib.config import settings
    from chalicelib.pipeline import entry, lease
    from devstack.resources import queue_arn
    from devstack.worker import sqs_event

    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName=settings().school_queue_name)["QueueUrl"]
    drop_queued_messages()
    # As deployed: the queue hides a received message for six times its function's timeout.
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "720"})
    sqs.send_message(QueueUrl=url, MessageBody=school_message("imp_" + "c" * 24, "school-1"))
    received = sqs.receive_message(QueueUrl=url, AttributeNames=["All"], WaitTimeSeconds=1)["Messages"]

    monkeypatch.setattr(lease, "message_hiding_s", lambda: 2)  # the message's hiding lasts 2 s here

    def die(services: Any, message: Any) -> None:
        raise WorkerDied

    monkeypatch.setattr(entry, "sync_school", die)
    with pytest.raises(WorkerDied):
        entry.handle_school_batch(services, _sqs_event(sqs_event(received, queue_arn(url))))

    again = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=3).get("Messages", [])
    assert [m["MessageId"] for m in again] == [received[0]["MessageId"]]


def _sqs_event(raw: dict[str, Any]) -> Any:
    from chalice.app import SQSEvent

    return SQSEvent(raw, None)
