"""The attachments adapters (``attachments.port``): records in DynamoDB, files in S3.

``attachments`` table: one item per attachment, keyed (chat_id,
attachment_id). A sparse local index ``by-message`` (sort key
``message_key``, the message's position ``<sent_at>#<message id>``) gives a
page of messages its attachments in one Query; a global index
``by-uploader`` gives erasure a person's uploads. A pending item carries a TTL
(``forget_at``) that sending removes. No PynamoDB item leaves this module.

Files live in the roster bucket under ``attachments/`` (``attachments.port``
names the keys). The browser uploads with a presigned POST whose policy
fixes the key, the ``Content-Type`` and the exact size
(``content-length-range``); members fetch through presigned GETs that name
the file and its type and last minutes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from urllib.parse import quote

import botocore.exceptions
from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, LocalSecondaryIndex
from pynamodb.models import Model

from chalicelib.attachments.port import Attachment, Status, UploadForm
from chalicelib.aws import client
from chalicelib.config import settings
from chalicelib.store.conditions import is_condition_failure, write_transaction
from chalicelib.store.tables import _Region, _TableName


class AttachmentsByMessage(LocalSecondaryIndex["AttachmentItem"]):
    """A chat's sent attachments in the order of their messages (sparse: sent ones only)."""

    class Meta:
        index_name = "by-message"
        projection = AllProjection()

    chat_id = UnicodeAttribute(hash_key=True)
    message_key = UnicodeAttribute(range_key=True)


class AttachmentsByUploader(GlobalSecondaryIndex["AttachmentItem"]):
    """A person's uploads, in every chat (what erasure removes)."""

    class Meta:
        index_name = "by-uploader"
        projection = AllProjection()

    uploader_id = UnicodeAttribute(hash_key=True)
    attachment_id = UnicodeAttribute(range_key=True)


class AttachmentItem(Model):
    """One attachment (see the module docstring)."""

    class Meta:
        table_name = _TableName("attachments")
        region = _Region()

    chat_id = UnicodeAttribute(hash_key=True)
    attachment_id = UnicodeAttribute(range_key=True)
    uploader_id = UnicodeAttribute()
    name = UnicodeAttribute()
    content_type = UnicodeAttribute()
    size = NumberAttribute()
    status = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    has_preview = BooleanAttribute(default=False)
    message_id = UnicodeAttribute(null=True)
    message_key = UnicodeAttribute(null=True)
    forget_at = TTLAttribute(null=True)

    by_message = AttachmentsByMessage()
    by_uploader = AttachmentsByUploader()


def _attachment_of(item: AttachmentItem) -> Attachment:
    return Attachment(
        attachment_id=item.attachment_id,
        chat_id=item.chat_id,
        uploader_id=item.uploader_id,
        name=item.name,
        content_type=item.content_type,
        size=int(item.size),
        status=Status(item.status),
        created_at=item.created_at,
        has_preview=bool(item.has_preview),
        message_id=item.message_id,
        message_key=item.message_key,
    )


class DynamoAttachmentRecords:
    """Attachment records in the ``attachments`` table."""

    def add(self, attachment: Attachment, expires_at: datetime) -> None:
        """Keep a new pending attachment (its id is new: a plain put)."""
        AttachmentItem(
            chat_id=attachment.chat_id,
            attachment_id=attachment.attachment_id,
            uploader_id=attachment.uploader_id,
            name=attachment.name,
            content_type=attachment.content_type,
            size=attachment.size,
            status=attachment.status.value,
            created_at=attachment.created_at,
            has_preview=attachment.has_preview,
            forget_at=expires_at,
        ).save(condition=AttachmentItem.attachment_id.does_not_exist())

    def get(self, chat_id: str, attachment_id: str) -> Attachment | None:
        """One attachment (a consistent read: a check or a send follows the upload closely)."""
        try:
            return _attachment_of(AttachmentItem.get(chat_id, attachment_id, consistent_read=True))
        except AttachmentItem.DoesNotExist:
            return None

    def mark_ready(self, chat_id: str, attachment_id: str, size: int, has_preview: bool) -> Attachment | None:
        """Pending → ready, conditionally; None when it was not pending."""
        item = AttachmentItem(chat_id, attachment_id)
        try:
            item.update(
                actions=[
                    AttachmentItem.status.set(Status.READY.value),
                    AttachmentItem.size.set(size),
                    AttachmentItem.has_preview.set(has_preview),
                ],
                condition=AttachmentItem.status == Status.PENDING.value,
            )
        except UpdateError as error:
            if is_condition_failure(error):
                return None
            raise
        return _attachment_of(item)

    def attach(
        self, chat_id: str, attachment_ids: Sequence[str], uploader_id: str, message_id: str, message_key: str
    ) -> bool:
        """One transaction: each attachment ready, the uploader's, free or this message's already."""
        try:
            with write_transaction() as transaction:
                for attachment_id in attachment_ids:
                    transaction.update(
                        AttachmentItem(chat_id, attachment_id),
                        actions=[
                            AttachmentItem.message_id.set(message_id),
                            AttachmentItem.message_key.set(message_key),
                            AttachmentItem.forget_at.remove(),
                        ],
                        condition=(AttachmentItem.status == Status.READY.value)
                        & (AttachmentItem.uploader_id == uploader_id)
                        & (
                            AttachmentItem.message_id.does_not_exist()
                            | (AttachmentItem.message_id == message_id)
                        ),
                    )
        except TransactWriteError as error:
            if is_condition_failure(error):
                return False
            raise
        return True

    def for_messages(self, chat_id: str, oldest_key: str, newest_key: str) -> dict[str, list[Attachment]]:
        """One Query of ``by-message`` between the two positions."""
        found: dict[str, list[Attachment]] = {}
        for item in AttachmentItem.by_message.query(
            chat_id, AttachmentItem.message_key.between(oldest_key, newest_key)
        ):
            found.setdefault(item.message_id, []).append(_attachment_of(item))
        return found

    def of_message(self, chat_id: str, message_key: str) -> list[Attachment]:
        """One message's attachments."""
        return [
            _attachment_of(item)
            for item in AttachmentItem.by_message.query(chat_id, AttachmentItem.message_key == message_key)
        ]

    def of_chat(self, chat_id: str) -> list[Attachment]:
        """A chat's attachments (its partition)."""
        return [_attachment_of(item) for item in AttachmentItem.query(chat_id, consistent_read=True)]

    def of_uploader(self, uploader_id: str) -> list[Attachment]:
        """A person's uploads (the ``by-uploader`` index)."""
        return [_attachment_of(item) for item in AttachmentItem.by_uploader.query(uploader_id)]

    def remove(self, attachments: Iterable[Attachment]) -> None:
        """Delete the records."""
        with AttachmentItem.batch_write() as batch:
            for attachment in attachments:
                batch.delete(AttachmentItem(attachment.chat_id, attachment.attachment_id))


