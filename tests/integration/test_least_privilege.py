"""Each Lambda function, driven through its real handler against moto, stays inside its IAM policy.

The per-test audit (``tests/iam_audit.py``) checks every test; this one makes
sure every function's paths are exercised at least once — an import that
succeeds, one that is held and forced, a busy school, a deleted upload,
malformed messages, the back office and the import reports — and shows that
the audit does fail when a policy lacks a permission the code needs.
"""

from __future__ import annotations

import contextlib
import json
import types
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import app as application
from chalicelib.aws import client
from chalicelib.config import settings
from chalicelib.planning.model import ChatKind, roster_chat_id
from chalicelib.roster.issues import IssueLog
from chalicelib.roster.model import (
    ClassKind,
    ClassRecord,
    EnrollmentRecord,
    EnrollmentRole,
    PersonRecord,
    RecordUpdate,
    Role,
    SchoolRoster,
    SchoolRosterUpdate,
    complete_update,
    roster_from_json,
    roster_to_json,
)
from chalicelib.roster.reader import RosterCounts, RosterLimits
from chalicelib.store.schools import SchoolStore
from devstack.worker import sqs_event
from tests.iam_audit import AUDIT, function_policy_files
from tests.support import auth_headers

SCHOOL = "school-lp"
ADMIN = "admin-lp"
CONTEXT = types.SimpleNamespace(function_name="test", aws_request_id="req")


def school_roster(students: int, school_id: str = SCHOOL) -> SchoolRoster:
    """An admin, a class teacher, and a homeroom class of students with a parent each."""
    people: dict[str, PersonRecord] = {}
    enrollments: dict[str, EnrollmentRecord] = {}

    def person(person_id: str, role: Role, related: tuple[str, ...] = ()) -> None:
        people[person_id] = PersonRecord(
            person_id, frozenset({role}), "Family", person_id, related_ids=frozenset(related)
        )

    person(ADMIN, Role.ADMIN)
    person("teacher-lp", Role.TEACHER)
    enrollments["e-teacher"] = EnrollmentRecord("e-teacher", "c1", "teacher-lp", EnrollmentRole.TEACHER, True)
    for index in range(students):
        student, parent = f"student-{index}", f"parent-{index}"
        person(student, Role.STUDENT, (parent,))
        person(parent, Role.PARENT, (student,))
        enrollments[f"e-{index}"] = EnrollmentRecord(f"e-{index}", "c1", student, EnrollmentRole.STUDENT)
    classes = {"c1": ClassRecord("c1", "5A", ClassKind.HOMEROOM)}
    return SchoolRoster(school_id, "Least Privilege School", people, classes, enrollments)


class JsonRoster:
    """Stands in for the roster parsers: the uploaded file is a school roster as JSON, bulk or delta."""

    format = "flat-csv"

    def __init__(self, roster: SchoolRoster, *, bulk: bool) -> None:
        self.roster = roster
        self.bulk = bulk
        self.issues = IssueLog()
        self.counts = RosterCounts(schools=1, classes=len(roster.classes), people=len(roster.people))

    def school_updates(self) -> Iterator[SchoolRosterUpdate]:
        if self.bulk:
            yield complete_update(self.roster)
            return
        roster = self.roster
        yield SchoolRosterUpdate(
            school_id=roster.school_id,
            school_name=roster.school_name,
            people=RecordUpdate(False, dict(roster.people)),
            classes=RecordUpdate(False, dict(roster.classes)),
            enrollments=RecordUpdate(False, dict(roster.enrollments)),
        )

    def close(self) -> None:
        """Nothing to release."""


def read_json_roster(path: Path, source_name: str, limits: RosterLimits, **options: Any) -> JsonRoster:
    document = json.loads(path.read_text(encoding="utf-8"))
    return JsonRoster(roster_from_json(document["roster"]), bulk=not document["delta"])


def queue_arn(name: str) -> str:
    return f"arn:aws:sqs:{settings().region}:123456789012:{name}"


def receive_all(queue_name: str) -> list[dict[str, Any]]:
    """Everything waiting on a queue (received, so invisible for the visibility timeout)."""
    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
    received: list[dict[str, Any]] = []
    while batch := sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["ApproximateReceiveCount"]
    ).get("Messages"):
        received.extend(batch)
    return received


def deliver(handler: Any, queue_name: str, messages: list[dict[str, Any]]) -> dict[str, Any]:
    result = handler(sqs_event(messages, queue_arn(queue_name)), CONTEXT)
    assert isinstance(result, dict)
    # As Lambda's event source mapping does: a message handled without failure is deleted, so it
    # does not come back once the (short, in tests) visibility timeout is over on a slow machine.
    failed = {failure["itemIdentifier"] for failure in result.get("batchItemFailures", [])}
    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
    for message in messages:
        if message["MessageId"] not in failed:
            with contextlib.suppress(sqs.exceptions.ClientError):
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return result


def upload(roster: SchoolRoster, *, delta: bool = False) -> None:
    key = f"rosters/{uuid.uuid4().hex}.json"
    body = json.dumps({"delta": delta, "roster": roster_to_json(roster)})
    client("s3").put_object(Bucket=settings().roster_bucket, Key=key, Body=body)


