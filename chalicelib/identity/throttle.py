"""Throttling the identity flow: SMS caps, password attempt caps, and the back-off per phone.

Two kinds of record, both kept by the counters port (``identity.stores.CounterStore``,
handed in as ``counters``):

* an event log: the times of recent events for one subject (SMS sent to a
  phone, SMS sent for a journal user, password attempts of a journal user),
  checked against sliding-window caps (per hour, per day). Sliding windows
  are exact: "5 per hour" never lets 10 through across a window boundary.
* a run of consecutive password failures for one (phone, journal user) pair,
  with a back-off that grows with the run and a hard stop at 100 (NIST SP
  800-63B §5.2.2). Keyed on the pair, so a stranger's wrong guesses slow down
  and lock out only the stranger; a high sliding-window ceiling per phone
  (an event log) bounds all journal users together, and a session that proved
  the phone by SMS code is exempt from it (the owner can always get in). The
  run is kept whether or not an account has the number, so the back-off
  itself does not tell who has an account. An attempt is counted before the password
  is checked and the run is cleared when it was right, so parallel guesses
  cannot slip past the count.

Subjects are stored as hashes: the table holds no phone numbers.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.config import settings
from chalicelib.errors import AccountLocked, RateLimited
from chalicelib.identity.stores import Counter, CounterStore

MAX_CONSECUTIVE_FAILURES = 100
FREE_FAILURES = 4
FIRST_BACKOFF_S = 30
MAX_BACKOFF_S = 3600
# A run of failures nobody added to for this long is over (and the table forgets it).
RUN_EXPIRY = timedelta(days=7)
# Records outlive their windows a little: DynamoDB's TTL is only garbage collection.
_FORGET_MARGIN = timedelta(days=1)


@dataclass(frozen=True)
class Cap:
    """At most ``limit`` events in any ``window_s`` seconds."""

    limit: int
    window_s: int


@dataclass(frozen=True)
class EventLog:
    """The recent events of one subject, and the caps they must stay within."""

    key: str
    caps: tuple[Cap, ...]
    refusal: str = ""  # the 429's detail when this log is the one full (default: the caller's)


def _pepper() -> bytes:
    """The secret the counter keys are keyed with: ``THROTTLE_PEPPER``, else derived from a signing secret.

    A bare SHA-256 of a phone number is no secret (Russian mobile numbers are
    few enough to hash them all), so whoever reads the table must not be able
    to tell whose counters they are without this key.
    """
    config = settings()
    if config.throttle_pepper:
        return config.throttle_pepper.encode()
    secret = config.operator_jwt_secret or config.journal_jwt_secret or config.journal_jwt_previous_secret
    return hmac.new((secret or "school-chats-local").encode(), b"throttle-pepper", hashlib.sha256).digest()


def subject_key(kind: str, subject: str) -> str:
    """The counter key for a subject (a phone number, a journal user id): an HMAC, never the subject."""
    digest = hmac.new(_pepper(), f"{kind}\n{subject}".encode(), hashlib.sha256).hexdigest()
    return f"{kind}#{digest[:40]}"


def wait_before_next(times: Sequence[float], caps: Sequence[Cap], now_ts: float) -> int:
    """Seconds until one more event fits every cap (0: now)."""
    wait = 0.0
    for cap in caps:
        recent = sorted(t for t in times if t > now_ts - cap.window_s)
        if cap.limit <= 0:
            wait = max(wait, float(cap.window_s))
        elif len(recent) >= cap.limit:
            # The event that has to leave the window before there is room for one more.
            release = recent[len(recent) - cap.limit] + cap.window_s
            wait = max(wait, release - now_ts)
    return math.ceil(wait)


def backoff_s(consecutive_failures: int) -> int:
    """The wait after a run of failures: none for the first few, then doubling, capped at an hour."""
    if consecutive_failures <= FREE_FAILURES:
        return 0
    return int(min(FIRST_BACKOFF_S * 2 ** (consecutive_failures - FREE_FAILURES - 1), MAX_BACKOFF_S))


def _refuse_when_full(logs: Sequence[EventLog], items: Sequence[Counter], now_ts: float, detail: str) -> None:
    waits = [
        wait_before_next([float(t) for t in item.times], log.caps, now_ts)
        for item, log in zip(items, logs, strict=True)
    ]
    if max(waits, default=0) > 0:
        fullest = max(zip(waits, logs, strict=True), key=lambda pair: pair[0])[1]
        raise RateLimited(fullest.refusal or detail, retry_after_s=max(waits))


def check(counters: CounterStore, logs: Sequence[EventLog], now: datetime, detail: str) -> None:
    """429 when one more event would not fit, recording nothing (before expensive work, e.g. hashing)."""
    _refuse_when_full(logs, [counters.load(log.key) for log in logs], now.timestamp(), detail)


def take(counters: CounterStore, logs: Sequence[EventLog], now: datetime, detail: str) -> None:
    """Record one event in every log, or 429 (changing nothing) when a cap is reached.

    The logs are written in one transaction conditional on what was read, so
    concurrent requests cannot both take the last place (the loser gets 429).
    """
    now_ts = now.timestamp()
    items = [counters.load(log.key) for log in logs]
    _refuse_when_full(logs, items, now_ts, detail)
    writes: list[tuple[Counter, datetime]] = []
    for item, log in zip(items, logs, strict=True):
        longest = max((cap.window_s for cap in log.caps), default=0)
        kept = tuple(t for t in item.times if float(t) > now_ts - longest)
        writes.append(
            (
                dataclasses.replace(item, times=(*kept, math.floor(now_ts))),
                now + timedelta(seconds=longest) + _FORGET_MARGIN,
            )
        )
    if not counters.save_all(writes):
        raise RateLimited(detail, retry_after_s=1)


def reserve_password_attempt(counters: CounterStore, phone_key: str, now: datetime) -> int:
    """Count a password attempt for a phone before checking it; returns the run's length with it.

    423 once the run reached :data:`MAX_CONSECUTIVE_FAILURES`; 429 inside the back-off.
    """
    item = counters.load(phone_key)
    failures = item.failures
    if item.last_at is not None and now - item.last_at >= RUN_EXPIRY:
        failures = 0  # the run expired
    if failures >= MAX_CONSECUTIVE_FAILURES:
        raise AccountLocked("Too many wrong passwords for this number: signing in with a password is locked.")
    if item.last_at is not None:
        wait = math.ceil((item.last_at + timedelta(seconds=backoff_s(failures)) - now).total_seconds())
        if wait > 0:
            raise RateLimited(f"Too many wrong passwords: try again in {wait} s.", retry_after_s=wait)
    counted = dataclasses.replace(item, failures=failures + 1, last_at=now)
    if not counters.save(counted, now + RUN_EXPIRY + _FORGET_MARGIN):
        # a concurrent attempt on the same phone took this turn
        raise RateLimited("Another attempt is in progress: try again in a second.", retry_after_s=1)
    return failures + 1


def clear_password_failures(counters: CounterStore, phone_key: str) -> None:
    """End a phone's run of failures (its password was right, or an account was just created for it)."""
    counters.delete(phone_key)


