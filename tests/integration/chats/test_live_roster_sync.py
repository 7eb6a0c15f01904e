"""Roster syncs push who was put in or taken out of a chat (SPEC §10), through the real stage 2.

A roster is staged (stage 1) and the school message is handled by the real
queue handler (``devstack.worker``), while people hold open journal sockets on
the local stack's socket server: a pupil moved to another class is told the old
class chat was removed and the new one added; someone who left the school is
told every chat of theirs was removed; nobody outside those chats hears a thing.
"""

from __future__ import annotations

from typing import Any

import pytest
from websockets.sync.client import ClientConnection

from chalicelib.planning.model import ChatKind, roster_chat_id
from devstack.live import LiveServer
from tests.builders import ClassSpec, RosterSpec, build_roster, bulk_update, stage_import
from tests.integration.chats.sockets import frame, journal_socket, nothing_more
from tests.integration.chats.world import World
from tests.support import link_person

pytestmark = pytest.mark.emulator

SCHOOL_ID = "l3-school"


def _chat(kind: ChatKind, class_id: str | None) -> str:
    return roster_chat_id(SCHOOL_ID, kind, class_id)


@pytest.fixture
def worker(application: Any) -> Any:
    """The local stack's queue worker bound to this test's app (the real stage-2 handler)."""
    from devstack.worker import app_worker

    return app_worker(application, school_concurrency=1)


def _spec() -> RosterSpec:
    return RosterSpec(
        school_id=SCHOOL_ID,
        admins=("l3-adm",),
        classes={
            "l3-5a": ClassSpec("5А", ("l3-t1",), ("l3-s1", "l3-s2")),
            "l3-5b": ClassSpec("5Б", ("l3-t2",), ("l3-s3",)),
        },
        guardians={"l3-p1": ("l3-s1",), "l3-p2": ("l3-s2",), "l3-p3": ("l3-s3",)},
    )


def _sync(services: Any, worker: Any, spec: RosterSpec, day: int) -> None:
    stage_import(
        services,
        [bulk_update(build_roster(spec))],
        key=f"rosters/l3-{day}.csv",
        uploaded_at=f"2026-09-{day:02d}T08:00:00.000Z",
    )
    worker.drain()


def _events(socket: ClientConnection, count: int) -> set[tuple[str, str]]:
    return {(event["type"], event["chat_id"]) for event in (frame(socket) for _ in range(count))}


@pytest.fixture
def synced(services: Any, worker: Any, live: LiveServer) -> RosterSpec:
    """The school synced once, its people linked to journal accounts."""
    spec = _spec()
    _sync(services, worker, spec, 1)
    for person_id in ("l3-s1", "l3-s2", "l3-s3", "l3-p1", "l3-p2", "l3-t1", "l3-t2", "l3-adm"):
        link_person(person_id)
    return spec


def test_a_pupil_moved_by_a_sync_is_told_of_the_chats_they_left_and_joined(
    services: Any, worker: Any, live: LiveServer, synced: RosterSpec
) -> None:
    moved, parent = journal_socket(live, "l3-s1"), journal_socket(live, "l3-p1")
    bystanders = [journal_socket(live, who) for who in ("l3-s2", "l3-p2", "l3-t1", "l3-t2", "l3-adm")]
    synced.classes["l3-5a"] = ClassSpec("5А", ("l3-t1",), ("l3-s2",))
    synced.classes["l3-5b"] = ClassSpec("5Б", ("l3-t2",), ("l3-s1", "l3-s3"))
    _sync(services, worker, synced, 2)

    assert _events(moved, 2) == {
        ("chat.removed", _chat(ChatKind.CLASS, "l3-5a")),
        ("chat.added", _chat(ChatKind.CLASS, "l3-5b")),
    }
    assert _events(parent, 2) == {
        ("chat.removed", _chat(ChatKind.PARENTS, "l3-5a")),
        ("chat.added", _chat(ChatKind.PARENTS, "l3-5b")),
    }
    for socket in (moved, parent, *bystanders):
        nothing_more(socket)  # no duplicate for the movers; nothing at all for anyone else
        socket.close()


def test_someone_who_left_the_school_is_told_every_chat_of_theirs_was_removed(
    services: Any, worker: Any, live: LiveServer, synced: RosterSpec, world: World
) -> None:
    trip = world.post(
        "l3-t1", "/v1/chats", {"kind": "custom", "title": "Поход", "member_ids": ["l3-t2", "l3-adm"]}
    )
    assert trip.status == 201, trip.body
    # A chat only l3-t2 moderates, without the administrator: it goes to them when l3-t2 leaves.
    club = world.post("l3-t2", "/v1/chats", {"kind": "custom", "title": "Кружок", "member_ids": ["l3-t1"]})
    assert club.status == 201, club.body
    worker.drain()  # its own pushes (chat.added) go out before anyone below listens
    teacher = journal_socket(live, "l3-t2")
    admin = journal_socket(live, "l3-adm")
    bystanders = [journal_socket(live, who) for who in ("l3-s1", "l3-p1", "l3-t1")]
    synced.classes["l3-5b"] = ClassSpec("5Б", ("l3-t3",), ("l3-s3",))  # l3-t2 leaves the school
    _sync(services, worker, synced, 2)

    assert _events(teacher, 5) == {
        ("chat.removed", _chat(ChatKind.CLASS, "l3-5b")),
        ("chat.removed", _chat(ChatKind.PARENTS, "l3-5b")),
        ("chat.removed", _chat(ChatKind.STAFF, None)),
        ("chat.removed", trip.body["id"]),  # not the roster's: the departure ends it (SPEC §4)
        ("chat.removed", club.body["id"]),
    }
    nothing_more(teacher)
    teacher.close()
    assert _events(admin, 1) == {("chat.added", club.body["id"])}  # left without a moderator: theirs now
    nothing_more(admin)
    admin.close()
    for socket in bystanders:
        nothing_more(socket)
        socket.close()
