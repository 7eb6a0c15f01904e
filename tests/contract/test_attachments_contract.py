"""The attachments ports (records and files): the in-memory twins and the DynamoDB/S3 adapters alike."""

from __future__ import annotations

import urllib.request
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.attachments.port import Attachment, AttachmentRecords, BlobStore, Status, upload_key

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


@dataclass
class AttachmentPorts:
    records: AttachmentRecords
    blobs: BlobStore
    upload: Any  # upload(form, data): the browser's POST; raises when the store refuses it
    fetch: Any  # fetch(url) -> bytes | None


def _post_to_s3(form: Any, fields: dict[str, str], data: bytes) -> None:
    import requests

    answer = requests.post(form.url, data=fields, files={"file": ("f", data)}, timeout=10)
    if answer.status_code >= 300:
        raise RuntimeError(answer.text)


def _get(url: str) -> bytes | None:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - the emulator's URL
            return bytes(answer.read())
    except urllib.error.HTTPError:
        return None


@pytest.fixture(params=["memory", "aws"])
def ports(request: pytest.FixtureRequest) -> AttachmentPorts:
    if request.param == "memory":
        from chalicelib.memory.attachments import InMemoryAttachmentRecords, InMemoryBlobs

        blobs = InMemoryBlobs()
        return AttachmentPorts(
            InMemoryAttachmentRecords(),
            blobs,
            lambda form, fields, data: blobs.receive(fields, data),
            blobs.fetch,
        )
    request.getfixturevalue("aws")
    from chalicelib.store.attachments import DynamoAttachmentRecords, S3Blobs

    return AttachmentPorts(DynamoAttachmentRecords(), S3Blobs(), _post_to_s3, _get)


def pending(attachment_id: str = "att_1", chat_id: str = "ch_1", uploader: str = "t-1") -> Attachment:
    return Attachment(attachment_id, chat_id, uploader, "Фото.jpg", "image/jpeg", 5, Status.PENDING, T0)


def test_a_pending_attachment_becomes_ready_once(ports: AttachmentPorts) -> None:
    ports.records.add(pending(), T0 + timedelta(days=1))
    assert ports.records.get("ch_1", "att_1") == pending()
    assert ports.records.get("ch_1", "att_2") is None
    assert ports.records.get("ch_2", "att_1") is None
    ready = ports.records.mark_ready("ch_1", "att_1", 4, True)
    assert ready == replace(pending(), status=Status.READY, size=4, has_preview=True)
    assert ports.records.get("ch_1", "att_1") == ready
    assert ports.records.mark_ready("ch_1", "att_1", 4, True) is None
    assert ports.records.mark_ready("ch_1", "att_missing", 4, True) is None


def test_attaching_is_all_or_none_and_a_retry_finds_its_message(ports: AttachmentPorts) -> None:
    for attachment_id in ("att_1", "att_2", "att_3"):
        ports.records.add(pending(attachment_id), T0 + timedelta(days=1))
    for attachment_id in ("att_1", "att_2"):
        ports.records.mark_ready("ch_1", attachment_id, 5, False)
    # att_3 is not checked: nothing is tied
    assert not ports.records.attach("ch_1", ["att_1", "att_3"], "t-1", "msg_1", "2026-09-01T08:00:00Z#msg_1")
    assert ports.records.get("ch_1", "att_1").message_id is None  # type: ignore[union-attr]
    # someone else's
    assert not ports.records.attach("ch_1", ["att_1"], "s-1", "msg_1", "2026-09-01T08:00:00Z#msg_1")
    assert ports.records.attach("ch_1", ["att_1", "att_2"], "t-1", "msg_1", "2026-09-01T08:00:00Z#msg_1")
    assert ports.records.attach("ch_1", ["att_1"], "t-1", "msg_1", "2026-09-01T08:00:00Z#msg_1")  # a retry
    assert not ports.records.attach("ch_1", ["att_2"], "t-1", "msg_2", "2026-09-01T08:01:00Z#msg_2")
    found = ports.records.for_messages("ch_1", "2026-09-01T07:00:00Z#", "2026-09-01T09:00:00Z#~")
    assert sorted(a.attachment_id for a in found["msg_1"]) == ["att_1", "att_2"]
    assert ports.records.for_messages("ch_1", "2026-09-01T08:00:01Z#", "2026-09-01T09:00:00Z#") == {}
    assert [a.attachment_id for a in ports.records.of_message("ch_1", "2026-09-01T08:00:00Z#msg_1")] == [
        "att_1",
        "att_2",
    ]


