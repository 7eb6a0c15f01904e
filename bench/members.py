"""A chat's members page and the school's roster behind it (``ChatService.members_about``).

Each member is described as the school knows them («мама Козлова Артёма, 5А»),
which takes the school's whole roster. Read through the ``Rosters`` port as is
(``store.rosters.S3Rosters``), every page costs an S3 GET of the roster
document and its parse; kept in memory by its recorded fingerprint
(``chats.roster_cache.CachedRosters``, what ``bootstrap.build_services``
wires), a page costs one small DynamoDB GetItem instead while the roster is
unchanged. Printed per school size: S3 GETs and DynamoDB requests for one
page, both ways, and the cached page's latency as a ratio to the uncached
one, measured in alternation in the same run (absolute times on moto mean
nothing).

Run: ``python -m bench.members``.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

from bench.support import BENCH_JWT_SECRET, describe, latency_ratio, moto_server, use_emulator
from devstack.requests import count_aws_requests

# (homeroom classes, students per class): a small school and a large one (2 parents per student).
SIZES = ((4, 25), (40, 30))
PAGE = 100


def _roster(school_id: str, classes: int, students: int) -> Any:
    """A school: an administrator, a class teacher per class, students with two parents each."""
    from chalicelib.roster.model import (
        ClassKind,
        ClassRecord,
        EnrollmentRecord,
        EnrollmentRole,
        PersonRecord,
        Role,
        SchoolRoster,
    )

    people: dict[str, PersonRecord] = {
        f"{school_id}-adm": PersonRecord(f"{school_id}-adm", frozenset({Role.ADMIN}), "Директорова", "Анна")
    }
    class_records: dict[str, ClassRecord] = {}
    enrollments: dict[str, EnrollmentRecord] = {}
    for c in range(classes):
        class_id = f"{school_id}-c{c}"
        class_records[class_id] = ClassRecord(
            class_id, f"{5 + c % 7}{'АБВГДЕЖ'[c // 7 % 7]}", ClassKind.HOMEROOM
        )
        teacher = f"{class_id}-t"
        people[teacher] = PersonRecord(teacher, frozenset({Role.TEACHER}), "Учителева", "Мария", "Ивановна")
        enrollments[f"{class_id}|{teacher}"] = EnrollmentRecord(
            f"{class_id}|{teacher}", class_id, teacher, EnrollmentRole.TEACHER, primary=True
        )
        for s in range(students):
            kid = f"{class_id}-s{s}"
            parents = (f"{kid}-p0", f"{kid}-p1")
            people[kid] = PersonRecord(
                kid, frozenset({Role.STUDENT}), "Козлов", "Артём", "", frozenset(parents)
            )
            for parent in parents:
                people[parent] = PersonRecord(
                    parent, frozenset({Role.PARENT}), "Козлова", "Ольга", "Петровна"
                )
            enrollments[f"{class_id}|{kid}"] = EnrollmentRecord(
                f"{class_id}|{kid}", class_id, kid, EnrollmentRole.STUDENT
            )
    return SchoolRoster(school_id, school_id, people, class_records, enrollments)


def _install(services: Any, roster: Any) -> None:
    """Write the school's chats and keep its roster, as a sync does (plan, diff, apply, record)."""
    from chalicelib.planning.diff import diff
    from chalicelib.planning.plan import plan_school
    from chalicelib.store.rosters import roster_fingerprint, save_roster
    from chalicelib.store.tables import LinkItem

    now = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
    state = services.messenger.load_school_state(roster.school_id)
    plan = plan_school(roster, state.followed_subject_classes())
    services.messenger.apply_roster_changes(state, diff(plan, state), now)
    key = save_roster(roster)
    services.schools.record_applied(
        roster.school_id,
        fingerprint=roster_fingerprint(roster),
        roster_key=key,
        import_id="bench",
        uploaded_at=None,
        now=now,
    )
    teacher = f"{roster.school_id}-c0-t"
    LinkItem(person_id=teacher, profile_id="p", account_id="a", linked_at=now).save()


def _headers(person_id: str) -> dict[str, str]:
    from chalicelib.identity.journal_token import issue_journal_token

    token = issue_journal_token(person_id, BENCH_JWT_SECRET, issued_at=int(time.time()), lifetime_s=3600)
    return {"Authorization": f"Bearer {token}"}


def _page(client: Any, path: str, person_id: str) -> None:
    response = client.http.get(path, headers=_headers(person_id))
    assert response.status_code == 200, response.body


def _counted(call: Callable[[], None]) -> tuple[Counter[str], Counter[str]]:
    """S3 and DynamoDB requests of one call."""
    with count_aws_requests() as log:
        call()
    return log.of("s3"), log.operations


def run() -> dict[str, Any]:
    """Seed, measure, print; returns the numbers."""
    with moto_server() as url:
        use_emulator(url)
        return _measure()


def _measure() -> dict[str, Any]:
    from chalice.test import Client

    from app import create_app
    from chalicelib.bootstrap import build_services
    from chalicelib.chats.roster_cache import CachedRosters
    from chalicelib.config import settings
    from chalicelib.planning.model import ChatKind, roster_chat_id

    cached = build_services(settings())
    assert isinstance(cached.rosters, CachedRosters)
    uncached = build_services(settings())
    uncached.rosters = (
        uncached.rosters.inner if isinstance(uncached.rosters, CachedRosters) else uncached.rosters
    )
    results: dict[str, Any] = {}
    print(f"GET /v1/chats/{{id}}/members — a page of {PAGE} from a parents chat, the roster behind it")
    with (
        Client(create_app(cached), stage_name="bench") as fast,
        Client(create_app(uncached), stage_name="bench") as slow,
    ):
        for classes, students in SIZES:
            school_id = f"bench-members-{classes}x{students}"
            roster = _roster(school_id, classes, students)
            _install(cached, roster)
            chat_id = roster_chat_id(school_id, ChatKind.PARENTS, f"{school_id}-c0")
            path = f"/v1/chats/{chat_id}/members?limit={PAGE}"
            teacher = f"{school_id}-c0-t"
            before = _counted(partial(_page, slow, path, teacher))
            _page(fast, path, teacher)  # the process's first read of this roster
            after = _counted(partial(_page, fast, path, teacher))
            ratio = latency_ratio(
                partial(_page, fast, path, teacher), partial(_page, slow, path, teacher), 15
            )
            people = len(roster.people)
            results[school_id] = {
                "people": people,
                "s3_before": before[0]["GetObject"],
                "s3_after": after[0]["GetObject"],
                "dynamodb_before": dict(before[1]),
                "dynamodb_after": dict(after[1]),
                "ratio": ratio,
            }
            print(
                f"  {people:>5} people: S3 GETs per page {before[0]['GetObject']} → {after[0]['GetObject']}; "
                f"DynamoDB {describe(before[1])} → {describe(after[1])}; "
                f"latency kept/read-through {ratio:.2f}×"
            )
    return results


def main() -> None:
    """Entry point of ``python -m bench.members``."""
    run()


if __name__ == "__main__":
    main()
