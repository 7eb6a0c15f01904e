"""``python -m bench.capacity``: trace a real import and a school day's requests, then scale to a region.

1. A generated roster of ``--schools`` realistic schools (30 classes × 28
   students, two parents each, their teachers: about 2,600 people a school) is
   uploaded to a fresh emulator and imported by the real handlers, one school
   at a time, with every request priced by ``trace.record``.
2. On the imported data: one link flow (SMS code read back from the
   emulator), a chat list, a page of messages, and a send into the school's
   class chat, class parents chat and staff room — through the app.
3. ``plan.py`` scales those costs to 100, 1,000 and 5,000 schools: the first
   import's wall time at the template's concurrency and warm throughput, the
   steady rates, the hottest partitions, and a month's cost (``prices.py``).
"""

from __future__ import annotations

import argparse
import io
import json
import re
import time
import urllib.request
from dataclasses import asdict, replace
from typing import Any

from bench.capacity import plan, prices
from bench.capacity.model import NEW_ON_DEMAND_WRITE_UNITS_S, PARTITION_WRITE_UNITS_S, Access
from bench.capacity.trace import Trace, record
from bench.support import BENCH_JWT_SECRET, moto_server, use_emulator

REGIONS = (100, 1_000, 5_000)
CLASSES, STUDENTS, PARENTS = 30, 28, 2
PASSWORD = "correct horse battery staple"


def _token(person_id: str) -> dict[str, str]:
    from chalicelib.identity.journal_token import issue_journal_token

    token = issue_journal_token(person_id, BENCH_JWT_SECRET, issued_at=int(time.time()), lifetime_s=3600)
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def _import(schools: int) -> tuple[Trace, int, int, float]:
    """Upload and import a generated roster one school at a time; the trace, bytes, people, CPU s."""
    from chalicelib.aws import client
    from chalicelib.config import settings
    from devstack.rostergen import write_flat_csv
    from devstack.worker import app_worker

    buffer = io.BytesIO()
    write_flat_csv(buffer, schools, CLASSES, STUDENTS, PARENTS, seed=17)
    body = buffer.getvalue()
    people = body.count(b"\n") - 1
    worker = app_worker(school_concurrency=1)
    started = time.process_time()
    with record(settings().table_prefix) as (trace, _):
        client("s3").put_object(Bucket=settings().roster_bucket, Key="rosters/region.csv", Body=body)
        worker.drain()
    return trace, len(body), people, time.process_time() - started


def _school_segments(trace: Trace) -> tuple[list[list[Access]], list[int]]:
    from chalicelib.config import settings

    queue = settings().school_queue_name
    segments = [s for s in trace.segments() if trace.segment_queue.get(s, "").endswith(queue)]
    return [trace.of(segment=s) for s in segments], [trace.segment_calls[s] for s in segments]


def _operation(name: str, action: Any) -> plan.Operation:
    from chalicelib.config import settings

    with record(settings().table_prefix) as (trace, _):
        response = action()
    assert response.status_code in (200, 201), (name, response.status_code, response.body)
    return plan.Operation(name, tuple(trace.of()), dict(trace.calls))


def _sms_code(emulator: str, phone: str) -> str:
    with urllib.request.urlopen(emulator + "/moto-api/data.json", timeout=10) as answer:  # noqa: S310 - loopback
        data = json.load(answer)
    texts = [m["message"] for m in data.get("sns", {}).get("SMS", []) if m["phone_number"] == phone]
    found = re.search(r"\b(\d{6})\b", texts[-1])
    assert found, texts
    return found.group(1)