def test_attachments_are_found_by_chat_and_by_uploader_and_removed(ports: AttachmentPorts) -> None:
    ports.records.add(pending("att_1", "ch_1", "t-1"), T0)
    ports.records.add(pending("att_2", "ch_2", "t-1"), T0)
    ports.records.add(pending("att_3", "ch_1", "s-1"), T0)
    assert sorted(a.attachment_id for a in ports.records.of_chat("ch_1")) == ["att_1", "att_3"]
    assert sorted(a.attachment_id for a in ports.records.of_uploader("t-1")) == ["att_1", "att_2"]
    ports.records.remove(ports.records.of_uploader("t-1"))
    assert [a.attachment_id for a in ports.records.of_chat("ch_1")] == ["att_3"]
    assert ports.records.of_uploader("t-1") == []


def test_an_upload_form_takes_exactly_its_key_type_and_size(ports: AttachmentPorts) -> None:
    key = upload_key("ch_1", "att_1")
    form = ports.blobs.upload_form(key, "image/jpeg", 5, 60)
    assert ports.blobs.size_of(key) is None
    ports.upload(form, dict(form.fields), b"12345")
    assert ports.blobs.size_of(key) == 5
    assert ports.blobs.read(key) == b"12345"
    with pytest.raises(Exception):  # noqa: B017 - each store words its refusal its own way
        ports.upload(form, dict(form.fields), b"123456")
    with pytest.raises(Exception):  # noqa: B017
        ports.upload(form, {**form.fields, "key": upload_key("ch_1", "att_other")}, b"12345")
    with pytest.raises(Exception):  # noqa: B017
        ports.upload(form, {**form.fields, "Content-Type": "text/html"}, b"12345")
    assert ports.blobs.size_of(upload_key("ch_1", "att_other")) is None
    assert ports.blobs.read(key) == b"12345"


def test_files_move_and_go_and_links_fetch_them_until_they_expire(ports: AttachmentPorts) -> None:
    ports.blobs.put("attachments/uploads/ch_1/a", b"data", "application/pdf")
    ports.blobs.move("attachments/uploads/ch_1/a", "attachments/chats/ch_1/a", "application/pdf")
    assert ports.blobs.read("attachments/chats/ch_1/a") == b"data"
    link = ports.blobs.download_link("attachments/chats/ch_1/a", 60, "Отчёт «итог».pdf", "application/pdf")
    assert ports.fetch(link) == b"data"
    expired = ports.blobs.download_link("attachments/chats/ch_1/a", 1, "a.pdf", "application/pdf")
    import time

    time.sleep(2.1)
    assert ports.fetch(expired) is None
    ports.blobs.put("attachments/chats/ch_1/b", b"x", "image/jpeg")
    ports.blobs.put("attachments/chats/ch_10/c", b"x", "image/jpeg")
    ports.blobs.delete(["attachments/uploads/ch_1/a", "attachments/missing"])
    assert ports.blobs.read("attachments/uploads/ch_1/a") is None
    ports.blobs.delete_under("attachments/chats/ch_1/")
    assert ports.blobs.read("attachments/chats/ch_1/a") is None
    assert ports.blobs.read("attachments/chats/ch_1/b") is None
    assert ports.blobs.read("attachments/chats/ch_10/c") == b"x"
