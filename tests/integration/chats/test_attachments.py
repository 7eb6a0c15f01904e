"""Attachments end to end (SPEC §10), through the HTTP routes and the emulator's S3.

Upload tickets, the browser's POST to the bucket (which refuses what its
policy does not allow, as S3 does: ``devstack.s3_rules``), the check by
content, messages that carry files, members' short-lived links, and what
deleting, archiving and erasing take with them. Every hostile request gets a
problem+json and changes nothing.
"""

from __future__ import annotations

import base64
import io
import json
import time
from typing import Any

import pytest
import requests
from PIL import Image

from chalicelib.attachments.port import upload_key
from chalicelib.attachments.rules import DOCX, JPEG, MAX_BYTES, PDF
from tests.attachment_files import EXECUTABLE, PDF_BYTES, docx, image
from tests.integration.chats.test_retention import run_sweep
from tests.integration.chats.world import Reply, World

pytestmark = pytest.mark.emulator


def ticket(world: World, who: str, kind: str, name: str, content_type: str, size: int) -> Reply:
    return world.post(
        who,
        f"/v1/chats/{world.chats[kind]}/attachments",
        {"name": name, "content_type": content_type, "size": size},
    )


def post_to_bucket(upload: dict[str, Any], data: bytes, **override: str) -> requests.Response:
    """The browser's multipart POST of the ticket's fields and the file."""
    fields = {**upload["fields"], **override}
    return requests.post(upload["url"], data=fields, files={"file": ("f", data)}, timeout=20)


def attach(world: World, who: str, kind: str, data: bytes, name: str, content_type: str) -> Reply:
    """Ticket, upload, check: the checked attachment (or the check's problem)."""
    issued = ticket(world, who, kind, name, content_type, len(data))
    assert issued.status == 201, issued.body
    assert post_to_bucket(issued.body["upload"], data).status_code < 300
    attachment_id = issued.body["attachment"]["id"]
    return world.post(who, f"/v1/chats/{world.chats[kind]}/attachments/{attachment_id}/check", {})


def fetch(url: str) -> requests.Response:
    return requests.get(url, timeout=20)


def stored_keys(services: Any) -> list[str]:
    from chalicelib.aws import client
    from chalicelib.config import settings

    listed = client("s3").list_objects_v2(Bucket=settings().roster_bucket, Prefix="attachments/")
    return sorted(entry["Key"] for entry in listed.get("Contents", []))


def test_a_photo_is_uploaded_checked_previewed_sent_and_fetched_by_members(
    world: World, services: Any
) -> None:
    photo = image("JPEG", (1024, 768))
    issued = ticket(world, "stu-1", "class", "Экскурсия.JPG", JPEG, len(photo))
    assert issued.status == 201, issued.body
    upload = issued.body["upload"]
    attachment_id = issued.body["attachment"]["id"]
    assert upload["fields"]["key"] == upload_key(world.chats["class"], attachment_id)
    policy = json.loads(base64.b64decode(upload["fields"]["policy"]))
    assert ["content-length-range", len(photo), len(photo)] in policy["conditions"]
    assert {"Content-Type": JPEG} in policy["conditions"]
    assert issued.body["attachment"] | {} == {
        "id": attachment_id,
        "name": "Экскурсия.jpg",
        "content_type": JPEG,
        "size": len(photo),
        "kind": "image",
        "status": "pending",
        "has_preview": False,
    }

    assert post_to_bucket(upload, photo).status_code < 300
    checked = world.post("stu-1", f"/v1/chats/{world.chats['class']}/attachments/{attachment_id}/check", {})
    assert checked.status == 200, checked.body
    assert checked.body["status"] == "ready" and checked.body["has_preview"] is True
    again = world.post("stu-1", f"/v1/chats/{world.chats['class']}/attachments/{attachment_id}/check", {})
    assert again.body == checked.body

    # Before it is sent, only its uploader sees it.
    path = f"/v1/chats/{world.chats['class']}/attachments/{attachment_id}"
    assert world.get("stu-2", path).problem_type == "not-found"

    sent = world.post(
        "stu-1",
        f"/v1/chats/{world.chats['class']}/messages",
        {"text": "Фото", "attachments": [attachment_id]},
    )
    assert sent.status == 201, sent.body
    assert [a["id"] for a in sent.body["attachments"]] == [attachment_id]
    listed = world.get("stu-2", f"/v1/chats/{world.chats['class']}/messages").body["items"]
    by_id = {m["id"]: m["attachments"] for m in listed}
    assert by_id.pop(sent.body["id"]) == sent.body["attachments"]
    assert by_id and all(files == [] for files in by_id.values())

    links = world.get("stu-2", path)
    assert links.status == 200, links.body
    original = fetch(links.body["url"])
    assert original.status_code == 200 and original.content == photo
    assert "attachment;" in original.headers["Content-Disposition"]
    assert original.headers["Content-Type"] == JPEG
    preview = Image.open(io.BytesIO(fetch(links.body["preview_url"]).content))
    assert preview.format == "JPEG" and max(preview.size) == 320
    # Sent files live in the chat's folder; nothing is left among the uploads.
    assert stored_keys(services) == sorted(
        [
            f"attachments/chats/{world.chats['class']}/{attachment_id}",
            f"attachments/chats/{world.chats['class']}/{attachment_id}.preview",
        ]
    )