def _link_flow(api: Any, emulator: str, person_id: str) -> plan.Operation:
    """A roster person registers, gets an SMS code, makes a profile and links: every request together."""
    from chalicelib.config import settings

    phone = "+79161234567"
    headers = _token(person_id)

    def post(path: str, body: Any = None) -> Any:
        return api.http.post(path, headers=headers, body=json.dumps(body) if body is not None else "")

    with record(settings().table_prefix) as (trace, _):
        opened = post("/v1/link/sessions", {"phone": phone})
        session = f"/v1/link/sessions/{opened.json_body['id']}"
        post(f"{session}/register")
        post(f"{session}/password", {"password": PASSWORD})
        code = _sms_code(emulator, phone)
        post(f"{session}/code", {"code": code})
        post(
            f"{session}/profile",
            {"first_name": "Анна", "last_name": "Петрова", "birth_date": "1988-04-02", "gender": "female"},
        )
        done = post(f"{session}/confirm")
    assert done.status_code == 200 and done.json_body["step"] == "done", done.body
    return plan.Operation("link flow", tuple(trace.of()), dict(trace.calls))


def _day(api: Any, emulator: str, school_id: str, fan_out: Any) -> dict[str, plan.Operation]:
    """Trace one of each of a school day's operations on the imported school.

    A send is traced with its fan-out (``fan_out()`` runs the queue's consumer):
    the members' list updates happen behind the answer, but they are the send's cost.
    """
    from bench.chats import _link as link_person
    from chalicelib.store.tables import ChatItem, MembershipItem

    chats = {
        item.kind: item for item in ChatItem.by_school.query(school_id) if item.kind in ("staff", "parents")
    }
    chats["class"] = next(item for item in ChatItem.by_school.query(school_id) if item.kind == "class")
    members = {
        kind: [m.person_id for m in MembershipItem.query(chat.chat_id)] for kind, chat in chats.items()
    }
    parent = next(p for p in members["parents"] if p not in members["class"])
    teacher = members["staff"][0]
    operations = {"link flow": _link_flow(api, emulator, parent)}
    link_person(teacher)
    operations["chat list"] = _operation(
        "chat list", lambda: api.http.get("/v1/chats?limit=50", headers=_token(parent))
    )
    operations["messages page"] = _operation(
        "messages page",
        lambda: api.http.get(
            f"/v1/chats/{chats['parents'].chat_id}/messages?limit=50", headers=_token(parent)
        ),
    )
    for kind in ("class", "parents", "staff"):
        sender = teacher if teacher in members[kind] else members[kind][0]
        link_person(sender)
        time.sleep(0.01)
        operations[f"send ({kind}, {len(members[kind])} members)"] = _operation(
            f"send {kind}",
            lambda kind=kind, sender=sender: _with_fan_out(
                api.http.post(
                    f"/v1/chats/{chats[kind].chat_id}/messages",
                    headers=_token(sender),
                    body=json.dumps({"text": "Завтра родительское собрание в 18:00, кабинет 12."}),
                ),
                fan_out,
            ),
        )
    return operations


def _with_fan_out(response: Any, fan_out: Any) -> Any:
    fan_out()
    return response


def measure(schools: int) -> dict[str, Any]:
    """Trace on a fresh emulator; the raw figures the report is computed from."""
    from chalice.test import Client

    with moto_server() as url:
        use_emulator(url)
        import app as application

        trace, size, people, cpu_s = _import(schools)
        segments, requests = _school_segments(trace)
        sync = plan.school_sync(segments, requests)
        school_id = next(a.partition for a in trace.of() if (a.table, a.index) == ("chats", "by-school"))
        from devstack.worker import app_worker

        with Client(application.app, stage_name="bench") as api:
            operations = _day(api, url, school_id, app_worker(application.app).drain)
    return {
        "schools": schools,
        "school_id": school_id,
        "roster_bytes": size,
        "people": people,
        "import_cpu_s": cpu_s,
        "sync": sync,
        "operations": operations,
        "import_calls": dict(trace.calls),
    }


def _school_partition_units(send: plan.Operation, school_id_like: set[str]) -> float:
    return sum(a.units for a in send.accesses if a.kind == "write" and a.partition in school_id_like)


