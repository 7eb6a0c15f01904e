"""The whole roster pipeline over moto server, as in AWS: upload → S3 event → SQS → handlers → API."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.aws import client
from chalicelib.config import settings
from chalicelib.store.imports import DynamoImportStore
from chalicelib.store.tables import ChatItem, MembershipItem
from devstack.demo import demo_oneroster_zip
from devstack.rostergen import flat_csv
from tests.support import auth_headers

OPERATOR = auth_headers("ops", operator=True)


@pytest.fixture
def worker(application: Any) -> Any:
    from devstack.worker import app_worker

    return app_worker(application, school_concurrency=2)


def upload(key: str, body: bytes) -> None:
    client("s3").put_object(Bucket=settings().roster_bucket, Key=key, Body=body)


def reports() -> list[dict[str, Any]]:
    return DynamoImportStore().newest(50, None).items


def memberships() -> set[tuple[str, str, str, bool]]:
    return {(m.chat_id, m.person_id, m.chat_role, bool(m.active)) for m in MembershipItem.scan()}


def test_an_uploaded_roster_becomes_chats_visible_through_the_api(worker: Any, api: Any) -> None:
    upload("rosters/demo.zip", demo_oneroster_zip())
    worker.drain()

    [report] = reports()
    assert report["status"] == "succeeded", report
    assert report["format"] == "oneroster-1.2" and report["source_key"] == "rosters/demo.zip"
    chats = api.http.get("/v1/schools/school-1/chats", headers=OPERATOR).json_body["items"]
    by_title = {c["title"]: c for c in chats}
    assert set(by_title) == {
        "Учительская",
        "5А",
        "5А — родители",
        "5Б",
        "5Б — родители",
        "6А",
        "6А — родители",
    }
    # 5А: four students and their class teacher; its parents chat: five guardians and the teacher
    assert by_title["5А"]["member_count"] == 5 and by_title["5А — родители"]["member_count"] == 6
    members = api.http.get(f"/v1/chats/{by_title['6А — родители']['id']}/members", headers=OPERATOR).json_body
    roles = {m["person_id"]: (m["role"], m["chat_role"]) for m in members["items"]}
    # Кузнецова leads 6А; Смирнов, a teacher too, is there as Ксения's parent.
    assert roles["t-kuznetsova"] == ("teacher", "moderator")
    assert roles["t-smirnov"] == ("parent", "member")
    assert "s-smirnova" not in roles  # never a student in a parents chat


def test_a_duplicate_s3_event_makes_no_second_import_and_no_duplicate(worker: Any) -> None:
    upload("rosters/demo.zip", demo_oneroster_zip())
    queue = client("sqs").get_queue_url(QueueName=settings().upload_queue_name)["QueueUrl"]
    event = client("sqs").receive_message(QueueUrl=queue, MaxNumberOfMessages=10, VisibilityTimeout=0)
    bodies = [m["Body"] for m in event["Messages"] if "ObjectCreated" in m["Body"]]
    assert len(bodies) == 1
    client("sqs").send_message(QueueUrl=queue, MessageBody=bodies[0])  # S3 delivers it twice
    worker.drain()

    assert len(reports()) == 1 and reports()[0]["status"] == "succeeded"
    rows = list(MembershipItem.scan())
    assert len(rows) == len({(m.chat_id, m.person_id) for m in rows})
    assert len(list(ChatItem.scan())) == 7


def test_a_crash_halfway_through_the_upload_stage_then_a_retry_converges(worker: Any, services: Any) -> None:
    roster = flat_csv(3, 2, 5, 1, seed=3)
    real_files = services.roster_files
    saved: list[str] = []

    class DiesAtTheThirdShard:
        """The roster files as the stage sees them, until the Lambda times out after two shards."""

        def __getattr__(self, name: str) -> Any:
            return getattr(real_files, name)

        def save_shard(self, import_id: str, update: Any) -> str:
            if len(saved) == 2:
                raise RuntimeError("Lambda timed out")
            saved.append(update.school_id)
            return str(real_files.save_shard(import_id, update))

    services.roster_files = DiesAtTheThirdShard()
    upload("rosters/three-schools.csv", roster)
    worker.drain()  # the upload message fails; nothing is queued yet
    assert reports()[0]["status"] == "running" and list(MembershipItem.scan()) == []

    services.roster_files = real_files
    queue = client("sqs").get_queue_url(QueueName=settings().upload_queue_name)["QueueUrl"]
    # SQS redelivers the failed message once its visibility timeout (short in tests) has passed.
    while (
        not client("sqs")
        .receive_message(QueueUrl=queue, VisibilityTimeout=0, WaitTimeSeconds=1)
        .get("Messages")
    ):
        pass
    worker.drain()

    [report] = reports()
    assert report["status"] == "succeeded", report
    assert report["counts"]["schools"] == 3
    assert {(c, p, r) for c, p, r, active in memberships() if active} == planned_memberships(roster)
    assert report["counts"]["memberships_added"] == len(planned_memberships(roster))


def planned_memberships(roster: bytes) -> set[tuple[str, str, str]]:
    """What the planner says the roster implies, computed here without any AWS."""
    import tempfile
    from pathlib import Path

    from chalicelib.planning.plan import plan_school
    from chalicelib.roster.model import apply_update
    from chalicelib.roster.reader import RosterLimits, read_roster

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "roster.csv"
        path.write_bytes(roster)
        parsed = read_roster(path, "roster.csv", RosterLimits(10**8, 10**9, 100))
        planned = set()
        for update in parsed.school_updates():
            plan = plan_school(apply_update(None, update))
            planned |= {(m.chat_id, m.person_id, m.chat_role.value) for m in plan.members.values()}
        parsed.close()
    return planned


def test_a_broken_export_is_held_and_the_report_says_so(worker: Any, api: Any) -> None:
    upload("rosters/full.csv", flat_csv(1, 4, 6, 1, seed=5))
    worker.drain()
    before = memberships()
    lines = flat_csv(1, 4, 6, 1, seed=5).decode().splitlines(keepends=True)
    upload("rosters/broken.csv", "".join(lines[: len(lines) // 3]).encode())
    worker.drain()

    latest = reports()[0]
    assert latest["source_key"] == "rosters/broken.csv" and latest["status"] == "held"
    detail = api.http.get(f"/v1/imports/{latest['id']}", headers=OPERATOR).json_body
    assert any(w["code"] == "held_deletion_threshold" for w in detail["warnings"])
    assert memberships() == before
