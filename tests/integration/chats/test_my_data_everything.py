"""``GET /v1/me/data`` holds everything about the caller, and ``DELETE /v1/me`` leaves no report behind
with their data (SPEC §11; 152-FZ art. 14 and 21, GDPR Art. 15 and 17). Neither reads a table by Scan.

Written as the attacks a data-protection officer would try: the export of someone who left a chat
must still show that chat (and the moderator's removal of them, without the moderator's id), every
one of many messages, their reports and consent decisions; after an erasure, no report row names
them or keeps a reason they wrote or a complaint about what they wrote.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from pynamodb.connection.base import Connection

from chalicelib.safety.consent import ConsentRequest, ConsentState, consent_id
from chalicelib.store.safety import ReportItem
from tests.integration.chats.world import OPERATOR, World
from tests.openapi import assert_documented

pytestmark = pytest.mark.emulator

PERSON = "par-1"


@pytest.fixture
def no_scans(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Fail any DynamoDB Scan the service makes while the test runs (erasure and sweeps use keys)."""
    seen: list[str] = []

    def refuse(self: Any, table_name: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(table_name)
        raise AssertionError(f"a Scan of {table_name}")

    monkeypatch.setattr(Connection, "scan", refuse)
    yield seen


def export(world: World, who: str = PERSON) -> dict[str, Any]:
    reply = world.get(who, "/v1/me/data")
    assert reply.status == 200, reply.body
    assert_documented("GET", "/v1/me/data", 200, reply.body, reply.headers.get("Content-Type"))
    body: dict[str, Any] = reply.body
    return body


def ask_consent(world: World, services: Any, pupil: str, guardian: str) -> str:
    """A pending request to ``guardian`` about ``pupil`` (as linking a young pupil's profile makes)."""
    request_id = consent_id(pupil, guardian, f"profile-{pupil}")
    services.consents.request(
        ConsentRequest(
            consent_id=request_id,
            pupil_id=pupil,
            pupil_name="Иванов Петя",
            guardian_id=guardian,
            school_id="sch-1",
            profile_id=f"profile-{pupil}",
            requested_at=services.clock.now(),
            status=ConsentState.PENDING,
        )
    )
    return request_id


def test_the_export_holds_chats_left_every_message_reports_consents_and_audit_about_them(
    world: World, services: Any, clock: Any, no_scans: list[str]
) -> None:
    custom = world.chats["custom"]
    parents = world.chats["parents"]
    sent = 0
    for n in range(130):  # more than one BatchGetItem (100 keys) and more than a page of anything
        clock.advance(seconds=1)
        assert world.send(PERSON, "parents", f"сообщение {n}").status == 201
        sent += 1
    teacher_says = world.send("t-class", "parents", "Собрание в пятницу")
    assert teacher_says.status == 201
    mine = world.post(
        PERSON, f"/v1/chats/{parents}/messages/{teacher_says.body['id']}/report", {"reason": "Не по теме"}
    )
    assert mine.status == 201, mine.body
    # Someone else reports par-1's message: that report is about them, but it is the reporter's data.
    about = world.post(
        "par-2",
        f"/v1/chats/{parents}/messages/{world.targets['parents']}/report",
        {"reason": "Жалоба от другого родителя"},
    )
    assert about.status == 201, about.body
    # The class teacher (the custom chat's moderator) removes par-1 from the custom chat.
    assert world.call("t-class", "DELETE", f"/v1/chats/{custom}/members/{PERSON}").status in (200, 204)
    request_id = ask_consent(world, services, "stu-1", PERSON)
    assert world.post(PERSON, f"/v1/consents/{request_id}", {"approve": True}).status == 200

    data = export(world)
    dumped = json.dumps(data, ensure_ascii=False)

    chats = {c["id"]: c for c in data["chats"]}
    assert set(chats) == {parents, custom}, "the chat they were removed from is still data about them"
    assert chats[custom]["active"] is False and chats[custom]["left_at"] is not None
    assert chats[parents]["active"] is True and chats[parents]["left_at"] is None

    texts = [m["text"] for m in data["messages"]]
    assert len(texts) == sent + 2  # the world's "hello" in parents and custom, and every one sent here
    assert {f"сообщение {n}" for n in range(130)} <= set(texts)
    assert "Собрание в пятницу" not in dumped  # another person's message is not theirs

    assert [(r["message_id"], r["reason"]) for r in data["reports"]] == [
        (teacher_says.body["id"], "Не по теме")
    ]
    assert "Жалоба от другого родителя" not in dumped and "par-2" not in dumped

    assert [(c["id"], c["role"], c["status"]) for c in data["consents"]] == [
        (request_id, "guardian", "approved")
    ]
    pupil_side = export(world, "stu-1")["consents"]
    assert [(c["id"], c["role"], c["status"]) for c in pupil_side] == [(request_id, "pupil", "approved")]

    actions = {(a["action"], a["actor_kind"]) for a in data["audit"]}
    assert ("member_removed", "moderator") in actions  # done to them by someone else
    assert ("message_reported", "member") in actions  # done by them
    assert ("consent_approved", "guardian") in actions
    assert all(a["school_id"] == "sch-1" for a in data["audit"])
    # The moderator who removed them, and the pupil whose consent they gave, are others' data.
    assert "t-class" not in json.dumps(data["audit"])
    assert all(a.get("actor_id") in (None, PERSON) for a in data["audit"])
    assert all(a.get("target_id") in (None, PERSON) for a in data["audit"])
    assert no_scans == []


def test_erasure_leaves_no_report_naming_them_or_keeping_their_words_or_a_complaint_about_them(
    world: World, no_scans: list[str]
) -> None:
    parents = world.chats["parents"]
    teacher_says = world.send("t-class", "parents", "Собрание в пятницу")
    assert teacher_says.status == 201
    theirs = world.post(
        PERSON,
        f"/v1/chats/{parents}/messages/{teacher_says.body['id']}/report",
        {"reason": "Мой сын Петя Иванов плачет после уроков"},
    )
    assert theirs.status == 201
    about = world.post(
        "par-2",
        f"/v1/chats/{parents}/messages/{world.targets['parents']}/report",
        {"reason": "Иванова Елена оскорбляет детей"},
    )
    assert about.status == 201
    untouched = world.post(
        "stu-2",
        f"/v1/chats/{world.chats['class']}/messages/{world.targets['class']}/report",
        {"reason": "Спам"},
    )
    assert untouched.status == 201

    assert world.call(PERSON, "DELETE", "/v1/me").status == 204

    rows = [row.attribute_values for row in ReportItem.query(parents)]
    stored = json.dumps(rows, default=str, ensure_ascii=False)
    assert PERSON not in stored
    assert "Петя Иванов" not in stored and "Иванова Елена" not in stored
    # The report they filed stays for the moderators (the message still needs a look), anonymous.
    listed = world.get("t-class", f"/v1/chats/{parents}/reports").body["items"]
    assert [(r["message_id"], r["reason"]) for r in listed] == [(teacher_says.body["id"], "")]
    assert listed[0]["reporter_id"] != PERSON
    assert_documented("GET", "/v1/chats/{chat_id}/reports", 200, {"items": listed, "next_cursor": None}, None)
    # The complaint about their (now textless) message is gone; a report about someone else is not.
    school = world.get(OPERATOR, "/v1/schools/sch-1/reports").body["items"]
    assert {r["message_id"] for r in school} == {teacher_says.body["id"], world.targets["class"]}
    assert no_scans == []


def test_the_retention_sweep_reads_no_table_by_scan(
    world: World, clock: Any, configure: Any, application: Any, no_scans: list[str]
) -> None:
    from devstack.retention import scheduled_event

    configure(ARCHIVED_MESSAGES_RETENTION_DAYS="90")
    custom = world.chats["custom"]
    assert world.call("t-class", "DELETE", f"/v1/chats/{custom}").status == 200
    clock.advance(days=91)
    done = application.handler_map["retention_sweep"](scheduled_event(clock.now()), None)
    assert done["chats_purged"] == 1 and done["messages_deleted"] == 1
    assert world.get("t-class", f"/v1/chats/{custom}/messages").body["items"] == []
    again = application.handler_map["retention_sweep"](scheduled_event(clock.now()), None)
    assert again["chats_purged"] == 0
    assert no_scans == []