def test_documents_are_checked_by_content_and_carry_no_preview(world: World) -> None:
    for data, name, content_type in ((PDF_BYTES, "Расписание.pdf", PDF), (docx(), "Письмо.docx", DOCX)):
        checked = attach(world, "t-class", "parents", data, name, content_type)
        assert checked.status == 200, checked.body
        assert (checked.body["kind"], checked.body["has_preview"], checked.body["name"]) == (
            "document",
            False,
            name,
        )
        links = world.get("par-1", f"/v1/chats/{world.chats['parents']}/attachments/{checked.body['id']}")
        # Not sent yet: only the uploader fetches it.
        assert links.status == 404
        mine = world.get("t-class", f"/v1/chats/{world.chats['parents']}/attachments/{checked.body['id']}")
        assert mine.body["preview_url"] is None and fetch(mine.body["url"]).content == data


def test_a_renamed_executable_is_refused_and_removed(world: World, services: Any) -> None:
    refused = attach(world, "stu-1", "class", EXECUTABLE, "котик.jpg", JPEG)
    assert refused.status == 422 and refused.problem_type == "attachment-refused"
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert stored_keys(services) == []
    assert services.attachment_records.of_uploader("stu-1") == []


def test_a_docx_that_is_really_a_pdf_is_refused(world: World, services: Any) -> None:
    refused = attach(world, "stu-1", "class", PDF_BYTES, "реферат.docx", DOCX)
    assert refused.problem_type == "attachment-refused"
    assert stored_keys(services) == []


def test_wrong_types_and_sizes_are_refused_before_anything_is_stored(world: World, services: Any) -> None:
    exe = ticket(world, "stu-1", "class", "game.exe", "application/x-msdownload", 1000)
    assert exe.status == 422 and exe.problem_type == "validation"
    svg = ticket(world, "stu-1", "class", "x.svg", "image/svg+xml", 1000)
    assert svg.status == 422
    big = ticket(world, "stu-1", "class", "big.jpg", JPEG, MAX_BYTES + 1)
    assert big.status == 413 and big.problem_type == "attachment-too-large"
    for body in (
        {"name": "a.jpg", "content_type": JPEG, "size": 0},
        {"name": "a.jpg", "content_type": JPEG},
        {"name": "a.jpg", "content_type": JPEG, "size": "10"},
        {"name": "", "content_type": JPEG, "size": 1},
        {"name": "a.jpg", "content_type": JPEG, "size": 1, "key": "attachments/chats/x"},
    ):
        bad = world.post("stu-1", f"/v1/chats/{world.chats['class']}/attachments", body)
        assert bad.status == 422 and bad.problem_type == "validation", body
    assert services.attachment_records.of_uploader("stu-1") == []
    assert stored_keys(services) == []


def test_the_bucket_takes_only_the_declared_size_type_and_key(world: World, services: Any) -> None:
    photo = image("PNG")
    issued = ticket(world, "stu-1", "class", "a.png", "image/png", len(photo)).body
    bigger = post_to_bucket(issued["upload"], photo + b"\x00" * 1024)
    assert bigger.status_code == 400 and b"EntityTooLarge" in bigger.content
    as_html = post_to_bucket(issued["upload"], photo, **{"Content-Type": "text/html"})
    assert as_html.status_code == 403
    elsewhere = post_to_bucket(issued["upload"], photo, key="attachments/chats/x/planted")
    assert elsewhere.status_code == 403
    assert stored_keys(services) == []
    unsent = world.post(
        "stu-1", f"/v1/chats/{world.chats['class']}/attachments/{issued['attachment']['id']}/check", {}
    )
    assert unsent.status == 409 and unsent.problem_type == "attachment-not-uploaded"


