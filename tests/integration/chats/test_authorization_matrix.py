"""Who may do what, through the HTTP API: every role × every route × every chat kind.

The table is the rule book. Columns are the callers of ``world.py``:

* CT  ``t-class``  class teacher of 5А (moderates the class and parents chats, made the custom chat)
* ST  ``t-math``   subject teacher of math-5a (moderates its subject chat, member of the custom chat)
* ADM ``adm``      the school's administrator (moderates the staff room; back office for the rest)
* PAR ``par-1``    parent of stu-1 (parents chat of 5А, custom chat)
* STU ``stu-1``    student of 5А and math-5a
* OTH ``t-far``    a linked teacher of another school
* OP  ``op-1``     an operator (back-office token, no link)
* UNL ``stu-3``    a student of 5А who never linked a profile
* DEP ``t-gone``   a linked teacher who was in the staff room and the custom chat, then left the roster
* AWT ``stu-4``    a linked pupil under 14 whose link waits for a guardian's consent

The school steps in (SPEC §6): its administrator and operators remove anyone
from any chat, archive any subject or custom chat and delete any message.

Cells: a status, or ``409L``/``409C``/``409R``/``409K`` for 409 with problem type
``link-required``/``conflict``/``read-only``/``consent-required``, ``403Q`` for 403
``quiet-hours``. A route missing a kind, or a row missing a caller, fails the parser: no rule can
go unstated.

A school's settings (SPEC §10): the ``held`` rows run with teacher first on since before the
world's chats were made, so its class and parents chats wait for their class teacher and do not
exist for their pupils and parents (404); ``POST open`` is the class teacher's «Открыть чат»
(moderators of class and parents chats). The ``quiet`` rows run outside the school's posting
hours: a parents chat takes posts from its moderators only (403 ``quiet-hours`` for the others).

Calls (SPEC §9): ``POST call start`` meets every caller with no call under way
(whoever starts one leaves it again, which ends it); the other call rows run
with a call under way in every chat, started by its moderator in
``CALL_STARTERS`` and with only them in it. So a signal (always addressed to
that starter) is 422 from the starter (not to oneself) and 403 from members
who are not in the call.

Every cell is checked twice, through the app's real routes and Chalice's test
client both times: on the in-memory twins (``twins``: no emulator, nothing may
reach AWS) and on DynamoDB/S3/SQS in moto server (``dynamodb``, the end-to-end
check of the adapters). A cell that differs between them is a twin bug, to be
caught by ``tests/contract``, never a second table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.memory.attachments import MEMORY_URL
from chalicelib.schools.settings import SchoolSettings
from tests.integration.chats.world import (
    AWAITING_CONSENT,
    DEPARTED,
    OPERATOR,
    SCHOOL,
    World,
    add_departed_teacher,
    await_consent,
)
from tests.openapi import assert_documented

CALLERS = {
    "CT": "t-class",
    "ST": "t-math",
    "ADM": "adm",
    "PAR": "par-1",
    "STU": "stu-1",
    "OTH": "t-far",
    "OP": OPERATOR,
    "UNL": "stu-3",
    "DEP": DEPARTED,
    "AWT": AWAITING_CONSENT,
}
KINDS = ("staff", "class", "parents", "subject", "custom")

# Whom each DELETE …/members/{person_id} row takes out of the chat (a plain member).
MEMBER_TARGETS = {
    "staff": "t-other",
    "class": "stu-2",
    "parents": "par-2",
    "subject": "stu-2",
    "custom": "t-other",
}
# The school removes someone still there when its turn comes (the row's callers act in column order).
SCHOOL_MEMBER_TARGETS = {
    "ADM": {
        "staff": "t-spare",
        "class": "stu-3",
        "parents": "par-2",
        "subject": "t-math",
        "custom": "t-math",
    },
    "OP": {"staff": "t-other", "class": "stu-2", "parents": "par-1", "subject": "stu-1", "custom": "par-1"},
}

MATRIX = """
route               kind     CT    ST    ADM   PAR   STU   OTH   OP    UNL   DEP   AWT
GET chat            staff    200   200   200   404   404   404   200   409L  404   409K
GET chat            class    200   404   200   404   200   404   200   409L  404   409K
GET chat            parents  200   404   200   200   404   404   200   409L  404   409K
GET chat            subject  404   200   200   404   200   404   200   409L  404   409K
GET chat            custom   200   200   200   200   404   404   200   409L  404   409K

