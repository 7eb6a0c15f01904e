"""The linking flow's use cases (SPEC §3): each HTTP step of a link session, with its I/O.

The rules are in ``identity.link_flow`` (pure); this module loads and saves
sessions, asks the identity provider, sends SMS, applies the caps and writes
the audit log. Every authentication event is one structured log line with the
journal user id and the masked phone, and never a code, a password or a full
number.
"""

from __future__ import annotations

import dataclasses
import secrets
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.clock import Clock
from chalicelib.config import Settings
from chalicelib.errors import (
    AccountLocked,
    Conflict,
    InvalidCredentials,
    NotFound,
    ProfileExists,
    RateLimited,
    SmsUnavailable,
    ValidationFailed,
    WrongStep,
)
from chalicelib.identity import link_flow as flow
from chalicelib.identity import throttle
from chalicelib.identity.codes import MAX_WRONG_ENTRIES, issue_code
from chalicelib.identity.link_flow import FlowTimings, LinkSession, Purpose, Step
from chalicelib.identity.links import create_link, remove_link, require_not_linked
from chalicelib.identity.passwords import PasswordRejected, check_new_password, hash_password
from chalicelib.identity.phone import mask_phone, mask_phone_for_owner
from chalicelib.identity.profiles import Profile, ProfileInput
from chalicelib.identity.provider import Account, AccountExists, IdentityProvider, ProfileAlreadyExists
from chalicelib.identity.sms import SmsNotSent, SmsSender
from chalicelib.identity.stores import CounterStore, LinkSessionStore, LinkStore
from chalicelib.observability import (
    log_event,
    record_link_completed,
    record_sms_budget_exhausted,
    record_sms_sent,
)

if TYPE_CHECKING:
    from chalicelib.safety.guardians import Guardians

HOUR_S = 3600
DAY_S = 24 * HOUR_S
SESSION_ID_BYTES = 16  # 128 bits
MAX_CODE_TTL_S = 600


