"""From measured per-school and per-request costs to a region: import time, rates, hot partitions, cost.

Pure arithmetic over what ``trace.py`` measured (units per table, index and
partition) and the assumptions written in ``ASSUMPTIONS.md``; the figures it
prints are recomputed by ``python -m bench.capacity`` on every ``make bench``.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bench.capacity.model import (
    NEW_ON_DEMAND_READ_UNITS_S,
    PARTITION_WRITE_UNITS_S,
    Access,
    Load,
)
from infrastructure.generate import SCHOOL_SYNC_CONCURRENCY, WARM_THROUGHPUT

TEMPLATE_WARM_WRITE_UNITS_S = WARM_THROUGHPUT["memberships"][1]
"""The template's default warm write throughput of the memberships table and its indexes."""

Resource = tuple[str, str | None]
"""A table, or one of its indexes: ``("memberships", "by-school")``."""


@dataclass(frozen=True)
class SchoolSync:
    """What one school's first sync costs, averaged over the traced schools."""

    write_units: Mapping[Resource, float]
    read_units: Mapping[Resource, float]
    dynamodb_requests: float
    hottest_partition: tuple[Resource, float]
    """The partition this sync writes most into, and its units (all of them within one sync)."""
    shared: Mapping[tuple[str, str | None, str], float] = field(default_factory=dict)
    """Partitions every school's sync writes into (units per sync): they add up across schools."""


def school_sync(segments: Iterable[list[Access]], requests: Iterable[int] = ()) -> SchoolSync:
    """Average the accesses of several schools' syncs (one list per school; their DynamoDB request counts)."""
    per_school = [list(accesses) for accesses in segments]
    counts = list(requests)
    if not per_school:
        raise ValueError("no school sync was traced")
    count = len(per_school)
    writes: defaultdict[Resource, float] = defaultdict(float)
    reads: defaultdict[Resource, float] = defaultdict(float)
    touched: Counter[tuple[str, str | None, str]] = Counter()
    shared_units: defaultdict[tuple[str, str | None, str], float] = defaultdict(float)
    hottest: tuple[Resource, float] = (("", None), 0.0)
    for accesses in per_school:
        load = Load()
        load.add(accesses)
        for resource, units in load.by_resource("write").items():
            writes[resource] += units / count
        for resource, units in load.by_resource("read").items():
            reads[resource] += units / count
        for (table, index, partition), units in load.hottest("write", count=len(load.units)):
            touched[(table, index, partition)] += 1
            shared_units[(table, index, partition)] += units
        top = load.hottest("write", 1)
        if top and top[0][1] > hottest[1]:
            (table, index, _), units = top[0]
            hottest = ((table, index), units)
    shared = {key: shared_units[key] / touched[key] for key, n in touched.items() if n > 1}
    average_requests = sum(counts) / len(counts) if counts else 0.0
    return SchoolSync(dict(writes), dict(reads), average_requests, hottest, shared)


@dataclass(frozen=True)
class ImportSetting:
    """How an import runs: the template's concurrency and warm throughput, measured CPU.

    Warm throughput applies to the tables and indexes the import loads (the
    memberships table and its indexes carry the template's parameter; the
    others stay far below a new table's 4,000 write units/s).
    """

    concurrency: int = SCHOOL_SYNC_CONCURRENCY
    warm_write_units_s: int = TEMPLATE_WARM_WRITE_UNITS_S
    warm_read_units_s: int = NEW_ON_DEMAND_READ_UNITS_S
    sync_cpu_s: float = 0.5
    request_latency_s: float = 0.010
    stage1_cpu_s_per_100mb: float = 25.0
    roster_max_mb: float = 256 * 1024 * 1024 / 1e6
    """The largest file (ROSTER_MAX_BYTES): a bigger region arrives as several files."""
    upload_concurrency: int = 2
    """Files read at once (the upload queue's ``maximum_concurrency`` in app.py)."""


@dataclass(frozen=True)
class ImportEstimate:
    """The first import of a region, as the model sees it."""

    schools: int
    roster_mb: float
    files: int
    stage1_s: float
    sync_s: float
    syncs_per_s: float
    wall_s: float
    bound_by: str
    peak_write_units_s: dict[Resource, float]
    hottest_partition_units_s: float
    hottest_partition: Resource


