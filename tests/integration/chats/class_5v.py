"""Class 5В, added to the world's school after teacher first was switched on (SPEC §10), and the
school's settings route.

Shared by the settings tests and the live pushes that follow who may see a chat; the ``held``
fixture (``conftest.py``) switches teacher first on and then syncs the class.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from chalicelib.planning.model import ChatKind, roster_chat_id
from chalicelib.roster.model import ClassKind, ClassRecord, EnrollmentRole, Role
from tests.integration.chats.world import ROSTER, SCHOOL, World, enrolled, person
from tests.openapi import assert_documented
from tests.support import install_roster, link_person

SETTINGS = f"/v1/schools/{SCHOOL}/settings"


def patch_settings(world: World, who: str, body: Any, raw: bytes | None = None) -> Any:
    """PATCH the world school's settings as ``who``; the answer, held to the OpenAPI document."""
    reply = world.call(who, "PATCH", SETTINGS, body, raw=raw)
    assert_documented(
        "PATCH",
        "/v1/schools/{school_id}/settings",
        reply.status,
        reply.body,
        reply.headers.get("Content-Type"),
    )
    return reply


NEW_CLASS = ClassRecord("5v", "5В", ClassKind.HOMEROOM)
NEWCOMERS = [
    person("stu-new", Role.STUDENT, "Новенький", "Саша", "par-new"),
    person("par-new", Role.PARENT, "Новенькая", "Ольга"),
]
CLASS_CHAT = roster_chat_id(SCHOOL, ChatKind.CLASS, "5v")
PARENTS_CHAT = roster_chat_id(SCHOOL, ChatKind.PARENTS, "5v")


def add_class_5v(services: Any) -> None:
    """A new homeroom class with class teacher t-spare, synced after teacher first was switched on."""
    roster = replace(
        ROSTER,
        people={**ROSTER.people, **{p.person_id: p for p in NEWCOMERS}},
        classes={**ROSTER.classes, NEW_CLASS.class_id: NEW_CLASS},
        enrollments={
            **ROSTER.enrollments,
            **{
                e.enrollment_id: e
                for e in (
                    enrolled("5v", "t-spare", EnrollmentRole.TEACHER, primary=True),
                    enrolled("5v", "stu-new", EnrollmentRole.STUDENT),
                )
            },
        },
    )
    install_roster(services, roster)
    for person_id in ("stu-new", "par-new"):
        link_person(person_id)