GET members         staff    200   200   200   404   404   404   200   409L  404   409K
GET members         class    200   404   200   404   200   404   200   409L  404   409K
GET members         parents  200   404   200   200   404   404   200   409L  404   409K
GET members         subject  404   200   200   404   200   404   200   409L  404   409K
GET members         custom   200   200   200   200   404   404   200   409L  404   409K

GET messages        staff    200   200   200   404   404   404   409L  409L  404   409K
GET messages        class    200   404   403   404   200   404   409L  409L  404   409K
GET messages        parents  200   404   403   200   404   404   409L  409L  404   409K
GET messages        subject  404   200   403   404   200   404   409L  409L  404   409K
GET messages        custom   200   200   403   200   404   404   409L  409L  404   409K

POST message        staff    201   201   201   404   404   404   409L  409L  404   409K
POST message        class    201   404   403   404   201   404   409L  409L  404   409K
POST message        parents  201   404   403   201   404   404   409L  409L  404   409K
POST message        subject  404   201   403   404   201   404   409L  409L  404   409K
POST message        custom   201   201   403   201   404   404   409L  409L  404   409K

GET chat held       staff    200   200   200   404   404   404   200   409L  404   409K
GET chat held       class    200   404   200   404   404   404   200   409L  404   409K
GET chat held       parents  200   404   200   404   404   404   200   409L  404   409K
GET chat held       subject  404   200   200   404   200   404   200   409L  404   409K
GET chat held       custom   200   200   200   200   404   404   200   409L  404   409K

GET messages held   staff    200   200   200   404   404   404   409L  409L  404   409K
GET messages held   class    200   404   403   404   404   404   409L  409L  404   409K
GET messages held   parents  200   404   403   404   404   404   409L  409L  404   409K
GET messages held   subject  404   200   403   404   200   404   409L  409L  404   409K
GET messages held   custom   200   200   403   200   404   404   409L  409L  404   409K

POST message held   staff    201   201   201   404   404   404   409L  409L  404   409K
POST message held   class    201   404   403   404   404   404   409L  409L  404   409K
POST message held   parents  201   404   403   404   404   404   409L  409L  404   409K
POST message held   subject  404   201   403   404   201   404   409L  409L  404   409K
POST message held   custom   201   201   403   201   404   404   409L  409L  404   409K

POST message quiet  staff    201   201   201   404   404   404   409L  409L  404   409K
POST message quiet  class    201   404   403   404   201   404   409L  409L  404   409K
POST message quiet  parents  201   404   403   403Q  404   404   409L  409L  404   409K
POST message quiet  subject  404   201   403   404   201   404   409L  409L  404   409K
POST message quiet  custom   201   201   403   201   404   404   409L  409L  404   409K

POST open           staff    403   403   409C  404   404   404   409L  409L  404   409K
POST open           class    200   404   403   404   403   404   409L  409L  404   409K
POST open           parents  200   404   403   403   404   404   409L  409L  404   409K
POST open           subject  404   409C  403   404   403   404   409L  409L  404   409K
POST open           custom   409C  403   403   403   404   404   409L  409L  404   409K

POST attachment     staff    201   201   201   404   404   404   409L  409L  404   409K
POST attachment     class    201   404   403   404   201   404   409L  409L  404   409K
POST attachment     parents  201   404   403   201   404   404   409L  409L  404   409K
POST attachment     subject  404   201   403   404   201   404   409L  409L  404   409K
POST attachment     custom   201   201   403   201   404   404   409L  409L  404   409K

GET attachment      staff    200   200   200   404   404   404   409L  409L  404   409K
GET attachment      class    200   404   403   404   200   404   409L  409L  404   409K
GET attachment      parents  200   404   403   200   404   404   409L  409L  404   409K
GET attachment      subject  404   200   403   404   200   404   409L  409L  404   409K
GET attachment      custom   200   200   403   200   404   404   409L  409L  404   409K

POST attachment check staff  404   404   200   404   404   404   409L  409L  404   409K
POST attachment check class  200   404   403   404   404   404   409L  409L  404   409K
POST attachment check parents 200  404   403   404   404   404   409L  409L  404   409K
POST attachment check subject 404  200   403   404   404   404   409L  409L  404   409K
POST attachment check custom 200   404   403   404   404   404   409L  409L  404   409K

