"""The capacity model's arithmetic (bench/capacity): sizes, units, index writes, load, import time."""

from __future__ import annotations

import math

import pytest

from bench.capacity.model import (
    Access,
    Index,
    Load,
    Table,
    index_writes,
    item_size,
    item_write_accesses,
    read_units,
    write_units,
)
from bench.capacity.plan import (
    DayProfile,
    ImportSetting,
    Operation,
    estimate_import,
    evening_sends_per_s,
    school_sync,
    sends_until_throttled,
)

MEMBERSHIPS = Table(
    "memberships",
    "chat_id",
    "person_id",
    (
        Index("by-person", "member_of", "activity_key", "ALL"),
        Index("by-school", "school_id", "chat_id", "INCLUDE", frozenset({"name"})),
    ),
)


def row(**extra: str) -> dict[str, dict[str, str]]:
    base = {"chat_id": "c1", "person_id": "p1", "school_id": "s1", "name": "Аня"}
    base.update(extra)
    return {name: {"S": value} for name, value in base.items()}


def test_item_size_follows_the_documented_rules() -> None:
    item = {
        "id": {"S": "abc"},  # 2 + 3
        "n": {"N": "123.450"},  # 1 + (5 significant digits → 3) + 1
        "ok": {"BOOL": True},  # 2 + 1
        "m": {"M": {"a": {"S": "xy"}}},  # 1 + 3 + (1 + 1 + 2)
        "l": {"L": [{"S": "я"}]},  # 1 + 3 + (1 + 2)
    }
    assert item_size(item) == 5 + 5 + 3 + 8 + 7


@pytest.mark.parametrize(("size", "units"), [(0, 1), (1, 1), (1024, 1), (1025, 2), (4096, 4), (10_000, 10)])
def test_a_write_unit_is_each_started_kilobyte(size: int, units: int) -> None:
    assert write_units(size) == units
    assert write_units(size, transactional=True) == 2 * units


def test_a_read_unit_is_each_started_4_kb_halved_when_eventually_consistent() -> None:
    assert read_units(0, consistent=False) == 0.5
    assert read_units(4096, consistent=True) == 1
    assert read_units(4097, consistent=True) == 2
    assert read_units(9000, consistent=False) == 1.5
    assert read_units(100, consistent=True, transactional=True) == 2


def test_an_index_pays_only_for_changes_it_projects() -> None:
    by_person, by_school = MEMBERSHIPS.indexes
    before = row(member_of="p1", activity_key="2026-09-01#c1")
    moved = row(member_of="p1", activity_key="2026-09-02#c1")
    renamed = row(member_of="p1", activity_key="2026-09-01#c1", name="Анна")

    # The person index's sort key moved: delete and put, both in that person's partition.
    assert [p for p, _ in index_writes(before, moved, MEMBERSHIPS, by_person)] == ["p1", "p1"]
    # The school index does not project activity_key: nothing.
    assert index_writes(before, moved, MEMBERSHIPS, by_school) == []
    # It does project the name: one write in the school's partition.
    assert index_writes(before, renamed, MEMBERSHIPS, by_school) == [("s1", 1)]
    # A row without member_of is not in the sparse person index at all.
    assert index_writes(row(), row(name="Б"), MEMBERSHIPS, by_person) == []
    # Leaving (member_of removed) deletes the entry: one write.
    assert index_writes(before, row(), MEMBERSHIPS, by_person) == [("p1", 1)]


def test_the_same_change_with_every_attribute_projected_reaches_the_school() -> None:
    everything = Table(
        "memberships", "chat_id", "person_id", (Index("by-school", "school_id", "chat_id", "ALL"),)
    )
    before = row(member_of="p1", activity_key="a")
    after = row(member_of="p1", activity_key="b")
    assert index_writes(before, after, everything, everything.indexes[0]) == [("s1", 1)]


def test_one_items_write_spends_units_on_the_table_and_each_index() -> None:
    accesses = item_write_accesses(MEMBERSHIPS, None, row(member_of="p1", activity_key="k"))
    assert [(a.index, a.partition, a.units) for a in accesses] == [
        (None, "c1", 1),
        ("by-person", "p1", 1),
        ("by-school", "s1", 1),
    ]


