"""An import's whole list of errors and warnings survives (#10.7, SPEC §5): the DynamoDB item keeps a
bounded summary, the complete list goes to the bucket under ``reports/`` and the operators page
through it at ``GET /v1/imports/{import_id}/issues``.

Before, a file with thousands of bad rows kept only the first issues (1,000 in memory, then what
fitted 96 KB of the item) and lost the rest for good.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.aws import client
from chalicelib.config import settings
from chalicelib.store.imports import DynamoImportStore
from chalicelib.store.tables import HEADER_PART, ImportItem
from tests.openapi import assert_documented
from tests.support import auth_headers

pytestmark = pytest.mark.emulator

OPERATOR = auth_headers("ops", operator=True)
HEADER = "school_id,school_name,class,role,person_id,last_name,first_name,middle_name,phone,guardian_of"
BAD_ROWS = 2500
DYNAMODB_ITEM_LIMIT = 400 * 1024


def roster() -> bytes:
    lines = [
        HEADER,
        "sch-i,Школа,5А,class_teacher,t-1,Учитель,Анна,,,",
        "sch-i,Школа,5А,student,s-1,Ученик,Петя,,,",
        "sch-i,Школа,,admin,adm-i,Директор,Дарья,,,",
    ]
    # Each bad row is an error with a long, distinct message (the role it names).
    lines += [f"sch-i,Школа,5А,wizard-{n:05d}-{'x' * 60},w-{n},Маг,Мерлин,,," for n in range(BAD_ROWS)]
    return ("\n".join(lines) + "\n").encode()


def all_issues(api: Any, path: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    url = path + "?limit=500"
    for _ in range(50):
        reply = api.http.get(url, headers=headers)
        assert reply.status_code == 200, reply.body
        page = reply.json_body
        assert_documented(
            "GET", "/v1/imports/{import_id}/issues", 200, page, reply.headers.get("Content-Type")
        )
        assert len(page["items"]) <= 500
        found += page["items"]
        if page["next_cursor"] is None:
            return found
        url = f"{path}?limit=500&cursor={page['next_cursor']}"
    raise AssertionError("the issue list never ended")


def test_thousands_of_bad_rows_are_all_listed_and_the_item_stays_small(application: Any, api: Any) -> None:
    from devstack.worker import app_worker

    client("s3").put_object(Bucket=settings().roster_bucket, Key="rosters/many-bad.csv", Body=roster())
    app_worker(application, school_concurrency=1).drain()
    [report] = DynamoImportStore().newest(5, None).items
    assert report["status"] == "succeeded_with_warnings", report["status"]
    assert report["error_count"] == BAD_ROWS

    # The item holds a summary only, well inside DynamoDB's item limit.
    header = ImportItem.get(report["id"], HEADER_PART)
    assert len(json.dumps(header.serialize(), ensure_ascii=False).encode()) < DYNAMODB_ITEM_LIMIT / 2
    assert 0 < len(report["errors"]) < BAD_ROWS

    # The report says where the complete list is, and the operators read every entry of it.
    shown = api.http.get(f"/v1/imports/{report['id']}", headers=OPERATOR).json_body
    path = f"/v1/imports/{report['id']}/issues"
    assert shown["issues_url"] == path
    issues = all_issues(api, path, OPERATOR)
    errors = [i for i in issues if i["severity"] == "error"]
    assert len(errors) == BAD_ROWS
    assert len(issues) == report["error_count"] + report["warning_count"]
    assert sorted(i["line"] for i in errors) == list(range(5, 5 + BAD_ROWS))
    assert all(i["code"] == "unknown_role" and i["column"] == "role" for i in errors)
    # The listed summary is the head of the same list.
    assert [dict(e, severity="error") for e in report["errors"]] == errors[: len(report["errors"])]
    # And the bucket's copy of the report points at the same object.
    copy = json.loads(
        client("s3")
        .get_object(Bucket=settings().roster_bucket, Key=f"reports/{report['id']}.json")["Body"]
        .read()
    )
    assert copy["issues_url"] == path


def test_the_issue_list_is_for_operators_and_its_cursor_for_itself(application: Any, api: Any) -> None:
    from devstack.worker import app_worker

    client("s3").put_object(Bucket=settings().roster_bucket, Key="rosters/many-bad.csv", Body=roster())
    app_worker(application, school_concurrency=1).drain()
    [report] = DynamoImportStore().newest(5, None).items
    path = f"/v1/imports/{report['id']}/issues"

    assert api.http.get(path).status_code == 401
    # The school's administrator sees the school's part of the report, not the file's issues.
    admin = api.http.get(path, headers=auth_headers("adm-i"))
    assert admin.status_code == 404 and admin.headers["Content-Type"] == "application/problem+json"
    assert (
        api.http.get("/v1/imports/imp_nosuchimportxxxxxxxxxxxx/issues", headers=OPERATOR).status_code == 404
    )
    first = api.http.get(path + "?limit=10", headers=OPERATOR).json_body
    assert len(first["items"]) == 10 and first["next_cursor"]
    # A hand-made or foreign cursor is refused; a bad limit too.
    for query in ("cursor=abc", f"cursor={first['next_cursor']}x", "limit=0", "limit=١٠"):
        refused = api.http.get(f"{path}?{query}", headers=OPERATOR)
        assert refused.status_code in (400, 422), (query, refused.body)
    chats_cursor = api.http.get("/v1/imports?limit=1", headers=OPERATOR).json_body["next_cursor"]
    if chats_cursor:
        assert api.http.get(f"{path}?cursor={chats_cursor}", headers=OPERATOR).status_code == 400
    second = api.http.get(f"{path}?limit=10&cursor={first['next_cursor']}", headers=OPERATOR).json_body
    assert [i["line"] for i in second["items"]] == [i["line"] + 10 for i in first["items"]]


def test_an_import_without_issues_has_no_list(application: Any, api: Any) -> None:
    from devstack.worker import app_worker

    clean = "\n".join([HEADER, "sch-c,Школа,5А,class_teacher,t-1,Учитель,Анна,,,"]) + "\n"
    client("s3").put_object(Bucket=settings().roster_bucket, Key="rosters/clean.csv", Body=clean.encode())
    app_worker(application, school_concurrency=1).drain()
    [report] = DynamoImportStore().newest(5, None).items
    assert report["issues_url"] is None
    reply = api.http.get(f"/v1/imports/{report['id']}/issues", headers=OPERATOR)
    assert reply.status_code == 200 and reply.json_body == {"items": [], "next_cursor": None}
