"""A school's settings through HTTP on the emulator (SPEC §10): who reads and changes them, the audit
record of each change, hostile input, teacher first («Открыть чат») and quiet hours, on the API and
the hosted page.

The world's clock stands at 2026-09-01 08:00 UTC: 11:00 in Moscow.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.clock import MovableClock
from tests.integration.chats.class_5v import (
    CLASS_CHAT,
    NEW_CLASS,
    PARENTS_CHAT,
    SETTINGS,
    patch_settings,
)
from tests.integration.chats.phone import Phone
from tests.integration.chats.world import OPERATOR, SCHOOL, World
from tests.openapi import assert_documented

pytestmark = [pytest.mark.emulator]

DEFAULTS = {
    "school_id": SCHOOL,
    "teacher_first": False,
    "quiet_hours": None,
    "time_zone": "Europe/Moscow",
    "updated_at": None,
}


def _audit(world: World, action: str) -> list[dict[str, Any]]:
    reply = world.get(OPERATOR, f"/v1/schools/{SCHOOL}/audit?limit=200")
    assert reply.status == 200, reply.body
    return [entry for entry in reply.body["items"] if entry["action"] == action]


# --- reading and changing ------------------------------------------------------------------


def test_administrators_and_operators_read_the_defaults_nobody_else_does(world: World) -> None:
    for who in ("adm", OPERATOR):
        reply = world.get(who, SETTINGS)
        assert reply.status == 200, reply.body
        assert reply.body == DEFAULTS
        assert_documented(
            "GET", "/v1/schools/{school_id}/settings", 200, reply.body, reply.headers.get("Content-Type")
        )
    for who in ("t-class", "t-math", "par-1", "stu-1", "t-far", "stu-3"):
        reply = world.get(who, SETTINGS)
        assert reply.status == 404 and reply.problem_type == "not-found", (who, reply.body)
    assert world.get("adm", "/v1/schools/sch-2/settings").status == 404  # not their school


def test_a_change_is_kept_returned_and_audited_once(world: World, clock: MovableClock) -> None:
    wanted = {
        "teacher_first": True,
        "quiet_hours": {"start": "08:00", "end": "19:00"},
        "time_zone": "Asia/Yekaterinburg",
    }
    reply = patch_settings(world, "adm", wanted)
    assert reply.status == 200, reply.body
    assert reply.body == DEFAULTS | wanted | {"updated_at": "2026-09-01T08:00:00.000Z"}
    assert world.get(OPERATOR, SETTINGS).body == reply.body
    changes = _audit(world, "settings_changed")
    assert [(e["actor_id"], e["actor_kind"], e["school_id"]) for e in changes] == [
        ("adm", "school_admin", SCHOOL)
    ]

    clock.advance(minutes=1)
    assert patch_settings(world, "adm", {"teacher_first": True}).status == 200  # nothing changes: no record
    assert len(_audit(world, "settings_changed")) == 1

    reply = patch_settings(world, OPERATOR, {"quiet_hours": None})
    assert reply.status == 200 and reply.body["quiet_hours"] is None and reply.body["teacher_first"] is True
    assert reply.body["time_zone"] == "Asia/Yekaterinburg"  # untouched
    changes = _audit(world, "settings_changed")
    assert [e["actor_kind"] for e in changes] == ["operator", "school_admin"]  # newest first


HOSTILE_BODIES: list[tuple[Any, int, str | None]] = [
    ({"time_zone": "Europe/Moskow"}, 422, "time_zone"),
    ({"time_zone": "../../../etc/passwd"}, 422, "time_zone"),
    ({"time_zone": "localtime"}, 422, "time_zone"),
    ({"time_zone": "Europe/Moscow\u0000"}, 422, "time_zone"),
    ({"time_zone": "x" * 10_000}, 422, "time_zone"),
    ({"time_zone": None}, 422, "time_zone"),
    ({"time_zone": 3}, 422, "time_zone"),
    ({"teacher_first": "true"}, 422, "teacher_first"),
    ({"teacher_first": None}, 422, "teacher_first"),
    ({"teacher_first": 1}, 422, "teacher_first"),
    ({"quiet_hours": {"start": "8:00", "end": "19:00"}}, 422, "quiet_hours.start"),
    ({"quiet_hours": {"start": "08:00", "end": "24:00"}}, 422, "quiet_hours.end"),
    ({"quiet_hours": {"start": "08:00", "end": "08:00"}}, 422, "quiet_hours.end"),
    ({"quiet_hours": {"start": "08:00\n", "end": "19:00"}}, 422, "quiet_hours.start"),
    ({"quiet_hours": {"start": "08:00"}}, 422, "quiet_hours.end"),
    ({"quiet_hours": {"start": "08:00", "end": "19:00", "days": "all"}}, 422, "quiet_hours.days"),
    ({"quiet_hours": "08:00-19:00"}, 422, "quiet_hours"),
    ({"quiet_hours": {"start": 800, "end": 1900}}, 422, "quiet_hours.start"),
    ({"teacher_first": True, "owner": "me"}, 422, "owner"),
    ({}, 422, "body"),
    ([{"teacher_first": True}], 400, None),
    ("teacher_first", 400, None),
]


def test_bad_settings_are_refused_by_name_and_change_nothing(world: World) -> None:
    wrong = []
    for body, status, field in HOSTILE_BODIES:
        reply = patch_settings(world, "adm", body)
        named = field is None or field in {error["field"] for error in reply.body.get("errors", [])}
        if (
            reply.status != status
            or not named
            or reply.headers.get("Content-Type") != "application/problem+json"
        ):
            wrong.append(f"{body!r:.80}: {reply.status} {reply.body}")
    assert not wrong, "\n".join(wrong)
    assert world.get("adm", SETTINGS).body == DEFAULTS
    assert _audit(world, "settings_changed") == []


def test_malformed_bodies_and_outsiders_change_nothing(world: World) -> None:
    assert patch_settings(world, "adm", None, raw=b"{not json").status == 400
    assert patch_settings(world, "adm", None, raw=b"[" * 5000 + b"]" * 5000).status == 400
    big = json.dumps({"time_zone": "Europe/Moscow", "pad": "x" * 70_000}).encode()
    assert patch_settings(world, "adm", None, raw=big).status == 413
    reply = world.api.http.patch(
        SETTINGS, headers={"Authorization": "Bearer nonsense", "Content-Type": "application/json"}, body="{}"
    )
    assert reply.status_code == 401
    for who in ("t-class", "par-1", "stu-1", "t-far"):
        assert patch_settings(world, who, {"teacher_first": True}).status == 404
    assert world.get("adm", SETTINGS).body == DEFAULTS
    assert _audit(world, "settings_changed") == []


# --- teacher first ---------------------------------------------------------------------------


def test_pupils_and_parents_do_not_see_a_new_chat_before_its_class_teacher_opens_it(held: World) -> None:
    world = held
    for who, chat_id in (("stu-new", CLASS_CHAT), ("par-new", PARENTS_CHAT)):
        assert chat_id not in world.chat_ids_of(who)
        for method, path, body in (
            ("GET", f"/v1/chats/{chat_id}", None),
            ("GET", f"/v1/chats/{chat_id}/messages", None),
            ("GET", f"/v1/chats/{chat_id}/members", None),
            ("POST", f"/v1/chats/{chat_id}/messages", {"text": "привет"}),
            ("POST", f"/v1/chats/{chat_id}/call", None),
        ):
            reply = world.call(who, method, path, body)
            assert reply.status == 404 and reply.problem_type == "not-found", (who, method, path, reply.body)
    # The class teacher sees it, is told it waits for them, and can already write in it.
    teacher = world.get("t-spare", f"/v1/chats/{CLASS_CHAT}")
    assert teacher.status == 200 and teacher.body["awaiting_open"] is True
    assert_documented("GET", "/v1/chats/{chat_id}", 200, teacher.body, teacher.headers.get("Content-Type"))
    assert (
        world.post("t-spare", f"/v1/chats/{CLASS_CHAT}/messages", {"text": "Добро пожаловать"}).status == 201
    )
    # Chats made before teacher first was switched on are untouched.
    assert world.chats["class"] in world.chat_ids_of("stu-1")
    assert world.get("stu-1", f"/v1/chats/{world.chats['class']}").body["awaiting_open"] is False


def test_the_class_teacher_opens_each_chat_once_and_it_is_audited(held: World) -> None:
    world = held
    for who in ("stu-new", "adm", "t-class", OPERATOR):
        reply = world.post(who, f"/v1/chats/{CLASS_CHAT}/open", None)
        assert reply.status in (403, 404, 409), (who, reply.body)
    opened = world.post("t-spare", f"/v1/chats/{CLASS_CHAT}/open", None)
    assert opened.status == 200, opened.body
    assert opened.body["awaiting_open"] is False and opened.body["id"] == CLASS_CHAT
    assert_documented(
        "POST", "/v1/chats/{chat_id}/open", 200, opened.body, opened.headers.get("Content-Type")
    )

    assert CLASS_CHAT in world.chat_ids_of("stu-new")
    messages = world.get("stu-new", f"/v1/chats/{CLASS_CHAT}/messages")
    assert messages.status == 200
    assert world.get("t-spare", f"/v1/chats/{CLASS_CHAT}").body["awaiting_open"] is False
    # The parents chat is opened on its own.
    assert PARENTS_CHAT not in world.chat_ids_of("par-new")
    assert world.post("t-spare", f"/v1/chats/{PARENTS_CHAT}/open", None).status == 200
    assert PARENTS_CHAT in world.chat_ids_of("par-new")

    assert world.post("t-spare", f"/v1/chats/{CLASS_CHAT}/open", None).status == 200  # again: no change
    records = _audit(world, "chat_opened")
    assert sorted((e["chat_id"], e["actor_id"], e["actor_kind"]) for e in records) == sorted(
        [(CLASS_CHAT, "t-spare", "moderator"), (PARENTS_CHAT, "t-spare", "moderator")]
    )


def test_only_class_and_parents_chats_are_opened(world: World) -> None:
    reply = world.post("t-math", f"/v1/chats/{world.chats['subject']}/open", None)
    assert reply.status == 409 and reply.problem_type == "conflict"
    assert world.post("t-class", "/v1/chats/ch_nope/open", None).status == 404


def test_switching_teacher_first_off_shows_waiting_chats(held: World) -> None:
    assert patch_settings(held, "adm", {"teacher_first": False}).status == 200
    assert CLASS_CHAT in held.chat_ids_of("stu-new")
    assert held.get("t-spare", f"/v1/chats/{CLASS_CHAT}").body["awaiting_open"] is False


# --- quiet hours -----------------------------------------------------------------------------


def test_outside_the_posting_hours_only_moderators_post_in_parents_chats(
    world: World, clock: MovableClock
) -> None:
    assert (
        patch_settings(world, "adm", {"quiet_hours": {"start": "08:00", "end": "10:00"}}).status == 200
    )  # 11:00 now
    refused = world.send("par-1", "parents", "Можно вопрос?")
    assert refused.status == 403 and refused.problem_type == "quiet-hours", refused.body
    assert refused.body["detail"] == "Чат открыт для сообщений с 8:00"
    assert refused.body["opens_at"] == "2026-09-02T05:00:00.000Z"  # 08:00 tomorrow in Moscow
    assert_documented(
        "POST", "/v1/chats/{chat_id}/messages", 403, refused.body, refused.headers.get("Content-Type")
    )
    assert world.send("t-class", "parents", "Собрание в пятницу").status == 201  # the moderator
    assert world.send("stu-1", "class", "а в классе можно").status == 201  # other kinds: untouched
    assert world.send("par-1", "custom", "и тут можно").status == 201
    texts = [
        m["text"] for m in world.get("t-class", f"/v1/chats/{world.chats['parents']}/messages").body["items"]
    ]
    assert "Можно вопрос?" not in texts

    clock.advance(hours=21, minutes=1)  # 08:01 in Moscow the next day
    assert world.send("par-1", "parents", "Доброе утро").status == 201


def test_a_window_across_midnight_and_the_school_time_zone(world: World, clock: MovableClock) -> None:
    assert patch_settings(world, "adm", {"quiet_hours": {"start": "22:00", "end": "06:00"}}).status == 200
    closed = world.send("par-1", "parents", "днём")  # 11:00 in Moscow
    assert closed.status == 403 and closed.body["detail"] == "Чат открыт для сообщений с 22:00"
    clock.advance(hours=12)  # 23:00 in Moscow
    assert world.send("par-1", "parents", "ночью").status == 201
    # 20:00 UTC is 08:00 in Vladivostok: outside 22:00–06:00 there.
    assert patch_settings(world, "adm", {"time_zone": "Asia/Vladivostok"}).status == 200
    assert world.send("par-1", "parents", "во Владивостоке утро").status == 403


def _opens_at(world: World, who: str, kind: str) -> Any:
    """``posting_opens_at`` of a chat as ``who`` sees it: the chat itself and its item in the list agree."""
    chat_id = world.chats[kind]
    one = world.get(who, f"/v1/chats/{chat_id}")
    assert one.status == 200, one.body
    assert_documented("GET", "/v1/chats/{chat_id}", 200, one.body, one.headers.get("Content-Type"))
    listed = world.get(who, "/v1/chats?limit=100")
    assert_documented("GET", "/v1/chats", 200, listed.body, listed.headers.get("Content-Type"))
    [item] = [chat for chat in listed.body["items"] if chat["id"] == chat_id]
    assert item["posting_opens_at"] == one.body["posting_opens_at"]
    assert item["posting_notice"] == one.body["posting_notice"]
    assert (one.body["posting_notice"] is None) == (one.body["posting_opens_at"] is None)
    return one.body["posting_opens_at"]


def test_the_chat_says_when_posting_opens_before_anyone_tries(world: World, clock: MovableClock) -> None:
    assert _opens_at(world, "par-1", "parents") is None  # no quiet hours: open
    assert patch_settings(world, "adm", {"quiet_hours": {"start": "08:00", "end": "10:00"}}).status == 200
    # 11:00 in Moscow: closed to the parent until 08:00 tomorrow, as the refusal would say.
    assert _opens_at(world, "par-1", "parents") == "2026-09-02T05:00:00.000Z"
    notice = world.get("par-1", f"/v1/chats/{world.chats['parents']}").body["posting_notice"]
    assert notice == "Чат открыт для сообщений с 8:00"
    assert world.send("par-1", "parents", "Можно вопрос?").body["opens_at"] == "2026-09-02T05:00:00.000Z"
    # Quiet hours do not apply: the parents chat's moderator, other kinds of chat, a teacher in staff.
    assert world.get("t-class", f"/v1/chats/{world.chats['parents']}").body["my_role"] == "moderator"
    assert _opens_at(world, "t-class", "parents") is None
    assert _opens_at(world, "par-1", "custom") is None
    assert _opens_at(world, "stu-1", "class") is None
    assert world.get("t-math", f"/v1/chats/{world.chats['staff']}").body["my_role"] == "member"
    assert _opens_at(world, "t-math", "staff") is None

    clock.advance(hours=21, minutes=1)  # 08:01 in Moscow the next day: open again
    assert _opens_at(world, "par-1", "parents") is None


def test_the_posting_window_is_in_the_schools_time_zone(world: World) -> None:
    assert patch_settings(world, "adm", {"quiet_hours": {"start": "22:00", "end": "06:00"}}).status == 200
    assert _opens_at(world, "par-1", "parents") == "2026-09-01T19:00:00.000Z"  # 22:00 in Moscow
    notice = world.get("par-1", f"/v1/chats/{world.chats['parents']}").body["posting_notice"]
    assert notice == "Чат открыт для сообщений с 22:00"
    # 08:00 UTC is 18:00 in Vladivostok: posting opens at 22:00 there, 12:00 UTC.
    assert patch_settings(world, "adm", {"time_zone": "Asia/Vladivostok"}).status == 200
    assert _opens_at(world, "par-1", "parents") == "2026-09-01T12:00:00.000Z"
    assert patch_settings(world, "adm", {"quiet_hours": None}).status == 200
    assert _opens_at(world, "par-1", "parents") is None


# --- the hosted page -------------------------------------------------------------------------


def test_the_hosted_page_says_when_posting_opens_and_keeps_the_draft(
    world: World, clock: MovableClock
) -> None:
    clock.advance(seconds=1)
    phone = Phone(world.api)
    phone.scan("par-1")
    chat_path = f"/m/chats/{world.chats['parents']}"
    page = phone.open(chat_path)
    assert page.status == 200 and 'id="quiet-hours"' not in page.html
    csrf, client_msg_id = page.field("csrf"), page.field("client_msg_id")

    assert patch_settings(world, "adm", {"quiet_hours": {"start": "08:00", "end": "10:00"}}).status == 200
    closed = phone.open(chat_path)
    assert "Чат открыт для сообщений с 8:00" in closed.html
    assert 'type="submit">Отправить' not in closed.html  # no send button while closed
    # A form loaded before the quiet hours began: refused, the reason at the composer, the draft kept.
    sent = phone.post_form(
        f"{chat_path}/messages", {"csrf": csrf, "client_msg_id": client_msg_id, "text": "Вопрос <b>"}
    )
    assert sent.status == 403
    assert "Чат открыт для сообщений с 8:00" in sent.html
    assert "Вопрос &lt;b&gt;</textarea>" in sent.html
    texts = [
        m["text"] for m in world.get("t-class", f"/v1/chats/{world.chats['parents']}/messages").body["items"]
    ]
    assert "Вопрос <b>" not in texts


def test_the_class_teacher_opens_a_waiting_chat_from_the_hosted_page(
    held: World, clock: MovableClock
) -> None:
    world = held
    phone = Phone(world.api)
    phone.scan("t-spare")
    chat_path = f"/m/chats/{CLASS_CHAT}"
    page = phone.open(chat_path)
    assert "Открыть чат" in page.html and f'action="{chat_path}/open"' in page.html
    assert "Открыть чат" not in phone.open(f"/m/chats/{world.chats['staff']}").html

    # Without the session's CSRF token, or from another site: refused, nothing opened.
    assert phone.post_form(f"{chat_path}/open", {"csrf": "forged"}).status == 403
    assert (
        phone.post_form(
            f"{chat_path}/open", {"csrf": page.field("csrf")}, origin="https://evil.example"
        ).status
        == 403
    )
    assert phone.post_form(f"{chat_path}/open", {"csrf": page.field("csrf"), "x": "1"}).status == 422
    assert CLASS_CHAT not in world.chat_ids_of("stu-new")

    done = phone.post_form(f"{chat_path}/open", {"csrf": page.field("csrf")})
    assert done.status == 303 and done.headers["Location"].endswith(chat_path)
    assert CLASS_CHAT in world.chat_ids_of("stu-new")
    assert "Открыть чат" not in phone.open(chat_path).html

    pupil = Phone(world.api)
    pupil.scan("stu-new")
    assert pupil.open(chat_path).status == 200
    assert pupil.open(f"/m/chats/{PARENTS_CHAT}").status == 404  # not theirs anyway


def test_my_data_does_not_reveal_a_chat_waiting_for_its_class_teacher(held: World) -> None:
    """The privacy export is no back door to teacher first: a pupil or parent learns of a waiting
    chat (its id, title) only once the class teacher opens it; the class teacher sees it at once."""
    world = held

    def exported_chats(who: str) -> set[str]:
        reply = world.get(who, "/v1/me/data")
        assert reply.status == 200, reply.body
        assert_documented("GET", "/v1/me/data", 200, reply.body, reply.headers.get("Content-Type"))
        return {chat["id"] for chat in reply.body["chats"]}

    for who, chat_id in (("stu-new", CLASS_CHAT), ("par-new", PARENTS_CHAT)):
        reply = world.get(who, "/v1/me/data")
        assert chat_id not in json.dumps(reply.body, ensure_ascii=False), who
        assert NEW_CLASS.title not in json.dumps(reply.body, ensure_ascii=False), who
    assert {CLASS_CHAT, PARENTS_CHAT} <= exported_chats("t-spare")

    assert world.post("t-spare", f"/v1/chats/{CLASS_CHAT}/open", None).status == 200
    assert CLASS_CHAT in exported_chats("stu-new")
    assert PARENTS_CHAT not in exported_chats("par-new")  # opened on its own
