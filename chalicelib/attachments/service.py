"""What the attachments routes do (SPEC §10): issue an upload, check it, tie it to a message, hand out links.

1. ``start_upload``: a member who may post asks to attach a file (name, type,
   size). The declared type must be an allowed one and the size within the
   limit; the answer is a presigned POST for one new key under
   ``attachments/uploads/<chat>/`` that S3 only accepts with exactly that
   size and type, for a few minutes.
2. ``check_upload``: once the browser has uploaded, the service reads the
   file and checks it by content (``rules.check_content``). A file that is not
   what it claims is removed with its record (422 ``attachment-refused``); an
   image gets its preview (``preview.make_preview``). The file stays under
   ``uploads/``, where a lifecycle rule removes it after a day if it is never
   sent.
3. ``attach``: a message sent with attachment ids takes them: their files move
   to ``attachments/chats/<chat>/`` and their records name the message, all
   or none (a retried send finds them tied to its message already).
4. ``links``: members get presigned GET links that live
   ``ATTACHMENT_LINK_TTL_S`` (minutes); nobody else learns the file exists.

Deleting a message, emptying an archived chat (retention) and erasing a
person take their attachments with them (:meth:`forget_message`,
:meth:`purge_chat`, :meth:`erase_uploader`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from chalicelib.attachments import rules
from chalicelib.attachments.port import (
    Attachment,
    AttachmentRecords,
    BlobStore,
    Status,
    UploadForm,
    file_key,
    preview_key,
    upload_key,
)
from chalicelib.attachments.preview import PREVIEW_CONTENT_TYPE, make_preview
from chalicelib.chats import access
from chalicelib.clock import Clock
from chalicelib.errors import Conflict, NotFound, ValidationFailed
from chalicelib.identity.journal_token import Caller
from chalicelib.ids import random_id
from chalicelib.messenger.port import Message

NO_SUCH_ATTACHMENT = "No such attachment."
# A pending record (and the unsent upload) is kept this long; the bucket's lifecycle rule matches it.
PENDING_LIFETIME = timedelta(days=1)

ChatOpener = Callable[[Caller, str], Any]
"""The chats feature's ``open_chat(caller, chat_id)`` → ``ChatAccess`` (404 for strangers, 409 unlinked)."""


@dataclass(frozen=True, slots=True)
class Ticket:
    """An upload the caller may make: the attachment it will be, and the presigned POST."""

    attachment: Attachment
    form: UploadForm
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Links:
    """Where a member fetches an attachment (and its preview) until ``expires_at``."""

    attachment: Attachment
    url: str
    preview_url: str | None
    expires_at: datetime


def _keys(attachment: Attachment) -> tuple[str, str]:
    """Where the file and its preview are: under ``uploads/`` until sent, then in the chat's folder."""
    if attachment.message_id is None:
        key = upload_key(attachment.chat_id, attachment.attachment_id)
        return key, key + ".preview"
    return file_key(attachment.chat_id, attachment.attachment_id), preview_key(
        attachment.chat_id, attachment.attachment_id
    )


