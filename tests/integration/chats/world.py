"""A small school world for the chats API tests: two schools, every kind of chat, linked people.

School ``sch-1``:

* teachers ``t-class`` (class teacher of 5А), ``t-math`` (teaches the scheduled
  class ``math-5a``), ``t-other`` and ``t-spare``; administrator ``adm``;
* students ``stu-1``, ``stu-2`` (5А and math), ``stu-3`` (5А, never linked),
  ``stu-4`` (5Б); parents ``par-1`` (of stu-1), ``par-2`` (of stu-2),
  ``par-4`` (of stu-4).

School ``sch-2``: teacher ``t-far``, student ``stu-far`` (7А).

The world is arranged through the services' ports only (rosters, links, school
settings) and the API, so the same builder serves DynamoDB/S3 on the emulator
and the in-memory twins (``tests/twins.py``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from chalicelib.planning.model import ChatKind, roster_chat_id
from chalicelib.roster.model import (
    ClassKind,
    ClassRecord,
    EnrollmentRecord,
    EnrollmentRole,
    PersonRecord,
    Role,
    SchoolRoster,
)
from tests.support import auth_headers, deliver_fan_out, install_roster, link_through

SCHOOL = "sch-1"
OTHER_SCHOOL = "sch-2"


def person(person_id: str, role: Role, family: str, given: str, *related: str) -> PersonRecord:
    """A roster person."""
    return PersonRecord(
        person_id=person_id,
        roles=frozenset({role}),
        family_name=family,
        given_name=given,
        related_ids=frozenset(related),
    )


def enrolled(class_id: str, person_id: str, role: EnrollmentRole, primary: bool = False) -> EnrollmentRecord:
    """An enrollment (id derived from class and person)."""
    return EnrollmentRecord(f"e-{class_id}-{person_id}", class_id, person_id, role, primary)


def school_roster(
    people: Iterable[PersonRecord], classes: Iterable[ClassRecord], enrollments: Iterable[EnrollmentRecord]
) -> SchoolRoster:
    """School sch-1's roster from parts."""
    return SchoolRoster(
        school_id=SCHOOL,
        school_name="Школа 1",
        people={p.person_id: p for p in people},
        classes={c.class_id: c for c in classes},
        enrollments={e.enrollment_id: e for e in enrollments},
    )


T, S = EnrollmentRole.TEACHER, EnrollmentRole.STUDENT

PEOPLE = [
    person("t-class", Role.TEACHER, "Классная", "Анна"),
    person("t-math", Role.TEACHER, "Математик", "Борис"),
    person("t-other", Role.TEACHER, "Другой", "Виктор"),
    person("t-spare", Role.TEACHER, "Запасной", "Глеб"),
    person("adm", Role.ADMIN, "Директор", "Дарья"),
    person("stu-1", Role.STUDENT, "Иванов", "Петя", "par-1"),
    person("stu-2", Role.STUDENT, "Петрова", "Маша", "par-2"),
    person("stu-3", Role.STUDENT, "Сидоров", "Коля"),
    person("stu-4", Role.STUDENT, "Козлова", "Оля", "par-4"),
    person("par-1", Role.PARENT, "Иванова", "Елена"),
    person("par-2", Role.PARENT, "Петров", "Олег"),
    person("par-4", Role.PARENT, "Козлов", "Игорь"),
]
CLASSES = [
    ClassRecord("5a", "5А", ClassKind.HOMEROOM),
    ClassRecord("5b", "5Б", ClassKind.HOMEROOM),
    ClassRecord("math-5a", "Математика 5А", ClassKind.SCHEDULED, "math"),
]
ENROLLMENTS = [
    enrolled("5a", "t-class", T, primary=True),
    enrolled("5a", "stu-1", S),
    enrolled("5a", "stu-2", S),
    enrolled("5a", "stu-3", S),
    enrolled("5b", "t-other", T, primary=True),
    enrolled("5b", "stu-4", S),
    enrolled("math-5a", "t-math", T),
    enrolled("math-5a", "stu-1", S),
    enrolled("math-5a", "stu-2", S),
]

ROSTER = school_roster(PEOPLE, CLASSES, ENROLLMENTS)

OTHER_ROSTER = SchoolRoster(
    school_id=OTHER_SCHOOL,
    school_name="Школа 2",
    people={
        "t-far": person("t-far", Role.TEACHER, "Дальний", "Фёдор"),
        "stu-far": person("stu-far", Role.STUDENT, "Дальняя", "Юля"),
    },
    classes={"7a": ClassRecord("7a", "7А", ClassKind.HOMEROOM)},
    enrollments={
        e.enrollment_id: e for e in (enrolled("7a", "t-far", T, primary=True), enrolled("7a", "stu-far", S))
    },
)

UNLINKED = {"stu-3"}
OPERATOR = "op-1"
DEPARTED = "t-gone"
AWAITING_CONSENT = "stu-4"


def without_enrollment(roster: SchoolRoster, class_id: str, person_id: str) -> SchoolRoster:
    """The roster after a person left a class."""
    kept = {k: e for k, e in roster.enrollments.items() if (e.class_id, e.person_id) != (class_id, person_id)}
    return replace(roster, enrollments=kept)


@dataclass
class Reply:
    """An HTTP response, decoded."""

    status: int
    body: Any
    headers: dict[str, str]

    @property
    def problem_type(self) -> str | None:
        """The last segment of a problem's ``type`` URI (``not-found``, ``read-only``…)."""
        if isinstance(self.body, dict) and isinstance(self.body.get("type"), str):
            return str(self.body["type"]).rsplit("/", 1)[-1]
        return None


