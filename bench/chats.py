"""The chats API's cost: DynamoDB requests per page and per send, and latency against a raw Query.

* ``GET /v1/chats`` and ``GET /v1/chats/{id}/messages`` must cost a fixed
  number of requests per page whatever the number of chats or messages:
  printed for 10, 100 and 1,000.
* Their latency through the app (Chalice test client, the same code as in
  Lambda) is quoted as a ratio to one raw boto3 Query for the same page on the
  same emulator, in the same run — absolute times on moto mean nothing. moto
  reads a whole partition for every Query, so with a large partition the raw
  Query dominates both sides and the ratio tends to 1; DynamoDB does not, and
  there the ratio is about the number of round trips (2).
* A send's requests are printed per chat size: the same at every size, since
  members' lists are brought up to date behind the answer (``bench/fanout.py``).

Run: ``python -m bench`` (or ``python -m bench.chats``).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from bench.support import BENCH_JWT_SECRET, describe, latency_ratio, moto_server, use_emulator
from devstack.requests import RequestLog, count_aws_requests

SIZES = (10, 100, 1000)
SEND_CHAT_SIZES = (2, 30, 100, 300)
PAGE = 50
SCHOOL = "bench-school"


def _token(person_id: str) -> str:
    from chalicelib.identity.journal_token import issue_journal_token

    return issue_journal_token(person_id, BENCH_JWT_SECRET, issued_at=int(time.time()), lifetime_s=3600)


def _headers(person_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {_token(person_id)}", "Content-Type": "application/json"}


def _link(person_id: str) -> None:
    from chalicelib.store.tables import LinkItem

    LinkItem(person_id=person_id, profile_id="p", account_id="a", linked_at=datetime.now(UTC)).save()


def _seed_chats_of(person_id: str, count: int, start: datetime) -> None:
    """``count`` chats with ``person_id`` in each, active at distinct times."""
    from chalicelib.clock import isoformat_utc
    from chalicelib.store.batch import batch_put
    from chalicelib.store.tables import ChatItem, MembershipItem, activity_key

    chats, rows = [], []
    for number in range(count):
        chat_id = f"ch_{person_id}_{number:05d}"
        moment = start + timedelta(seconds=number)
        chats.append(
            ChatItem(
                chat_id=chat_id,
                school_id=SCHOOL,
                kind="custom",
                title=f"Чат {number}",
                member_count=1,
                created_at=moment,
                last_activity=isoformat_utc(moment),
            )
        )
        rows.append(
            MembershipItem(
                chat_id=chat_id,
                person_id=person_id,
                school_id=SCHOOL,
                chat_role="member",
                person_role="teacher",
                name="Учитель",
                member_of=person_id,
                activity_key=activity_key(isoformat_utc(moment), chat_id),
            )
        )
    batch_put(ChatItem, chats)
    batch_put(MembershipItem, rows)


def _seed_messages(chat_id: str, count: int, start: datetime) -> None:
    from chalicelib.clock import isoformat_utc
    from chalicelib.store.batch import batch_put
    from chalicelib.store.tables import MessageItem, message_sort_key

    items = []
    for number in range(count):
        moment = start + timedelta(seconds=number)
        message_id = f"msg_{number:06d}"
        items.append(
            MessageItem(
                chat_id=chat_id,
                message_id=message_id,
                sent_key=message_sort_key(isoformat_utc(moment), message_id),
                author_id="author",
                author_name="Автор",
                text=f"сообщение {number}",
                sent_at=moment,
            )
        )
    batch_put(MessageItem, items)


def _seed_chat_with_members(chat_id: str, members: int, start: datetime) -> None:
    from chalicelib.clock import isoformat_utc
    from chalicelib.store.batch import batch_put
    from chalicelib.store.tables import ChatItem, MembershipItem, activity_key

    now = isoformat_utc(start)
    ChatItem(
        chat_id=chat_id,
        school_id=SCHOOL,
        kind="custom",
        title="Рассылка",
        member_count=members,
        created_at=start,
        last_activity=now,
    ).save()
    batch_put(
        MembershipItem,
        [
            MembershipItem(
                chat_id=chat_id,
                person_id=f"{chat_id}-m{number}",
                school_id=SCHOOL,
                chat_role="moderator" if number == 0 else "member",
                person_role="teacher",
                name=f"Участник {number}",
                member_of=f"{chat_id}-m{number}",
                activity_key=activity_key(now, chat_id),
            )
            for number in range(members)
        ],
    )


def _get(client: Any, path: str, person_id: str) -> dict[str, Any]:
    response = client.http.get(path, headers=_headers(person_id))
    assert response.status_code == 200, response.body
    return dict(json.loads(response.body))


def _two_pages(client: Any, path: str, person_id: str) -> tuple[Counter[str], Counter[str] | None]:
    """The DynamoDB requests of a list's first page and (if there is one) of its second."""
    with count_aws_requests() as first:
        page = _get(client, path, person_id)
    if not page["next_cursor"]:
        return first.operations, None
    with count_aws_requests() as second:
        _get(client, f"{path}&cursor={page['next_cursor']}", person_id)
    return first.operations, second.operations


