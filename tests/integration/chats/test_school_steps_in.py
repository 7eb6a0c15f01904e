"""The school steps in (SPEC §4, §6): departed adults lose access, administrators and operators
moderate any chat of the school, members report messages, and every act is in the audit log.

All through the HTTP API; departures through the real roster pipeline (stage 1 → queue → stage 2).
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from chalicelib.planning.model import ChatKind, roster_chat_id
from chalicelib.store.tables import MembershipItem
from tests.builders import bulk_update, stage_import
from tests.integration.chats.world import OPERATOR, OTHER_SCHOOL, ROSTER, World
from tests.openapi import assert_documented

pytestmark = pytest.mark.emulator


def without_person(person_id: str) -> Any:
    """The world's roster after a person left the school."""
    people = {pid: p for pid, p in ROSTER.people.items() if pid != person_id}
    enrollments = {k: e for k, e in ROSTER.enrollments.items() if e.person_id != person_id}
    return replace(ROSTER, people=people, enrollments=enrollments)


def sync_through_pipeline(application: Any, services: Any, roster: Any) -> None:
    """Apply a bulk roster the way an upload does: stage 1, the school queue, stage 2."""
    from devstack.worker import app_worker

    stage_import(services, [bulk_update(roster)])
    app_worker(application, school_concurrency=1).drain()


def audit(world: World, who: str = OPERATOR, query: str = "") -> list[dict[str, Any]]:
    reply = world.get(who, f"/v1/schools/sch-1/audit{query}")
    assert reply.status == 200, reply.body
    assert_documented("GET", "/v1/schools/{school_id}/audit", reply.status, reply.body, "application/json")
    return list(reply.body["items"])


def roles_in(chat_id: str) -> dict[str, str]:
    return {m.person_id: m.chat_role for m in MembershipItem.query(chat_id) if m.active}


# --- departures -------------------------------------------------------------------------------


def test_a_departed_teacher_leaves_every_chat_and_the_administrators_take_over(
    world: World, application: Any, services: Any
) -> None:
    made = world.post(
        "t-other", "/v1/chats", {"kind": "custom", "title": "Кружок", "member_ids": ["stu-1", "stu-2"]}
    )
    assert made.status == 201, made.body
    chat_id = made.body["id"]
    assert world.post("t-other", f"/v1/chats/{chat_id}/messages", {"text": "Завтра в 15:00"}).status == 201
    assert roles_in(chat_id) == {"t-other": "moderator", "stu-1": "member", "stu-2": "member"}

    sync_through_pipeline(application, services, without_person("t-other"))

    # The departed teacher reads and writes nothing of the school any more.
    assert world.get("t-other", f"/v1/chats/{chat_id}").status == 404
    assert world.get("t-other", f"/v1/chats/{chat_id}/messages").status == 404
    assert world.post("t-other", f"/v1/chats/{chat_id}/messages", {"text": "я ещё тут"}).status == 404
    assert world.get("t-other", f"/v1/chats/{world.chats['custom']}").status == 404
    assert world.chat_ids_of("t-other") == []
    # The chat with the two pupils is the administrator's to moderate now.
    assert roles_in(chat_id) == {"adm": "moderator", "stu-1": "member", "stu-2": "member"}
    assert chat_id in world.chat_ids_of("adm")
    removed = world.call("adm", "DELETE", f"/v1/chats/{chat_id}/members/stu-2")
    assert removed.status == 204, removed.body
    records = audit(world)
    actions = {(r["action"], r["target_id"] or r["chat_id"]) for r in records}
    assert ("person_departed", "t-other") in actions
    assert ("moderators_assigned", chat_id) in actions


def test_a_sync_that_changes_nothing_for_a_person_keeps_their_hand_made_seats(
    world: World, application: Any, services: Any
) -> None:
    sync_through_pipeline(application, services, without_person("t-spare"))
    # t-other (still on the roster) keeps the custom chat a teacher put them in.
    assert world.get("t-other", f"/v1/chats/{world.chats['custom']}").status == 200
    assert "t-spare" not in world.member_ids("staff")


# --- the school moderating ----------------------------------------------------------------------


