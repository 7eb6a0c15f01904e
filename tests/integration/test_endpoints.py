"""Portability: every AWS endpoint can be set per service, as on an S3/SQS/DynamoDB-compatible cloud."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.aws import client
from chalicelib.config import settings
from chalicelib.store.objects import get_json, put_json
from chalicelib.store.schema import ALL_MODELS
from chalicelib.store.tables import LinkItem
from devstack.resources import provision
from tests.conftest import reset_process_state
from tests.support import free_port


@pytest.fixture
def per_service_endpoints(emulator: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each service's own AWS_ENDPOINT_URL_<SERVICE>; the global one points where nothing listens."""
    unique = uuid.uuid4().hex[:10]
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    for service in ("DYNAMODB", "S3", "SQS", "SNS"):
        monkeypatch.setenv(f"AWS_ENDPOINT_URL_{service}", emulator)
    monkeypatch.setenv("TABLE_PREFIX", f"ep{unique}-")
    monkeypatch.setenv("ROSTER_BUCKET", f"ep-rosters-{unique}")
    monkeypatch.setenv("UPLOAD_QUEUE_NAME", f"ep-uploads-{unique}")
    monkeypatch.setenv("SCHOOL_QUEUE_NAME", f"ep-schools-{unique}")
    monkeypatch.setenv("DEAD_LETTER_QUEUE_NAME", f"ep-dead-{unique}")
    monkeypatch.setenv("FANOUT_QUEUE_NAME", f"ep-fanout-{unique}")
    for model in ALL_MODELS:
        # PynamoDB keeps a connection per model; start afresh so it reads this test's endpoints.
        monkeypatch.setattr(model, "_connection", None)
    reset_process_state()
    yield
    reset_process_state()


def test_tables_bucket_queues_and_sms_follow_their_own_endpoints(per_service_endpoints: Any) -> None:
    from datetime import UTC, datetime

    provision(settings())
    LinkItem(person_id="p-1", profile_id="prof-1", account_id="acc-1", linked_at=datetime.now(UTC)).save()
    assert LinkItem.get("p-1").profile_id == "prof-1"
    put_json("reports/check.json", {"ok": True}, compress=True)
    assert get_json("reports/check.json") == {"ok": True}
    url = client("sqs").get_queue_url(QueueName=settings().school_queue_name)["QueueUrl"]
    client("sqs").send_message(QueueUrl=url, MessageBody="ping")
    assert client("sqs").receive_message(QueueUrl=url)["Messages"][0]["Body"] == "ping"
    assert client("sns").publish(PhoneNumber="+79990000000", Message="code")["MessageId"]
