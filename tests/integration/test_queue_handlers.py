"""The queue handlers under hostile and failing input: partial batch failures, dead letters, crashes."""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any

import pytest

from chalicelib.aws import client
from chalicelib.config import settings
from chalicelib.pipeline.queue_payloads import SchoolSyncMessage
from chalicelib.planning.diff import ChangeSet
from chalicelib.planning.model import SchoolState
from chalicelib.store.chats import ChatStore, WriteStats
from chalicelib.store.imports import DynamoImportStore
from chalicelib.store.messenger import BuiltinMessenger
from chalicelib.store.objects import put_json
from chalicelib.store.rosters import shard_key
from chalicelib.store.schools import SchoolStore
from chalicelib.store.tables import MembershipItem
from devstack.worker import LambdaContextStub
from tests.builders import as_json, bulk_update, sample_school, stage_import


def event(*bodies: str, receive_count: int = 1, queue: str | None = None) -> dict[str, Any]:
    """A Lambda SQS event with a distinct messageId per record (chalice's generator reuses one)."""
    name = queue or settings().school_queue_name
    return {
        "Records": [
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": f"handle-{index}",
                "body": body,
                "attributes": {"ApproximateReceiveCount": str(receive_count)},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:us-east-1:123456789012:{name}",
                "awsRegion": "us-east-1",
            }
            for index, body in enumerate(bodies)
        ]
    }


def school_message(import_id: str, school_id: str = "school-1") -> str:
    return SchoolSyncMessage(import_id=import_id, school_id=school_id).to_body()


def run_school_batch(application: Any, evt: dict[str, Any]) -> dict[str, Any]:
    result = application.handler_map["on_school_sync"](evt, LambdaContextStub("test"))
    assert isinstance(result, dict)
    return result


def dead_letters() -> list[dict[str, Any]]:
    url = client("sqs").get_queue_url(QueueName=settings().dead_letter_queue_name)["QueueUrl"]
    got = client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
    return list(got.get("Messages", []))


def drop_queued_messages() -> None:
    """Empty the school queue: these tests deliver messages by hand."""
    url = client("sqs").get_queue_url(QueueName=settings().school_queue_name)["QueueUrl"]
    while messages := client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        client("sqs").delete_message_batch(
            QueueUrl=url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
        )


@pytest.mark.parametrize(
    "hostile",
    [
        "not json at all",
        "[]",
        json.dumps({"import_id": "imp_" + "0" * 24}),
        json.dumps({"import_id": "../../etc/passwd", "school_id": "x"}),
        json.dumps({"import_id": "imp_" + "0" * 24, "school_id": "s", "force": "yes"}),
        json.dumps({"import_id": "imp_" + "0" * 24, "school_id": "s", "extra": 1}),
        json.dumps({"import_id": "imp_" + "0" * 24, "school_id": "x" * 500}),
        "x" * 300_000,
    ],
    ids=[
        "not-json",
        "array",
        "missing-school",
        "bad-import-id",
        "bad-force",
        "extra-field",
        "long-id",
        "huge",
    ],
)
def test_a_malformed_school_message_goes_to_the_dead_letter_queue_and_its_batch_succeeds(
    application: Any, services: Any, aws: Any, hostile: str
) -> None:
    import_id = stage_import(services, [bulk_update(sample_school())])
    drop_queued_messages()
    result = run_school_batch(application, event(school_message(import_id), hostile))

    assert result == {"batchItemFailures": []}
    assert DynamoImportStore().report(import_id)["status"] == "succeeded"  # type: ignore[index]
    letters = dead_letters()
    assert len(letters) == 1
    assert letters[0]["Body"] == hostile[:200_000]
    assert letters[0]["MessageAttributes"]["error"]["StringValue"].startswith("malformed")


def test_a_message_for_an_unknown_import_changes_nothing(application: Any, aws: Any) -> None:
    result = run_school_batch(application, event(school_message("imp_" + "ab" * 12)))
    assert result == {"batchItemFailures": []}
    assert list(MembershipItem.scan()) == []