def test_an_administrator_removes_anyone_from_any_chat_and_it_is_audited(world: World) -> None:
    custom, staff = world.chats["custom"], world.chats["staff"]
    # Not a member of the custom chat, and the staff room follows the roster: the school still decides.
    assert world.call("adm", "DELETE", f"/v1/chats/{custom}/members/par-1").status == 204
    assert world.call("adm", "DELETE", f"/v1/chats/{staff}/members/t-other").status == 204
    assert world.get("par-1", f"/v1/chats/{custom}").status == 404
    assert "t-other" not in world.member_ids("staff")
    # Another school's chat, an unknown chat, someone who is not a member: nothing changes.
    far = roster_chat_id(OTHER_SCHOOL, ChatKind.CLASS, "7a")
    assert world.call("adm", "DELETE", f"/v1/chats/{far}/members/stu-far").status == 404
    assert world.call("adm", "DELETE", "/v1/chats/ch_nope/members/stu-1").status == 404
    assert world.call("adm", "DELETE", f"/v1/chats/{custom}/members/stu-4").status == 404
    assert "stu-far" in world.member_ids(far, who=OPERATOR)

    removals = [r for r in audit(world) if r["action"] == "member_removed"]
    assert {(r["actor_id"], r["actor_kind"], r["chat_id"], r["target_id"]) for r in removals} == {
        ("adm", "school_admin", custom, "par-1"),
        ("adm", "school_admin", staff, "t-other"),
    }


def test_a_roster_sync_does_not_put_back_someone_the_school_removed(
    world: World, application: Any, services: Any
) -> None:
    assert world.call("adm", "DELETE", f"/v1/chats/{world.chats['class']}/members/stu-2").status == 204
    sync_through_pipeline(application, services, replace(ROSTER, school_name="Школа №1"))
    assert "stu-2" not in world.member_ids("class")


def test_removing_the_last_moderator_gives_the_chat_to_the_administrators(world: World) -> None:
    custom = world.chats["custom"]
    assert world.call(OPERATOR, "DELETE", f"/v1/chats/{custom}/members/t-class").status == 204
    assert roles_in(custom)["adm"] == "moderator"
    assert "t-class" not in roles_in(custom)


def test_an_operator_deletes_any_message_and_archives_a_custom_chat(world: World, clock: Any) -> None:
    class_chat, target = world.chats["class"], world.targets["class"]
    deleted = world.call(OPERATOR, "DELETE", f"/v1/chats/{class_chat}/messages/{target}")
    assert deleted.status == 200, deleted.body
    assert deleted.body["deleted"] is True and deleted.body["text"] == ""
    history = world.get("stu-1", f"/v1/chats/{class_chat}/messages").body["items"]
    assert [m["text"] for m in history if m["id"] == target] == [""]

    clock.advance(seconds=1)
    archived = world.call(OPERATOR, "DELETE", f"/v1/chats/{world.chats['custom']}")
    assert archived.status == 200 and archived.body["archived"] is True
    refused = world.call(OPERATOR, "DELETE", f"/v1/chats/{class_chat}")
    assert refused.status == 409 and refused.problem_type == "conflict"
    assert world.get("t-class", f"/v1/chats/{class_chat}").body["archived"] is False

    records = audit(world)
    assert [r["action"] for r in records[:2]] == ["chat_archived", "message_deleted"]
    assert records[1]["message_id"] == target and records[1]["target_id"] == "stu-1"
    assert "hello from stu-1" not in json.dumps(records)


def test_back_office_reads_of_member_lists_are_audited_and_members_own_reads_are_not(world: World) -> None:
    assert world.get("adm", f"/v1/chats/{world.chats['class']}/members").status == 200
    assert world.get(OPERATOR, f"/v1/chats/{world.chats['parents']}/members").status == 200
    assert world.get("stu-1", f"/v1/chats/{world.chats['class']}/members").status == 200
    reads = [(r["actor_id"], r["chat_id"]) for r in audit(world) if r["action"] == "members_read"]
    assert sorted(reads) == sorted([("adm", world.chats["class"]), (OPERATOR, world.chats["parents"])])


# --- reports ----------------------------------------------------------------------------------