def run_uploads() -> None:
    messages = receive_all(settings().upload_queue_name)
    assert messages, "the bucket notification should have queued the upload"
    assert deliver(application.on_roster_uploaded, settings().upload_queue_name, messages) == {
        "batchItemFailures": []
    }


def run_school_syncs() -> int:
    messages = receive_all(settings().school_queue_name)
    for message in messages:
        assert deliver(application.on_school_sync, settings().school_queue_name, [message]) == {
            "batchItemFailures": []
        }
    return len(messages)


@pytest.fixture
def json_rosters(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("chalicelib.pipeline.upload.read_roster", read_json_roster)


def test_every_function_stays_inside_its_policy(api: Any, json_rosters: None) -> None:
    operator = auth_headers("operator-lp", operator=True)

    # An import that applies: upload → split → one school sync.
    upload(school_roster(students=4))
    run_uploads()
    assert run_school_syncs() == 1
    first = api.http.get("/v1/imports", headers=operator).json_body["items"][0]
    assert first["status"] == "succeeded", first

    # The back office and the reports, as an operator, as the school's admin, as a stranger.
    staff_room = roster_chat_id(SCHOOL, ChatKind.STAFF, None)
    assert api.http.get(f"/v1/schools/{SCHOOL}/chats", headers=operator).status_code == 200
    assert api.http.get(f"/v1/schools/{SCHOOL}/chats", headers=auth_headers(ADMIN)).status_code == 200
    assert api.http.get(f"/v1/chats/{staff_room}/members", headers=auth_headers(ADMIN)).status_code == 200
    assert (
        api.http.get(f"/v1/chats/{staff_room}/members", headers=auth_headers("stranger")).status_code == 409
    )
    assert api.http.get(f"/v1/imports/{first['id']}", headers=auth_headers(ADMIN)).status_code == 200
    assert api.http.get(f"/v1/imports?school_id={SCHOOL}", headers=auth_headers(ADMIN)).status_code == 200

    # A roster that would end most memberships is held; an operator forces it; the school is busy once.
    upload(school_roster(students=0))
    run_uploads()
    run_school_syncs()
    held = api.http.get("/v1/imports", headers=operator).json_body["items"][0]
    assert held["status"] == "held", held
    forced = api.http.post(f"/v1/imports/{held['id']}/force", headers=operator, body=b"{}")
    assert forced.status_code == 200, forced.body
    forced_message = receive_all(settings().school_queue_name)
    SchoolStore().acquire(SCHOOL, "Least Privilege School", "another-import", application_now())
    busy = deliver(application.on_school_sync, settings().school_queue_name, forced_message)
    assert busy == {"batchItemFailures": []}  # a delayed copy went back on the queue
    SchoolStore().release(SCHOOL, "another-import")
    # That copy, once its delay is over.
    assert deliver(application.on_school_sync, settings().school_queue_name, forced_message) == {
        "batchItemFailures": []
    }
    assert api.http.get(f"/v1/imports/{held['id']}", headers=operator).json_body["status"] == "succeeded"

    # A delta for a school never seen: its base roster is missing from the bucket.
    upload(school_roster(students=1, school_id="school-lp-new"), delta=True)
    run_uploads()
    assert run_school_syncs() == 1

    # A roster deleted before its import ran, and messages no handler can read.
    bucket = settings().roster_bucket
    client("s3").put_object(Bucket=bucket, Key="rosters/gone.json", Body=b"{}")
    client("s3").delete_object(Bucket=bucket, Key="rosters/gone.json")
    run_uploads()
    garbage = [{"MessageId": str(uuid.uuid4()), "ReceiptHandle": "h", "Body": "not json"}]
    deliver(application.on_roster_uploaded, settings().upload_queue_name, garbage)
    deliver(application.on_school_sync, settings().school_queue_name, garbage)

    assert AUDIT.violations() == []
    # The drive above reached each function's characteristic calls (so the audit had something to check).
    assert {
        "dynamodb:Query",
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
        "sqs:SendMessage",
    } <= AUDIT.actions_of("api_handler")
    assert {"s3:GetObject", "s3:ListBucket", "s3:PutObject", "dynamodb:PutItem", "sqs:SendMessage"} <= (
        AUDIT.actions_of("on_roster_uploaded")
    )
    assert {"dynamodb:BatchWriteItem", "s3:ListBucket", "sqs:SendMessage"} <= (
        AUDIT.actions_of("on_school_sync")
    )


def application_now() -> Any:
    """The deployed handlers' clock: the system's (``app.app`` runs on the production services)."""
    from datetime import UTC, datetime

    return datetime.now(UTC)


def test_a_policy_missing_a_permission_fails_the_audit(api: Any, json_rosters: None) -> None:
    policy = json.loads(function_policy_files()["on_school_sync"].read_text(encoding="utf-8"))
    policy["Statement"] = [s for s in policy["Statement"] if s.get("Sid") != "WriteMemberships"]
    AUDIT.policy_overrides["on_school_sync"] = policy
    try:
        upload(school_roster(students=2))
        run_uploads()
        run_school_syncs()
        problems = AUDIT.violations()
    finally:
        AUDIT.policy_overrides.clear()
        AUDIT.reset()
    table = settings().table_name("memberships")
    assert any(
        "on_school_sync called dynamodb:BatchWriteItem" in p and f":table/{table}" in p for p in problems
    ), problems