def report(figures: dict[str, Any], setting: plan.ImportSetting, profile: plan.DayProfile) -> dict[str, Any]:
    """The headline figures for 100 / 1,000 / 5,000 schools (JSON-ready)."""
    sync: plan.SchoolSync = figures["sync"]
    operations: dict[str, plan.Operation] = figures["operations"]
    people_per_school = figures["people"] / figures["schools"]
    mb_per_school = figures["roster_bytes"] / figures["schools"] / 1e6
    sends = {name: op for name, op in operations.items() if name.startswith("send")}
    send = _average_send(list(sends.values()))
    # Any table's or index's partition keyed by the school the sends were made in.
    school_ids = {figures["school_id"]}
    evening = plan.evening_sends_per_s(int(people_per_school), profile)

    per_send_school_units = max(_school_partition_units(op, school_ids) for op in sends.values())
    chat_partition = {
        name: max(
            (sum(a.units for a in op.accesses if a.kind == "write" and a.partition == p), p)
            for p in {a.partition for a in op.accesses}
        )
        for name, op in sends.items()
    }
    out: dict[str, Any] = {
        "traced": {
            "schools": figures["schools"],
            "people_per_school": round(people_per_school),
            "roster_mb_per_school": round(mb_per_school, 3),
            "sync_write_units": {
                f"{t}/{i or '-'}": round(u) for (t, i), u in sorted(sync.write_units.items(), key=str)
            },
            "sync_dynamodb_requests": round(sync.dynamodb_requests),
            "sync_hottest_partition": [
                f"{sync.hottest_partition[0][0]}/{sync.hottest_partition[0][1] or '-'}",
                round(sync.hottest_partition[1]),
            ],
            "operations": {
                name: {
                    "write_units": op.units("write"),
                    "read_units": op.units("read"),
                    "requests": sum(op.requests.values()),
                }
                for name, op in operations.items()
            },
        },
        "busiest_evening_per_school": {
            "sends_per_s": round(evening, 3),
            "school_partition_write_units_s": round(evening * per_send_school_units, 3),
            "limit": PARTITION_WRITE_UNITS_S,
            "chat_partition_units_per_send": {name: units for name, (units, _) in chat_partition.items()},
            "sends_per_s_one_chat_takes": {
                name: round(plan.sends_until_throttled(sends[name], partition), 1)
                for name, (_, partition) in chat_partition.items()
            },
        },
        "regions": {},
    }
    for schools in REGIONS:
        estimate = plan.estimate_import(sync, schools, mb_per_school, setting)
        people = people_per_school * schools
        day_units_w = people * (
            profile.sends * send.units("write")
            + profile.chat_list_opens * operations["chat list"].units("write")
            + profile.message_page_reads * operations["messages page"].units("write")
        )
        day_units_r = people * (
            profile.sends * send.units("read")
            + profile.chat_list_opens * operations["chat list"].units("read")
            + profile.message_page_reads * operations["messages page"].units("read")
        )
        api_calls_day = people * (profile.sends + profile.chat_list_opens + profile.message_page_reads)
        out["regions"][schools] = {
            "people": round(people),
            "first_import": {
                "roster_mb": round(estimate.roster_mb),
                "files": estimate.files,
                "stage1_s": round(estimate.stage1_s),
                "sync_s": round(estimate.sync_s, 2),
                "wall_min": round(estimate.wall_s / 60, 1),
                "bound_by": estimate.bound_by,
                "peak_write_units_s": {
                    f"{t}/{i or '-'}": round(u) for (t, i), u in estimate.peak_write_units_s.items()
                },
                "hottest_partition_units_s": round(estimate.hottest_partition_units_s),
                "cost_usd": cost_import(figures, schools, estimate, setting),
                "wall_min_without_prewarming": round(
                    plan.estimate_import(
                        sync,
                        schools,
                        mb_per_school,
                        replace(setting, warm_write_units_s=NEW_ON_DEMAND_WRITE_UNITS_S),
                    ).wall_s
                    / 60,
                    1,
                ),
            },
            "school_day": {
                "api_requests_per_s_average": round(api_calls_day / 86_400, 1),
                "api_requests_per_s_evening_hour": round(api_calls_day * profile.evening_share / 3600, 1),
                "write_units_per_s_evening_hour": round(day_units_w * profile.evening_share / 3600),
                "read_units_per_s_evening_hour": round(day_units_r * profile.evening_share / 3600),
            },
            "month_usd": cost_month(operations, people, profile),
        }
    return out


