"""Structured logs with a correlation id, and the metrics operators watch (EMF lines on stdout)."""

from __future__ import annotations

import io
import json
import logging
import types
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

import app as application
from chalicelib.identity.sms import SmsNotSent
from chalicelib.observability import flush_metrics, logger, record_link_completed, record_sms_sent
from chalicelib.pipeline.imports import ParsedFile
from chalicelib.pipeline.lifecycle import ImportLifecycle
from chalicelib.store.import_outbox import S3SqsImportOutbox
from chalicelib.store.imports import DynamoImportStore
from tests.identity_support import (
    STRONG_PASSWORD,
    call,
    last_code,
    make_account,
    open_session,
    sms_to,
    step,
    unique_phone,
)


def printed_json(captured: str) -> list[dict[str, Any]]:
    lines = []
    for line in captured.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                lines.append(json.loads(line))
            except ValueError:
                continue
    return lines


def metric_values(captured: str) -> dict[str, list[float]]:
    """Every metric in the EMF lines printed, with all its values."""
    values: dict[str, list[float]] = {}
    for document in printed_json(captured):
        if "_aws" not in document:
            continue
        for directive in document["_aws"]["CloudWatchMetrics"]:
            assert directive["Namespace"] == "SchoolChats"
            assert ["stage", "service"] in directive["Dimensions"] or ["service", "stage"] in directive[
                "Dimensions"
            ]
            for metric in directive["Metrics"]:
                found = document[metric["Name"]]
                values.setdefault(metric["Name"], []).extend(found if isinstance(found, list) else [found])
    return values


def proxy_event(path: str, request_id: str) -> dict[str, Any]:
    """What API Gateway hands the Lambda for a GET (REST API, proxy integration)."""
    return {
        "resource": path,
        "path": path,
        "httpMethod": "GET",
        "headers": {"Accept": "application/json"},
        "multiValueHeaders": {"Accept": ["application/json"]},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {"resourcePath": path, "httpMethod": "GET", "requestId": request_id, "path": path},
        "body": None,
        "isBase64Encoded": False,
    }


def test_an_http_request_is_tagged_with_api_gateways_request_id(aws: Any) -> None:
    request_id = str(uuid.uuid4())
    response = application.app(proxy_event("/v1/imports", request_id), types.SimpleNamespace())
    assert response["statusCode"] == 401
    assert response["headers"]["X-Request-Id"] == request_id
    assert logger.get_correlation_id() == request_id


def test_without_api_gateway_each_request_gets_its_own_id(api: Any) -> None:
    first = api.http.get("/v1/imports").headers["X-Request-Id"]
    second = api.http.get("/v1/imports").headers["X-Request-Id"]
    assert first != second
    assert str(uuid.UUID(first)) == first


