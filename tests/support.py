"""Helpers shared by tests (fixtures live in ``conftest.py``)."""

from __future__ import annotations

import socket
import time
from typing import Any

TEST_JWT_SECRET = "test-journal-secret-with-enough-entropy-0123456789"
TEST_OPERATOR_SECRET = "test-operator-secret-not-the-journals-0123456789"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def token_for(person_id: str, *, operator: bool = False, lifetime_s: int = 3600, **overrides: Any) -> str:
    """A journal token as the journal signs it (``operator``: an operator token, as operators sign it)."""
    from chalicelib.identity.journal_token import issue_journal_token, issue_operator_token

    if operator:
        return issue_operator_token(
            person_id,
            overrides.pop("secret", TEST_OPERATOR_SECRET),
            issued_at=overrides.pop("issued_at", int(time.time())),
            lifetime_s=lifetime_s,
            audience=overrides.pop("audience", "school-chats-operator"),
        )
    return issue_journal_token(
        person_id,
        overrides.pop("secret", TEST_JWT_SECRET),
        issued_at=overrides.pop("issued_at", int(time.time())),
        lifetime_s=lifetime_s,
        audience=overrides.pop("audience", "school-chats"),
    )


def auth_headers(person_id: str, **kwargs: Any) -> dict[str, str]:
    """Headers for a JSON request from a journal user."""
    return {"Authorization": f"Bearer {token_for(person_id, **kwargs)}", "Content-Type": "application/json"}


PROBLEM_BASE = "https://school-chats.dev/problems/"


def assert_problem(response: Any, status: int, slug: str) -> dict[str, Any]:
    """Assert an RFC 9457 answer with this status and problem type; returns its body."""
    assert response.status_code == status, response.body
    assert response.headers["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = response.json_body
    assert body["type"] == PROBLEM_BASE + slug, body
    return body


def install_roster(services: Any, roster: Any, now: Any = None) -> None:
    """Store a school's roster chats as a sync would (plan, diff, write through the messenger).

    Also keeps the roster as the school's last applied one (subject chats and
    "who is in this school" read it). Skips the pipeline's queues, lease and
    deletion threshold: for arranging a test's world, not for testing the sync.
    """
    from chalicelib.planning.diff import diff
    from chalicelib.planning.plan import plan_school

    messenger = services.messenger
    state = messenger.load_school_state(roster.school_id)
    plan = plan_school(roster, state.followed_subject_classes())
    messenger.apply_roster_changes(state, diff(plan, state), now or services.clock.now())
    services.school.enforce_departures(roster, now or services.clock.now())
    # Through the ports only, so a world is arranged alike on DynamoDB/S3 and on the twins.
    key = services.roster_files.save_roster(roster)
    # As a sync does: the fingerprint recorded is what readers key their kept roster by.
    services.schools.record_applied(
        roster.school_id,
        fingerprint=services.roster_files.roster_fingerprint(roster),
        roster_key=key,
        import_id="installed-by-test",
        uploaded_at=None,
        now=now or services.clock.now(),
    )


def link_person(person_id: str, consent: str | None = None) -> None:
    """Link a journal user to an educational profile (as the link flow's last step does);
    ``consent``: a young pupil's link waiting for a guardian (``pending``).
    """
    from datetime import UTC, datetime

    from chalicelib.store.tables import LinkItem

    LinkItem(
        person_id=person_id,
        profile_id=f"profile-{person_id}",
        account_id=f"account-{person_id}",
        linked_at=datetime.now(UTC),
        consent=consent,
    ).save()


def link_through(services: Any, person_id: str, consent: str | None = None) -> None:
    """:func:`link_person` through the services' link port (``identity.stores.LinkStore``), as the link
    flow's last step writes it: on DynamoDB and on the twins alike (the twin tells the chats twin).
    """
    from datetime import UTC, datetime

    from chalicelib.identity.stores import Link

    link = Link(person_id, f"account-{person_id}", f"profile-{person_id}", datetime.now(UTC), consent)
    assert services.links.create(link), f"{person_id} is linked already"


def deliver_fan_out(application: Any) -> None:
    """Run the app's fan-out handler on everything on the fan-out queue, as Lambda's event source would."""
    from chalicelib.config import settings
    from devstack.worker import QueueBinding, QueueWorker

    binding = QueueBinding(settings().fanout_queue_name, application.handler_map["on_message_sent"], 10)
    QueueWorker([binding]).drain()