def test_a_member_reports_a_message_and_the_moderator_and_the_school_see_it(world: World) -> None:
    class_chat, target = world.chats["class"], world.targets["class"]
    path = f"/v1/chats/{class_chat}/messages/{target}/report"
    first = world.post("stu-2", path, {"reason": "Обзывается"})
    assert first.status == 201, first.body
    assert_documented("POST", "/v1/chats/{chat_id}/messages/{message_id}/report", 201, first.body, None)
    again = world.post("stu-2", path, {"reason": "ещё раз"})
    assert again.status == 200 and again.body["id"] == first.body["id"]
    assert again.body["reason"] == "Обзывается"

    for who in ("t-class", "adm", OPERATOR):
        listed = world.get(who, f"/v1/chats/{class_chat}/reports")
        assert listed.status == 200, (who, listed.body)
        assert_documented("GET", "/v1/chats/{chat_id}/reports", 200, listed.body, None)
        assert [(r["id"], r["message"]["text"]) for r in listed.body["items"]] == [
            (first.body["id"], "hello from stu-1")
        ]
    school = world.get("adm", "/v1/schools/sch-1/reports")
    assert school.status == 200 and [r["id"] for r in school.body["items"]] == [first.body["id"]]
    assert_documented("GET", "/v1/schools/{school_id}/reports", 200, school.body, None)
    assert world.get("stu-1", f"/v1/chats/{class_chat}/reports").status == 403
    assert world.get("t-class", "/v1/schools/sch-1/reports").status == 404
    assert world.get("t-far", "/v1/schools/sch-1/reports").status == 404

    # The moderator deletes the message: its report is closed.
    assert world.call("t-class", "DELETE", f"/v1/chats/{class_chat}/messages/{target}").status == 200
    assert world.get("t-class", f"/v1/chats/{class_chat}/reports").body["items"] == []
    assert world.get(OPERATOR, "/v1/schools/sch-1/reports").body["items"] == []


@pytest.mark.parametrize(
    ("who", "chat", "message", "body", "status"),
    [
        ("par-1", "class", "class", {"reason": "x"}, 404),  # a chat the caller cannot see
        ("stu-1", "class", "parents", {"reason": "x"}, 404),  # another chat's message
        ("stu-1", "class", "msg_unknown", {"reason": "x"}, 404),
        ("stu-1", "class", "class", {"reason": ""}, 422),
        ("stu-1", "class", "class", {"reason": "x" * 501}, 422),
        ("stu-1", "class", "class", {"reason": "a\x00b"}, 422),
        ("stu-1", "class", "class", {"reason": "x", "extra": 1}, 422),
        ("stu-1", "class", "class", {}, 422),
        ("adm", "class", "class", {"reason": "x"}, 403),  # the back office reads no messages
        ("stu-3", "class", "class", {"reason": "x"}, 409),
    ],
)
def test_bad_reports_are_refused_and_change_nothing(
    world: World, who: str, chat: str, message: str, body: dict[str, Any], status: int
) -> None:
    message_id = world.targets.get(message, message)
    reply = world.post(who, f"/v1/chats/{world.chats[chat]}/messages/{message_id}/report", body)
    assert reply.status == status, reply.body
    assert reply.headers["Content-Type"] == "application/problem+json"
    assert world.get(OPERATOR, "/v1/schools/sch-1/reports").body["items"] == []


def test_a_report_in_another_school_is_not_seen_by_this_school(world: World) -> None:
    far = roster_chat_id(OTHER_SCHOOL, ChatKind.CLASS, "7a")
    sent = world.post("t-far", f"/v1/chats/{far}/messages", {"text": "привет"})
    assert (
        world.post("stu-far", f"/v1/chats/{far}/messages/{sent.body['id']}/report", {"reason": "x"}).status
        == 201
    )
    assert world.get("adm", "/v1/schools/sch-1/reports").body["items"] == []
    assert world.get("adm", f"/v1/chats/{far}/reports").status == 404
    assert len(world.get(OPERATOR, "/v1/schools/sch-2/reports").body["items"]) == 1


# --- the audit log ------------------------------------------------------------------------------


def test_only_operators_read_the_audit_log_newest_first_a_page_at_a_time(world: World, clock: Any) -> None:
    for person in ("par-1", "t-math", "t-other"):
        clock.advance(seconds=1)
        assert (
            world.call("adm", "DELETE", f"/v1/chats/{world.chats['custom']}/members/{person}").status == 204
        )
    for who in ("adm", "t-class", "stu-1"):
        refused = world.get(who, "/v1/schools/sch-1/audit")
        assert refused.status == 404 and refused.problem_type == "not-found"
    first = world.get(OPERATOR, "/v1/schools/sch-1/audit?limit=2")
    assert first.status == 200 and first.body["next_cursor"]
    second = world.get(OPERATOR, f"/v1/schools/sch-1/audit?limit=2&cursor={first.body['next_cursor']}")
    targets = [r["target_id"] for r in first.body["items"] + second.body["items"]]
    assert targets == ["t-other", "t-math", "par-1"]
    assert second.body["next_cursor"] is None
    assert world.get(OPERATOR, "/v1/schools/sch-1/audit?cursor=bogus").status == 400
    assert world.get(OPERATOR, "/v1/schools/sch-1/audit?limit=0").status == 422
    assert world.get(OPERATOR, "/v1/schools/sch-2/audit").body["items"] == []