def sms_text(code: str, ttl_s: int) -> str:
    """The SMS: the code first (phones offer to paste it), then a warning not to share it."""
    minutes = max(1, ttl_s // 60)
    return (
        f"{code} — код для привязки профиля «Школьные чаты». "
        f"Действует {minutes} мин. Никому его не сообщайте."
    )


SMS_CAPPED = "Too many SMS for this number or account; try later."


def require_sms_destination(phone: str, config: Settings) -> None:
    """422 (field ``phone``) for a number in a country SMS may not go to (``SMS_ALLOWED_PREFIXES``)."""
    if not any(phone.startswith(prefix) for prefix in config.sms_allowed_prefixes):
        message = "SMS codes cannot be sent to numbers of this country."
        raise ValidationFailed(message, [{"field": "phone", "message": message}])


def password_run_key(phone: str, person_id: str) -> str:
    """The counter key of one journal user's run of wrong passwords for one number."""
    return throttle.subject_key("password-run", f"{phone}\n{person_id}")


# --- the use cases -------------------------------------------------------------------


class LinkService:
    """The steps of a link session, for one journal user at a time."""

    def __init__(
        self,
        provider: IdentityProvider,
        sms: SmsSender,
        clock: Clock,
        config: Settings,
        *,
        sessions: LinkSessionStore,
        links: LinkStore,
        counters: CounterStore,
        guardians: Guardians | None = None,
    ) -> None:
        self.provider = provider
        self.sessions = sessions
        self.links = links
        self.counters = counters
        self.sms = sms
        self.clock = clock
        self.config = config
        # Guardian consent for young pupils (``safety.guardians``); None: links never wait.
        self.guardians = guardians
        self.timings = FlowTimings(
            # SPEC §3: a code never lives longer than 10 minutes, whatever the configuration says.
            code_ttl_s=min(config.sms_code_ttl_s, MAX_CODE_TTL_S),
            resend_cooldown_s=config.sms_resend_cooldown_s,
            session_ttl_s=config.link_session_ttl_s,
        )

    # -- helpers --

    def _event(self, event: str, session: LinkSession, **fields: Any) -> None:
        log_event(
            event,
            person_id=session.person_id,
            session_id=session.session_id,
            phone_masked=mask_phone(session.phone),
            **fields,
        )

    def _save(self, session: LinkSession) -> LinkSession:
        """Write a session if nobody changed it since it was read (409 otherwise)."""
        saved = self.sessions.save(session)
        if saved is None:
            raise Conflict("The session was changed by another request; reload it.")
        return saved

    def _owned(self, person_id: str, session_id: str) -> LinkSession:
        """The caller's session: someone else's is answered exactly like one that does not exist."""
        session = self.sessions.get(session_id)
        if session is None:
            raise NotFound("No such link session.")
        if not secrets.compare_digest(session.person_id, person_id):
            raise NotFound("No such link session.")
        return session

    def _live(self, person_id: str, session_id: str, now: datetime) -> LinkSession:
        session = self._owned(person_id, session_id)
        flow.require_live(session, now)
        return session

    def _account(self, session: LinkSession) -> Account:
        account = self.provider.account(session.account_id or "")
        if account is None:  # the account was deleted under the session: nothing to continue with
            raise Conflict("The messenger account is gone; start again.")
        return account

    def _sms_logs(self, session: LinkSession) -> list[throttle.EventLog]:
        c = self.config
        return [
            throttle.EventLog(
                throttle.subject_key("sms-phone", session.phone),
                (throttle.Cap(c.sms_per_phone_hour, HOUR_S), throttle.Cap(c.sms_per_phone_day, DAY_S)),
            ),
            throttle.EventLog(
                throttle.subject_key("sms-person", session.person_id),
                (throttle.Cap(c.sms_per_user_hour, HOUR_S), throttle.Cap(c.sms_per_user_day, DAY_S)),
            ),
            # One journal user's share of a number's SMS: a stranger cannot use up the owner's.
            throttle.EventLog(
                throttle.subject_key("sms-pair", f"{session.phone}\n{session.person_id}"),
                (
                    throttle.Cap(c.sms_per_phone_and_user_hour, HOUR_S),
                    throttle.Cap(c.sms_per_phone_and_user_day, DAY_S),
                ),
            ),
        ]

    def _sms_budgets(self) -> list[throttle.Budget]:
        c = self.config
        return [
            throttle.Budget("sms", c.sms_global_per_hour, HOUR_S),
            throttle.Budget("sms", c.sms_global_per_day, DAY_S),
        ]

    def _budget_exhausted(self, session: LinkSession) -> SmsUnavailable:
        self._event("sms_budget_exhausted", session)
        record_sms_budget_exhausted()
        return SmsUnavailable(
            "SMS sending is paused for now (the service's SMS budget is used up); try later."
        )

    def _require_sms_possible(self, session: LinkSession, now: datetime) -> None:
        """Refuse (429 / 503) before any expensive work when no SMS could go out: caps, then the budget."""
        require_sms_destination(session.phone, self.config)
        try:
            throttle.check(self.counters, self._sms_logs(session), now, SMS_CAPPED)
        except RateLimited:
            self._event("sms_capped", session)
            raise
        if not throttle.budget_left(self.counters, self._sms_budgets(), now):
            raise self._budget_exhausted(session)

    def _send_code(self, before: LinkSession, now: datetime, *, resend: bool = False) -> LinkSession:
        """Issue a code for the session (replacing any earlier one), store its hash, send it by SMS."""
        self._require_sms_possible(before, now)
        if not throttle.take_budget(self.counters, self._sms_budgets(), now):
            raise self._budget_exhausted(before)
        try:
            throttle.take(self.counters, self._sms_logs(before), now, SMS_CAPPED)
        except RateLimited:
            self._event("sms_capped", before)
            raise
        code = issue_code(before.session_id)
        if before.step is Step.PASSWORD:
            after = flow.code_sent_for_sign_in(before, before.account_id or "", code, now)
        elif before.step in (Step.REGISTER, Step.RESET):
            after = flow.code_sent_for_registration(before, before.new_password_hash or "", code, now)
        else:
            after = flow.with_new_code(before, code, now)
        saved = self._save(after)
        try:
            self.sms.send(saved.phone, sms_text(code.plaintext, self.timings.code_ttl_s))
        except SmsNotSent:
            self._event("sms_failed", saved)
            # The code never left: drop it and allow a resend at once.
            self._save(dataclasses.replace(saved, code_salt=None, code_digest=None, code_sent_at=None))
            raise SmsUnavailable("The SMS could not be sent; try resending in a moment.") from None
        record_sms_sent()
        self._event("sms_code_resent" if resend else "sms_code_sent", saved)
        return saved

    def view(self, session: LinkSession, now: datetime, profile: Profile | None = None) -> dict[str, Any]:
        """The API shape of a session's step (SPEC §6), for its owner only."""
        body: dict[str, Any] = {
            "id": session.session_id,
            "step": session.step.value,
            "phone_masked": mask_phone_for_owner(session.phone),
            "phone_verified": session.phone_verified,
            "session_expires_in_s": flow.session_expires_in_s(session, now),
        }
        if session.step is Step.CODE:
            body["resend_after_s"] = flow.resend_after_s(session, now, self.timings)
            body["expires_in_s"] = flow.code_expires_in_s(session, now, self.timings)
            body["attempts_left"] = flow.attempts_left(session) if body["expires_in_s"] else 0
        if session.step in (Step.CHOOSE_PROFILE, Step.DONE):
            shown = profile or self._account(session).profile
            body["profile"] = shown.to_json() if shown else None
        return body

    # -- steps --

    def open(self, person_id: str, phone: str) -> dict[str, Any]:
        """``POST /v1/link/sessions``: a new session for a (normalised) phone, at ``password``."""
        require_not_linked(self.links, person_id)
        require_sms_destination(phone, self.config)
        now = self.clock.now()
        session_id = secrets.token_urlsafe(SESSION_ID_BYTES)
        session = self._save(flow.open_session(session_id, person_id, phone, now, self.timings))
        self._event("link_session_opened", session)
        return self.view(session, now)

    def current(self, person_id: str, session_id: str) -> dict[str, Any]:
        """``GET /v1/link/sessions/{id}``: where the session stands."""
        now = self.clock.now()
        return self.view(self._live(person_id, session_id, now), now)

    def register(self, person_id: str, session_id: str) -> dict[str, Any]:
        """``POST …/register``: the number has no account yet; the next password is a new one."""
        now = self.clock.now()
        session = self._save(flow.start_registration(self._live(person_id, session_id, now)))
        return self.view(session, now)

    def reset(self, person_id: str, session_id: str) -> dict[str, Any]:
        """``POST …/reset``: forgot the password; the next one replaces it once the code proves the phone."""
        now = self.clock.now()
        session = self._save(flow.start_reset(self._live(person_id, session_id, now)))
        return self.view(session, now)

    def password(self, person_id: str, session_id: str, password: str) -> dict[str, Any]:
        """``POST …/password``: the password (``password``) or a new one (``register``, ``reset``)."""
        now = self.clock.now()
        session = self._live(person_id, session_id, now)
        flow.require_step(session, Step.PASSWORD, Step.REGISTER, Step.RESET)
        if session.step in (Step.REGISTER, Step.RESET):
            return self._choose_password(session, password, now)
        return self._sign_in(session, password, now)

    def _choose_password(self, session: LinkSession, password: str, now: datetime) -> dict[str, Any]:
        digits = session.phone.lstrip("+")
        try:
            accepted = check_new_password(password, context_words=(digits, digits[-10:]))
        except PasswordRejected as exc:
            raise ValidationFailed(str(exc), [{"field": "password", "message": str(exc)}]) from exc
        # Whether the number already has an account is not looked at here: only the phone's owner,
        # after entering the code, learns it (docs/identity.md). No Argon2id work when no SMS could go.
        self._require_sms_possible(session, now)
        staged = dataclasses.replace(session, new_password_hash=hash_password(accepted))
        return self.view(self._send_code(staged, now), now)

    def _password_logs(self, session: LinkSession) -> list[throttle.EventLog]:
        """The caps a password attempt counts against: the journal user's, and the number's ceiling.

        The ceiling binds only sessions that have not proven the phone: its owner,
        after an SMS code, gets in however many strangers guessed (SPEC §3).
        """
        logs = [
            throttle.EventLog(
                throttle.subject_key("password-person", session.person_id),
                (throttle.Cap(self.config.password_attempts_per_user_hour, HOUR_S),),
            )
        ]
        if not session.phone_verified:
            logs.append(
                throttle.EventLog(
                    throttle.subject_key("password-phone", session.phone),
                    (throttle.Cap(self.config.password_attempts_per_phone_day, DAY_S),),
                    refusal="Too many password attempts for this number today. Confirm the phone by SMS "
                    "code instead: «Forgot password?».",
                )
            )
        return logs

    def _sign_in(self, session: LinkSession, password: str, now: datetime) -> dict[str, Any]:
        try:
            throttle.take(
                self.counters, self._password_logs(session), now, "Too many password attempts; try later."
            )
        except RateLimited as refused:
            self._event("password_throttled", session, reason="cap")
            raise refused from None
        run_key = password_run_key(session.phone, session.person_id)
        try:
            run = throttle.reserve_password_attempt(self.counters, run_key, now)
        except (RateLimited, AccountLocked) as refused:
            self._event("password_throttled", session, reason=refused.slug)
            raise
        account = self.provider.check_password(session.phone, password)
        if account is None:
            self._event("password_wrong", session, consecutive_failures=run)
            if run >= throttle.MAX_CONSECUTIVE_FAILURES:
                self._event("phone_locked", session)
            raise InvalidCredentials("Wrong phone number or password.")
        throttle.clear_password_failures(self.counters, run_key)
        self._event("password_accepted", session)
        if session.phone_verified:
            moved = flow.signed_in_with_proven_phone(session, account.account_id, account.profile is not None)
            return self.view(self._save(moved), now, account.profile)
        # Signing in is password + the SMS code: the code goes out only after a right password.
        return self.view(
            self._send_code(dataclasses.replace(session, account_id=account.account_id), now), now
        )

    def resend(self, person_id: str, session_id: str) -> dict[str, Any]:
        """``POST …/resend``: a new code replacing the old one, once the cooldown is over."""
        now = self.clock.now()
        session = self._live(person_id, session_id, now)
        flow.require_resend_allowed(session, now, self.timings)
        return self.view(self._send_code(session, now, resend=True), now)

    def code(self, person_id: str, session_id: str, entered: str) -> dict[str, Any]:
        """``POST …/code``: the SMS code; right → the profile (or its form), wrong → counted."""
        now = self.clock.now()
        session = self._live(person_id, session_id, now)
        flow.require_code_open(session, now, self.timings)
        reserved = self.sessions.reserve_code_entry(session, MAX_WRONG_ENTRIES)
        if reserved is None:  # another request used the code, or its last entry, or a resend replaced it
            flow.require_code_open(self._live(person_id, session_id, now), now, self.timings)
            raise Conflict("The session was changed by another request; reload it.")
        outcome = flow.check_entry(reserved, entered)
        if not outcome.accepted:
            self._event("code_wrong", reserved, attempts_left=flow.attempts_left(reserved))
            if flow.attempts_left(reserved) == 0:
                self._event("code_locked", reserved)
            raise flow.wrong_code_error(reserved)
        # Use up the right code: the one write that wins, however many requests entered it; anything
        # that follows (creating an account) happens only after this write won.
        version = self.sessions.claim_code(reserved)
        if version is None:
            raise WrongStep("The code was already used by another request.", step=session.step.value)
        claimed = dataclasses.replace(outcome.session, version=version)
        outcome = flow.CodeOutcome(session=claimed, accepted=True)
        if session.purpose is Purpose.SIGN_IN:
            account = self._account(session)
            moved = flow.after_code_sign_in(outcome.session, account.profile is not None)
            saved = self._save(moved)
            self._event("phone_confirmed", saved)
            return self.view(saved, now, account.profile)
        if session.purpose is Purpose.RESET:
            return self._finish_reset(outcome.session, now)
        try:
            account = self.provider.create_account(session.phone, session.new_password_hash or "", now)
        except AccountExists:
            saved = self._save(flow.after_code_number_taken(outcome.session))
            self._event("phone_confirmed", saved, account_exists=True)
            return self.view(saved, now)
        throttle.clear_password_failures(self.counters, password_run_key(session.phone, session.person_id))
        saved = self._save(flow.after_code_registered(outcome.session, account.account_id))
        self._event("account_created", saved, account_id=account.account_id)
        return self.view(saved, now)

    def _finish_reset(self, proven: LinkSession, now: datetime) -> dict[str, Any]:
        """The phone is proven: its account gets the new password (or is created with it), and the
        session goes on as after a sign-in. Only now, to the phone's holder, does it show which."""
        new_hash = proven.new_password_hash or ""
        account = self.provider.set_password(proven.phone, new_hash)
        created = account is None
        if account is None:
            try:
                account = self.provider.create_account(proven.phone, new_hash, now)
            except AccountExists:  # created between the two calls: set its password after all
                account = self.provider.set_password(proven.phone, new_hash)
                if account is None:
                    raise Conflict("The messenger account changed meanwhile; start again.") from None
        throttle.clear_password_failures(self.counters, password_run_key(proven.phone, proven.person_id))
        saved = self._save(flow.after_code_reset(proven, account.account_id, account.profile is not None))
        self._event("account_created" if created else "password_reset", saved, account_id=account.account_id)
        return self.view(saved, now, account.profile)

    def create_profile(self, person_id: str, session_id: str, profile: ProfileInput) -> dict[str, Any]:
        """``POST …/profile``: the account's educational profile, shown next for confirmation."""
        now = self.clock.now()
        session = self._live(person_id, session_id, now)
        flow.require_step(session, Step.CREATE_PROFILE)
        try:
            created = self.provider.create_profile(session.account_id or "", profile, now)
        except ProfileAlreadyExists as exc:
            raise ProfileExists("This account already has an educational profile.") from exc
        saved = self._save(flow.profile_created(session))
        self._event("profile_created", saved, profile_id=created.profile_id)
        return self.view(saved, now, created)

    def confirm(self, person_id: str, session_id: str) -> dict[str, Any]:
        """``POST …/confirm``: link the journal user to the profile."""
        now = self.clock.now()
        session = self._live(person_id, session_id, now)
        flow.require_step(session, Step.CHOOSE_PROFILE)
        account = self._account(session)
        if account.profile is None:
            raise Conflict("The account has no educational profile.")
        done = flow.confirmed(session)
        guardians = self.guardians
        consent = guardians.consent_for_link(person_id, account.profile, now) if guardians else None
        create_link(self.links, person_id, account.account_id, account.profile.profile_id, now, consent)
        if guardians is not None and consent is not None:
            guardians.request_consents(person_id, account.profile, now)
        record_link_completed()
        saved = self._save(done)
        self._event("linked", saved, profile_id=account.profile.profile_id)
        return self.view(saved, now, account.profile)

    def unlink(self, person_id: str) -> None:
        """``DELETE /v1/link``: end the journal user's link (404 when there is none)."""
        link = remove_link(self.links, person_id)
        account = self.provider.account(link.account_id)
        log_event(
            "unlinked",
            person_id=person_id,
            profile_id=link.profile_id,
            phone_masked=mask_phone(account.phone) if account else None,
        )

    def link_of(self, person_id: str) -> dict[str, Any] | None:
        """The ``link`` of ``GET /v1/me``: the linked profile and the masked phone, or None."""
        link = self.links.find(person_id)
        if link is None:
            return None
        account = self.provider.account(link.account_id)
        profile = account.profile if account else None
        return {
            "profile": profile.to_json() if profile else None,
            "phone_masked": mask_phone_for_owner(account.phone) if account else None,
            "consent": link.consent,
        }
