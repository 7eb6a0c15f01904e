"""Roster import throughput, against raw BatchWriteItem on the same emulator, in the same run.

Generates a roster (default: 10 schools × 20 classes × 25 students, two
parents each), uploads it to the emulator's bucket and lets the real handlers
import it (the same worker the local stack runs: S3 event → upload handler →
one message per school → school handlers, two at a time like parallel
Lambdas). Then it writes exactly the chat and membership items the import
produced into scratch tables of the same schema with plain BatchWriteItem from
one thread — the baseline — and uploads the unchanged roster again.

Prints ratios (machine-independent) and DynamoDB request counts.
"""

from __future__ import annotations

import argparse
import io
import json
import time
from typing import Any

from bench.support import moto_server, scan_raw, use_emulator

RETRY_WAIT_S = 600
"""How long an import may take its retries: on a loaded machine a sync can time out on moto."""


def _finished(key: str, started: float) -> tuple[str, float, dict[str, Any]] | None:
    from chalicelib.store.imports import DynamoImportStore

    for header in DynamoImportStore().newest(50, None).items:
        if header["source_key"] == key and header["status"] not in ("queued", "running"):
            return header["id"], time.perf_counter() - started, header
    return None


def _wait_for_import(key: str, started: float, worker: Any) -> tuple[str, float, dict[str, Any]]:
    """Drain the queues until the import is final; a message a handler failed is retried, as SQS
    would, once its visibility timeout ends (the time and requests of retries count)."""
    deadline = time.monotonic() + RETRY_WAIT_S
    while (found := _finished(key, started)) is None:
        if time.monotonic() > deadline:
            raise RuntimeError(f"import of {key} did not finish")
        time.sleep(1)
        worker.drain()
    return found


def _import(key: str, body: bytes, concurrency: int) -> tuple[float, dict[str, Any], Any]:
    from chalicelib.aws import client
    from chalicelib.config import settings
    from devstack.requests import count_aws_requests
    from devstack.worker import app_worker

    worker = app_worker(school_concurrency=concurrency)
    with count_aws_requests() as requests:
        started = time.perf_counter()
        client("s3").put_object(Bucket=settings().roster_bucket, Key=key, Body=body)
        worker.drain()
        _, seconds, report = _wait_for_import(key, started, worker)
    return seconds, report, requests


def _baseline(items_by_table: dict[str, list[dict[str, Any]]], prefix: str = "scratch-") -> tuple[float, int]:
    """Seconds to BatchWriteItem the same items into scratch copies of the tables, one thread."""
    from chalicelib.aws import client
    from chalicelib.store.tables import ChatItem, MembershipItem

    dynamodb = client("dynamodb")
    scratch = {}
    for model in (ChatItem, MembershipItem):
        if model.Meta.table_name not in items_by_table:
            continue
        description = dynamodb.describe_table(TableName=model.Meta.table_name)["Table"]
        name = prefix + model.Meta.table_name
        indexes = [
            {"IndexName": i["IndexName"], "KeySchema": i["KeySchema"], "Projection": i["Projection"]}
            for i in description.get("GlobalSecondaryIndexes", [])
        ]
        dynamodb.create_table(
            TableName=name,
            KeySchema=description["KeySchema"],
            AttributeDefinitions=description["AttributeDefinitions"],
            BillingMode="PAY_PER_REQUEST",
            **({"GlobalSecondaryIndexes": indexes} if indexes else {}),
        )
        scratch[model.Meta.table_name] = name
    requests = 0
    started = time.perf_counter()
    for table, items in items_by_table.items():
        for start in range(0, len(items), 25):
            pending = {scratch[table]: [{"PutRequest": {"Item": i}} for i in items[start : start + 25]]}
            while pending:
                response = dynamodb.batch_write_item(RequestItems=pending)
                requests += 1
                pending = response.get("UnprocessedItems") or {}
    return time.perf_counter() - started, requests


def run(schools: int, classes: int, students: int, parents: int, concurrency: int) -> dict[str, Any]:
    """Run the benchmark on a fresh emulator; returns the figures."""
    from devstack.rostergen import write_flat_csv

    with moto_server() as url:
        use_emulator(url)
        from chalicelib.store.tables import ChatItem, MembershipItem

        buffer = io.BytesIO()
        write_flat_csv(buffer, schools, classes, students, parents, seed=7)
        roster = buffer.getvalue()

        first_s, first, first_requests = _import("rosters/bench-1.csv", roster, concurrency)
        chats = scan_raw(ChatItem.Meta.table_name)
        members = scan_raw(MembershipItem.Meta.table_name)
        baseline_s, baseline_requests = _baseline(
            {ChatItem.Meta.table_name: chats, MembershipItem.Meta.table_name: members}
        )
        # Issue #12's yardstick: the membership items alone into a clone of the memberships table.
        members_only_s, _ = _baseline({MembershipItem.Meta.table_name: members}, prefix="members-only-")
        again_s, again, again_requests = _import("rosters/bench-2.csv", roster, concurrency)

    written = first["counts"]["memberships_added"]
    return {
        "roster": {
            "schools": schools,
            "classes_per_school": classes,
            "students_per_class": students,
            "parents_per_student": parents,
            "bytes": len(roster),
        },
        "school_concurrency": concurrency,
        "first_import": {"status": first["status"], "counts": first["counts"], "seconds": round(first_s, 2)},
        "baseline": {
            "items": len(chats) + len(members),
            "seconds": round(baseline_s, 2),
            "batch_write_requests": baseline_requests,
        },
        "unchanged_reupload": {
            "status": again["status"],
            "counts": again["counts"],
            "seconds": round(again_s, 2),
            "dynamodb_requests": dict(again_requests.operations),
            "s3_requests": dict(again_requests.of("s3")),
            "sqs_requests": dict(again_requests.of("sqs")),
        },
        "import_time_over_batchwrite_time": round(first_s / baseline_s, 2),
        "import_time_over_membership_batchwrite_time": round(first_s / members_only_s, 2),
        "unchanged_time_over_first_time": round(again_s / first_s, 3),
        "dynamodb_requests_first_import": dict(first_requests.operations),
        "dynamodb_requests_per_membership_written": round(first_requests.total() / max(written, 1), 3),
        "batchwrite_requests_per_membership_written": round(
            first_requests.operations["BatchWriteItem"] / max(written, 1), 3
        ),
    }


RATIOS = (
    "import_time_over_batchwrite_time",
    "import_time_over_membership_batchwrite_time",
    "unchanged_time_over_first_time",
)


def main() -> None:
    """Command line: ``python -m bench.pipeline [--schools N ...] [--repeat N]``.

    Each repeat runs on a fresh emulator; the ratios are reported per run and
    as their median (a busy machine moves single runs by ±20 %).
    """
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--schools", type=int, default=10)
    parser.add_argument("--classes", type=int, default=20)
    parser.add_argument("--students", type=int, default=25)
    parser.add_argument("--parents", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    runs = [
        run(args.schools, args.classes, args.students, args.parents, args.concurrency)
        for _ in range(args.repeat)
    ]
    figures = runs[-1]
    for ratio in RATIOS:
        values = sorted(r[ratio] for r in runs)
        figures[ratio] = {"median": values[len(values) // 2], "runs": [r[ratio] for r in runs]}
    print(json.dumps(figures, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
