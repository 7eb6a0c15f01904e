"""The local stack's worker killed mid-import, the way an operator meets a crash.

``make run``'s worker is a process of its own; the stack starts another when
it dies, while the emulator and the API stay up. The import whose worker was
killed (SIGKILL, no clean-up) must converge, within 90 s of the kill, to
exactly what a clean import of the same roster gives: the same chats with the
same members and member counts, and one finished report with the same counts.
"""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from devstack.rostergen import flat_csv
from tests.local_stack import Stack, start_stack, stop_stack
from tests.support import TEST_JWT_SECRET, TEST_OPERATOR_SECRET, auth_headers

pytestmark = pytest.mark.emulator

# The bound. The local stack's lease is 20 s, renewed every 5 s, and a running sync's
# message is hidden 23 s at a time (SCHOOL_LEASE_S, pipeline.lease): the retry comes back to a free
# school about 23 s after the kill, which leaves a loaded machine most of the 90 s for the sync.
CONVERGE_WITHIN_S = 90
GENERATED_SCHOOL = "sch0001"


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    running = start_stack(
        {"DEMO": "0", "JOURNAL_JWT_SECRET": TEST_JWT_SECRET, "OPERATOR_JWT_SECRET": TEST_OPERATOR_SECRET}
    )
    yield running
    if running.process.poll() is None:
        stop_stack(running)


def get(stack: Stack, path: str) -> Any:
    headers = auth_headers("op-1", operator=True)
    request = urllib.request.Request(stack.ready["api"] + path, headers=headers)  # noqa: S310 - loopback
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback only
        return json.loads(response.read())


def upload(stack: Stack, school_id: str) -> None:
    roster = flat_csv(schools=1, classes_per_school=6, students_per_class=20, parents_per_student=2, seed=3)
    s3 = boto3.client(
        "s3",
        endpoint_url=stack.ready["emulator"],
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    body = roster.decode().replace(GENERATED_SCHOOL, school_id).encode()
    s3.put_object(Bucket=stack.ready["bucket"], Key=f"rosters/{school_id}.csv", Body=body)


def imports_of(stack: Stack, school_id: str) -> list[dict[str, Any]]:
    return list(get(stack, f"/v1/imports?school_id={school_id}&limit=100")["items"])


def wait_finished(stack: Stack, school_id: str, timeout_s: float) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = imports_of(stack, school_id)
        if found and all(report["status"] not in ("queued", "running") for report in found):
            return found
        time.sleep(0.5)
    raise AssertionError(f"{school_id}: not finished after {timeout_s} s: {imports_of(stack, school_id)}")


def school_state(stack: Stack, school_id: str) -> dict[str, Any]:
    """The school's chats by title: kind, archived, member_count, and members (ids without the school)."""
    chats = get(stack, f"/v1/schools/{school_id}/chats?limit=100")
    assert chats["next_cursor"] is None
    state = {}
    for chat in chats["items"]:
        members = get(stack, f"/v1/chats/{chat['id']}/members?limit=500")
        assert members["next_cursor"] is None
        state[chat["title"]] = {
            "kind": chat["kind"],
            "archived": chat["archived"],
            "member_count": chat["member_count"],
            "members": sorted(
                (m["person_id"].replace(school_id, "*"), m["chat_role"]) for m in members["items"]
            ),
        }
        assert chat["member_count"] == len(members["items"]), chat["title"]
    return state


def test_an_import_whose_worker_was_killed_converges_to_a_clean_imports_state(stack: Stack) -> None:
    upload(stack, "clean01")
    [clean] = wait_finished(stack, "clean01", 120)
    assert clean["status"] == "succeeded", clean

    upload(stack, "crash01")
    deadline = time.monotonic() + 60
    while not imports_of(stack, "crash01") and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # into the school's sync
    os.kill(int(stack.ready["worker_pid"]), signal.SIGKILL)
    killed_at = time.monotonic()
    assert [report["status"] for report in imports_of(stack, "crash01")] in (["queued"], ["running"])

    reports = wait_finished(stack, "crash01", CONVERGE_WITHIN_S)
    converged_s = time.monotonic() - killed_at
    print(f"converged {converged_s:.1f} s after the kill")
    assert converged_s < CONVERGE_WITHIN_S
    killed = int(stack.ready["worker_pid"])
    restarted = any(line.startswith("WORKER pid=") for line in _more_output(stack)) or any(
        pid != killed for pid in _worker_pids(stack.process.pid)
    )
    assert restarted, "no worker was restarted"
    assert len(reports) == 1, reports
    [crashed] = reports
    assert crashed["status"] == "succeeded", crashed
    assert crashed["counts"] == clean["counts"]
    assert school_state(stack, "crash01") == school_state(stack, "clean01")


def _worker_pids(parent: int) -> list[int]:
    """The stack's running worker processes (Linux /proc): its printed line may sit in a pipe buffer."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat, open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                parent_of, command = int(stat.read().rsplit(")", 1)[1].split()[1]), cmdline.read()
        except (OSError, ValueError, IndexError):
            continue
        if parent_of == parent and b"devstack.worker" in command:
            found.append(int(entry))
    return found


def _more_output(stack: Stack) -> list[str]:
    """Lines the stack printed since READY (read without blocking past what is there)."""
    import selectors

    assert stack.process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(stack.process.stdout, selectors.EVENT_READ)
    while selector.select(timeout=0.5):
        line = stack.process.stdout.readline()
        if not line:
            break
        stack.output.append(line.rstrip("\n"))
    return stack.output