@dataclass
class World:
    """The API client plus the ids tests refer to."""

    api: Any
    chats: dict[str, str] = field(default_factory=dict)
    targets: dict[str, str] = field(default_factory=dict)
    # Whether a send's fan-out waits on the queue for :meth:`fan_out` (SQS) or ran at once (the twins).
    queued_fan_out: bool = True

    def call(self, who: str, method: str, path: str, body: Any = None, raw: bytes | None = None) -> Reply:
        """Call the API as ``who`` (``op-1`` carries the operator scope)."""
        headers = auth_headers(who, operator=who == OPERATOR)
        payload = raw if raw is not None else (json.dumps(body) if body is not None else None)
        response = getattr(self.api.http, method.lower())(path, headers=headers, body=payload)
        try:
            decoded = json.loads(response.body) if response.body else None
        except ValueError:
            decoded = response.body
        return Reply(response.status_code, decoded, dict(response.headers))

    def get(self, who: str, path: str) -> Reply:
        """GET as ``who``."""
        return self.call(who, "GET", path)

    def post(self, who: str, path: str, body: Any) -> Reply:
        """POST JSON as ``who``."""
        return self.call(who, "POST", path, body)

    def send(
        self, who: str, kind: str, text: str, client_msg_id: str | None = None, reply_to: object = None
    ) -> Reply:
        """Send a message to one of the world's chats (``reply_to``: the message it answers).

        The fan-out behind it runs before this returns.
        """
        body: dict[str, Any] = {"text": text}
        if client_msg_id is not None:
            body["client_msg_id"] = client_msg_id
        if reply_to is not None:
            body["reply_to"] = reply_to
        reply = self.post(who, f"/v1/chats/{self.chats[kind]}/messages", body)
        self.fan_out()
        return reply

    def fan_out(self) -> None:
        """Deliver what sends left on the fan-out queue (members' lists), as the worker would."""
        if self.queued_fan_out:
            deliver_fan_out(self.api._app)

    def add_members(self, who: str, kind_or_id: str, *person_ids: str) -> Reply:
        """``POST /v1/chats/{id}/members`` as ``who``."""
        chat_id = self.chats.get(kind_or_id, kind_or_id)
        return self.post(who, f"/v1/chats/{chat_id}/members", {"person_ids": list(person_ids)})

    def chat_ids_of(self, who: str) -> list[str]:
        """The ids of every chat in ``who``'s list, in the list's order (all pages)."""
        ids: list[str] = []
        path = "/v1/chats?limit=100"
        while True:
            reply = self.get(who, path)
            assert reply.status == 200, reply.body
            ids += [chat["id"] for chat in reply.body["items"]]
            if not reply.body["next_cursor"]:
                return ids
            path = f"/v1/chats?limit=100&cursor={reply.body['next_cursor']}"

    def member_ids(self, kind_or_id: str, who: str = "adm") -> set[str]:
        """The active members of a chat, as its school's administrator sees them."""
        chat_id = self.chats.get(kind_or_id, kind_or_id)
        reply = self.get(who, f"/v1/chats/{chat_id}/members?limit=500")
        assert reply.status == 200, reply.body
        return {m["person_id"] for m in reply.body["items"]}


def build_world(api: Any, services: Any, *, queued_fan_out: bool = True) -> World:
    """Both schools synced, everyone but ``stu-3`` linked, a subject and a custom chat, one message each.

    ``queued_fan_out``: False when the services deliver a send's fan-out at once (the twins).
    """
    install_roster(services, ROSTER)
    install_roster(services, OTHER_ROSTER)
    for person_id in [*ROSTER.people, *OTHER_ROSTER.people]:
        if person_id not in UNLINKED:
            link_through(services, person_id)
    world = World(api, queued_fan_out=queued_fan_out)
    world.chats = {
        "staff": roster_chat_id(SCHOOL, ChatKind.STAFF, None),
        "class": roster_chat_id(SCHOOL, ChatKind.CLASS, "5a"),
        "parents": roster_chat_id(SCHOOL, ChatKind.PARENTS, "5a"),
    }
    subject = world.post("t-math", "/v1/chats", {"kind": "subject", "class_id": "math-5a"})
    assert subject.status == 201, subject.body
    world.chats["subject"] = subject.body["id"]
    custom = world.post(
        "t-class",
        "/v1/chats",
        {"kind": "custom", "title": "Поездка", "member_ids": ["t-math", "par-1", "t-other"]},
    )
    assert custom.status == 201, custom.body
    world.chats["custom"] = custom.body["id"]
    for kind, author in (
        ("staff", "t-class"),
        ("class", "stu-1"),
        ("parents", "par-1"),
        ("subject", "stu-1"),
        ("custom", "par-1"),
    ):
        sent = world.send(author, kind, f"hello from {author}")
        assert sent.status == 201, sent.body
        world.targets[kind] = sent.body["id"]
    return world


def add_departed_teacher(world: World, services: Any) -> None:
    """``t-gone``: a linked teacher put in the custom chat, who then left the school's roster."""
    gone = person(DEPARTED, Role.TEACHER, "Ушедший", "Яков")
    install_roster(services, replace(ROSTER, people={**ROSTER.people, DEPARTED: gone}))
    link_through(services, DEPARTED)
    added = world.add_members("t-class", "custom", DEPARTED)
    assert added.status == 200, added.body
    install_roster(services, ROSTER)


def await_consent(services: Any, person_id: str = AWAITING_CONSENT) -> None:
    """A linked pupil whose link waits for a guardian (as linking a profile under 14 leaves it)."""
    link = services.links.find(person_id)
    assert link is not None, person_id
    assert services.links.set_consent(person_id, link.profile_id, "pending")