DELETE message      staff    200   403   200   404   404   404   200   409L  404   409K
DELETE message      class    200   404   200   404   200   404   200   409L  404   409K
DELETE message      parents  200   404   200   200   404   404   200   409L  404   409K
DELETE message      subject  404   200   200   404   200   404   200   409L  404   409K
DELETE message      custom   200   403   200   200   404   404   200   409L  404   409K

PATCH chat          staff    403   403   200   404   404   404   409L  409L  404   409K
PATCH chat          class    200   404   403   404   403   404   409L  409L  404   409K
PATCH chat          parents  200   404   403   403   404   404   409L  409L  404   409K
PATCH chat          subject  404   200   403   404   403   404   409L  409L  404   409K
PATCH chat          custom   200   403   403   403   404   404   409L  409L  404   409K

POST members        staff    403   403   409C  404   404   404   409L  409L  404   409K
POST members        class    409C  404   403   404   403   404   409L  409L  404   409K
POST members        parents  409C  404   403   403   404   404   409L  409L  404   409K
POST members        subject  404   200   403   404   403   404   409L  409L  404   409K
POST members        custom   200   403   403   403   404   404   409L  409L  404   409K

DELETE member       staff    403   403   204   404   404   404   204   409L  404   409K
DELETE member       class    409C  404   204   404   403   404   204   409L  404   409K
DELETE member       parents  409C  404   204   403   404   404   204   409L  404   409K
DELETE member       subject  404   204   204   404   403   404   204   409L  404   409K
DELETE member       custom   204   403   204   403   404   404   204   409L  404   409K

DELETE chat         staff    403   403   409C  404   404   404   409C  409L  404   409K
DELETE chat         class    409C  404   409C  404   403   404   409C  409L  404   409K
DELETE chat         parents  409C  404   409C  403   404   404   409C  409L  404   409K
DELETE chat         subject  404   200   200   404   403   404   200   409L  404   409K
DELETE chat         custom   200   403   200   403   404   404   200   409L  404   409K

POST call start     staff    201   201   201   404   404   404   409L  409L   404   409K
POST call start     class    201   404   403   404   403   404   409L  409L   404   409K
POST call start     parents  201   404   403   403   404   404   409L  409L   404   409K
POST call start     subject  404   201   403   404   403   404   409L  409L   404   409K
POST call start     custom   201   201   403   201   404   404   409L  409L   404   409K

POST call join      staff    200   200   200   404   404   404   409L  409L   404   409K
POST call join      class    200   404   403   404   200   404   409L  409L   404   409K
POST call join      parents  200   404   403   200   404   404   409L  409L   404   409K
POST call join      subject  404   200   403   404   200   404   409L  409L   404   409K
POST call join      custom   200   200   403   200   404   404   409L  409L   404   409K

GET call            staff    200   200   200   404   404   404   409L  409L   404   409K
GET call            class    200   404   403   404   200   404   409L  409L   404   409K
GET call            parents  200   404   403   200   404   404   409L  409L   404   409K
GET call            subject  404   200   403   404   200   404   409L  409L   404   409K
GET call            custom   200   200   403   200   404   404   409L  409L   404   409K

DELETE call         staff    403   403   204   404   404   404   409L  409L   404   409K
DELETE call         class    204   404   403   404   403   404   409L  409L   404   409K
DELETE call         parents  204   404   403   403   404   404   409L  409L   404   409K
DELETE call         subject  404   204   403   404   403   404   409L  409L   404   409K
DELETE call         custom   204   403   403   403   404   404   409L  409L   404   409K

DELETE call me      staff    404   404   204   404   404   404   409L  409L   404   409K
DELETE call me      class    204   404   403   404   404   404   409L  409L   404   409K
DELETE call me      parents  204   404   403   404   404   404   409L  409L   404   409K
DELETE call me      subject  404   204   403   404   404   404   409L  409L   404   409K
DELETE call me      custom   204   404   403   404   404   404   409L  409L   404   409K

POST call signal    staff    403   403   422   404   404   404   409L  409L   404   409K
POST call signal    class    422   404   403   404   403   404   409L  409L   404   409K
POST call signal    parents  422   404   403   403   404   404   409L  409L   404   409K
POST call signal    subject  404   422   403   404   403   404   409L  409L   404   409K
POST call signal    custom   422   403   403   403   404   404   409L  409L   404   409K

GET call signals    staff    403   403   200   404   404   404   409L  409L   404   409K
GET call signals    class    200   404   403   404   403   404   409L  409L   404   409K
GET call signals    parents  200   404   403   403   404   404   409L  409L   404   409K
GET call signals    subject  404   200   403   404   403   404   409L  409L   404   409K
GET call signals    custom   200   403   403   403   404   404   409L  409L   404   409K

