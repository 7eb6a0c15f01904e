"""The attachments use cases on the in-memory twins: who may do what, and what each step leaves behind."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.attachments import rules
from chalicelib.attachments.port import Status, file_key, upload_key
from chalicelib.attachments.service import AttachmentService
from chalicelib.clock import MovableClock
from chalicelib.errors import Conflict, Forbidden, NotFound, ReadOnly, ValidationFailed
from chalicelib.identity.journal_token import Caller
from chalicelib.memory.attachments import InMemoryAttachmentRecords, InMemoryBlobs
from tests.attachment_files import EXECUTABLE, PDF_BYTES, image

CHAT = "ch_1"


@dataclass
class Seat:
    """What ``open_chat`` tells the service: enough for ``access.require_member/require_can_post``."""

    member: bool = True
    read_only: bool = False

    @property
    def membership(self) -> Any:
        return object() if self.member else None

    @property
    def chat(self) -> Any:
        return type("Chat", (), {"archived": False, "read_only": self.read_only})()

    is_moderator = False
    linked = True


def caller(person_id: str) -> Caller:
    return Caller(person_id=person_id)


@pytest.fixture
def world() -> Any:
    seats = {
        "t-1": Seat(),
        "s-1": Seat(),
        "s-2": Seat(),
        "out": Seat(member=False),
        "ro": Seat(read_only=True),
    }
    blobs, records = InMemoryBlobs(), InMemoryAttachmentRecords()

    def open_chat(who: Caller, chat_id: str) -> Seat:
        if chat_id != CHAT:
            raise NotFound("no chat")
        return seats[who.person_id]

    service = AttachmentService(
        records, blobs, MovableClock(datetime(2026, 9, 1, tzinfo=UTC)), open_chat, lambda chat, msg: None
    )
    return service, blobs, records


def uploaded(service: AttachmentService, blobs: InMemoryBlobs, who: str, data: bytes, kind: str) -> str:
    ticket = service.start_upload(caller(who), CHAT, "file", kind, len(data))
    blobs.receive(dict(ticket.form.fields), data)
    return ticket.attachment.attachment_id


def test_only_members_who_may_post_get_an_upload(world: Any) -> None:
    service, _, records = world
    with pytest.raises(Forbidden):
        service.start_upload(caller("out"), CHAT, "a.jpg", rules.JPEG, 10)
    with pytest.raises(ReadOnly):
        service.start_upload(caller("ro"), CHAT, "a.jpg", rules.JPEG, 10)
    with pytest.raises(ValidationFailed):
        service.start_upload(caller("s-1"), CHAT, "a.exe", "application/x-msdownload", 10)
    with pytest.raises(rules.AttachmentTooLarge):
        service.start_upload(caller("s-1"), CHAT, "a.jpg", rules.JPEG, rules.MAX_BYTES + 1)
    assert records.items == {}


def test_a_checked_photo_has_a_preview_and_moves_to_its_chat_when_sent(world: Any) -> None:
    service, blobs, records = world
    attachment_id = uploaded(service, blobs, "s-1", image("PNG"), rules.PNG)
    with pytest.raises(NotFound):
        service.check_upload(caller("s-2"), CHAT, attachment_id)
    checked = service.check_upload(caller("s-1"), CHAT, attachment_id)
    assert checked.status is Status.READY and checked.has_preview
    assert set(blobs.objects) == {
        upload_key(CHAT, attachment_id),
        upload_key(CHAT, attachment_id) + ".preview",
    }
    with pytest.raises(NotFound):  # unsent: its uploader's only
        service.links(caller("s-2"), CHAT, attachment_id)
    ready = service.ready_to_send(caller("s-1"), CHAT, [attachment_id])
    service.attach(caller("s-1"), CHAT, ready, "msg_1", "2026-09-01T00:00:00.000Z#msg_1")
    assert set(blobs.objects) == {file_key(CHAT, attachment_id), file_key(CHAT, attachment_id) + ".preview"}
    links = service.links(caller("s-2"), CHAT, attachment_id)
    assert blobs.fetch(links.url) == image("PNG") and links.preview_url is not None
    with pytest.raises(Conflict):  # one message only
        service.ready_to_send(caller("s-1"), CHAT, [attachment_id])
    assert service.forget_message(CHAT, "2026-09-01T00:00:00.000Z#msg_1") == 1
    assert blobs.objects == {} and records.items == {}


def test_an_impostor_is_removed_with_its_record(world: Any) -> None:
    service, blobs, records = world
    attachment_id = uploaded(service, blobs, "s-1", EXECUTABLE, rules.PDF)
    with pytest.raises(rules.AttachmentRefused):
        service.check_upload(caller("s-1"), CHAT, attachment_id)
    assert blobs.objects == {} and records.items == {}


def test_purge_and_erasure_leave_nothing(world: Any) -> None:
    service, blobs, records = world
    for who in ("s-1", "s-2"):
        service.check_upload(caller(who), CHAT, uploaded(service, blobs, who, PDF_BYTES, rules.PDF))
    assert service.erase_uploader("s-1") == 1
    assert [a.uploader_id for a in records.items.values()] == ["s-2"]
    assert service.purge_chat(CHAT) == 1
    assert blobs.objects == {} and records.items == {}