def _is_missing(error: botocore.exceptions.ClientError) -> bool:
    code = str(error.response.get("Error", {}).get("Code", ""))
    return code in ("404", "NoSuchKey", "NotFound")


def content_disposition(filename: str) -> str:
    """``attachment`` with the name in RFC 6266/5987 form (UTF-8, percent-encoded), and an ASCII fallback."""
    ascii_name = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\' else "_" for ch in filename)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


class S3Blobs:
    """Attachment files in the roster bucket, under ``attachments/``."""

    @property
    def bucket(self) -> str:
        """The bucket (configuration: ``ROSTER_BUCKET``)."""
        return settings().roster_bucket

    def upload_form(self, key: str, content_type: str, max_bytes: int, expires_in_s: int) -> UploadForm:
        """A presigned POST: this key, this ``Content-Type``, exactly ``max_bytes`` bytes, for minutes."""
        presigned = client("s3").generate_presigned_post(
            Bucket=self.bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[
                {"Content-Type": content_type},
                ["content-length-range", max_bytes, max_bytes],
            ],
            ExpiresIn=expires_in_s,
        )
        return UploadForm(str(presigned["url"]), {k: str(v) for k, v in presigned["fields"].items()})

    def size_of(self, key: str) -> int | None:
        """HEAD the object."""
        try:
            head = client("s3").head_object(Bucket=self.bucket, Key=key)
        except botocore.exceptions.ClientError as error:
            if _is_missing(error):
                return None
            raise
        return int(head["ContentLength"])

    def read(self, key: str) -> bytes | None:
        """GET the object (at most 20 MB: its size was checked first)."""
        try:
            answer = client("s3").get_object(Bucket=self.bucket, Key=key)
        except botocore.exceptions.ClientError as error:
            if _is_missing(error):
                return None
            raise
        return bytes(answer["Body"].read())

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """PUT an object."""
        client("s3").put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)

    def move(self, source: str, target: str, content_type: str) -> None:
        """Server-side copy to ``target`` with its media type (the caller deletes ``source``)."""
        client("s3").copy_object(
            Bucket=self.bucket,
            Key=target,
            CopySource={"Bucket": self.bucket, "Key": source},
            ContentType=content_type,
            MetadataDirective="REPLACE",
        )

    def delete(self, keys: Iterable[str]) -> None:
        """DeleteObjects, a thousand at a time."""
        batch = sorted(set(keys))
        for start in range(0, len(batch), 1000):
            client("s3").delete_objects(
                Bucket=self.bucket,
                Delete={"Objects": [{"Key": key} for key in batch[start : start + 1000]], "Quiet": True},
            )

    def delete_under(self, prefix: str) -> None:
        """Delete every object under ``prefix``."""
        paginator = client("s3").get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            self.delete(str(entry["Key"]) for entry in page.get("Contents", []))

    def download_link(self, key: str, expires_in_s: int, filename: str, content_type: str) -> str:
        """A presigned GET that serves the file as a download named ``filename``, of ``content_type``."""
        return str(
            client("s3").generate_presigned_url(
                "get_object",
                Params={
                    "Bucket": self.bucket,
                    "Key": key,
                    "ResponseContentType": content_type,
                    "ResponseContentDisposition": content_disposition(filename),
                },
                ExpiresIn=expires_in_s,
            )
        )