def estimate_import(
    sync: SchoolSync, schools: int, roster_mb_per_school: float, setting: ImportSetting
) -> ImportEstimate:
    """Expected wall time of a first import of ``schools`` schools.

    Stage 1 reads files of at most ``roster_max_mb``, ``upload_concurrency`` at
    once. One sync lasts its CPU plus its requests one after another, and no less than
    its hottest partition allows (that partition takes at most 1,000 write
    units/s: a global index's partition holds its base table back, the
    documented back-pressure). ``concurrency`` syncs run at once; the
    resulting rate per table and index is capped by warm throughput, and the
    partitions every sync shares by 1,000 units/s.
    """
    roster_mb = roster_mb_per_school * schools
    files = math.ceil(roster_mb / setting.roster_max_mb)
    stage1_s = setting.stage1_cpu_s_per_100mb * roster_mb / 100 / min(files, setting.upload_concurrency)
    own_s = setting.sync_cpu_s + sync.dynamodb_requests * setting.request_latency_s
    (resource, hottest_units) = sync.hottest_partition
    sync_s = max(own_s, hottest_units / PARTITION_WRITE_UNITS_S)
    rate = setting.concurrency / sync_s
    bound_by = "concurrency" if own_s >= hottest_units / PARTITION_WRITE_UNITS_S else f"partition {resource}"
    for res, units in sync.write_units.items():
        if units and rate * units > setting.warm_write_units_s:
            rate, bound_by = setting.warm_write_units_s / units, f"warm throughput {res}"
    for res, units in sync.read_units.items():
        if units and rate * units > setting.warm_read_units_s:
            rate, bound_by = setting.warm_read_units_s / units, f"warm read throughput {res}"
    for (table, index, _), units in sync.shared.items():
        if units and rate * units > PARTITION_WRITE_UNITS_S:
            rate, bound_by = PARTITION_WRITE_UNITS_S / units, f"shared partition {(table, index)}"
    syncs_s = math.ceil(schools / min(setting.concurrency, schools)) * sync_s
    wall_s = stage1_s + max(syncs_s, schools / rate)
    peak = {res: rate * units for res, units in sync.write_units.items()}
    return ImportEstimate(
        schools=schools,
        roster_mb=roster_mb,
        files=files,
        stage1_s=stage1_s,
        sync_s=sync_s,
        syncs_per_s=rate,
        wall_s=wall_s,
        bound_by=bound_by,
        peak_write_units_s=peak,
        hottest_partition_units_s=hottest_units / sync_s,
        hottest_partition=resource,
    )


# --- a school day -------------------------------------------------------------------


@dataclass(frozen=True)
class DayProfile:
    """What a school does in a day (assumptions, see ASSUMPTIONS.md), per person of the roster."""

    chat_list_opens: float = 6.0
    message_page_reads: float = 4.0
    sends: float = 0.3
    evening_share: float = 0.3
    """Share of a day's sends in the busiest hour (the evening, parents home)."""
    burst: float = 5.0
    """Busiest second of that hour ÷ its average second."""
    link_share_first_month: float = 0.8
    call_minutes_per_person: float = 0.2
    ws_minutes_per_person: float = 30.0
    school_days_per_month: int = 21


@dataclass(frozen=True)
class Operation:
    """One API operation's cost, as traced: accesses and other requests."""

    name: str
    accesses: tuple[Access, ...]
    requests: Mapping[tuple[str, str], int]

    def units(self, kind: str) -> float:
        """All units of a kind the operation spends."""
        return sum(a.units for a in self.accesses if a.kind == kind)

    def on(self, table: str, index: str | None, kind: str = "write") -> float:
        """Units of a kind it spends on a table or index."""
        return sum(a.units for a in self.accesses if a.kind == kind and (a.table, a.index) == (table, index))


def sends_until_throttled(send: Operation, partition: str) -> float:
    """How many sends per second one partition takes before its 1,000 write units/s run out."""
    units = sum(a.units for a in send.accesses if a.kind == "write" and a.partition == partition)
    return math.inf if units == 0 else PARTITION_WRITE_UNITS_S / units


def evening_sends_per_s(people: int, profile: DayProfile) -> float:
    """A school's sends per second in the busiest second of its busiest hour."""
    return people * profile.sends * profile.evening_share / 3600 * profile.burst