POST read           staff    204   204   204   404   404   404   409L  409L   404   409K
POST read           class    204   404   403   404   204   404   409L  409L   404   409K
POST read           parents  204   404   403   204   404   404   409L  409L   404   409K
POST read           subject  404   204   403   404   204   404   409L  409L   404   409K
POST read           custom   204   204   403   204   404   404   409L  409L   404   409K

GET reads           staff    403   403   200   404   404   404   409L  409L   404   409K
GET reads           class    200   404   403   404   403   404   409L  409L   404   409K
GET reads           parents  200   404   403   403   404   404   409L  409L   404   409K
GET reads           subject  404   200   403   404   403   404   409L  409L   404   409K
GET reads           custom   200   403   403   403   404   404   409L  409L   404   409K

POST report         staff    201   201   201   404   404   404   409L  409L  404   409K
POST report         class    201   404   403   404   201   404   409L  409L  404   409K
POST report         parents  201   404   403   201   404   404   409L  409L  404   409K
POST report         subject  404   201   403   404   201   404   409L  409L  404   409K
POST report         custom   201   201   403   201   404   404   409L  409L  404   409K

GET reports         staff    403   403   200   404   404   404   200   409L  404   409K
GET reports         class    200   404   200   404   403   404   200   409L  404   409K
GET reports         parents  200   404   200   403   404   404   200   409L  404   409K
GET reports         subject  404   200   200   404   403   404   200   409L  404   409K
GET reports         custom   200   403   200   403   404   404   200   409L  404   409K