def _average_send(sends: list[plan.Operation]) -> plan.Operation:
    """One send of the traced mix (class, parents, staff room), each counted equally."""
    share = 1 / len(sends)
    accesses = tuple(
        Access(a.table, a.index, a.partition, a.kind, a.units * share) for op in sends for a in op.accesses
    )
    requests: dict[tuple[str, str], int] = {}
    for op in sends:
        for key, n in op.requests.items():
            requests[key] = requests.get(key, 0) + n
    return plan.Operation("send (average)", accesses, {k: round(v * share) for k, v in requests.items()})


def cost_import(
    figures: dict[str, Any], schools: int, estimate: plan.ImportEstimate, setting: plan.ImportSetting
) -> dict[str, float]:
    """A first import's cost by service."""
    sync: plan.SchoolSync = figures["sync"]
    write_units = sum(sync.write_units.values()) * schools
    read_units = sum(sync.read_units.values()) * schools
    lambda_gb_s = estimate.stage1_s * 1769 / 1024 + estimate.sync_s * schools * 1024 / 1024
    calls = figures["import_calls"]
    per_school = {k: v / figures["schools"] for k, v in calls.items()}
    sqs = sum(v for (svc, _), v in per_school.items() if svc == "sqs") * schools
    s3_put = sum(v for (svc, op), v in per_school.items() if svc == "s3" and op.startswith("Put")) * schools
    s3_get = (
        sum(v for (svc, op), v in per_school.items() if svc == "s3" and op.startswith(("Get", "Head")))
        * schools
    )
    costs = {
        "dynamodb": write_units / 1e6 * prices.DYNAMODB_PER_MILLION_WRITE_UNITS
        + read_units / 1e6 * prices.DYNAMODB_PER_MILLION_READ_UNITS,
        "lambda": lambda_gb_s * prices.LAMBDA_PER_GB_S,
        "sqs": sqs / 1e6 * prices.SQS_PER_MILLION_REQUESTS,
        "s3": s3_put / 1000 * prices.S3_PER_THOUSAND_PUT + s3_get / 1000 * prices.S3_PER_THOUSAND_GET,
    }
    return {k: round(v, 2) for k, v in costs.items()}


API_LAMBDA_S = 0.1
API_LAMBDA_GB = 0.5


