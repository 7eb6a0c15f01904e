"""`make run`'s contract (SPEC §8), checked by starting it as a newcomer would: a real process."""

from __future__ import annotations

import json
import signal
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tests.local_stack import Stack, start_stack, stop_stack


def _get(url: str, token: str | None = None) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - loopback only
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback only
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def _tokens(output: list[str]) -> dict[str, str]:
    tokens: dict[str, str] = {}
    for index, line in enumerate(output):
        parts = line.split()
        if len(parts) >= 2 and parts[0] in ("t-ivanova", "a-petrova", "p-orlova", "s-orlov", "operator-1"):
            tokens[parts[0]] = output[index + 1].strip()
    return tokens


@pytest.fixture(scope="module")
def demo_stack() -> Iterator[Stack]:
    stack = start_stack({})
    yield stack
    if stack.process.poll() is None:
        stop_stack(stack)


def test_ready_line_names_the_api_the_emulator_and_the_bucket(demo_stack: Stack) -> None:
    ready = demo_stack.ready
    assert set(ready) >= {"api", "emulator", "bucket"}
    assert ready["api"].startswith("http://127.0.0.1:") and ready["emulator"].startswith("http://127.0.0.1:")


def test_the_local_bucket_lets_the_stacks_own_origin_upload_and_no_other(demo_stack: Stack) -> None:
    """The bucket's CORS rule (ALLOWED_ORIGINS, default: the stack's own origin, where the demo
    journal's pages are) answers a browser's preflight for POST and GET; another origin is refused."""
    bucket_url = f"{demo_stack.ready['emulator']}/{demo_stack.ready['bucket']}"
    origin = demo_stack.ready["api"].rstrip("/")
    for method, who, allowed in (
        ("POST", origin, True),
        ("GET", origin, True),
        ("POST", "https://evil.example", False),
    ):
        request = urllib.request.Request(  # noqa: S310 - loopback only
            bucket_url, method="OPTIONS", headers={"Origin": who, "Access-Control-Request-Method": method}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback only
                status, headers = response.status, dict(response.headers)
        except urllib.error.HTTPError as error:
            status, headers = error.code, dict(error.headers)
        if allowed:
            assert status == 200 and headers.get("Access-Control-Allow-Origin") == origin, (method, headers)
        else:
            assert status == 403 and "Access-Control-Allow-Origin" not in headers, headers


def test_the_demo_school_is_loaded_and_printed_tokens_work(demo_stack: Stack) -> None:
    tokens = _tokens(demo_stack.output)
    assert {"t-ivanova", "a-petrova", "operator-1"} <= set(tokens)
    status, body = _get(demo_stack.ready["api"] + "/v1/schools/school-1/chats", tokens["a-petrova"])
    assert status == 200, body
    titles = {chat["title"] for chat in body["items"]}
    assert {"Учительская", "5А", "5А — родители", "5Б", "6А"} <= titles
    status, _ = _get(demo_stack.ready["api"] + "/v1/schools/school-1/chats")
    assert status == 401


def test_an_uploaded_roster_becomes_chats(demo_stack: Stack) -> None:
    s3 = boto3.client(
        "s3",
        endpoint_url=demo_stack.ready["emulator"],
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    roster = (
        "school_id,school_name,class,role,person_id,last_name,first_name,middle_name,phone,guardian_of\n"
        "sch-77,Лицей 77,7В,class_teacher,t-77,Егорова,Нина,Павловна,,\n"
        "sch-77,Лицей 77,7В,student,s-77,Титов,Глеб,,,\n"
        "sch-77,Лицей 77,,parent,p-77,Титова,Ольга,,+79160000077,s-77\n"
    )
    s3.put_object(Bucket=demo_stack.ready["bucket"], Key="rosters/lyceum-77.csv", Body=roster.encode())
    operator = _tokens(demo_stack.output)["operator-1"]
    deadline = time.monotonic() + 60
    titles: set[str] = set()
    while time.monotonic() < deadline and "7В — родители" not in titles:
        status, body = _get(demo_stack.ready["api"] + "/v1/schools/sch-77/chats", operator)
        titles = {chat["title"] for chat in body["items"]} if status == 200 else set()
        time.sleep(0.3)
    assert {"Учительская", "7В", "7В — родители"} <= titles


def test_sigterm_stops_everything(demo_stack: Stack) -> None:
    assert stop_stack(demo_stack, signal.SIGTERM) == 0
    with pytest.raises(OSError):
        urllib.request.urlopen(demo_stack.ready["api"] + "/v1/imports", timeout=2)  # noqa: S310


def test_demo_0_starts_empty_and_ctrl_c_stops_it() -> None:
    stack = start_stack(
        {
            "DEMO": "0",
            "JOURNAL_JWT_SECRET": "my-own-secret-0123456789abcdef0123",
            "OPERATOR_JWT_SECRET": "my-own-operator-secret-0123456789abcdef",
        }
    )
    try:
        assert not _tokens(stack.output)
        from chalicelib.identity.journal_token import issue_operator_token

        token = issue_operator_token(
            "op", "my-own-operator-secret-0123456789abcdef", issued_at=int(time.time())
        )
        status, body = _get(stack.ready["api"] + "/v1/imports", token)
        assert status == 200 and body["items"] == []
    finally:
        assert stop_stack(stack, signal.SIGINT) == 0