def _raw_query(table: str, index: str, key: str, value: str) -> None:
    """One page as a single boto3 Query: the baseline of the latency ratio."""
    from chalicelib.aws import client as aws_client

    aws_client("dynamodb").query(
        TableName=table,
        IndexName=index,
        KeyConditionExpression=f"{key} = :v",
        ExpressionAttributeValues={":v": {"S": value}},
        ScanIndexForward=False,
        Limit=PAGE,
    )


def _list_bench(
    client: Any, label: str, path: str, person_id: str, raw: Callable[[], None]
) -> dict[str, Any]:
    """Requests for two pages of a list, and its latency as a ratio to ``raw``; printed and returned."""
    first, second = _two_pages(client, path, person_id)
    ratio = latency_ratio(partial(_get, client, path, person_id), raw)
    later = f"; next page {describe(second)}" if second else ""
    print(f"  {label}: requests {describe(first)}{later}; latency {ratio:.1f}× one raw Query")
    return {"first": dict(first), "second": dict(second or {}), "ratio": ratio}


def run() -> dict[str, Any]:
    """Seed, measure, print; returns the numbers (for tests of the bench itself, if any)."""
    with moto_server() as url:
        use_emulator(url)
        return _measure()


def _measure() -> dict[str, Any]:
    from chalice.test import Client

    import app as application
    from chalicelib.store.tables import MembershipItem, MessageItem

    start = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
    results: dict[str, Any] = {"chats": {}, "messages": {}, "send": {}}

    with Client(application.app, stage_name="bench") as client:
        print(f"GET /v1/chats — page of {PAGE}, newest activity first")
        for size in SIZES:
            person = f"reader{size}"
            _seed_chats_of(person, size, start)
            _link(person)
            raw = partial(_raw_query, MembershipItem.Meta.table_name, "by-person", "member_of", person)
            path = f"/v1/chats?limit={PAGE}"
            results["chats"][size] = _list_bench(client, f"{size:>5} chats", path, person, raw)

        print(f"GET /v1/chats/{{id}}/messages — page of {PAGE}, newest first")
        for size in SIZES:
            chat_id = f"ch_history_{size}"
            _seed_chat_with_members(chat_id, 1, start)
            member = f"{chat_id}-m0"
            _link(member)
            _seed_messages(chat_id, size, start)
            raw = partial(_raw_query, MessageItem.Meta.table_name, "by-time", "chat_id", chat_id)
            path = f"/v1/chats/{chat_id}/messages?limit={PAGE}"
            results["messages"][size] = _list_bench(client, f"{size:>5} messages", path, member, raw)

        print("POST /v1/chats/{id}/messages — the answer (lists follow behind it: bench/fanout.py)")
        for members in SEND_CHAT_SIZES:
            chat_id = f"ch_send_{members}"
            _seed_chat_with_members(chat_id, members, start)
            sender = f"{chat_id}-m0"
            _link(sender)
            sent: RequestLog
            retried: RequestLog
            with count_aws_requests() as sent:
                response = client.http.post(
                    f"/v1/chats/{chat_id}/messages",
                    headers=_headers(sender),
                    body=json.dumps({"text": "Всем привет", "client_msg_id": "bench-1"}),
                )
            assert response.status_code == 201, response.body
            with count_aws_requests() as retried:
                client.http.post(
                    f"/v1/chats/{chat_id}/messages",
                    headers=_headers(sender),
                    body=json.dumps({"text": "Всем привет", "client_msg_id": "bench-1"}),
                )
            results["send"][members] = {"send": dict(sent.operations), "retry": dict(retried.operations)}
            print(
                f"  {members:>5} members: requests {describe(sent.operations)}; "
                f"a retried send (same client_msg_id) {describe(retried.operations)}"
            )
    return results


def main() -> None:
    """Entry point of ``python -m bench.chats``."""
    run()


if __name__ == "__main__":
    main()