# --- a global budget (fixed windows) ---------------------------------------------------------


@dataclass(frozen=True)
class Budget:
    """At most ``limit`` events per calendar window of ``window_s`` seconds (UTC), for everyone together."""

    name: str
    limit: int
    window_s: int

    def key(self, now: datetime) -> str:
        """The counter of the window ``now`` falls in."""
        return f"budget#{self.name}#{self.window_s}#{int(now.timestamp()) // self.window_s}"


def budget_left(counters: CounterStore, budgets: Sequence[Budget], now: datetime) -> bool:
    """Whether every budget has room for one more event (a read: nothing is recorded)."""
    return all(counters.load(b.key(now)).spent < b.limit for b in budgets)


def take_budget(counters: CounterStore, budgets: Sequence[Budget], now: datetime) -> bool:
    """Count one event against every budget; False (circuit open) when one of them is used up.

    One conditional ``ADD`` per window: a hot item, but a single atomic write
    each, so parallel senders can never overspend. A refusal by a later budget
    leaves the earlier ones counted: the budget errs on the side of sending less.
    """
    for budget in budgets:
        window_end = datetime.fromtimestamp(
            (int(now.timestamp()) // budget.window_s + 1) * budget.window_s, tz=now.tzinfo
        )
        if not counters.add_spent(budget.key(now), budget.limit, window_end + _FORGET_MARGIN):
            return False
    return True
