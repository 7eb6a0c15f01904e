"""The audit log (SPEC §6, §11): one record per moderation act, back-office read of a member list,
erasure and consent decision — who, what, which school, when. Never a message's text, never a phone.

Records are kept for ``AUDIT_RETENTION_DAYS`` (a DynamoDB TTL) and read by operators,
newest first (``GET /v1/schools/{school_id}/audit``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from chalicelib.identity.journal_token import Caller

NO_SCHOOL = "-"
"""The school of a record about someone who belongs to no school (an erasure of a person in no roster)."""


class AuditAction(StrEnum):
    """What was done."""

    MEMBER_REMOVED = "member_removed"
    CHAT_ARCHIVED = "chat_archived"
    MESSAGE_DELETED = "message_deleted"
    MESSAGE_REPORTED = "message_reported"
    MEMBERS_READ = "members_read"
    PERSON_DEPARTED = "person_departed"
    MODERATORS_ASSIGNED = "moderators_assigned"
    DATA_EXPORTED = "data_exported"
    ERASED = "erased"
    CONSENT_REQUESTED = "consent_requested"
    CONSENT_APPROVED = "consent_approved"
    CONSENT_REFUSED = "consent_refused"
    PSEUDONYMISED = "pseudonymised"
    MESSAGES_PURGED = "messages_purged"


class ActorKind(StrEnum):
    """In what capacity the actor acted."""

    OPERATOR = "operator"
    SCHOOL_ADMIN = "school_admin"
    MODERATOR = "moderator"
    MEMBER = "member"
    PERSON = "person"
    GUARDIAN = "guardian"
    SYSTEM = "system"


SYSTEM_ACTOR = "system"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audit record. ``target_id`` is a person; ``chat_id``/``message_id`` what was acted on."""

    school_id: str
    action: AuditAction
    actor_id: str
    actor_kind: ActorKind
    at: datetime
    chat_id: str | None = None
    target_id: str | None = None
    message_id: str | None = None
    entry_id: str = ""


@dataclass(frozen=True, slots=True)
class AuditPage:
    """A page of a school's audit log, newest first; ``before`` continues after the last one."""

    items: tuple[AuditEntry, ...]
    before: str | None


class AuditLog(Protocol):
    """Where audit records go, and how operators read them."""

    def record(self, entry: AuditEntry) -> None:
        """Keep one record (for the configured retention)."""
        ...

    def page(self, school_id: str, limit: int, before: str | None) -> AuditPage:
        """A school's records, newest first, starting after the position ``before``."""
        ...

    def about_person(self, person_id: str) -> list[AuditEntry]:
        """Every record the person did or that was done to them, in every school, oldest first."""
        ...


def actor_kind_of(caller: Caller, *, as_school: bool, moderator: bool = False) -> ActorKind:
    """The capacity a caller acts in: operator, the school's administrator, a moderator or a member."""
    if caller.is_operator:
        return ActorKind.OPERATOR
    if as_school:
        return ActorKind.SCHOOL_ADMIN
    return ActorKind.MODERATOR if moderator else ActorKind.MEMBER


def write_audit(
    log: AuditLog,
    at: datetime,
    school_id: str,
    action: AuditAction,
    actor_id: str,
    actor_kind: ActorKind,
    *,
    chat_id: str | None = None,
    target_id: str | None = None,
    message_id: str | None = None,
) -> None:
    """Write one audit record to ``log``, stamped ``at``."""
    log.record(
        AuditEntry(
            school_id=school_id,
            action=action,
            actor_id=actor_id,
            actor_kind=actor_kind,
            at=at,
            chat_id=chat_id,
            target_id=target_id,
            message_id=message_id,
        )
    )