def test_non_members_get_nothing(world: World) -> None:
    checked = attach(world, "stu-1", "class", image("JPEG"), "a.jpg", JPEG).body
    sent = world.post(
        "stu-1", f"/v1/chats/{world.chats['class']}/messages", {"text": "x", "attachments": [checked["id"]]}
    )
    assert sent.status == 201
    path = f"/v1/chats/{world.chats['class']}/attachments/{checked['id']}"
    for outsider in ("par-1", "t-other"):  # a parent is not in the pupils' chat; another school's teacher
        reply = world.get(outsider, path)
        assert reply.status in (403, 404) and reply.headers["Content-Type"] == "application/problem+json"
        assert "url" not in reply.body
        denied = ticket(world, outsider, "class", "a.jpg", JPEG, 10)
        assert denied.status in (403, 404)
    # An attachment is found only in its own chat.
    assert world.get("stu-1", f"/v1/chats/{world.chats['subject']}/attachments/{checked['id']}").status == 404


def test_someone_elses_upload_cannot_be_checked_or_sent(world: World, services: Any) -> None:
    checked = attach(world, "stu-1", "class", image("JPEG"), "a.jpg", JPEG).body
    base = f"/v1/chats/{world.chats['class']}"
    assert world.post("stu-2", f"{base}/attachments/{checked['id']}/check", {}).problem_type == "not-found"
    stolen = world.post("stu-2", f"{base}/messages", {"text": "моё", "attachments": [checked["id"]]})
    assert stolen.status == 404 and stolen.problem_type == "not-found"
    texts = [m["text"] for m in world.get("stu-1", f"{base}/messages").body["items"]]
    assert "моё" not in texts
    for trick in ("../" + checked["id"], "attachments/chats/x", checked["id"] + "/../x", "a" * 500):
        sneaky = world.post("stu-1", f"{base}/messages", {"text": "x", "attachments": [trick]})
        assert sneaky.status in (404, 422), trick
    assert world.get("stu-1", f"{base}/attachments/..%2F..%2Fx").status == 404
    assert world.get("stu-1", f"{base}/attachments/{checked['id']}%00").status == 404


def test_a_link_stops_working_after_its_minutes(world: World, configure: Any) -> None:
    configure(ATTACHMENT_LINK_TTL_S="1")
    checked = attach(world, "stu-1", "class", PDF_BYTES, "a.pdf", PDF).body
    links = world.get("stu-1", f"/v1/chats/{world.chats['class']}/attachments/{checked['id']}").body
    assert fetch(links["url"]).status_code == 200
    time.sleep(2.2)
    expired = fetch(links["url"])
    assert expired.status_code == 403 and b"expired" in expired.content


def test_a_retried_send_keeps_its_files_and_a_file_goes_with_one_message_only(world: World) -> None:
    checked = attach(world, "stu-1", "class", image("WEBP"), "a.webp", "image/webp").body
    base = f"/v1/chats/{world.chats['class']}/messages"
    body = {"text": "x", "client_msg_id": "c-1", "attachments": [checked["id"]]}
    first = world.post("stu-1", base, body)
    retry = world.post("stu-1", base, body)
    assert (first.status, retry.status) == (201, 200) and retry.body == first.body
    other = world.post("stu-1", base, {"text": "y", "attachments": [checked["id"]]})
    assert other.status == 409 and other.problem_type == "conflict"
    elsewhere = world.post(
        "stu-1", base, {"text": "z", "client_msg_id": "c-2", "attachments": [checked["id"]]}
    )
    assert elsewhere.status == 409
    texts = [m["text"] for m in world.get("stu-1", base).body["items"]]
    assert "y" not in texts and "z" not in texts  # refused before anything was posted
    twice = world.post("stu-1", base, {"text": "y", "attachments": [checked["id"], checked["id"]]})
    assert twice.status == 422
    too_many = world.post("stu-1", base, {"text": "y", "attachments": [f"att_{n}" for n in range(11)]})
    assert too_many.status == 422


def test_deleting_a_message_deletes_its_files(world: World, services: Any) -> None:
    checked = attach(world, "stu-1", "class", image("JPEG"), "a.jpg", JPEG).body
    base = f"/v1/chats/{world.chats['class']}"
    sent = world.post("stu-1", f"{base}/messages", {"text": "x", "attachments": [checked["id"]]}).body
    assert len(stored_keys(services)) == 2
    assert world.call("t-class", "DELETE", f"{base}/messages/{sent['id']}").status == 200
    assert stored_keys(services) == []
    assert world.get("stu-1", f"{base}/attachments/{checked['id']}").status == 404
    shown = {m["id"]: m for m in world.get("stu-1", f"{base}/messages").body["items"]}
    assert shown[sent["id"]]["deleted"] is True and shown[sent["id"]]["attachments"] == []


