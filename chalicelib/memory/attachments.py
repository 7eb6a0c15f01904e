"""In-memory twins of the attachments ports (``attachments.port``), held to the adapters by the contract.

:class:`InMemoryBlobs` behaves as S3 does for the service: an upload form
that only takes the named key, type and size (:meth:`InMemoryBlobs.receive`
plays the browser's POST and S3's checks of it), links that stop working
when they expire (:meth:`InMemoryBlobs.fetch`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from urllib.parse import parse_qs, quote, urlsplit

from chalicelib.attachments.port import Attachment, Status, UploadForm

MEMORY_URL = "memory://attachments"


class UploadRefused(Exception):
    """What S3 answers a POST that breaks its policy (wrong key, type or size, expired)."""


class InMemoryBlobs:
    """A bucket in a dictionary: key → (bytes, media type)."""

    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, str]] = {}

    def upload_form(self, key: str, content_type: str, max_bytes: int, expires_in_s: int) -> UploadForm:
        """A form naming the key, type and size it allows, and until when (see :meth:`receive`)."""
        policy = {"key": key, "type": content_type, "size": max_bytes, "until": time.time() + expires_in_s}
        return UploadForm(
            MEMORY_URL, {"key": key, "Content-Type": content_type, "policy": json.dumps(policy)}
        )

    def receive(self, fields: dict[str, str], data: bytes) -> None:
        """The browser's POST of ``fields`` and the file, refused as S3 refuses one its policy forbids."""
        policy = json.loads(fields["policy"])
        if time.time() > policy["until"]:
            raise UploadRefused("Invalid according to Policy: Policy expired.")
        if fields.get("key") != policy["key"] or fields.get("Content-Type") != policy["type"]:
            raise UploadRefused("Invalid according to Policy: Policy Condition failed")
        if len(data) != policy["size"]:
            raise UploadRefused(
                "Your proposed upload exceeds the maximum allowed size"
                if len(data) > policy["size"]
                else "Your proposed upload is smaller than the minimum allowed size"
            )
        self.objects[policy["key"]] = (data, policy["type"])

    def size_of(self, key: str) -> int | None:
        """The object's size, or None."""
        found = self.objects.get(key)
        return None if found is None else len(found[0])

    def read(self, key: str) -> bytes | None:
        """The object's bytes, or None."""
        found = self.objects.get(key)
        return None if found is None else found[0]

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store an object."""
        self.objects[key] = (data, content_type)

    def move(self, source: str, target: str, content_type: str) -> None:
        """Copy ``source`` to ``target`` (the source stays until deleted, as with S3's copy)."""
        data, _ = self.objects[source]
        self.objects[target] = (data, content_type)

    def delete(self, keys: Iterable[str]) -> None:
        """Remove objects; missing ones are no error."""
        for key in list(keys):
            self.objects.pop(key, None)

    def delete_under(self, prefix: str) -> None:
        """Remove every object under ``prefix``."""
        self.delete([key for key in self.objects if key.startswith(prefix)])

    def download_link(self, key: str, expires_in_s: int, filename: str, content_type: str) -> str:
        """``memory://attachments/<key>?until=…&name=…`` (read back by :meth:`fetch`)."""
        until = time.time() + expires_in_s
        return f"{MEMORY_URL}/{quote(key)}?until={until}&name={quote(filename)}&type={quote(content_type)}"

    def fetch(self, url: str) -> bytes | None:
        """What following a link gives: the bytes, or None once it expired (or the object is gone)."""
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        if time.time() > float(query["until"][0]):
            return None
        return self.read(parts.path.lstrip("/").replace("%2F", "/"))


class InMemoryAttachmentRecords:
    """Attachment records in a dictionary, by (chat id, attachment id)."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], Attachment] = {}

    def add(self, attachment: Attachment, expires_at: datetime) -> None:
        """Keep a new pending attachment."""
        self.items[(attachment.chat_id, attachment.attachment_id)] = attachment

    def get(self, chat_id: str, attachment_id: str) -> Attachment | None:
        """One attachment, or None."""
        return self.items.get((chat_id, attachment_id))

    def mark_ready(self, chat_id: str, attachment_id: str, size: int, has_preview: bool) -> Attachment | None:
        """A pending attachment becomes ready; None when it is not pending."""
        found = self.items.get((chat_id, attachment_id))
        if found is None or found.status is not Status.PENDING:
            return None
        ready = replace(found, status=Status.READY, size=size, has_preview=has_preview)
        self.items[(chat_id, attachment_id)] = ready
        return ready

    def attach(
        self, chat_id: str, attachment_ids: Sequence[str], uploader_id: str, message_id: str, message_key: str
    ) -> bool:
        """All or none of the ready attachments of ``uploader_id`` go to the message."""
        found = [self.items.get((chat_id, attachment_id)) for attachment_id in attachment_ids]
        for attachment in found:
            if (
                attachment is None
                or attachment.status is not Status.READY
                or attachment.uploader_id != uploader_id
                or attachment.message_id not in (None, message_id)
            ):
                return False
        for attachment in found:
            assert attachment is not None
            self.items[(chat_id, attachment.attachment_id)] = replace(
                attachment, message_id=message_id, message_key=message_key
            )
        return True

    def for_messages(self, chat_id: str, oldest_key: str, newest_key: str) -> dict[str, list[Attachment]]:
        """The attachments of messages positioned between the two keys, by message id."""
        found: dict[str, list[Attachment]] = {}
        for (chat, _), attachment in sorted(self.items.items()):
            key = attachment.message_key
            if chat == chat_id and key is not None and oldest_key <= key <= newest_key:
                assert attachment.message_id is not None
                found.setdefault(attachment.message_id, []).append(attachment)
        return found

    def of_message(self, chat_id: str, message_key: str) -> list[Attachment]:
        """One message's attachments."""
        return [a for a in self.of_chat(chat_id) if a.message_key == message_key]

    def of_chat(self, chat_id: str) -> list[Attachment]:
        """A chat's attachments."""
        return [a for (chat, _), a in sorted(self.items.items()) if chat == chat_id]

    def of_uploader(self, uploader_id: str) -> list[Attachment]:
        """A person's uploads."""
        return [a for _, a in sorted(self.items.items()) if a.uploader_id == uploader_id]

    def remove(self, attachments: Iterable[Attachment]) -> None:
        """Forget attachments."""
        for attachment in list(attachments):
            self.items.pop((attachment.chat_id, attachment.attachment_id), None)