GET chats           -        200   200   200   200   200   200   409L  409L  200   409K
POST subject chat   -        403   200   403   403   403   403   409L  409L  403   409K
POST custom chat    -        201   201   403   403   403   403   409L  409L  403   409K
"""

PROBLEM_TYPES = {
    "403": "forbidden",
    "404": "not-found",
    "409L": "link-required",
    "409C": "conflict",
    "409K": "consent-required",
    "403Q": "quiet-hours",
}

CALL_STARTERS = {
    "staff": "adm",
    "class": "t-class",
    "parents": "t-class",
    "subject": "t-math",
    "custom": "t-class",
}
WITH_CALLS = {
    "POST call join",
    "GET call",
    "DELETE call",
    "DELETE call me",
    "POST call signal",
    "GET call signals",
}


@dataclass(frozen=True)
class Expectation:
    """One cell of the table."""

    route: str
    kind: str
    caller: str
    cell: str

    @property
    def status(self) -> int:
        """The expected HTTP status."""
        return int(self.cell[:3])


def parse_matrix(table: str) -> dict[str, list[Expectation]]:
    """The table as expectations per route; asserts it is complete."""
    lines = [line for line in table.strip().splitlines() if line.strip()]
    header = lines[0].split()
    assert header[:2] == ["route", "kind"] and header[2:] == list(CALLERS), header
    by_route: dict[str, list[Expectation]] = {}
    for line in lines[1:]:
        words = line.split()
        cells = words[-len(CALLERS) :]
        kind = words[-len(CALLERS) - 1]
        route = " ".join(words[: -len(CALLERS) - 1])
        assert len(cells) == len(CALLERS), line
        by_route.setdefault(route, []).extend(
            Expectation(route, kind, caller, cell) for caller, cell in zip(CALLERS, cells, strict=True)
        )
    for route, expectations in by_route.items():
        kinds = {e.kind for e in expectations}
        assert kinds == {"-"} or kinds == set(KINDS), f"{route}: kinds {sorted(kinds)}"
    return by_route


EXPECTATIONS = parse_matrix(MATRIX)


ROUTES = {
    # route: (method, path template as in docs/openapi.yaml, body)
    "GET chat": ("GET", "/v1/chats/{chat_id}", None),
    "GET chat held": ("GET", "/v1/chats/{chat_id}", None),
    "GET messages held": ("GET", "/v1/chats/{chat_id}/messages", None),
    "POST message held": ("POST", "/v1/chats/{chat_id}/messages", {"text": "привет"}),
    "POST message quiet": ("POST", "/v1/chats/{chat_id}/messages", {"text": "привет"}),
    "POST open": ("POST", "/v1/chats/{chat_id}/open", None),
    "GET members": ("GET", "/v1/chats/{chat_id}/members", None),
    "GET messages": ("GET", "/v1/chats/{chat_id}/messages", None),
    "POST message": ("POST", "/v1/chats/{chat_id}/messages", {"text": "привет"}),
    "DELETE message": ("DELETE", "/v1/chats/{chat_id}/messages/{message_id}", None),
    "PATCH chat": ("PATCH", "/v1/chats/{chat_id}", {"read_only": False}),
    "POST members": ("POST", "/v1/chats/{chat_id}/members", {"person_ids": ["t-spare"]}),
    "DELETE member": ("DELETE", "/v1/chats/{chat_id}/members/{person_id}", None),
    "DELETE chat": ("DELETE", "/v1/chats/{chat_id}", None),
    "POST call start": ("POST", "/v1/chats/{chat_id}/call", None),
    "POST call join": ("POST", "/v1/chats/{chat_id}/call", None),
    "GET call": ("GET", "/v1/chats/{chat_id}/call", None),
    "DELETE call": ("DELETE", "/v1/chats/{chat_id}/call", None),
    "DELETE call me": ("DELETE", "/v1/chats/{chat_id}/call/participants/me", None),
    "POST call signal": ("POST", "/v1/chats/{chat_id}/call/signals", {"kind": "offer", "payload": "{}"}),
    "GET call signals": ("GET", "/v1/chats/{chat_id}/call/signals", None),
    "POST read": ("POST", "/v1/chats/{chat_id}/read", "up_to"),
    # Read reports exist in announcements mode: the world's chats are switched to it first (ANNOUNCED).
    "GET reads": ("GET", "/v1/chats/{chat_id}/messages/{message_id}/reads", None),
    "POST report": ("POST", "/v1/chats/{chat_id}/messages/{message_id}/report", {"reason": "грубость"}),
    "GET reports": ("GET", "/v1/chats/{chat_id}/reports", None),
    "GET chats": ("GET", "/v1/chats", None),
    "POST attachment": (
        "POST",
        "/v1/chats/{chat_id}/attachments",
        {"name": "a.pdf", "content_type": "application/pdf", "size": 10},
    ),
    # Attachment rows run with one file in every chat, sent by its moderator (WITH_ATTACHMENTS).
    "GET attachment": ("GET", "/v1/chats/{chat_id}/attachments/{attachment_id}", None),
    "POST attachment check": ("POST", "/v1/chats/{chat_id}/attachments/{attachment_id}/check", None),
    "POST subject chat": (
        "POST",
        "/v1/chats",
        {"kind": "subject", "class_id": "math-5a", "school_id": "sch-1"},
    ),
    "POST custom chat": (
        "POST",
        "/v1/chats",
        {"kind": "custom", "title": "Кружок", "school_id": "sch-1", "member_ids": ["t-other"]},
    ),
}


def request(world: World, expectation: Expectation) -> tuple[str, str, str, Any]:
    """The request one cell stands for: method, path template, path, body."""
    method, template, body = ROUTES[expectation.route]
    path = template.format(
        chat_id=world.chats.get(expectation.kind, ""),
        message_id=world.targets.get(expectation.kind),
        person_id=SCHOOL_MEMBER_TARGETS.get(expectation.caller, MEMBER_TARGETS).get(expectation.kind),
        attachment_id=ATTACHMENT_TARGETS.get(expectation.kind, "att_none"),
    )
    if expectation.route == "POST call signal":
        body = {**body, "to": CALL_STARTERS[expectation.kind]}
    if body == "up_to":
        body = {"up_to": world.targets.get(expectation.kind)}
    return method, template, path, body


# Attachment rows: each chat's moderator sends one file there first (its id by kind).
WITH_ATTACHMENTS = {"GET attachment", "POST attachment check"}
ATTACHMENT_TARGETS: dict[str, str] = {}


def send_attachments(world: World, services: Any) -> None:
    """A PDF from each chat's moderator, uploaded, checked and sent (SPEC §10).

    The browser's POST of the upload form goes to the form's URL: S3 in the emulator, or the
    twin's bucket (``InMemoryBlobs.receive``).
    """
    import requests

    pdf = b"%PDF-1.4\n%%EOF\n"
    for kind, moderator in MODERATORS.items():
        base = f"/v1/chats/{world.chats[kind]}"
        ticket = world.post(
            moderator,
            f"{base}/attachments",
            {"name": "a.pdf", "content_type": "application/pdf", "size": len(pdf)},
        )
        assert ticket.status == 201, ticket.body
        upload = ticket.body["upload"]
        if upload["url"] == MEMORY_URL:
            services.blobs.receive(upload["fields"], pdf)
        else:
            requests.post(upload["url"], data=upload["fields"], files={"file": ("a.pdf", pdf)}, timeout=20)
        attachment_id = ticket.body["attachment"]["id"]
        assert world.post(moderator, f"{base}/attachments/{attachment_id}/check", None).status == 200
        sent = world.post(moderator, f"{base}/messages", {"text": "файл", "attachments": [attachment_id]})
        assert sent.status == 201, sent.body
        ATTACHMENT_TARGETS[kind] = attachment_id


# Routes whose rows are stated for chats in announcements mode, and who moderates each chat.
ANNOUNCED = {"GET reads"}
# Routes whose rows are stated with teacher first holding the class and parents chats, and outside
# the school's posting hours (08:00–10:00 in Moscow; the world's clock stands at 11:00 there).
HELD = {"GET chat held", "GET messages held", "POST message held"}
QUIET = {"POST message quiet"}
MODERATORS = {
    "staff": "adm",
    "class": "t-class",
    "parents": "t-class",
    "subject": "t-math",
    "custom": "t-class",
}


@pytest.fixture(params=["twins", pytest.param("dynamodb", marks=pytest.mark.emulator)])
def backend(request: pytest.FixtureRequest) -> tuple[World, Any]:
    """The world and its services: on the in-memory twins, then on the emulator's DynamoDB."""
    if request.param == "twins":
        twin: tuple[World, Any] = request.getfixturevalue("twin_world")
        return twin
    return request.getfixturevalue("world"), request.getfixturevalue("services")


