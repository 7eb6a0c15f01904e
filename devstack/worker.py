"""A stand-in for Lambda's SQS event source: poll the queues, call the app's handlers.

``chalice local`` serves HTTP only, so the local stack (and the end-to-end
tests and benchmarks) run this instead: it long-polls the upload and school
queues, hands each batch to the same ``@app.on_sqs_message`` handler Lambda
would call, with an event of the same shape, and deletes what the handler did
not report in ``batchItemFailures`` — just as the Lambda event source does.
Failed messages become visible again and, after ``maxReceiveCount``
deliveries, moto moves them to the dead-letter queue.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chalicelib.aws import client
from chalicelib.config import settings
from devstack.resources import queue_arn

if TYPE_CHECKING:
    from chalice import Chalice

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass
class LambdaContextStub:
    """The few attributes handlers may read from a Lambda context."""

    function_name: str
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    memory_limit_in_mb: int = 512

    def get_remaining_time_in_millis(self) -> int:
        """Plenty: local runs have no deadline."""
        return 900_000


@dataclass(frozen=True)
class QueueBinding:
    """A queue and the handler Lambda would invoke for it."""

    queue_name: str
    handler: Handler
    batch_size: int


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The Lambda event for a batch of received SQS messages."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": m.get("MessageAttributes", {}),
                "md5OfBody": hashlib.md5(m["Body"].encode(), usedforsecurity=False).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": settings().region,
            }
            for m in messages
        ]
    }


class QueueWorker:
    """Polls queues and invokes handlers, one thread per concurrent 'Lambda'."""

    def __init__(self, bindings: list[QueueBinding], *, school_concurrency: int = 2) -> None:
        self.bindings = bindings
        self.concurrency = school_concurrency
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._urls = {
            b.queue_name: client("sqs").get_queue_url(QueueName=b.queue_name)["QueueUrl"] for b in bindings
        }
        self._arns = {name: queue_arn(url) for name, url in self._urls.items()}
        self.invocations = 0
        self._count_lock = threading.Lock()

    def poll_once(self, binding: QueueBinding, wait_s: int = 0) -> int:
        """Receive one batch from a queue and run its handler; returns how many messages it got."""
        url = self._urls[binding.queue_name]
        sqs = client("sqs")
        received = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=binding.batch_size,
            WaitTimeSeconds=wait_s,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = received.get("Messages", [])
        if not messages:
            return 0
        result = binding.handler(
            sqs_event(messages, self._arns[binding.queue_name]),
            LambdaContextStub(function_name=binding.queue_name),
        )
        with self._count_lock:
            self.invocations += 1
        failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        return len(messages)

    def drain(self, *, max_rounds: int = 10_000) -> None:
        """Process until every queue is empty (tests and benchmarks: deterministic, no sleeping).

        Messages a handler failed become visible again only after their
        visibility timeout, so a drain does not wait for retries.
        """
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            for _ in range(max_rounds):
                handled = 0
                for binding in self.bindings:
                    if binding.batch_size == 1 and self.concurrency > 1:
                        handled += sum(pool.map(self.poll_once, [binding] * self.concurrency))
                    else:
                        handled += self.poll_once(binding)
                if handled == 0:
                    return
        raise RuntimeError("queues did not drain")

    def start(self) -> None:
        """Poll every queue in background threads until :meth:`stop`."""
        for binding in self.bindings:
            copies = self.concurrency if binding.batch_size == 1 else 1
            for index in range(copies):
                thread = threading.Thread(
                    target=self._loop,
                    args=(binding,),
                    name=f"worker-{binding.queue_name}-{index}",
                    daemon=True,
                )
                thread.start()
                self._threads.append(thread)

    def _loop(self, binding: QueueBinding) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once(binding, wait_s=1)
            except Exception as error:  # keep polling: a local worker must survive a bad message
                if not self._stop.is_set():
                    print(f"worker: {binding.queue_name}: {error!r}", flush=True)
                    self._stop.wait(1)

    def stop(self) -> None:
        """Stop polling and wait for the threads."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)


def app_worker(application: Chalice | None = None, school_concurrency: int = 2) -> QueueWorker:
    """A worker bound to every ``@app.on_sqs_message`` handler of ``application`` (default: ``app.app``)."""
    from chalice.app import SQSEventConfig

    if application is None:
        import app as module

        application = module.app
    bindings = [
        QueueBinding(
            source.queue,
            application.handler_map[source.name],
            batch_size=source.batch_size,
        )
        for source in application.event_sources
        if isinstance(source, SQSEventConfig) and source.queue
    ]
    return QueueWorker(bindings, school_concurrency=school_concurrency)
