"""DynamoDB's documented capacity rules as arithmetic: item sizes, units, index writes, partition load.

Pure functions over DynamoDB attribute-value maps (``{"S": ...}``) and table
schemas; no AWS calls. Every number is from AWS's documentation, cited in
``bench/capacity/ASSUMPTIONS.md`` next to this file. ``trace.py`` turns the
requests of real code into :class:`Access` records with these rules; this
module adds them up into loads per partition and rates per table.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

KB = 1024
WRITE_UNIT_BYTES = 1 * KB
READ_UNIT_BYTES = 4 * KB

# Per physical partition (and so at most per partition key value): documented hard limits.
PARTITION_WRITE_UNITS_S = 1_000
PARTITION_READ_UNITS_S = 3_000
# A new on-demand table or GSI can serve at once (its initial warm throughput).
NEW_ON_DEMAND_WRITE_UNITS_S = 4_000
NEW_ON_DEMAND_READ_UNITS_S = 12_000

Item = Mapping[str, Mapping[str, Any]]
"""One item as DynamoDB sends it: attribute name → ``{type: value}``."""

Kind = Literal["read", "write"]


# --- item size (CapacityUnitCalculations) ---------------------------------------------


def _number_size(text: str) -> int:
    """1 byte per two significant digits, plus 1 (leading and trailing zeros trimmed)."""
    digits = str(Decimal(text).normalize()).lstrip("-").replace(".", "")
    if "E" in digits:
        digits = digits.split("E")[0]
    significant = digits.strip("0") or "0"
    return math.ceil(len(significant) / 2) + 1


def value_size(value: Mapping[str, Any]) -> int:
    """Bytes of one attribute value, without its name."""
    ((kind, body),) = value.items()
    if kind == "S":
        return len(str(body).encode("utf-8"))
    if kind == "N":
        return _number_size(str(body))
    if kind == "B":
        return len(body) if isinstance(body, bytes | bytearray) else len(str(body))
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(str(v).encode("utf-8")) for v in body)
    if kind == "NS":
        return sum(_number_size(str(v)) for v in body)
    if kind == "BS":
        return sum(len(v) for v in body)
    if kind == "L":
        return 3 + sum(1 + value_size(v) for v in body)
    if kind == "M":
        return 3 + sum(1 + len(k.encode("utf-8")) + value_size(v) for k, v in body.items())
    raise ValueError(f"unknown attribute type {kind!r}")


def item_size(item: Item) -> int:
    """An item's size in bytes: names and values, the List/Map overheads of the documentation."""
    return sum(len(name.encode("utf-8")) + value_size(value) for name, value in item.items())


# --- units (read-write-operations) ----------------------------------------------------


def write_units(size: int, *, transactional: bool = False) -> int:
    """Write units for one item of ``size`` bytes: 1 per started KB (at least 1); doubled in a transaction."""
    units = max(1, math.ceil(size / WRITE_UNIT_BYTES))
    return units * (2 if transactional else 1)


def read_units(total_size: int, *, consistent: bool, transactional: bool = False) -> float:
    """Read units for ``total_size`` bytes read by one request (one item, or a Query's sum).

    1 per started 4 KB (at least one 4 KB), halved when eventually consistent,
    doubled in a transaction.
    """
    blocks = max(1, math.ceil(total_size / READ_UNIT_BYTES))
    if transactional:
        return 2.0 * blocks
    return float(blocks) if consistent else blocks / 2


# --- schemas and index writes (GSI.html#GSI.Writes) -----------------------------------


@dataclass(frozen=True)
class Index:
    """A secondary index: keys and projection (``ALL``, ``KEYS_ONLY`` or ``INCLUDE``)."""

    name: str
    hash_key: str
    range_key: str | None
    projection: str
    non_key: frozenset[str] = frozenset()
    local: bool = False


@dataclass(frozen=True)
class Table:
    """A table's keys and indexes, as ``DescribeTable`` returns them."""

    name: str
    hash_key: str
    range_key: str | None
    indexes: tuple[Index, ...] = ()

    @property
    def key_names(self) -> tuple[str, ...]:
        """The primary key's attribute names."""
        return (self.hash_key,) if self.range_key is None else (self.hash_key, self.range_key)

    @classmethod
    def from_description(cls, description: Mapping[str, Any]) -> Table:
        """From ``DescribeTable``'s ``Table``."""

        def keys(schema: Iterable[Mapping[str, str]]) -> tuple[str, str | None]:
            by_type = {k["KeyType"]: k["AttributeName"] for k in schema}
            return by_type["HASH"], by_type.get("RANGE")

        indexes = []
        for local, prop in ((False, "GlobalSecondaryIndexes"), (True, "LocalSecondaryIndexes")):
            for index in description.get(prop, []):
                hash_key, range_key = keys(index["KeySchema"])
                projection = index.get("Projection", {})
                indexes.append(
                    Index(
                        name=index["IndexName"],
                        hash_key=hash_key,
                        range_key=range_key,
                        projection=projection.get("ProjectionType", "ALL"),
                        non_key=frozenset(projection.get("NonKeyAttributes", [])),
                        local=local,
                    )
                )
        hash_key, range_key = keys(description["KeySchema"])
        return cls(description["TableName"], hash_key, range_key, tuple(indexes))


