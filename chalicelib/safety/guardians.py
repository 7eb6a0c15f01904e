"""Guardian consent use cases (see ``safety.consent`` for the rules).

Hooks: ``identity.linking.LinkService.confirm`` asks
:meth:`Guardians.consent_for_link` before writing the link and calls
:meth:`Guardians.request_consents` after it; ``GET /v1/consents`` and
``POST /v1/consents/{id}`` are :meth:`Guardians.pending_for` and
:meth:`Guardians.decide`. :class:`Guardians` gets its ports handed in
(``bootstrap.Services.guardians``).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Protocol

from chalicelib.clock import Clock
from chalicelib.config import settings
from chalicelib.errors import NotFound
from chalicelib.identity.links import require_link, set_link_consent
from chalicelib.identity.profiles import Profile
from chalicelib.identity.stores import LinkStore
from chalicelib.roster.model import SchoolRoster
from chalicelib.safety.audit import SYSTEM_ACTOR, ActorKind, AuditAction, AuditLog, write_audit
from chalicelib.safety.consent import (
    ConsentRequest,
    ConsentState,
    ConsentStore,
    consent_id,
    needs_consent,
    require_pending,
)


class StudentSchools(Protocol):
    """Where a person is a pupil (the chat directory answers it)."""

    def student_school_ids(self, person_id: str) -> set[str]:
        """The schools where the person is in some chat as a student."""
        ...


class GuardianRosters(Protocol):
    """Each school's last applied roster (who a pupil's guardians are)."""

    def load_roster(self, school_id: str) -> SchoolRoster | None:
        """The school's roster as last applied, or None."""
        ...


class Guardians:
    """Guardian consent, on the ports it is given."""

    def __init__(
        self,
        schools: StudentSchools,
        rosters: GuardianRosters,
        consents: ConsentStore,
        audit_log: AuditLog,
        clock: Clock,
        links: LinkStore,
    ) -> None:
        self.schools = schools
        self.rosters = rosters
        self.consents = consents
        self.audit_log = audit_log
        self.clock = clock
        self.links = links

    def consent_for_link(self, person_id: str, profile: Profile, now: datetime) -> str | None:
        """``pending`` when this link of a pupil younger than ``CONSENT_AGE`` must wait for a guardian."""
        is_student = bool(self.schools.student_school_ids(person_id))
        if needs_consent(is_student, profile.birth_date, now.date(), settings().consent_age):
            return ConsentState.PENDING.value
        return None

    def request_consents(self, person_id: str, profile: Profile, now: datetime) -> int:
        """Ask each of the pupil's guardians on the roster of each of their schools; how many were asked."""
        asked = 0
        for school_id in sorted(self.schools.student_school_ids(person_id)):
            roster = self.rosters.load_roster(school_id)
            if roster is None or person_id not in roster.people:
                continue
            pupil = roster.people[person_id]
            for guardian_id in sorted(roster.guardians_by_student().get(person_id, ())):
                guardian = roster.people.get(guardian_id)
                if guardian is None or not guardian.active:
                    continue
                self.consents.request(
                    ConsentRequest(
                        consent_id=consent_id(person_id, guardian_id, profile.profile_id),
                        pupil_id=person_id,
                        pupil_name=pupil.display_name,
                        guardian_id=guardian_id,
                        school_id=school_id,
                        profile_id=profile.profile_id,
                        requested_at=now,
                    )
                )
                asked += 1
            write_audit(
                self.audit_log,
                now,
                school_id,
                AuditAction.CONSENT_REQUESTED,
                SYSTEM_ACTOR,
                ActorKind.SYSTEM,
                target_id=person_id,
            )
        return asked

    def pending_for(self, guardian_id: str) -> list[ConsentRequest]:
        """The linked guardian's pending requests (409 ``link-required`` for a guardian not linked)."""
        require_link(self.links, guardian_id)
        return self.consents.pending_for(guardian_id)

    def decide(self, guardian_id: str, request_id: str, approve: bool) -> ConsentRequest:
        """A linked guardian approves or refuses a request addressed to them (404 for anyone else's)."""
        require_link(self.links, guardian_id)
        store = self.consents
        request = store.get(request_id)
        if request is None or request.guardian_id != guardian_id:
            raise NotFound("No such consent request.")
        require_pending(request)
        now = self.clock.now()
        status = ConsentState.APPROVED if approve else ConsentState.REFUSED
        if not store.decide(request_id, status, now):
            require_pending(store.get(request_id) or request)
        link = self.links.find(request.pupil_id)
        if link is not None and link.profile_id == request.profile_id:
            if approve:
                set_link_consent(
                    self.links, request.pupil_id, request.profile_id, ConsentState.APPROVED.value
                )
            elif link.consent == ConsentState.PENDING.value:
                set_link_consent(self.links, request.pupil_id, request.profile_id, ConsentState.REFUSED.value)
        action = AuditAction.CONSENT_APPROVED if approve else AuditAction.CONSENT_REFUSED
        write_audit(
            self.audit_log,
            now,
            request.school_id,
            action,
            guardian_id,
            ActorKind.GUARDIAN,
            target_id=request.pupil_id,
        )
        return dataclasses.replace(request, status=status)