def test_a_failing_message_fails_alone_and_the_last_attempt_marks_the_import_failed(
    application: Any, services: Any, aws: Any
) -> None:
    good = stage_import(services, [bulk_update(sample_school("school-1"))], key="rosters/good.csv")
    bad = stage_import(services, [bulk_update(sample_school("school-2"))], key="rosters/bad.csv")
    drop_queued_messages()
    client("s3").delete_object(Bucket=settings().roster_bucket, Key=shard_key(bad, "school-2"))

    batch = event(school_message(bad, "school-2"), school_message(good, "school-1"))
    result = run_school_batch(application, batch)
    assert result["batchItemFailures"] == [{"itemIdentifier": batch["Records"][0]["messageId"]}]
    assert DynamoImportStore().report(good)["status"] == "succeeded"  # type: ignore[index]
    assert DynamoImportStore().report(bad)["status"] == "running"  # type: ignore[index]

    last = event(school_message(bad, "school-2"), receive_count=5)
    assert len(run_school_batch(application, last)["batchItemFailures"]) == 1
    report = DynamoImportStore().report(bad)
    assert report is not None and report["status"] == "failed"
    assert report["schools"][0]["warnings"][0]["code"] == "processing_error"

    # An operator fixes the cause and replays the dead letter: the part runs again.
    put_json(shard_key(bad, "school-2"), as_json(bulk_update(sample_school("school-2"))), compress=True)
    assert run_school_batch(application, event(school_message(bad, "school-2"))) == {"batchItemFailures": []}
    assert DynamoImportStore().report(bad)["status"] == "succeeded"  # type: ignore[index]


class CrashHalfway(ChatStore):
    """Writes half of the new memberships, then dies (a Lambda timeout, say)."""

    def write_changes(self, state: SchoolState, changes: ChangeSet, now: Any) -> WriteStats:
        half = len(changes.members_to_add) // 2
        partial = ChangeSet(
            school_id=changes.school_id,
            chats_to_create=changes.chats_to_create,
            members_to_add=changes.members_to_add[:half],
        )
        super().write_changes(state, partial, now)
        raise RuntimeError("crashed halfway")


def test_a_retry_after_a_crash_halfway_converges_with_correct_counts(
    application: Any, services: Any, aws: Any
) -> None:
    roster = sample_school(classes=2, students=5, parents_per_student=2)
    reference = stage_import(services, [bulk_update(roster)], key="rosters/ref.csv")
    drop_queued_messages()
    run_school_batch(application, event(school_message(reference)))
    expected = {(m.chat_id, m.person_id, m.chat_role, m.active) for m in MembershipItem.scan()}
    expected_counts = DynamoImportStore().report(reference)["counts"]  # type: ignore[index]

    # The same roster for another school id, so the two runs are comparable.
    other = sample_school("school-9", classes=2, students=5, parents_per_student=2)
    crashed = stage_import(services, [bulk_update(other)], key="rosters/crash.csv")
    drop_queued_messages()
    services.messenger = BuiltinMessenger(CrashHalfway())
    assert (
        len(run_school_batch(application, event(school_message(crashed, "school-9")))["batchItemFailures"])
        == 1
    )
    written = [m for m in MembershipItem.by_school.query("school-9")]
    assert 0 < len(written) < len(expected)

    services.messenger = BuiltinMessenger()
    assert run_school_batch(application, event(school_message(crashed, "school-9"))) == {
        "batchItemFailures": []
    }
    got = {
        (m.chat_id, m.person_id, m.chat_role, m.active) for m in MembershipItem.by_school.query("school-9")
    }
    assert len(got) == len(expected)  # no duplicate, nothing missing
    assert {(r, a) for _, _, r, a in got} == {(r, a) for _, _, r, a in expected}
    report = DynamoImportStore().report(crashed)
    assert report is not None and report["status"] == "succeeded"
    assert report["counts"]["memberships_added"] == expected_counts["memberships_added"]


