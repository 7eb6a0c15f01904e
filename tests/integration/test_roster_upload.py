"""The upload stage with the real parsers (moto): good rosters split per school, bad ones change nothing."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.aws import client
from chalicelib.config import settings
from chalicelib.pipeline.queue_payloads import UploadedObject
from chalicelib.pipeline.upload import import_upload
from chalicelib.store.imports import DynamoImportStore
from devstack.rostergen import flat_csv, oneroster_zip
from tests.unit.roster.helpers import flat

pytestmark = pytest.mark.emulator


def _upload(key: str, body: bytes) -> UploadedObject:
    bucket = settings().roster_bucket
    response = client("s3").put_object(Bucket=bucket, Key=key, Body=body)
    return UploadedObject(bucket, key, None, response["ETag"].strip('"'), "2025-09-01T08:00:00.000Z")


def _keys(prefix: str) -> list[str]:
    listing = client("s3").list_objects_v2(Bucket=settings().roster_bucket, Prefix=prefix)
    return sorted(item["Key"] for item in listing.get("Contents", []))


def _queued(queues: Any) -> int:
    attributes = client("sqs").get_queue_attributes(
        QueueUrl=queues.school, AttributeNames=["ApproximateNumberOfMessages"]
    )
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


@pytest.mark.parametrize(
    ("name", "body", "fmt"),
    [
        ("rosters/flat.csv", flat_csv(2, 2, 3, 1, seed=1, encoding="cp1251", delimiter=";"), "flat-csv"),
        ("rosters/export.zip", oneroster_zip(2, 2, 3, 1, seed=1, version="1.2"), "oneroster-1.2"),
    ],
)
def test_a_roster_is_read_and_split_per_school(
    services: Any, aws: Any, name: str, body: bytes, fmt: str
) -> None:
    upload = _upload(name, body)
    import_upload(services, upload)
    report = DynamoImportStore().report(upload.import_id)
    assert report is not None
    assert report["format"] == fmt
    assert report["counts"]["schools"] == 2 and report["counts"]["classes"] > 0
    assert report["counts"]["rows_skipped"] == 0
    assert len(_keys(f"imports/{upload.import_id}/schools/")) == 2
    assert _queued(aws) == 2


def test_skipped_rows_are_reported_with_their_place(services: Any, aws: Any) -> None:
    body = flat("s1,Школа,5А,student,c1,Иванов,Иван,,,", "s1,Школа,5А,pupil,c2,Петров,Пётр,,,")
    upload = _upload("rosters/with-errors.csv", body)
    import_upload(services, upload)
    report = DynamoImportStore().report(upload.import_id)
    assert report is not None
    assert report["counts"]["rows_skipped"] == 1
    assert report["errors"] == [
        {
            "file": "with-errors.csv",
            "line": 3,
            "column": "role",
            "code": "unknown_role",
            "message": "Role 'pupil' is not one of: student, teacher, class_teacher, parent, admin.",
        }
    ]


@pytest.mark.parametrize(
    ("name", "body", "code"),
    [
        ("rosters/empty.csv", b"", "file_empty"),
        ("rosters/binary.csv", bytes(range(256)) * 8, "binary_file"),
        (
            "rosters/users.csv",
            b"sourcedId,role,givenName,familyName\nu1,student,A,B\n",
            "oneroster_not_zipped",
        ),
        (
            "rosters/no-id.csv",
            b"school_id,class,role,last_name,first_name\ns1,5A,student,A,B\n",
            "missing_column",
        ),
    ],
)
def test_an_unreadable_roster_fails_the_import_and_changes_nothing(
    services: Any, aws: Any, name: str, body: bytes, code: str
) -> None:
    upload = _upload(name, body)
    import_upload(services, upload)
    report = DynamoImportStore().report(upload.import_id)
    assert report is not None
    assert report["status"] == "failed"
    assert [(e["file"], e["code"]) for e in report["errors"]] == [(name.removeprefix("rosters/"), code)]
    assert _keys("imports/") == [] and _keys("state/") == []
    assert _queued(aws) == 0


def test_a_zip_bomb_fails_the_import_and_changes_nothing(services: Any, aws: Any) -> None:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.csv", "propertyName,value\noneroster.version,1.1\nfile.users,bulk\n")
        archive.writestr("users.csv", b"sourcedId\n" + b"x" * (20 << 20))
    upload = _upload("rosters/bomb.zip", buffer.getvalue())
    import_upload(services, upload)
    report = DynamoImportStore().report(upload.import_id)
    assert report is not None and report["status"] == "failed"
    assert [e["code"] for e in report["errors"]] == ["zip_bomb"]
    assert _keys("imports/") == [] and _queued(aws) == 0


def test_a_roster_over_the_size_limit_fails_at_once_and_suggests_per_school_files(
    services: Any, aws: Any, configure: Any
) -> None:
    from devstack.requests import count_aws_requests

    body = flat_csv(3, 2, 5, 1, seed=3)
    configure(ROSTER_MAX_BYTES=str(len(body) - 1))
    upload = _upload("rosters/region.csv", body)
    with count_aws_requests() as requests:
        import_upload(services, upload)
    report = DynamoImportStore().report(upload.import_id)
    assert report is not None and report["status"] == "failed"
    [error] = report["errors"]
    assert error["code"] == "file_too_large" and "one per school" in error["message"]
    # Refused on the size S3 declares for the object: one GetObject, nothing split or queued.
    assert requests.of("s3")["GetObject"] == 1
    assert _keys("imports/") == [] and _queued(aws) == 0