def cost_month(
    operations: dict[str, plan.Operation], people: float, profile: plan.DayProfile
) -> dict[str, float]:
    """A month of school days (and every person linking once) by service."""
    days = profile.school_days_per_month
    sends = [op for name, op in operations.items() if name.startswith("send")]
    send = _average_send(sends)
    daily = {
        "chat list": profile.chat_list_opens,
        "messages page": profile.message_page_reads,
    }
    write_units = (
        people
        * days
        * (
            profile.sends * send.units("write")
            + sum(n * operations[k].units("write") for k, n in daily.items())
        )
    )
    read_units = (
        people
        * days
        * (
            profile.sends * send.units("read")
            + sum(n * operations[k].units("read") for k, n in daily.items())
        )
    )
    links = people * profile.link_share_first_month
    link = operations["link flow"]
    write_units += links * link.units("write")
    read_units += links * link.units("read")
    api_requests = people * days * (profile.sends + sum(daily.values())) + links * 7
    members = sum(len({a.partition for a in op.accesses if a.index == "by-person"}) for op in sends) / len(
        sends
    )
    ws_messages = people * days * profile.sends * members
    ws_minutes = people * days * profile.ws_minutes_per_person
    costs = {
        "dynamodb": write_units / 1e6 * prices.DYNAMODB_PER_MILLION_WRITE_UNITS
        + read_units / 1e6 * prices.DYNAMODB_PER_MILLION_READ_UNITS,
        "lambda": api_requests
        * (API_LAMBDA_S * API_LAMBDA_GB * prices.LAMBDA_PER_GB_S + prices.LAMBDA_PER_MILLION_REQUESTS / 1e6),
        "api_gateway_rest": api_requests / 1e6 * prices.API_GATEWAY_REST_PER_MILLION,
        "api_gateway_http_if_moved": api_requests / 1e6 * prices.API_GATEWAY_HTTP_PER_MILLION,
        "websocket": ws_messages / 1e6 * prices.WEBSOCKET_PER_MILLION_MESSAGES
        + ws_minutes / 1e6 * prices.WEBSOCKET_PER_MILLION_CONNECTION_MINUTES,
        "sms_links": links
        * sum(n for (svc, op), n in link.requests.items() if (svc, op) == ("sns", "Publish"))
        * prices.SMS_PER_MESSAGE_RU,
        "chime": people * days * profile.call_minutes_per_person * prices.CHIME_PER_ATTENDEE_MINUTE,
    }
    return {k: round(v, 2) for k, v in costs.items()}


def headline(result: dict[str, Any]) -> list[str]:
    """The figures ``make bench`` tracks, one line each."""
    lines = []
    for schools, region in result["regions"].items():
        first = region["first_import"]
        costs = region["month_usd"]
        month = sum(v for k, v in costs.items() if k not in ("api_gateway_http_if_moved", "sms_links"))
        lines.append(
            f"{int(schools):>5} schools: first import {first['wall_min']} min ({first['bound_by']}); "
            f"evening {region['school_day']['write_units_per_s_evening_hour']} write units/s; "
            f"a month ${month:,.0f} + SMS ${costs['sms_links']:,.0f} at the placeholder price"
        )
    evening = result["busiest_evening_per_school"]
    lines.append(
        f"a school's busiest evening second: {evening['school_partition_write_units_s']} write units/s "
        f"on its busiest school partition (limit {evening['limit']})"
    )
    return lines


def main(
    argv: list[str] | None = None,
    *,
    stage1_cpu_s_per_100mb: float | None = None,
    sync_cpu_s: float | None = None,
) -> dict[str, Any]:
    """Command line: ``python -m bench.capacity [--schools N] [--concurrency N] [--warm-writes N]``.

    ``make bench`` passes the CPU figures ``bench.worker_memory`` measured in
    the same run; on its own the model uses the README's (25 s per 100 MB, 0.5 s a sync).
    """
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--schools", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=plan.SCHOOL_SYNC_CONCURRENCY)
    parser.add_argument("--warm-writes", type=int, default=plan.TEMPLATE_WARM_WRITE_UNITS_S)
    args = parser.parse_args(argv)
    figures = measure(args.schools)
    setting = plan.ImportSetting(concurrency=args.concurrency, warm_write_units_s=args.warm_writes)
    if stage1_cpu_s_per_100mb:
        setting = replace(setting, stage1_cpu_s_per_100mb=stage1_cpu_s_per_100mb)
    if sync_cpu_s:
        setting = replace(setting, sync_cpu_s=sync_cpu_s)
    result = report(figures, setting, plan.DayProfile())
    result["assumptions"] = {
        "import": asdict(setting),
        "day": asdict(plan.DayProfile()),
        "prices": f"{prices.REGION}, read {prices.READ_ON}",
    }
    print(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    print("\n".join(headline(result)))
    return result
