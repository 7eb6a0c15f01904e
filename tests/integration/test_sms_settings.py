"""The SMS settings custom resource's inline code, run against moto's SNS as CloudFormation would call it."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from infrastructure.build import merge_template

SUCCESS, FAILED = "SUCCESS", "FAILED"


@pytest.fixture
def custom_resource(
    emulator: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Any, list[dict[str, Any]]]]:
    """The handler from the template's ZipFile, with CloudFormation's cfnresponse module recorded."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", emulator)
    sent: list[dict[str, Any]] = []
    cfnresponse = types.ModuleType("cfnresponse")
    cfnresponse.SUCCESS, cfnresponse.FAILED = SUCCESS, FAILED  # type: ignore[attr-defined]

    def send(event: Any, context: Any, status: str, data: Any, physical_id: Any = None, **extra: Any) -> None:
        sent.append({"status": status, "physical_id": physical_id, **extra})

    cfnresponse.send = send  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "cfnresponse", cfnresponse)
    code = merge_template("dev")["Resources"]["SmsSettingsFunction"]["Properties"]["Code"]["ZipFile"]
    module = types.ModuleType("sms_settings_index")
    exec(compile(code, "index.py", "exec"), module.__dict__)  # noqa: S102 - the template's own code under test
    yield module.handler, sent


def event(kind: str, **properties: Any) -> dict[str, Any]:
    return {"RequestType": kind, "ResourceProperties": {"ServiceToken": "arn", **properties}}


def sms_attributes() -> dict[str, str]:
    return dict(boto3.client("sns", region_name="us-east-1").get_sms_attributes()["attributes"])


def test_create_and_update_set_the_accounts_sms_settings(custom_resource: Any) -> None:
    handler, sent = custom_resource
    handler(
        event("Create", DefaultSenderID="SchoolChat", DefaultSMSType="Transactional", MonthlySpendLimit=1),
        None,
    )
    assert sent[-1]["status"] == SUCCESS
    assert {k: sms_attributes()[k] for k in ("DefaultSenderID", "DefaultSMSType", "MonthlySpendLimit")} == {
        "DefaultSenderID": "SchoolChat",
        "DefaultSMSType": "Transactional",
        "MonthlySpendLimit": "1",
    }
    handler(
        event("Update", DefaultSenderID="Gymnasium1", DefaultSMSType="Transactional", MonthlySpendLimit=5),
        None,
    )
    assert sent[-1]["status"] == SUCCESS
    assert sms_attributes()["DefaultSenderID"] == "Gymnasium1"
    assert sms_attributes()["MonthlySpendLimit"] == "5"


def test_delete_leaves_the_account_settings_alone(custom_resource: Any) -> None:
    handler, sent = custom_resource
    handler(
        event("Create", DefaultSenderID="KeepMe", DefaultSMSType="Transactional", MonthlySpendLimit=1), None
    )
    handler(
        event("Delete", DefaultSenderID="KeepMe", DefaultSMSType="Transactional", MonthlySpendLimit=1), None
    )
    assert [s["status"] for s in sent] == [SUCCESS, SUCCESS]
    assert sms_attributes()["DefaultSenderID"] == "KeepMe"


def test_a_bad_request_reports_failure_instead_of_hanging_the_stack(custom_resource: Any) -> None:
    handler, sent = custom_resource
    handler(event("Create", DefaultSMSType="Transactional"), None)  # no sender id, no limit
    assert sent[-1]["status"] == FAILED
    assert "DefaultSenderID" in sent[-1]["reason"]