def test_a_school_busy_with_another_import_is_queued_again_without_using_up_receives(
    application: Any, services: Any, aws: Any
) -> None:
    import_id = stage_import(services, [bulk_update(sample_school())])
    drop_queued_messages()
    from datetime import UTC, datetime

    SchoolStore().acquire("school-1", "Школа", "imp_other", datetime.now(UTC))
    body = school_message(import_id)
    result = run_school_batch(application, event(body, receive_count=4))

    assert result == {"batchItemFailures": []}  # not a failure: nothing counts towards the dead letters
    assert DynamoImportStore().report(import_id)["status"] == "running"  # type: ignore[index]
    assert dead_letters() == []
    queue_url = client("sqs").get_queue_url(QueueName=settings().school_queue_name)["QueueUrl"]
    attributes = client("sqs").get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessagesDelayed"] == "1"  # the copy, delayed


@pytest.mark.parametrize(
    "hostile",
    [
        "{",
        json.dumps({"Records": "nope"}),
        json.dumps({"Records": [{"eventName": "ObjectCreated:Put"}]}),
        json.dumps({"Records": [{"eventName": "ObjectCreated:Put", "eventTime": "t", "s3": {"bucket": {}}}]}),
    ],
    ids=["truncated", "records-not-list", "no-s3", "no-bucket-name"],
)
def test_a_malformed_upload_event_goes_to_the_dead_letter_queue(
    application: Any, aws: Any, hostile: str
) -> None:
    result = application.handler_map["on_roster_uploaded"](
        event(hostile, queue=settings().upload_queue_name), LambdaContextStub("t")
    )
    assert result == {"batchItemFailures": []}
    assert [m["Body"] for m in dead_letters()] == [hostile]


def test_s3_test_events_and_keys_outside_rosters_are_ignored(application: Any, aws: Any) -> None:
    bodies = [
        json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent"}),
        json.dumps(
            {
                "Records": [
                    {
                        "eventName": "ObjectCreated:Put",
                        "eventTime": "2026-09-01T08:00:00.000Z",
                        "s3": {
                            "bucket": {"name": settings().roster_bucket},
                            "object": {"key": "reports/x.json"},
                        },
                    }
                ]
            }
        ),
    ]
    result = application.handler_map["on_roster_uploaded"](
        event(*bodies, queue=settings().upload_queue_name), LambdaContextStub("t")
    )
    assert result == {"batchItemFailures": []}
    assert DynamoImportStore().newest(10, None).items == []
    assert dead_letters() == []


class WaitsForCompany(BuiltinMessenger):
    """Holds each apply open briefly, to see whether a second delivery gets in beside it."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = 0
        self.most_inside = 0
        self.lock = threading.Lock()
        self.second_arrived = threading.Event()
        self.first_inside = threading.Event()

    def apply_roster_changes(self, state: SchoolState, changes: ChangeSet, now: Any) -> int:
        with self.lock:
            self.inside += 1
            self.most_inside = max(self.most_inside, self.inside)
            self.first_inside.set()
            if self.inside == 2:
                self.second_arrived.set()
        self.second_arrived.wait(timeout=2)
        try:
            return super().apply_roster_changes(state, changes, now)
        finally:
            with self.lock:
                self.inside -= 1


def test_two_deliveries_of_one_school_message_at_the_same_time_sync_once(
    application: Any, services: Any, aws: Any
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    import_id = stage_import(
        services, [bulk_update(sample_school(classes=2, students=6, parents_per_student=2))]
    )
    drop_queued_messages()
    messenger = WaitsForCompany()
    services.messenger = messenger
    body = school_message(import_id)
    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(run_school_batch, application, event(body))
        # The second delivery arrives while the first is applying (it holds the lease by
        # then: moto does not serialise conditional writes, so a start at the very same
        # moment would test the emulator, not the lease).
        assert messenger.first_inside.wait(timeout=30)
        second = run_school_batch(application, event(body))
        results = [first.result(), second]

    assert messenger.most_inside == 1  # the second delivery waited for the school's lease
    assert all(r == {"batchItemFailures": []} for r in results), results
    report = DynamoImportStore().report(import_id)
    assert report is not None and report["status"] == "succeeded"
    active = [m for m in MembershipItem.by_school.query("school-1") if m.active]
    assert report["counts"]["memberships_added"] == len(active)  # counted once, not twice
