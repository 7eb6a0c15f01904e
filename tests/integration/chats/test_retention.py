"""Retention (SPEC §11): the scheduled sweep pseudonymises people gone from every roster after the
configured period and empties chats archived longer than theirs. Driven through the Lambda entry
point with the injected clock; results read through the HTTP API.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from chalicelib.store.tables import MembershipItem
from devstack.retention import scheduled_event
from tests.integration.chats.world import OPERATOR, ROSTER, World
from tests.support import install_roster

pytestmark = pytest.mark.emulator


def run_sweep(application: Any, clock: Any) -> dict[str, int]:
    """The scheduled Lambda of this test's app (its services, its clock)."""
    result: dict[str, int] = application.handler_map["retention_sweep"](scheduled_event(clock.now()), None)
    return result


def without(person_id: str) -> Any:
    people = {pid: p for pid, p in ROSTER.people.items() if pid != person_id}
    enrollments = {k: e for k, e in ROSTER.enrollments.items() if e.person_id != person_id}
    return replace(ROSTER, people=people, enrollments=enrollments)


def names_of(person_id: str) -> set[str]:
    return {row.name for row in MembershipItem.by_school.query("sch-1") if row.person_id == person_id}


def test_a_person_gone_from_every_roster_is_pseudonymised_after_the_period(
    world: World, clock: Any, services: Any, application: Any
) -> None:
    custom = world.chats["custom"]
    assert world.post("t-other", f"/v1/chats/{custom}/messages", {"text": "Встреча в 15:00"}).status == 201
    install_roster(services, without("t-other"))

    clock.advance(days=29)
    assert run_sweep(application, clock)["pseudonymised"] == 0
    assert names_of("t-other") == {"Другой Виктор"}

    clock.advance(days=2)
    assert run_sweep(application, clock)["pseudonymised"] == 1
    history = world.get("t-class", f"/v1/chats/{custom}/messages").body["items"]
    theirs = [m for m in history if m["author_id"] == "t-other"]
    assert [(m["author_name"], m["text"]) for m in theirs] == [("Бывший участник", "Встреча в 15:00")]
    assert names_of("t-other") == {"Бывший участник"}
    assert names_of("t-class") == {"Классная Анна"}
    records = world.get(OPERATOR, "/v1/schools/sch-1/audit").body["items"]
    assert ("pseudonymised", "t-other") in {(r["action"], r["target_id"]) for r in records}
    assert run_sweep(application, clock)["pseudonymised"] == 0


def test_someone_back_on_the_roster_keeps_their_name(
    world: World, clock: Any, services: Any, application: Any
) -> None:
    install_roster(services, without("t-math"))
    install_roster(services, ROSTER)
    clock.advance(days=40)
    assert run_sweep(application, clock)["pseudonymised"] == 0
    assert names_of("t-math") == {"Математик Борис"}


def test_a_chat_archived_longer_than_the_period_loses_its_messages(
    world: World, clock: Any, configure: Any, application: Any
) -> None:
    configure(ARCHIVED_MESSAGES_RETENTION_DAYS="90")
    custom, subject = world.chats["custom"], world.chats["subject"]
    assert world.call("t-class", "DELETE", f"/v1/chats/{custom}").status == 200
    clock.advance(days=60)
    assert world.call("t-math", "DELETE", f"/v1/chats/{subject}").status == 200

    clock.advance(days=31)  # custom: 91 days archived; subject: 31
    done = run_sweep(application, clock)
    assert (done["chats_purged"], done["messages_deleted"]) == (1, 1)
    assert world.get("t-class", f"/v1/chats/{custom}/messages").body["items"] == []
    chat = world.get("t-class", f"/v1/chats/{custom}").body
    assert chat["archived"] is True and chat["last_message"] is None
    assert len(world.get("t-math", f"/v1/chats/{subject}/messages").body["items"]) == 1
    # Live chats are never touched.
    assert len(world.get("stu-1", f"/v1/chats/{world.chats['class']}/messages").body["items"]) == 1
    assert run_sweep(application, clock)["chats_purged"] == 0
