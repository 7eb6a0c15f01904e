"""The link session's state machine (SPEC §3, §6): pure rules, no I/O.

Steps and the only moves between them::

    password ──(right password)─────────► code ──(right code)──► choose_profile ──(confirm)──► done
       │                                    ▲       │                 ▲
       └──(register)──► register ──(pwd)────┘       ├──► create_profile ┘ (profile created)
                                                    │
                                                    └──► password* ──(right password)─► choose_/create_profile

``password*`` is the step ``password`` with ``phone_verified`` set: a session
that chose to register a number that already has an account learns so only
after its code proved it holds the phone, and then signs in with that
account's password, without a second SMS.

Every move goes forward: each state has a rank (:func:`rank`) and a move that
does not raise it is refused (a resend, which stays at ``code``, is the one
move that keeps it). So no step is ever re-entered: a used code cannot be
entered again, a finished session cannot be walked again.

Why this shape (docs/identity.md): the answer to the phone number is always
``password``, and a wrong password gets the same answer whether the account
exists or not, so nobody learns who has an account without holding the phone.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from chalicelib.errors import CodeExpired, LinkSessionExpired, RateLimited, WrongCode, WrongStep
from chalicelib.identity.codes import MAX_WRONG_ENTRIES, IssuedCode, code_matches


class Step(StrEnum):
    """Where a link session stands (the API's ``step``)."""

    PASSWORD = "password"  # noqa: S105 - a step name, not a password
    REGISTER = "register"
    RESET = "reset"
    CODE = "code"
    CHOOSE_PROFILE = "choose_profile"
    CREATE_PROFILE = "create_profile"
    DONE = "done"


class Purpose(StrEnum):
    """Whether the session signs in to an account or registers one."""

    SIGN_IN = "sign_in"
    REGISTER = "register"
    RESET = "reset"


@dataclass(frozen=True)
class FlowTimings:
    """The flow's clocks, from configuration."""

    code_ttl_s: int
    resend_cooldown_s: int
    session_ttl_s: int


@dataclass(frozen=True)
class LinkSession:
    """A link session's whole state."""

    session_id: str
    person_id: str
    phone: str
    step: Step
    purpose: Purpose
    created_at: datetime
    expires_at: datetime
    phone_verified: bool = False
    account_id: str | None = None
    new_password_hash: str | None = None
    code_salt: str | None = None
    code_digest: str | None = None
    code_sent_at: datetime | None = None
    wrong_codes: int = 0
    version: int | None = None


_RANKS = {
    (Step.PASSWORD, False): 0,
    (Step.REGISTER, False): 1,
    (Step.RESET, False): 1,
    (Step.CODE, False): 2,
    (Step.PASSWORD, True): 3,
    (Step.CREATE_PROFILE, True): 4,
    (Step.CHOOSE_PROFILE, True): 5,
    (Step.DONE, True): 6,
}


def rank(session: LinkSession) -> int:
    """How far along the flow a session is; -1 for a state the flow never produces."""
    return _RANKS.get((session.step, session.phone_verified), -1)


def _advance(session: LinkSession, **changes: object) -> LinkSession:
    """The session after a move, which must go forward (see the module docstring)."""
    moved = dataclasses.replace(session, **changes)  # type: ignore[arg-type]
    if rank(moved) <= rank(session) or rank(moved) < 0:
        raise WrongStep(f"The session is at step '{session.step.value}'.", step=session.step.value)
    return moved


def _seconds_until(moment: datetime, now: datetime) -> int:
    """Whole seconds left until ``moment``, rounded up, never negative."""
    remaining = (moment - now).total_seconds()
    return max(0, int(-(-remaining // 1)))


def open_session(
    session_id: str, person_id: str, phone: str, now: datetime, timings: FlowTimings
) -> LinkSession:
    """A new session for a normalised phone number; it always asks for the password first."""
    return LinkSession(
        session_id=session_id,
        person_id=person_id,
        phone=phone,
        step=Step.PASSWORD,
        purpose=Purpose.SIGN_IN,
        created_at=now,
        expires_at=now + timedelta(seconds=timings.session_ttl_s),
    )


def require_live(session: LinkSession, now: datetime) -> None:
    """410 once the session's lifetime is over (whatever step it reached, except done)."""
    if session.step is not Step.DONE and now >= session.expires_at:
        raise LinkSessionExpired("The link session has expired; start again with your phone number.")


def require_step(session: LinkSession, *steps: Step) -> None:
    """409 unless the session stands at one of ``steps``."""
    if session.step not in steps:
        raise WrongStep(f"The session is at step '{session.step.value}'.", step=session.step.value)


def session_expires_in_s(session: LinkSession, now: datetime) -> int:
    """Seconds until the session expires."""
    return _seconds_until(session.expires_at, now)


def start_registration(session: LinkSession) -> LinkSession:
    """``password`` → ``register``: the person says the number has no account yet."""
    require_step(session, Step.PASSWORD)
    if session.phone_verified:
        # This session already learned that the number has an account: it signs in, not registers.
        raise WrongStep("This number already has an account: enter its password.", step=session.step.value)
    return _advance(session, step=Step.REGISTER, purpose=Purpose.REGISTER)


def start_reset(session: LinkSession) -> LinkSession:
    """``password`` → ``reset``: forgot the password; the next password replaces it once the code proves
    the phone. Allowed whether or not the number has an account: nothing is told before the code."""
    require_step(session, Step.PASSWORD)
    if session.phone_verified:
        raise WrongStep("The phone is confirmed already: enter the account's password.", step="password")
    return _advance(session, step=Step.RESET, purpose=Purpose.RESET)


def with_new_code(session: LinkSession, code: IssuedCode, now: datetime) -> LinkSession:
    """The session at ``code`` with a fresh code: any earlier code and its wrong entries are gone.

    The move to ``code``, or a resend that stays there.
    """
    fresh = {"code_salt": code.salt, "code_digest": code.digest, "code_sent_at": now, "wrong_codes": 0}
    if session.step is Step.CODE:
        return dataclasses.replace(session, **fresh)  # type: ignore[arg-type]
    return _advance(session, step=Step.CODE, **fresh)


def code_sent_for_sign_in(
    session: LinkSession, account_id: str, code: IssuedCode, now: datetime
) -> LinkSession:
    """``password`` → ``code`` after the account's password was right."""
    require_step(session, Step.PASSWORD)
    return with_new_code(dataclasses.replace(session, account_id=account_id), code, now)


def code_sent_for_registration(
    session: LinkSession, new_password_hash: str, code: IssuedCode, now: datetime
) -> LinkSession:
    """``register`` / ``reset`` → ``code`` with the chosen password's hash kept until the phone is proven."""
    require_step(session, Step.REGISTER, Step.RESET)
    return with_new_code(dataclasses.replace(session, new_password_hash=new_password_hash), code, now)


def resend_after_s(session: LinkSession, now: datetime, timings: FlowTimings) -> int:
    """Seconds until another code may be sent (0: now)."""
    if session.code_sent_at is None:
        return 0
    return _seconds_until(session.code_sent_at + timedelta(seconds=timings.resend_cooldown_s), now)


def code_expires_in_s(session: LinkSession, now: datetime, timings: FlowTimings) -> int:
    """Seconds the current code stays valid (0 when it has expired or was used up by wrong entries)."""
    if session.code_sent_at is None or session.wrong_codes >= MAX_WRONG_ENTRIES:
        return 0
    return _seconds_until(session.code_sent_at + timedelta(seconds=timings.code_ttl_s), now)


def attempts_left(session: LinkSession) -> int:
    """Wrong entries the current code still tolerates."""
    return max(0, MAX_WRONG_ENTRIES - session.wrong_codes)


def require_resend_allowed(session: LinkSession, now: datetime, timings: FlowTimings) -> None:
    """409 outside ``code``; 429 inside the cooldown."""
    require_step(session, Step.CODE)
    wait = resend_after_s(session, now, timings)
    if wait > 0:
        raise RateLimited(f"A new code can be sent in {wait} s.", retry_after_s=wait)


@dataclass(frozen=True)
class CodeOutcome:
    """What entering a code did: the session to store, and whether the code was right."""

    session: LinkSession
    accepted: bool


def require_code_open(session: LinkSession, now: datetime, timings: FlowTimings) -> None:
    """409 outside ``code``; 410 once the code expired or its wrong entries are used up.

    Checked before an entry is reserved (:func:`enter_code` then checks the
    reserved entry): after :data:`MAX_WRONG_ENTRIES` entries, or once it
    expired, the code is dead and only a resend helps — even the right code is
    refused then.
    """
    require_step(session, Step.CODE)
    if (
        code_expires_in_s(session, now, timings) == 0
        or session.code_salt is None
        or session.code_digest is None
    ):
        raise CodeExpired("The code has expired or was entered wrongly too often; request a new one.")


def count_entry(session: LinkSession) -> LinkSession:
    """The session with one more entry of its code counted (``linking`` does this atomically)."""
    return dataclasses.replace(session, wrong_codes=session.wrong_codes + 1)


def check_entry(reserved: LinkSession, entered: str) -> CodeOutcome:
    """Check an entry that was already counted (``wrong_codes`` includes it: see ``linking``).

    Counting first and checking after is what keeps parallel guesses to the
    same number of tries as sequential ones. A right code proves the phone and
    is used up; a wrong one stays counted.
    """
    require_step(reserved, Step.CODE)
    if (
        reserved.code_salt is not None
        and reserved.code_digest is not None
        and code_matches(reserved.session_id, reserved.code_salt, reserved.code_digest, entered)
    ):
        # Used up at once: the session moves on from ``code`` with the next call to one of the
        # ``after_code_*`` moves, and until then no digest is left to match a second time.
        used = dataclasses.replace(reserved, code_salt=None, code_digest=None, wrong_codes=0)
        return CodeOutcome(session=used, accepted=True)
    return CodeOutcome(session=reserved, accepted=False)


def enter_code(session: LinkSession, entered: str, now: datetime, timings: FlowTimings) -> CodeOutcome:
    """Check an entered code, counting it first: :func:`require_code_open`, :func:`count_entry`,
    :func:`check_entry` in one step (the sequential rule that the atomic version must match)."""
    require_code_open(session, now, timings)
    return check_entry(count_entry(session), entered)


def wrong_code_error(session: LinkSession) -> WrongCode:
    """The answer to a wrong code, saying how many entries are left."""
    left = attempts_left(session)
    detail = "Wrong code." if left else "Wrong code. That was the last try: request a new code."
    return WrongCode(detail, attempts_left=left)


def profile_step(has_profile: bool) -> Step:
    """Where a proven account goes next: its profile, or the form to create one."""
    return Step.CHOOSE_PROFILE if has_profile else Step.CREATE_PROFILE


def after_code_sign_in(session: LinkSession, has_profile: bool) -> LinkSession:
    """``code`` → ``choose_profile`` / ``create_profile`` (password and phone both proven)."""
    require_step(session, Step.CODE)
    return _advance(session, step=profile_step(has_profile), phone_verified=True)


def after_code_registered(session: LinkSession, account_id: str) -> LinkSession:
    """``code`` → ``create_profile``: the account was created for the proven phone."""
    require_step(session, Step.CODE)
    return _advance(
        session, step=Step.CREATE_PROFILE, phone_verified=True, account_id=account_id, new_password_hash=None
    )


def after_code_reset(session: LinkSession, account_id: str, has_profile: bool) -> LinkSession:
    """``code`` → ``choose_profile`` / ``create_profile``: the phone is proven and its account has the
    new password (created with it when the number had none): on as after a sign-in."""
    require_step(session, Step.CODE)
    return _advance(
        session,
        step=profile_step(has_profile),
        phone_verified=True,
        account_id=account_id,
        new_password_hash=None,
    )


def after_code_number_taken(session: LinkSession) -> LinkSession:
    """``code`` → ``password*``: the proven phone already has an account; its password is asked for."""
    require_step(session, Step.CODE)
    return _advance(
        session, step=Step.PASSWORD, phone_verified=True, purpose=Purpose.SIGN_IN, new_password_hash=None
    )


def signed_in_with_proven_phone(session: LinkSession, account_id: str, has_profile: bool) -> LinkSession:
    """``password*`` → ``choose_profile`` / ``create_profile``: the phone was proven earlier on."""
    require_step(session, Step.PASSWORD)
    if not session.phone_verified:
        raise WrongStep("The phone number has not been confirmed yet.", step=session.step.value)
    return _advance(session, step=profile_step(has_profile), account_id=account_id)


def profile_created(session: LinkSession) -> LinkSession:
    """``create_profile`` → ``choose_profile``: the new profile is shown for confirmation."""
    require_step(session, Step.CREATE_PROFILE)
    return _advance(session, step=Step.CHOOSE_PROFILE)


def confirmed(session: LinkSession) -> LinkSession:
    """``choose_profile`` → ``done``: the link exists."""
    require_step(session, Step.CHOOSE_PROFILE)
    return _advance(session, step=Step.DONE)