def test_metrics_recorded_during_a_request_are_flushed_with_it(
    api: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    flush_metrics()
    capfd.readouterr()
    record_sms_sent()
    record_link_completed()
    api.http.get("/v1/imports")
    values = metric_values(capfd.readouterr().out)
    assert values["SmsSent"] == [1.0]
    assert values["LinksCompleted"] == [1.0]


def test_a_finished_import_is_counted_once_with_its_duration(
    services: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    store = DynamoImportStore()
    import_id = "imp_" + uuid.uuid4().hex[:24]
    now = services.clock.now()
    store.begin(
        import_id, bucket="b", key="rosters/x.csv", version="v1", uploaded_at="2026-01-01T00:00:00Z", now=now
    )
    store.record_parsed(
        import_id,
        ParsedFile(
            format="flat-csv",
            bulk=True,
            counts={},
            errors=[],
            warnings=[],
            error_count=0,
            warning_count=0,
            schools_total=0,
            content_key=None,
        ),
    )
    flush_metrics()
    capfd.readouterr()
    lifecycle = ImportLifecycle(store, S3SqsImportOutbox())
    first = lifecycle.finish_if_complete(import_id, now)
    again = lifecycle.finish_if_complete(import_id, now)  # a duplicate delivery
    flush_metrics()
    values = metric_values(capfd.readouterr().out)
    assert first is not None and again is not None and first["status"] == again["status"] == "succeeded"
    assert values["ImportsFinished"] == [1.0]
    assert values["ImportsSucceeded"] == [1.0]
    assert len(values["ImportDurationSeconds"]) == 1 and values["ImportDurationSeconds"][0] >= 0


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """The service's JSON log lines, as Lambda would ship them to CloudWatch Logs."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    logging.getLogger(logger.name).addHandler(handler)
    yield stream
    logging.getLogger(logger.name).removeHandler(handler)


def test_a_queue_record_is_logged_under_its_message_id(aws: Any, log_lines: io.StringIO) -> None:
    message_id = str(uuid.uuid4())
    record = {
        "messageId": message_id,
        "receiptHandle": "h",
        "body": "not json",
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:elsewhere",
        "awsRegion": "us-east-1",
    }
    application.on_school_sync({"Records": [record]}, types.SimpleNamespace())
    logged = [
        line
        for line in printed_json(log_lines.getvalue())
        if line.get("message") == "malformed queue message"
    ]
    assert len(logged) == 1
    assert logged[0]["correlation_id"] == message_id
    assert logged[0]["service"] == "school-chats"


# --- the linking flow's metrics (SmsSent, LinksCompleted) ------------------------------


class _RefusingSender:
    def send(self, phone_e164: str, text: str) -> None:
        raise SmsNotSent("provider down")


def _metrics_of(capfd: pytest.CaptureFixture[str]) -> dict[str, list[float]]:
    """The metrics the requests since the last call flushed (the middleware flushes per request)."""
    return metric_values(capfd.readouterr().out)


def test_every_sms_handed_to_sns_is_counted_and_only_those(
    api: Any, services: Any, clock: Any, emulator: str, capfd: pytest.CaptureFixture[str]
) -> None:
    phone = unique_phone()
    make_account(phone)
    session_id = open_session(api, "metrics-1", phone)
    capfd.readouterr()

    sent = step(api, "metrics-1", session_id, "password", {"password": STRONG_PASSWORD})
    assert sent.json_body["step"] == "code"
    assert _metrics_of(capfd).get("SmsSent") == [1.0]

    assert step(api, "metrics-1", session_id, "resend").status_code == 429  # inside the cooldown
    assert "SmsSent" not in _metrics_of(capfd)

    working = services.sms_sender
    services.sms_sender = _RefusingSender()
    clock.advance(seconds=120)
    assert step(api, "metrics-1", session_id, "resend").status_code == 503
    assert "SmsSent" not in _metrics_of(capfd)

    services.sms_sender = working
    assert step(api, "metrics-1", session_id, "resend").status_code == 200
    assert _metrics_of(capfd).get("SmsSent") == [1.0]
    assert len(sms_to(emulator, phone)) == 2


def test_a_link_is_counted_when_it_is_made_and_not_when_it_is_refused(
    api: Any, clock: Any, emulator: str, capfd: pytest.CaptureFixture[str]
) -> None:
    phone = unique_phone()
    make_account(phone)
    sessions = {}
    for person in ("metrics-2", "metrics-3"):
        sessions[person] = open_session(api, person, phone)
        step(api, person, sessions[person], "password", {"password": STRONG_PASSWORD})
        chosen = step(api, person, sessions[person], "code", {"code": last_code(emulator, phone)})
        assert chosen.json_body["step"] == "choose_profile"
        clock.advance(seconds=120)
    capfd.readouterr()

    assert step(api, "metrics-2", sessions["metrics-2"], "confirm").json_body["step"] == "done"
    assert _metrics_of(capfd).get("LinksCompleted") == [1.0]

    # The same profile for a second journal user: refused, so not a link.
    assert step(api, "metrics-3", sessions["metrics-3"], "confirm").status_code == 409
    assert call(api, "delete", "/v1/link", "metrics-2").status_code == 204
    assert "LinksCompleted" not in _metrics_of(capfd)
