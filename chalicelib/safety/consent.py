"""Guardian consent for young pupils (SPEC §11, GDPR Art. 8): pure rules and the use cases.

A student whose educational profile says they are younger than ``CONSENT_AGE``
(default 14) may link, but the link waits (``consent`` = ``pending``) until one
of their guardians from the roster — linked themselves — approves. Until then
every chat route of the pupil answers 409 ``consent-required``. A refusal keeps
the pupil out (``refused``) unless another guardian approves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from chalicelib.errors import Conflict, ServiceError
from chalicelib.ids import derived_id


class ConsentRequired(ServiceError):
    """409: the pupil's link waits for a guardian's consent."""

    status, slug, title = 409, "consent-required", "A guardian must approve first"


class ConsentState(StrEnum):
    """A link's consent, or one request's status."""

    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


BLOCKING = frozenset({ConsentState.PENDING.value, ConsentState.REFUSED.value})
CONSENT_REQUIRED_DETAIL = "A guardian must approve your link before you can see chats."


def age_on(birth: date, today: date) -> int:
    """Full years between a birth date and ``today``."""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def needs_consent(is_student: bool, birth_date: date, today: date, consent_age: int) -> bool:
    """Whether a link needs a guardian's consent: a student younger than ``consent_age``."""
    return is_student and age_on(birth_date, today) < consent_age


def require_consent(consent: str | None) -> None:
    """409 ``consent-required`` while a link's consent is pending or refused."""
    if consent in BLOCKING:
        raise ConsentRequired(CONSENT_REQUIRED_DETAIL)


def consent_id(pupil_id: str, guardian_id: str, profile_id: str) -> str:
    """The id of the request to one guardian about one pupil's profile."""
    return derived_id("cons", pupil_id, guardian_id, profile_id)


@dataclass(frozen=True, slots=True)
class ConsentRequest:
    """A request to one guardian to approve one pupil's link."""

    consent_id: str
    pupil_id: str
    pupil_name: str
    guardian_id: str
    school_id: str
    profile_id: str
    requested_at: datetime
    status: ConsentState = ConsentState.PENDING


class ConsentStore(Protocol):
    """Where consent requests are kept."""

    def request(self, request: ConsentRequest) -> None:
        """Keep a pending request (asking again resets a decided one to pending)."""
        ...

    def get(self, consent_id: str) -> ConsentRequest | None:
        """One request, or None."""
        ...

    def pending_for(self, guardian_id: str) -> list[ConsentRequest]:
        """A guardian's pending requests, oldest first."""
        ...

    def decide(self, consent_id: str, status: ConsentState, now: datetime) -> bool:
        """Record a decision on a pending request; False when it was no longer pending."""
        ...

    def involving(self, person_id: str) -> list[ConsentRequest]:
        """Every request about the person (as a pupil) or to them (as a guardian), oldest first."""
        ...

    def delete_about_pupil(self, pupil_id: str) -> int:
        """Delete the requests about a pupil (their name is in them); how many."""
        ...


def require_pending(request: ConsentRequest) -> None:
    """A decided request cannot be decided again (409)."""
    if request.status is not ConsentState.PENDING:
        raise Conflict("This request was already decided.")
