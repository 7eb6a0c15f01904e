"""The pipeline's queue messages: S3 event notifications in, school-sync messages between stages."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

import pydantic

ROSTER_PREFIX = "rosters/"
MAX_MESSAGE_CHARS = 256 * 1024


class MalformedMessage(Exception):
    """A queue message that no retry can make sense of."""


@dataclass(frozen=True)
class UploadedObject:
    """One roster object that S3 says was created."""

    bucket: str
    key: str
    version_id: str | None
    etag: str
    event_time: str

    @property
    def import_id(self) -> str:
        """The import's id: the same upload always gets the same id, a new upload a new one.

        With bucket versioning (as deployed) the version id tells uploads apart;
        without it, the ETag and the event time do. Duplicate deliveries of one
        event carry the same values, so they land on the same import.
        """
        identity = self.version_id or f"{self.etag}@{self.event_time}"
        material = "\x1f".join(("import-v1", self.bucket, self.key, identity))
        return "imp_" + hashlib.sha256(material.encode()).hexdigest()[:24]

    @property
    def version(self) -> str:
        """What identifies this upload of the key (version id, else ETag)."""
        return self.version_id or self.etag


def _require_str(mapping: Any, key: str) -> str:
    value = mapping.get(key) if isinstance(mapping, dict) else None
    if not isinstance(value, str) or not value:
        raise MalformedMessage(f"missing or invalid {key!r}")
    return value


def uploaded_objects(body: str) -> list[UploadedObject]:
    """The roster objects an S3 event notification announces.

    S3's ``s3:TestEvent`` (sent when the notification is set up) and events for
    keys outside ``rosters/`` announce nothing. Keys arrive URL-encoded.
    """
    if len(body) > MAX_MESSAGE_CHARS:
        raise MalformedMessage("message too large")
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise MalformedMessage("not JSON") from exc
    if not isinstance(document, dict):
        raise MalformedMessage("not a JSON object")
    if document.get("Event") == "s3:TestEvent":
        return []
    records = document.get("Records")
    if not isinstance(records, list):
        raise MalformedMessage("no Records")
    objects = []
    for record in records:
        if not isinstance(record, dict):
            raise MalformedMessage("a record is not an object")
        event_name = _require_str(record, "eventName")
        if not event_name.startswith("ObjectCreated:"):
            continue
        s3 = record.get("s3")
        bucket = _require_str(s3.get("bucket") if isinstance(s3, dict) else None, "name")
        obj = s3.get("object") if isinstance(s3, dict) else None
        key = unquote_plus(_require_str(obj, "key"))
        if not key.startswith(ROSTER_PREFIX) or key.endswith("/"):
            continue
        assert isinstance(obj, dict)
        version_id = obj.get("versionId")
        objects.append(
            UploadedObject(
                bucket=bucket,
                key=key,
                version_id=version_id if isinstance(version_id, str) and version_id else None,
                etag=str(obj.get("eTag") or ""),
                event_time=_require_str(record, "eventTime"),
            )
        )
    return objects


class SchoolSyncMessage(pydantic.BaseModel):
    """Sent on the school queue: sync one school's part of an import."""

    model_config = pydantic.ConfigDict(extra="forbid", strict=True, frozen=True)

    import_id: str = pydantic.Field(pattern=r"^imp_[0-9a-f]{24}$")
    school_id: str = pydantic.Field(min_length=1, max_length=200)
    force: bool = False

    def to_body(self) -> str:
        """The message body."""
        return self.model_dump_json()


def school_sync_message(body: str) -> SchoolSyncMessage:
    """Parse a school-queue message, or raise :class:`MalformedMessage`."""
    if len(body) > MAX_MESSAGE_CHARS:
        raise MalformedMessage("message too large")
    try:
        return SchoolSyncMessage.model_validate_json(body)
    except pydantic.ValidationError as exc:
        raise MalformedMessage(f"invalid school-sync message: {exc.error_count()} errors") from exc
