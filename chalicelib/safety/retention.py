"""Retention (SPEC §11; 152-FZ: destruction once the purpose ends): the daily sweep.

* A person who left every school's roster more than ``DEPARTED_RETENTION_DAYS``
  (default 30) ago is pseudonymised: their name in their membership rows and on
  their messages becomes «Бывший участник».
* A chat archived more than ``ARCHIVED_MESSAGES_RETENTION_DAYS`` ago loses its
  messages and their attachments (the chat and its members stay, as history of
  who was there).

Run by the scheduled Lambda ``retention_sweep`` (``app.py``); the local stack
runs it on demand (``python -m devstack.retention``). Idempotent: a second run
finds nothing left to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from chalicelib.chats.directory import Chat
from chalicelib.config import settings
from chalicelib.observability import log_event
from chalicelib.safety.audit import SYSTEM_ACTOR, ActorKind, AuditAction, write_audit

if TYPE_CHECKING:
    from chalicelib.bootstrap import Services

PSEUDONYM = "Бывший участник"


class RetentionStore(Protocol):
    """What the sweep reads and rewrites (the DynamoDB adapter: ``store.safety.DynamoRetention``)."""

    def departures_before(self, cutoff: datetime) -> dict[str, set[str]]:
        """People with a departure older than ``cutoff``, with the schools they left."""
        ...

    def is_on_a_roster(self, person_id: str) -> bool:
        """Whether the person holds an active membership anywhere."""
        ...

    def forget_departures(self, person_id: str) -> None:
        """Delete the person's departure records."""
        ...

    def pseudonymise(self, person_id: str, school_ids: set[str], name: str) -> int:
        """Replace the person's name in their memberships of those schools and on their messages."""
        ...

    def archived_chats_before(self, cutoff: datetime) -> list[Chat]:
        """Chats archived before ``cutoff`` whose messages are still there."""
        ...

    def purge_messages(self, chat_id: str, now: datetime) -> int:
        """Delete every message of a chat and its preview; how many went."""
        ...


@dataclass(frozen=True)
class SweepResult:
    """What one sweep did."""

    pseudonymised: int
    chats_purged: int
    messages_deleted: int


def sweep(services: Services, now: datetime) -> SweepResult:
    """Pseudonymise people gone long enough, and empty chats archived long enough (module docstring)."""
    config = settings()
    store = services.retention

    def audit(school_id: str, action: AuditAction, **fields: str | None) -> None:
        write_audit(services.audit_log, now, school_id, action, SYSTEM_ACTOR, ActorKind.SYSTEM, **fields)

    pseudonymised = 0
    for person_id, schools in sorted(
        store.departures_before(now - timedelta(days=config.departed_retention_days)).items()
    ):
        if store.is_on_a_roster(person_id):
            store.forget_departures(person_id)
            continue
        store.pseudonymise(person_id, schools, PSEUDONYM)
        for school_id in sorted(schools):
            audit(school_id, AuditAction.PSEUDONYMISED, target_id=person_id)
        store.forget_departures(person_id)
        pseudonymised += 1
    chats_purged = messages_deleted = 0
    cutoff = now - timedelta(days=config.archived_messages_retention_days)
    for chat in store.archived_chats_before(cutoff):
        messages_deleted += store.purge_messages(chat.chat_id, now)
        services.attachments(config).purge_chat(chat.chat_id)
        audit(chat.school_id, AuditAction.MESSAGES_PURGED, chat_id=chat.chat_id)
        chats_purged += 1
    result = SweepResult(pseudonymised, chats_purged, messages_deleted)
    log_event(
        "retention_sweep",
        pseudonymised=pseudonymised,
        chats_purged=chats_purged,
        messages_deleted=messages_deleted,
    )
    return result
