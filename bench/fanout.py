"""A send costs the same at any chat size (SPEC §10): the answer, and the fan-out behind it.

* DynamoDB requests per ``POST /v1/chats/{id}/messages`` into chats of 6, 100
  and 1,000 members: the same figure each time (the message put and the chat
  update, plus the caller's lookup), and one SQS ``SendMessage``.
* The median time of a send into a 604-member staff room over that of a send
  into a 6-member class chat, measured in alternation in the same run (goal ≤
  1.5): absolute times on moto mean nothing.
* The time from a send until the last member's list shows the message: the
  fan-out queue's consumer runs as the local stack's worker runs it (polling
  the queue in a thread, calling the app's ``on_message_sent`` handler); the
  clock stops when the chat records that every active member's list was moved
  (``listed_up_to``, written only after the last member's update). Quoted in
  seconds on moto, and as a ratio to its baseline in the same run: as many
  raw boto3 ``UpdateItem`` requests on the chat's membership rows, sent through
  a pool of the fan-out's size (``store.fanout.FANOUT_WORKERS``) — the floor
  of any fan-out that writes each member's row.

Run: ``python -m bench.fanout`` (``make bench`` runs it with the others).
"""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from bench.chats import _headers, _link, _seed_chat_with_members
from bench.support import describe, latency_ratio, moto_server, use_emulator
from devstack.requests import count_aws_requests

REQUEST_SIZES = (6, 100, 1000)
CLASS_CHAT, STAFF_ROOM = 6, 604
RATIO_GOAL = 1.5
VISIBLE_SIZES = (6, 604, 1000)
VISIBLE_RUNS = 3


def run() -> dict[str, Any]:
    """Seed, measure, print; returns the numbers."""
    with moto_server() as url:
        use_emulator(url)
        return _measure()


def _chat(members: int) -> tuple[str, str]:
    """A chat of ``members`` (seeded once per size) and its linked sender."""
    chat_id = f"ch_fanout_{members}"
    return chat_id, f"{chat_id}-m0"


def _send(client: Any, members: int, text: str = "Завтра собрание в 18:00") -> dict[str, Any]:
    chat_id, sender = _chat(members)
    response = client.http.post(
        f"/v1/chats/{chat_id}/messages", headers=_headers(sender), body=json.dumps({"text": text})
    )
    assert response.status_code == 201, response.body
    return dict(json.loads(response.body))


def _listed_up_to(chat_id: str) -> str:
    from chalicelib.store.tables import ChatItem

    item = ChatItem.get(chat_id, consistent_read=True, attributes_to_get=["chat_id", "listed_up_to"])
    return item.listed_up_to or ""


def _raw_updates(members: int) -> float:
    """Seconds for one raw ``UpdateItem`` per membership row of the chat, through the fan-out's pool size."""
    from concurrent.futures import ThreadPoolExecutor

    from chalicelib.aws import client as aws_client
    from chalicelib.store.fanout import FANOUT_WORKERS
    from chalicelib.store.tables import MembershipItem

    chat_id, _ = _chat(members)
    dynamodb, table = aws_client("dynamodb"), MembershipItem.Meta.table_name

    def touch(number: int) -> None:
        dynamodb.update_item(
            TableName=table,
            Key={"chat_id": {"S": chat_id}, "person_id": {"S": f"{chat_id}-m{number}"}},
            UpdateExpression="SET bench_touched = :t",
            ExpressionAttributeValues={":t": {"N": "1"}},
        )

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=FANOUT_WORKERS) as pool:
        list(pool.map(touch, range(members)))
    return time.perf_counter() - started


def _until_listed(client: Any, members: int) -> tuple[float, float]:
    """Seconds from a send until every member's list shows it, and the send's own seconds."""
    chat_id, _ = _chat(members)
    started = time.perf_counter()
    sent = _send(client, members)
    answered = time.perf_counter()
    while _listed_up_to(chat_id) < sent["sent_at"]:
        if time.perf_counter() - started > 300:
            raise RuntimeError(f"the fan-out of a {members}-member chat did not finish in 300 s")
        time.sleep(0.01)
    return time.perf_counter() - started, answered - started


def _pool_size() -> int:
    from chalicelib.store.fanout import FANOUT_WORKERS

    return FANOUT_WORKERS


def _measure() -> dict[str, Any]:
    from chalice.test import Client

    import app as application
    from devstack.worker import app_worker

    start = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
    results: dict[str, Any] = {"requests": {}, "visible": {}}
    for members in sorted({*REQUEST_SIZES, CLASS_CHAT, STAFF_ROOM, *VISIBLE_SIZES}):
        chat_id, sender = _chat(members)
        _seed_chat_with_members(chat_id, members, start)
        _link(sender)
    worker = app_worker(application.app)

    with Client(application.app, stage_name="bench") as client:
        print("POST /v1/chats/{id}/messages — the answer; members' lists follow behind it")
        for members in REQUEST_SIZES:
            _send(client, members, "разогрев")  # the process's first send looks up the queue's URL
            with count_aws_requests() as log:
                _send(client, members)
            dynamodb, sqs = log.operations, log.of("sqs")
            results["requests"][members] = {"dynamodb": dict(dynamodb), "sqs": dict(sqs)}
            print(f"  {members:>5} members: DynamoDB {describe(dynamodb)}; SQS {describe(Counter(sqs))}")
        counts = {sum(Counter(r["dynamodb"]).values()) for r in results["requests"].values()}
        constant = "constant" if len(counts) == 1 else "NOT constant"
        print(f"  DynamoDB requests per send: {constant} {sorted(counts)}")
        worker.drain()

        ratio = latency_ratio(lambda: _send(client, STAFF_ROOM), lambda: _send(client, CLASS_CHAT))
        results["send_ratio"] = ratio
        verdict = "meets" if ratio <= RATIO_GOAL else "MISSES"
        print(
            f"  median send time, {STAFF_ROOM}-member staff room ÷ {CLASS_CHAT}-member class chat: "
            f"{ratio:.2f}× ({verdict} the goal ≤ {RATIO_GOAL})"
        )
        worker.drain()

        worker.start()  # the consumer, as the local stack's worker runs it
        try:
            for members in VISIBLE_SIZES:
                runs = [_until_listed(client, members) for _ in range(VISIBLE_RUNS)]
                visible = statistics.median(seconds for seconds, _ in runs)
                send = statistics.median(seconds for _, seconds in runs)
                floor = statistics.median(_raw_updates(members) for _ in range(VISIBLE_RUNS))
                results["visible"][members] = {"seconds": visible, "sends": visible / send, "raw": floor}
                print(
                    f"  {members:>5} members: the last member's list shows the message after "
                    f"{visible:.2f} s on moto ({visible / send:.0f}× one send's time; "
                    f"{visible / floor:.1f}× {members} raw UpdateItem through "
                    f"{_pool_size()} threads, {floor:.2f} s)"
                )
        finally:
            worker.stop()
    return results


def main() -> None:
    """Entry point of ``python -m bench.fanout``."""
    run()


if __name__ == "__main__":
    main()