def test_a_large_item_costs_a_unit_per_kilobyte() -> None:
    big = row(member_of="p1", activity_key="k", name="я" * 1500)  # 3,000 bytes of name
    accesses = item_write_accesses(MEMBERSHIPS, None, big)
    assert {a.index: a.units for a in accesses} == {None: 3, "by-person": 3, "by-school": 3}


def test_a_known_small_trace_gives_its_partition_load() -> None:
    load = Load()
    send = [Access("memberships", None, "c1", "write", 1)] * 30 + [
        Access("chats", "by-school", "s1", "write", 1)
    ]
    load.add(send, times=10)
    assert load.hottest("write", 2) == [
        (("memberships", None, "c1"), 300),
        (("chats", "by-school", "s1"), 10),
    ]
    assert load.by_resource("write") == {("memberships", None): 300, ("chats", "by-school"): 10}
    assert load.total("read") == 0


def test_a_chat_takes_as_many_sends_as_its_partition_allows() -> None:
    send = Operation("send", tuple([Access("memberships", None, "c1", "write", 1)] * 40), {})
    assert sends_until_throttled(send, "c1") == 25
    assert sends_until_throttled(send, "elsewhere") == math.inf


def test_evening_sends_scale_with_people_share_and_burst() -> None:
    profile = DayProfile(sends=0.5, evening_share=0.2, burst=3)
    assert evening_sends_per_s(3600, profile) == pytest.approx(3600 * 0.5 * 0.2 / 3600 * 3)


def sync_of(units: int, school: str) -> list[Access]:
    return [
        Access("memberships", "by-school", school, "write", units),
        Access("imports", None, "imp", "write", 1),
    ]


def test_school_sync_finds_the_hottest_and_the_shared_partitions() -> None:
    sync = school_sync([sync_of(2000, "s1"), sync_of(3000, "s2")], [100, 120])
    assert sync.hottest_partition == (("memberships", "by-school"), 3000)
    assert sync.write_units[("memberships", "by-school")] == 2500
    assert sync.shared == {("imports", None, "imp"): 1}
    assert sync.dynamodb_requests == 110


def test_an_import_limited_by_concurrency() -> None:
    sync = school_sync([sync_of(100, "s1"), sync_of(100, "s2")], [50, 50])
    setting = ImportSetting(concurrency=10, sync_cpu_s=0.5, request_latency_s=0.01, stage1_cpu_s_per_100mb=25)
    estimate = estimate_import(sync, 1000, 0.2, setting)  # one 200 MB file
    assert estimate.sync_s == pytest.approx(1.0)
    assert estimate.bound_by == "concurrency"
    assert estimate.stage1_s == pytest.approx(50)
    assert estimate.wall_s == pytest.approx(50 + 100 * 1.0)


def test_a_region_over_the_file_limit_arrives_as_files_read_two_at_a_time() -> None:
    sync = school_sync([sync_of(100, "s1")], [50])
    setting = ImportSetting(stage1_cpu_s_per_100mb=25, roster_max_mb=250, upload_concurrency=2)
    one_file = estimate_import(sync, 500, 0.4, setting)  # 200 MB
    three_files = estimate_import(sync, 1500, 0.4, setting)  # 600 MB
    assert (one_file.files, one_file.stage1_s) == (1, pytest.approx(50))
    assert (three_files.files, three_files.stage1_s) == (3, pytest.approx(150 / 2))


def test_an_import_limited_by_the_hottest_partition_and_by_warm_throughput() -> None:
    sync = school_sync([sync_of(3000, "s1"), sync_of(3000, "s2")], [50, 50])
    setting = ImportSetting(concurrency=10, warm_write_units_s=4000, stage1_cpu_s_per_100mb=0)
    estimate = estimate_import(sync, 100, 0.1, setting)
    # One sync cannot write its 3,000 units into one partition in less than 3 s...
    assert estimate.sync_s == pytest.approx(3.0)
    # ...and ten at once would need 10,000 units/s of the index: warm throughput caps it at 4,000.
    assert estimate.bound_by == "warm throughput ('memberships', 'by-school')"
    assert estimate.wall_s == pytest.approx(100 * 3000 / 4000)
    higher = estimate_import(
        sync, 100, 0.1, ImportSetting(concurrency=10, warm_write_units_s=12000, stage1_cpu_s_per_100mb=0)
    )
    assert higher.bound_by == "partition ('memberships', 'by-school')"
    assert higher.wall_s == pytest.approx(10 * 3.0)
