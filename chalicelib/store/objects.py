"""The roster bucket: streaming roster files down, and the JSON documents the pipeline keeps there.

Layout of the bucket:

* ``rosters/…`` — what the journal uploads (the only prefix that triggers imports);
* ``imports/<import_id>/schools/<school-key>.json.gz`` — each school's part of an import;
* ``state/schools/<school-key>.json.gz`` — each school's last applied roster;
* ``reports/<import_id>.json`` — the import reports;
* ``reports/<import_id>.issues.jsonl`` — an import's complete list of errors and
  warnings, one JSON object a line (the report's item keeps only its head).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import tempfile
from pathlib import Path
from typing import IO, Any, BinaryIO

from chalicelib.aws import client
from chalicelib.config import settings
from chalicelib.pipeline.files import Downloaded, ObjectMissing, ObjectTooLarge

CHUNK_BYTES = 1024 * 1024


def school_key(school_id: str) -> str:
    """A fixed-length, URL-safe stand-in for a school id in object keys (ids may hold anything)."""
    return hashlib.sha256(school_id.encode()).hexdigest()[:32]


def download_to_file(bucket: str, key: str, max_bytes: int, target: BinaryIO) -> str:
    """Stream an object into ``target`` in 1 MiB chunks; refuse it beyond ``max_bytes``.

    Never holds the object in memory. Returns the SHA-256 of what it wrote;
    raises :class:`ObjectMissing` when there is no such object.
    """
    digest = hashlib.sha256()
    s3 = client("s3")
    try:
        response = s3.get_object(Bucket=bucket, Key=key)
    except s3.exceptions.ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            raise ObjectMissing(key) from error
        raise
    declared = int(response.get("ContentLength", 0))
    if declared > max_bytes:
        response["Body"].close()
        raise ObjectTooLarge(f"{declared} bytes")
    written = 0
    for chunk in response["Body"].iter_chunks(CHUNK_BYTES):
        written += len(chunk)
        if written > max_bytes:
            response["Body"].close()
            raise ObjectTooLarge(f"more than {max_bytes} bytes")
        target.write(chunk)
        digest.update(chunk)
    target.flush()
    return digest.hexdigest()


def spooled_download(bucket: str, key: str, max_bytes: int, directory: str | None = None) -> Downloaded:
    """Download an object to a new temporary file (the caller deletes it)."""
    descriptor, name = tempfile.mkstemp(prefix="roster-", dir=directory)
    try:
        with open(descriptor, "wb") as handle:
            sha256 = download_to_file(bucket, key, max_bytes, handle)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Downloaded(Path(name), sha256)


def put_json(key: str, document: Any, *, compress: bool) -> None:
    """Store a JSON document in the roster bucket (gzip for the big ones)."""
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    extra: dict[str, str] = {"ContentType": "application/json"}
    if compress:
        body = gzip.compress(body, compresslevel=5)
        extra["ContentEncoding"] = "gzip"
    client("s3").put_object(Bucket=settings().roster_bucket, Key=key, Body=body, **extra)


def get_json(key: str) -> Any | None:
    """A JSON document from the roster bucket, or None when there is none."""
    s3 = client("s3")
    try:
        response = s3.get_object(Bucket=settings().roster_bucket, Key=key)
    except s3.exceptions.NoSuchKey:
        return None
    body = response["Body"].read()
    if response.get("ContentEncoding") == "gzip" or body[:2] == b"\x1f\x8b":
        body = gzip.decompress(body)
    return json.loads(body)


ISSUE_LINE_MAX_BYTES = 4 * 1024
"""An upper bound of one issue's JSON line (its texts are trimmed: ``roster.issues``)."""


def put_issue_list(key: str, spool: IO[bytes]) -> None:
    """Store an import's complete issue list (JSON lines) from a file, streamed, never held in memory."""
    spool.flush()
    spool.seek(0)
    client("s3").put_object(
        Bucket=settings().roster_bucket, Key=key, Body=spool, ContentType="application/x-ndjson"
    )


def read_issue_lines(key: str, offset: int, max_lines: int) -> tuple[list[dict[str, Any]], int | None]:
    """Up to ``max_lines`` issues from byte ``offset`` of an issue list (one ranged GET), and the
    offset of the next one (None at the end). An offset past the end reads nothing."""
    s3 = client("s3")
    wanted = max_lines * ISSUE_LINE_MAX_BYTES
    try:
        response = s3.get_object(
            Bucket=settings().roster_bucket, Key=key, Range=f"bytes={offset}-{offset + wanted - 1}"
        )
    except s3.exceptions.ClientError as error:
        if error.response.get("Error", {}).get("Code") == "InvalidRange":
            return [], None
        raise
    total = int(str(response.get("ContentRange", "")).rpartition("/")[2] or 0)
    chunk = response["Body"].read()
    lines = chunk.split(b"\n")
    if offset + len(chunk) < total:
        lines = lines[:-1]  # the last one may be cut off by the range
    found: list[dict[str, Any]] = []
    used = 0
    for line in lines[:max_lines]:
        used += len(line) + 1
        if line:
            found.append(json.loads(line))
    following = offset + used
    return found, following if following < total else None