class AttachmentService:
    """The attachments use cases, over the records, the blob store and a clock."""

    def __init__(
        self,
        records: AttachmentRecords,
        blobs: BlobStore,
        clock: Clock,
        open_chat: ChatOpener,
        find_message: Callable[[str, str], Message | None],
        *,
        max_bytes: int = rules.MAX_BYTES,
        link_ttl_s: int = 300,
        upload_ttl_s: int = 600,
    ) -> None:
        self.records = records
        self.blobs = blobs
        self.clock = clock
        self.open_chat = open_chat
        self.find_message = find_message
        self.max_bytes = min(max_bytes, rules.MAX_BYTES)
        self.link_ttl_s = link_ttl_s
        self.upload_ttl_s = upload_ttl_s

    # --- uploading -------------------------------------------------------------------

    def start_upload(self, caller: Caller, chat_id: str, name: str, content_type: str, size: int) -> Ticket:
        """A presigned POST for one file of the declared type and size (members who may post)."""
        access.require_can_post(self.open_chat(caller, chat_id))
        kind = rules.kind_of(content_type)
        if kind is None:
            raise ValidationFailed(
                "This type of file cannot be attached.",
                [{"field": "content_type", "message": "one of " + ", ".join(sorted(rules.KINDS))}],
            )
        if size > self.max_bytes:
            raise rules.AttachmentTooLarge(
                f"An attachment may be at most {self.max_bytes} bytes.", max_bytes=self.max_bytes
            )
        now = self.clock.now()
        attachment = Attachment(
            attachment_id=random_id("att"),
            chat_id=chat_id,
            uploader_id=caller.person_id,
            name=rules.clean_name(name, kind),
            content_type=kind.content_type,
            size=size,
            status=Status.PENDING,
            created_at=now,
        )
        self.records.add(attachment, now + PENDING_LIFETIME)
        form = self.blobs.upload_form(
            upload_key(chat_id, attachment.attachment_id), kind.content_type, size, self.upload_ttl_s
        )
        return Ticket(attachment, form, now + timedelta(seconds=self.upload_ttl_s))

    def _own(self, caller: Caller, chat_id: str, attachment_id: str) -> Attachment:
        found = self.records.get(chat_id, attachment_id)
        if found is None or found.uploader_id != caller.person_id:
            raise NotFound(NO_SUCH_ATTACHMENT)
        return found

    def check_upload(self, caller: Caller, chat_id: str, attachment_id: str) -> Attachment:
        """Check the caller's upload by content; ready (with a preview for images), or refused and removed."""
        access.require_member(self.open_chat(caller, chat_id))
        attachment = self._own(caller, chat_id, attachment_id)
        if attachment.ready:
            return attachment
        key = upload_key(chat_id, attachment_id)
        size = self.blobs.size_of(key)
        if size is None:
            raise rules.AttachmentNotUploaded("The file has not been uploaded yet.")
        try:
            if size > min(attachment.size, self.max_bytes):
                raise rules.AttachmentTooLarge(
                    "The uploaded file is larger than declared. It was removed.", max_bytes=self.max_bytes
                )
            data = self.blobs.read(key)
            if data is None:
                raise rules.AttachmentNotUploaded("The file has not been uploaded yet.")
            kind = rules.check_content(attachment.content_type, data)
            preview = make_preview(data, kind.content_type) if kind.image else None
        except (rules.AttachmentRefused, rules.AttachmentTooLarge):
            self.blobs.delete([key])
            self.records.remove([attachment])
            raise
        if preview is not None:
            self.blobs.put(key + ".preview", preview, PREVIEW_CONTENT_TYPE)
        ready = self.records.mark_ready(chat_id, attachment_id, len(data), preview is not None)
        if ready is None:  # checked by a concurrent request meanwhile (or removed)
            ready = self._own(caller, chat_id, attachment_id)
        return ready

    # --- sending ---------------------------------------------------------------------

    def ready_to_send(
        self, caller: Caller, chat_id: str, attachment_ids: Sequence[str], client_msg_id: str | None = None
    ) -> list[Attachment]:
        """The caller's checked attachments, before a send that carries them (404 others, 409 unchecked).

        One already sent is only good for a retry of its own send (the same ``client_msg_id``):
        anything else is refused here, before a message is posted.
        """
        if len(set(attachment_ids)) != len(attachment_ids):
            raise ValidationFailed(
                "Each attachment may be sent once.", [{"field": "attachments", "message": "repeated"}]
            )
        found = [self._own(caller, chat_id, attachment_id) for attachment_id in attachment_ids]
        for attachment in found:
            if not attachment.ready:
                raise rules.AttachmentNotUploaded("An attachment has not been checked yet.")
            if attachment.message_id is not None:
                sent = self.find_message(chat_id, attachment.message_id)
                if client_msg_id is None or sent is None or sent.client_msg_id != client_msg_id:
                    raise Conflict("An attachment belongs to another message already.")
        return found

    def attach(
        self,
        caller: Caller,
        chat_id: str,
        attachments: Sequence[Attachment],
        message_id: str,
        message_key: str,
    ) -> list[Attachment]:
        """Tie the attachments to the sent message and move their files to the chat's folder (all or none)."""
        if not attachments:
            return []
        for attachment in attachments:
            if attachment.message_id not in (None, message_id):
                raise Conflict("An attachment belongs to another message already.")
            if attachment.message_id is None:  # copy first: a crash leaves a spare copy, never a lost file
                self._copy_to_chat(attachment)
        ids = [a.attachment_id for a in attachments]
        if not self.records.attach(chat_id, ids, caller.person_id, message_id, message_key):
            raise Conflict("An attachment belongs to another message already.")
        self.blobs.delete(
            key for attachment in attachments if attachment.message_id is None for key in _keys(attachment)
        )
        return [replace(a, message_id=message_id, message_key=message_key) for a in attachments]

    def _copy_to_chat(self, attachment: Attachment) -> None:
        source, source_preview = _keys(attachment)
        target, target_preview = _keys(replace(attachment, message_id="sent"))
        self.blobs.move(source, target, attachment.content_type)
        if attachment.has_preview:
            self.blobs.move(source_preview, target_preview, PREVIEW_CONTENT_TYPE)

    def for_messages(self, chat_id: str, positions: Sequence[str]) -> dict[str, list[Attachment]]:
        """The attachments of a page of a chat's messages (their positions), by message id: one read."""
        if not positions:
            return {}
        return self.records.for_messages(chat_id, min(positions), max(positions))

    # --- fetching --------------------------------------------------------------------

    def links(self, caller: Caller, chat_id: str, attachment_id: str) -> Links:
        """Short-lived links to an attachment: for the chat's members (an unsent one: its uploader only)."""
        access.require_member(self.open_chat(caller, chat_id))
        attachment = self.records.get(chat_id, attachment_id)
        if attachment is None or not attachment.ready:
            raise NotFound(NO_SUCH_ATTACHMENT)
        if attachment.message_id is None and attachment.uploader_id != caller.person_id:
            raise NotFound(NO_SUCH_ATTACHMENT)
        key, preview = _keys(attachment)
        url = self.blobs.download_link(key, self.link_ttl_s, attachment.name, attachment.content_type)
        preview_url = None
        if attachment.has_preview:
            preview_url = self.blobs.download_link(
                preview,
                self.link_ttl_s,
                "preview-" + attachment.name.rsplit(".", 1)[0] + ".jpg",
                PREVIEW_CONTENT_TYPE,
            )
        return Links(attachment, url, preview_url, self.clock.now() + timedelta(seconds=self.link_ttl_s))

    # --- forgetting ------------------------------------------------------------------

    def _forget(self, attachments: Sequence[Attachment]) -> int:
        self.blobs.delete(key for attachment in attachments for key in _keys(attachment))
        self.records.remove(attachments)
        return len(attachments)

    def forget_message(self, chat_id: str, message_key: str) -> int:
        """A deleted message's attachments go with its text; how many went."""
        return self._forget(self.records.of_message(chat_id, message_key))

    def purge_chat(self, chat_id: str) -> int:
        """Every file and record of a chat (its messages are being purged); how many records went."""
        # By the records' keys, not by listing the chat's folder: the sweep may delete, never list or read.
        return self._forget(self.records.of_chat(chat_id))

    def erase_uploader(self, person_id: str) -> int:
        """Everything a person uploaded, in every chat (their account is erased); how many went."""
        return self._forget(self.records.of_uploader(person_id))
