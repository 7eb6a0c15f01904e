"""The roster files port (``pipeline.files.RosterFiles``): the twin and ``store/rosters.py``'s S3 adapter
alike. Uploads (read, refused when too large, missing), shards and rosters kept and read back, the
complete issue list paged by byte offset.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from chalicelib.pipeline.files import ObjectMissing, ObjectTooLarge, RosterFiles
from tests.builders import bulk_update, sample_school


@dataclass
class Files:
    files: RosterFiles
    upload: Callable[[str, bytes], None]  # put an uploaded file in the roster bucket
    bucket: str


@pytest.fixture(params=["memory", "s3"])
def files(request: pytest.FixtureRequest) -> Files:
    """The twin, then the S3 adapter (a fresh bucket per test)."""
    if request.param == "memory":
        from chalicelib.memory.roster_files import InMemoryRosterFiles

        twin = InMemoryRosterFiles()
        return Files(twin, lambda key, body: twin.upload("uploads", key, body), "uploads")
    request.getfixturevalue("aws")
    from chalicelib.aws import client
    from chalicelib.config import settings
    from chalicelib.store.rosters import S3RosterFiles

    bucket = settings().roster_bucket

    def upload(key: str, body: bytes) -> None:
        client("s3").put_object(Bucket=bucket, Key=key, Body=body)

    return Files(S3RosterFiles(), upload, bucket)


def test_an_upload_is_downloaded_with_its_digest_or_refused(files: Files) -> None:
    body = "school_id,school_name\ns1,Школа\n".encode()
    files.upload("rosters/a.csv", body)
    got = files.files.download(files.bucket, "rosters/a.csv", len(body))
    try:
        assert got.path.read_bytes() == body
        assert got.sha256 == hashlib.sha256(body).hexdigest()
    finally:
        got.path.unlink()
    with pytest.raises(ObjectTooLarge):
        files.files.download(files.bucket, "rosters/a.csv", len(body) - 1)
    with pytest.raises(ObjectMissing):
        files.files.download(files.bucket, "rosters/gone.csv", 1000)


def test_shards_and_rosters_are_kept_and_read_back(files: Files) -> None:
    roster = sample_school("school-1", classes=1, students=2)
    update = bulk_update(roster)
    key = files.files.save_shard("imp-1", update)
    assert files.files.load_shard(key) == update
    with pytest.raises(LookupError):
        files.files.load_shard("imports/imp-9/schools/none.json.gz")
    assert files.files.load_roster("school-1") is None
    assert files.files.save_roster(roster) == files.files.roster_key("school-1")
    assert files.files.load_roster("school-1") == roster
    assert files.files.roster_fingerprint(roster) == files.files.roster_fingerprint(
        files.files.load_roster("school-1")
    )  # type: ignore[arg-type]
    other = sample_school("school-1", classes=2, students=2)
    assert files.files.roster_fingerprint(other) != files.files.roster_fingerprint(roster)
    assert files.files.content_key("ab") != files.files.content_key("cd")


def test_an_issue_list_is_paged_by_byte_offset(files: Files) -> None:
    issues = [{"line": n, "code": "bad_row", "message": f"строка {n}"} for n in range(5)]
    spool = io.BytesIO(b"".join(json.dumps(i, ensure_ascii=False).encode() + b"\n" for i in issues))
    files.files.put_issue_list("reports/imp-1.issues.jsonl", spool)
    first, following = files.files.read_issue_lines("reports/imp-1.issues.jsonl", 0, 2)
    assert first == issues[:2] and following is not None
    rest: list[dict[str, object]] = []
    while following is not None:
        page, following = files.files.read_issue_lines("reports/imp-1.issues.jsonl", following, 2)
        rest += page
    assert rest == issues[2:]
    assert files.files.read_issue_lines("reports/imp-1.issues.jsonl", 10_000, 2) == ([], None)
