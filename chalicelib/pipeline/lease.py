"""A school sync's heartbeats: a short lease and a short message visibility, renewed while the sync runs.

The lease (``store.schools``) lasts :data:`~chalicelib.pipeline.schools.LEASE_SECONDS`
(a minute) so that a sync whose worker crashed frees its school within about a
minute; a sync that runs longer keeps it by renewing it every
:data:`~chalicelib.pipeline.schools.HEARTBEAT_SECONDS` from a background thread.
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
from chalicelib.pipeline.schools import HEARTBEAT_SECONDS, LEASE_SECONDS, SchoolStates

# A sync that is still "running" after this long is stuck (its Lambda allows 120 s): stop renewing.
MAX_HEARTBEAT_SECONDS = 15 * 60


class LeaseHeartbeat:
    """``with LeaseHeartbeat(schools, school_id, owner):`` renews the lease until the block ends."""

    def __init__(
        self,
        schools: SchoolStates,
        school_id: str,
        owner: str,
        clock: Clock,
        interval_s: float = HEARTBEAT_SECONDS,
    ) -> None:
        self.schools = schools
        self.clock = clock
        self.school_id = school_id
        self.owner = owner
        self.interval_s = interval_s
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
    invisible for :data:`~chalicelib.pipeline.schools.LEASE_SECONDS` and renewed
    with the lease, so a crashed sync's message, like its lease, comes back
    within about a minute. Best effort: a renewal that fails is logged, and
    the message then keeps the visibility it had.
    """

    def __init__(self, queue_url: str, receipt_handle: str, interval_s: float = HEARTBEAT_SECONDS) -> None:
        self.queue_url = queue_url
        self.receipt_handle = receipt_handle
        self.interval_s = interval_s
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
                QueueUrl=self.queue_url, ReceiptHandle=self.receipt_handle, VisibilityTimeout=LEASE_SECONDS
            )
        except Exception:
            logger.warning("could not extend the message's visibility", exc_info=True)
            return False
        return True

    def _beat(self) -> None:
        for _ in range(int(MAX_HEARTBEAT_SECONDS / self.interval_s)):
            if self._stop.wait(self.interval_s) or not self._hide():
                return
