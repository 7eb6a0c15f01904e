"""A school sync's heartbeats: a short lease and a short message visibility, renewed while the sync runs.

The lease (``pipeline.schools``) lasts :func:`~chalicelib.pipeline.schools.lease_seconds`
(``SCHOOL_LEASE_S``: a minute deployed, 20 s in the local stack) so that a sync
whose worker crashed frees its school within that; a sync that runs longer keeps
it by renewing it every quarter of it from a background thread. The message is
hidden a few seconds longer than the lease (:func:`message_hiding_s`), so a
crashed sync's message comes back to a free school instead of finding its own
stale lease and waiting a busy-retry more.
A renewal that finds the lease gone (it expired while the worker was stalled,
and another sync took it) is logged and stops the heartbeat: syncs are
idempotent and converge, so the worst case is two syncs writing the same rows.
"""

from __future__ import annotations

import threading
from types import TracebackType

from chalicelib.aws import client
from chalicelib.clock import Clock
from chalicelib.observability import log_event, logger
from chalicelib.pipeline.schools import SchoolStates, heartbeat_seconds, lease_seconds

# A sync that is still "running" after this long is stuck (its Lambda allows 120 s): stop renewing.
MAX_HEARTBEAT_SECONDS = 15 * 60
HIDING_MARGIN_S = 3
"""How much longer than the lease a running sync's message stays hidden (the lease is taken just
after the message is hidden, and its end is rounded to whole seconds)."""


def message_hiding_s() -> int:
    """How long a running sync's message is hidden at a time: the lease and a margin."""
    return lease_seconds() + HIDING_MARGIN_S


class LeaseHeartbeat:
    """``with LeaseHeartbeat(schools, school_id, owner):`` renews the lease until the block ends."""

    def __init__(
        self,
        schools: SchoolStates,
        school_id: str,
        owner: str,
        clock: Clock,
        interval_s: float | None = None,
    ) -> None:
        self.schools = schools
        self.clock = clock
        self.school_id = school_id
        self.owner = owner
        self.interval_s = interval_s if interval_s is not None else heartbeat_seconds()
        self.renewals = 0
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lease-{school_id}", daemon=True)

    def __enter__(self) -> LeaseHeartbeat:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _beat(self) -> None:
        beats = int(MAX_HEARTBEAT_SECONDS / self.interval_s)
        for _ in range(beats):
            if self._stop.wait(self.interval_s):
                return
            try:
                held = self.schools.renew(self.school_id, self.owner, self.clock.now())
            except Exception:  # a blip: the next beat tries again, well before the lease runs out
                logger.warning("lease renewal failed", extra={"school_id": self.school_id}, exc_info=True)
                continue
            if not held:
                self.lost = True
                log_event("school_lease_lost", school_id=self.school_id)
                return
            self.renewals += 1


class MessageHeartbeat:
    """``with MessageHeartbeat(queue_url, receipt_handle):`` keeps an SQS message hidden a minute at a time.

    The school queue's visibility timeout is long (six times its function's
    timeout, as Lambda asks), so a message whose worker crashed would wait
    twelve minutes before its retry. While the sync runs its message is made
    invisible for :func:`message_hiding_s` and renewed
    with the lease, so a crashed sync's message, like its lease, comes back
    within about a minute. Best effort: a renewal that fails is logged, and
    the message then keeps the visibility it had.
    """

    def __init__(self, queue_url: str, receipt_handle: str, interval_s: float | None = None) -> None:
        self.queue_url = queue_url
        self.receipt_handle = receipt_handle
        self.interval_s = interval_s if interval_s is not None else heartbeat_seconds()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="message-heartbeat", daemon=True)

    def __enter__(self) -> MessageHeartbeat:
        if self._hide():
            self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _hide(self) -> bool:
        try:
            client("sqs").change_message_visibility(
                QueueUrl=self.queue_url,
                ReceiptHandle=self.receipt_handle,
                VisibilityTimeout=message_hiding_s(),
            )
        except Exception:
            logger.warning("could not extend the message's visibility", exc_info=True)
            return False
        return True

    def _beat(self) -> None:
        for _ in range(int(MAX_HEARTBEAT_SECONDS / self.interval_s)):
            if self._stop.wait(self.interval_s) or not self._hide():
                return
