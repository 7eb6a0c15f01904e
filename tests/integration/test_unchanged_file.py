"""A byte-identical re-upload is settled without reading the file — only when that is safe."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.aws import client
from chalicelib.config import settings
from chalicelib.roster import reader
from chalicelib.store.imports import DynamoImportStore
from chalicelib.store.tables import MembershipItem
from devstack.rostergen import flat_csv

ROSTER = flat_csv(2, 2, 4, 1, seed=11)


@pytest.fixture
def worker(application: Any) -> Any:
    from devstack.worker import app_worker

    return app_worker(application, school_concurrency=1)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every file the upload stage reads (parses), by name."""
    seen: list[str] = []
    real = reader.read_roster

    def counting(path: Any, source_name: str, limits: Any, **options: Any) -> Any:
        seen.append(source_name)
        return real(path, source_name, limits, **options)

    monkeypatch.setattr("chalicelib.pipeline.upload.read_roster", counting)
    return seen


def upload(worker: Any, key: str, body: bytes) -> dict[str, Any]:
    client("s3").put_object(Bucket=settings().roster_bucket, Key=key, Body=body)
    worker.drain()
    newest = DynamoImportStore().newest(1, None).items[0]
    assert newest["source_key"] == key
    report = DynamoImportStore().report(newest["id"])
    assert report is not None
    return report


def active() -> set[tuple[str, str, str]]:
    return {(m.chat_id, m.person_id, m.chat_role) for m in MembershipItem.scan() if m.active}


def drop_one_student(roster: bytes) -> bytes:
    lines = roster.splitlines(keepends=True)
    student = next(i for i, line in enumerate(lines) if ",student," in line.decode())
    return b"".join(lines[:student] + lines[student + 1 :])


def test_the_same_bytes_again_are_not_read_and_report_like_the_first(worker: Any, reads: list[str]) -> None:
    first = upload(worker, "rosters/a.csv", ROSTER)
    before = active()
    again = upload(worker, "rosters/b.csv", ROSTER)

    assert reads == ["a.csv"]  # b.csv was never parsed
    assert again["status"] == first["status"] == "succeeded"
    assert [p["status"] for p in again["schools"]] == ["unchanged", "unchanged"]
    for key in ("schools", "classes", "people", "rows_skipped"):
        assert again["counts"][key] == first["counts"][key]
    assert again["counts"]["memberships_added"] == 0
    assert again["errors"] == first["errors"] and again["warnings"] == first["warnings"]
    assert active() == before


def test_a_file_with_skipped_rows_repeats_its_report(worker: Any, reads: list[str]) -> None:
    broken = ROSTER + "school-x,,5А,student,,Без,Имени,,,\n".encode()
    first = upload(worker, "rosters/a.csv", broken)
    again = upload(worker, "rosters/b.csv", broken)
    assert reads == ["a.csv"]
    assert first["status"] == again["status"] == "succeeded_with_warnings"
    assert again["counts"]["rows_skipped"] == first["counts"]["rows_skipped"] == 1
    assert again["errors"] == first["errors"]


def test_the_same_bytes_after_another_roster_changed_a_school_are_read_and_applied(
    worker: Any, reads: list[str]
) -> None:
    upload(worker, "rosters/a.csv", ROSTER)
    original = active()
    upload(worker, "rosters/b.csv", drop_one_student(ROSTER))
    assert active() != original
    back = upload(worker, "rosters/c.csv", ROSTER)

    assert reads == ["a.csv", "b.csv", "c.csv"]  # c.csv had to be read: a school had moved on
    assert back["status"] == "succeeded"
    assert active() == original


def test_a_held_import_is_never_a_shortcut(worker: Any, reads: list[str]) -> None:
    upload(worker, "rosters/a.csv", flat_csv(1, 4, 6, 1, seed=5))
    lines = flat_csv(1, 4, 6, 1, seed=5).splitlines(keepends=True)
    broken = b"".join(lines[: len(lines) // 3])
    assert upload(worker, "rosters/b.csv", broken)["status"] == "held"
    assert upload(worker, "rosters/c.csv", broken)["status"] == "held"
    assert reads == ["a.csv", "b.csv", "c.csv"]


def test_a_different_rules_version_reads_the_file_again(
    worker: Any, reads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.store import rosters

    upload(worker, "rosters/a.csv", ROSTER)
    monkeypatch.setattr(rosters, "RULES_VERSION", "a-deployment-with-new-planning-rules")
    again = upload(worker, "rosters/b.csv", ROSTER)
    assert reads == ["a.csv", "b.csv"]
    # New rules: every school is diffed in full (and here nothing needed writing).
    assert [p["status"] for p in again["schools"]] == ["succeeded", "succeeded"]
    assert again["counts"]["memberships_added"] == 0