def test_an_archived_chat_purged_by_retention_loses_its_files(
    world: World, services: Any, clock: Any, configure: Any, application: Any
) -> None:
    configure(ARCHIVED_MESSAGES_RETENTION_DAYS="30")
    custom = world.chats["custom"]
    checked = attach(world, "par-1", "custom", PDF_BYTES, "a.pdf", PDF).body
    assert (
        world.post(
            "par-1", f"/v1/chats/{custom}/messages", {"text": "x", "attachments": [checked["id"]]}
        ).status
        == 201
    )
    kept = attach(world, "stu-1", "class", PDF_BYTES, "b.pdf", PDF).body  # another chat's file stays
    assert world.call("t-class", "DELETE", f"/v1/chats/{custom}").status == 200
    clock.advance(days=31)
    assert run_sweep(application, clock)["chats_purged"] == 1
    assert [k for k in stored_keys(services) if custom in k] == []
    assert services.attachment_records.of_chat(custom) == []
    assert services.attachment_records.get(world.chats["class"], kept["id"]) is not None


def test_erasure_takes_the_persons_files_with_it(world: World, services: Any) -> None:
    checked = attach(world, "par-1", "parents", PDF_BYTES, "a.pdf", PDF).body
    world.post(
        "par-1", f"/v1/chats/{world.chats['parents']}/messages", {"text": "x", "attachments": [checked["id"]]}
    )
    attach(world, "par-1", "custom", image("PNG"), "b.png", "image/png")  # checked, never sent
    exported = world.get("par-1", "/v1/me/data").body
    assert sorted(a["name"] for a in exported["attachments"]) == ["a.pdf", "b.png"]
    assert world.call("par-1", "DELETE", "/v1/me").status == 204
    assert stored_keys(services) == []
    assert services.attachment_records.of_uploader("par-1") == []


def test_a_message_may_carry_attachments_without_text_but_not_be_empty(world: World) -> None:
    from tests.openapi import assert_documented

    base = f"/v1/chats/{world.chats['class']}/messages"
    before = [m["id"] for m in world.get("stu-1", base).body["items"]]
    # Without attachments the text is required: missing, empty, blank, null and wrong types change nothing.
    for body in ({}, {"text": ""}, {"text": "  \n\t "}, {"text": None}, {"text": "", "attachments": []}):
        refused = world.post("stu-1", base, body)
        assert refused.status == 422 and refused.problem_type == "validation", (body, refused.body)
        assert refused.headers["Content-Type"].startswith("application/problem+json")
        assert "text" in {error["field"] for error in refused.body["errors"]}, body
        assert_documented(
            "POST", "/v1/chats/{chat_id}/messages", 422, refused.body, refused.headers["Content-Type"]
        )
    for body in (
        {"attachments": "att_x"},
        {"attachments": [None]},
        {"attachments": [""]},
        {"text": "", "attachments": ["att_nope"]},  # someone else's / no such attachment
        {"attachments": ["att_\u0000"]},
    ):
        refused = world.post("stu-1", base, body)
        assert refused.status in (404, 422), (body, refused.body)
        assert refused.headers["Content-Type"].startswith("application/problem+json")
    assert [m["id"] for m in world.get("stu-1", base).body["items"]] == before

    # With a checked attachment, no text (left out or blank) is a message.
    photo = attach(world, "stu-1", "class", image("PNG"), "доска.png", "image/png").body
    sent = world.post("stu-1", base, {"attachments": [photo["id"]]})
    assert sent.status == 201, sent.body
    assert_documented("POST", "/v1/chats/{chat_id}/messages", 201, sent.body, sent.headers["Content-Type"])
    assert sent.body["text"] == "" and [a["id"] for a in sent.body["attachments"]] == [photo["id"]]
    document = attach(world, "stu-1", "class", PDF_BYTES, "план.pdf", PDF).body
    blank = world.post(
        "stu-1", base, {"text": "   ", "attachments": [document["id"]], "client_msg_id": "a-1"}
    )
    assert blank.status == 201 and blank.body["text"] == ""
    again = world.post("stu-1", base, {"attachments": [document["id"]], "client_msg_id": "a-1"})
    assert again.status == 200 and again.body["id"] == blank.body["id"]  # a retry, not a second message
    shown = {m["id"]: m for m in world.get("stu-2", base).body["items"]}
    assert [a["name"] for a in shown[sent.body["id"]]["attachments"]] == ["доска.png"]
    assert [a["name"] for a in shown[blank.body["id"]]["attachments"]] == ["план.pdf"]
