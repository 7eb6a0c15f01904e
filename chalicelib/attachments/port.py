"""The ports of the attachments feature, and the domain objects that cross them.

:class:`BlobStore` keeps the files: S3 in production (``store.attachments``:
presigned POST to upload, presigned GET to fetch), a dictionary in the twin
(``memory.attachments``). :class:`AttachmentRecords` keeps what the service
knows about each file (whose, which chat, checked or not, which message):
DynamoDB in production, a dictionary in the twin. ``tests/contract`` holds
both implementations of each port to the same behaviour.

Where a chat's files live (:func:`upload_key`, :func:`file_key`,
:func:`preview_key`) is decided here, from ids the service made, never from
anything a client sends: an upload can only land on the key its ticket names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

PREFIX = "attachments/"
UPLOAD_PREFIX = f"{PREFIX}uploads/"
"""Uploads not yet checked: a lifecycle rule removes what is left here after a day."""
FILE_PREFIX = f"{PREFIX}chats/"
"""Checked files and their previews, one folder per chat."""


def upload_key(chat_id: str, attachment_id: str) -> str:
    """Where the browser uploads the file (and where it waits to be checked)."""
    return f"{UPLOAD_PREFIX}{chat_id}/{attachment_id}"


def file_key(chat_id: str, attachment_id: str) -> str:
    """Where a checked file is kept."""
    return f"{FILE_PREFIX}{chat_id}/{attachment_id}"


def preview_key(chat_id: str, attachment_id: str) -> str:
    """Where an image's preview is kept."""
    return f"{FILE_PREFIX}{chat_id}/{attachment_id}.preview"


class Status(StrEnum):
    """``pending``: a ticket was issued, the file is not checked; ``ready``: checked, usable."""

    PENDING = "pending"
    READY = "ready"


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file someone attached (or is attaching) in a chat."""

    attachment_id: str
    chat_id: str
    uploader_id: str
    name: str
    content_type: str
    size: int  # declared while pending; the stored size once ready
    status: Status
    created_at: datetime
    has_preview: bool = False
    message_id: str | None = None
    message_key: str | None = None  # the message's position in its chat (``<sent_at>#<id>``)

    @property
    def ready(self) -> bool:
        """Checked and kept under :func:`file_key`."""
        return self.status is Status.READY


@dataclass(frozen=True, slots=True)
class UploadForm:
    """A presigned POST: the URL and the form fields the browser sends before the file."""

    url: str
    fields: Mapping[str, str]


class BlobStore(Protocol):
    """Where the files are."""

    def upload_form(self, key: str, content_type: str, max_bytes: int, expires_in_s: int) -> UploadForm:
        """A presigned POST that can put one file of ``content_type`` and at most ``max_bytes`` at ``key``."""
        ...

    def size_of(self, key: str) -> int | None:
        """The size of the object at ``key``, or None when there is none."""
        ...

    def read(self, key: str) -> bytes | None:
        """The object's bytes, or None when there is none."""
        ...

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store ``data`` at ``key`` (a preview)."""
        ...

    def move(self, source: str, target: str, content_type: str) -> None:
        """Move an object (the checked upload to its place), recording its media type."""
        ...

    def delete(self, keys: Iterable[str]) -> None:
        """Remove these objects; a missing one is no error."""
        ...

    def delete_under(self, prefix: str) -> None:
        """Remove every object whose key starts with ``prefix`` (a chat's folder)."""
        ...

    def download_link(self, key: str, expires_in_s: int, filename: str, content_type: str) -> str:
        """A link that fetches the object for ``expires_in_s`` seconds, saved as ``filename``."""
        ...


class AttachmentRecords(Protocol):
    """What the service knows about each attachment. Every change is conditional."""

    def add(self, attachment: Attachment, expires_at: datetime) -> None:
        """Keep a new pending attachment; forgotten after ``expires_at`` unless it becomes ready."""
        ...

    def get(self, chat_id: str, attachment_id: str) -> Attachment | None:
        """One attachment of a chat, or None."""
        ...

    def mark_ready(self, chat_id: str, attachment_id: str, size: int, has_preview: bool) -> Attachment | None:
        """Record a pending attachment as checked; None when it is not pending (any more)."""
        ...

    def attach(
        self, chat_id: str, attachment_ids: Sequence[str], uploader_id: str, message_id: str, message_key: str
    ) -> bool:
        """Tie ready attachments of ``uploader_id`` to a message, all or none; True when they now belong to it
        (again, on a retry), False when one is not ready, someone else's, or another message's."""
        ...

    def for_messages(self, chat_id: str, oldest_key: str, newest_key: str) -> dict[str, list[Attachment]]:
        """The attachments of a chat's messages between two positions (inclusive), by message id."""
        ...

    def of_message(self, chat_id: str, message_key: str) -> list[Attachment]:
        """The attachments of one message (by its position)."""
        ...

    def of_chat(self, chat_id: str) -> list[Attachment]:
        """Every attachment of a chat, pending or not."""
        ...

    def of_uploader(self, uploader_id: str) -> list[Attachment]:
        """Every attachment a person uploaded, in any chat."""
        ...

    def remove(self, attachments: Iterable[Attachment]) -> None:
        """Forget these attachments (their files are removed by the caller)."""
        ...