def project(item: Item, table: Table, index: Index) -> dict[str, Mapping[str, Any]] | None:
    """The index entry an item makes (None: the item lacks the index's keys, a sparse index)."""
    if index.hash_key not in item or (index.range_key is not None and index.range_key not in item):
        return None
    if index.projection == "ALL":
        return dict(item)
    keep = set(table.key_names) | {index.hash_key} | ({index.range_key} if index.range_key else set())
    if index.projection == "INCLUDE":
        keep |= index.non_key
    return {name: value for name, value in item.items() if name in keep}


def _index_key(entry: Mapping[str, Any], index: Index) -> tuple[Any, ...]:
    return (entry[index.hash_key], entry[index.range_key] if index.range_key else None)


def index_writes(
    before: Item | None, after: Item | None, table: Table, index: Index
) -> list[tuple[str, int]]:
    """The writes a change of one item costs an index: ``[(index partition value, units), ...]``.

    The documented rules: an entry appears (1 write), disappears (1 write), moves
    to another key (2 writes: delete, then put), or keeps its key with a changed
    projected attribute (1 write); a change the index does not project costs it
    nothing. Each write is sized by the index entry (the new one for a put).
    """
    old = project(before, table, index) if before is not None else None
    new = project(after, table, index) if after is not None else None
    if old is None and new is None:
        return []
    if old is None:
        assert new is not None
        return [(partition_value(new[index.hash_key]), write_units(item_size(new)))]
    if new is None:
        return [(partition_value(old[index.hash_key]), write_units(item_size(old)))]
    if _index_key(old, index) != _index_key(new, index):
        return [
            (partition_value(old[index.hash_key]), write_units(item_size(old))),
            (partition_value(new[index.hash_key]), write_units(item_size(new))),
        ]
    if dict(old) == dict(new):
        return []
    return [(partition_value(new[index.hash_key]), write_units(item_size(new)))]


def partition_value(value: Mapping[str, Any]) -> str:
    """A key attribute's value as text (the partition it hashes to)."""
    ((_, body),) = value.items()
    return str(body)


# --- accesses and load ----------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    """Units one request spent on one partition of a table or index (``index`` None: the table)."""

    table: str
    index: str | None
    partition: str
    kind: Kind
    units: float


def item_write_accesses(
    table: Table, before: Item | None, after: Item | None, *, transactional: bool = False
) -> list[Access]:
    """Every unit one item's write spends: the table (the larger of old and new item) and each index.

    A local secondary index lives in the table's partition, so its writes count
    against the table's key; a global one has its own partitions.
    """
    sized = [item_size(i) for i in (before, after) if i is not None]
    key_item = after if after is not None else before
    assert key_item is not None
    partition = partition_value(key_item[table.hash_key])
    accesses = [
        Access(table.name, None, partition, "write", write_units(max(sized), transactional=transactional))
    ]
    for index in table.indexes:
        for index_partition, units in index_writes(before, after, table, index):
            if index.local:
                accesses.append(Access(table.name, None, partition, "write", units))
            else:
                accesses.append(Access(table.name, index.name, index_partition, "write", units))
    return accesses


@dataclass
class Load:
    """Units spent, by (table, index, partition, kind)."""

    units: defaultdict[tuple[str, str | None, str, Kind], float] = field(
        default_factory=lambda: defaultdict(float)
    )

    def add(self, accesses: Iterable[Access], times: float = 1.0) -> None:
        """Add accesses (``times`` over)."""
        for access in accesses:
            self.units[(access.table, access.index, access.partition, access.kind)] += access.units * times

    def by_resource(self, kind: Kind) -> dict[tuple[str, str | None], float]:
        """Units per table or index (summed over partitions)."""
        totals: defaultdict[tuple[str, str | None], float] = defaultdict(float)
        for (table, index, _, k), units in self.units.items():
            if k == kind:
                totals[(table, index)] += units
        return dict(totals)

    def hottest(self, kind: Kind, count: int = 5) -> list[tuple[tuple[str, str | None, str], float]]:
        """The partitions with the most units of a kind, most first."""
        rows = [((t, i, p), u) for (t, i, p, k), u in self.units.items() if k == kind]
        return sorted(rows, key=lambda row: (-row[1], row[0]))[:count]

    def total(self, kind: Kind) -> float:
        """All units of a kind."""
        return sum(u for (_, _, _, k), u in self.units.items() if k == kind)