@pytest.mark.parametrize("route", list(EXPECTATIONS))
def test_authorization_matrix(backend: tuple[World, Any], route: str) -> None:
    """Every cell of one route's rows, against one fresh world; all mismatches reported at once."""
    world, services = backend
    add_departed_teacher(world, services)
    await_consent(services)
    mismatches = []
    if route in WITH_CALLS:
        for kind, starter in CALL_STARTERS.items():
            assert world.post(starter, f"/v1/chats/{world.chats[kind]}/call", None).status == 201
    if route in HELD:
        since = datetime(2026, 1, 1, tzinfo=UTC)  # before the world's chats were made
        assert services.school_settings.save(SchoolSettings(SCHOOL, True, since, version=1), 0)
    if route in QUIET:
        quiet = {"quiet_hours": {"start": "08:00", "end": "10:00"}}
        assert world.call("adm", "PATCH", f"/v1/schools/{SCHOOL}/settings", quiet).status == 200
    if route in WITH_ATTACHMENTS:
        send_attachments(world, services)
    if route in ANNOUNCED:
        for kind, moderator in MODERATORS.items():
            switched = world.call(moderator, "PATCH", f"/v1/chats/{world.chats[kind]}", {"read_only": True})
            assert switched.status == 200, switched.body
    for expectation in EXPECTATIONS[route]:
        method, template, path, body = request(world, expectation)
        reply = world.call(CALLERS[expectation.caller], method, path, body)
        if route == "POST call start" and reply.status < 300:  # end it again: the next caller finds none
            assert world.call(CALLERS[expectation.caller], "DELETE", f"{path}/participants/me").status == 204
        assert_documented(method, template, reply.status, reply.body, reply.headers.get("Content-Type"))
        wanted_type = PROBLEM_TYPES.get(expectation.cell)
        got = f"{reply.status} {reply.problem_type or ''}".strip()
        if reply.status != expectation.status or (wanted_type and reply.problem_type != wanted_type):
            where = f"{expectation.kind:8} {expectation.caller:4}"
            mismatches.append(f"{where} want {expectation.cell:5} got {got}")
        elif reply.status >= 400:
            assert reply.headers["Content-Type"] == "application/problem+json"
    assert not mismatches, f"{route}:\n" + "\n".join(mismatches)


def test_matrix_states_every_route_of_the_chats_api() -> None:
    """A route added to the API without rows here fails this test."""
    import app as application

    tested = {(method, template) for method, template, _ in ROUTES.values()}
    chat_routes = {
        (method, path)
        for path, methods in application.app.routes.items()
        if path.startswith("/v1/chats")
        for method in methods
    }
    assert set(EXPECTATIONS) == set(ROUTES)
    assert tested == chat_routes
