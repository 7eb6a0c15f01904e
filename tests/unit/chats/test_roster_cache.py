"""The roster kept in memory (``chats.roster_cache``): read once per recorded fingerprint, read again
when a new roster is applied, never kept without a fingerprint, and bounded."""

from __future__ import annotations

from dataclasses import replace

from chalicelib.chats.roster_cache import CachedRosters, people_of
from chalicelib.roster.model import SchoolRoster
from tests.builders import sample_school


class CountingRosters:
    """A roster source that counts its reads (each one an S3 GET and a parse in production)."""

    def __init__(self) -> None:
        self.rosters: dict[str, SchoolRoster] = {}
        self.reads = 0

    def load_roster(self, school_id: str) -> SchoolRoster | None:
        self.reads += 1
        return self.rosters.get(school_id)


def test_an_unchanged_roster_is_read_once_and_a_new_fingerprint_reads_the_new_one() -> None:
    source = CountingRosters()
    first = sample_school("s1", classes=1, students=2, parents_per_student=1)
    source.rosters["s1"] = first
    fingerprints = {"s1": "fp-1"}
    cache = CachedRosters(source, fingerprints.get)

    for _ in range(5):
        assert cache.load_roster("s1") is first
        assert cache.school_people("s1") is cache.school_people("s1")
    assert source.reads == 1

    # A new roster applied: its sync records a new fingerprint, and the next read fetches it.
    renamed = replace(first, people={pid: replace(p, given_name="Новое") for pid, p in first.people.items()})
    source.rosters["s1"] = renamed
    fingerprints["s1"] = "fp-2"
    assert cache.load_roster("s1") is renamed
    people = cache.school_people("s1")
    assert people is not None and all(p.given_name == "Новое" for p in people.people.values())
    assert source.reads == 2


def test_without_a_recorded_fingerprint_every_read_goes_through_and_nothing_is_kept() -> None:
    source = CountingRosters()
    source.rosters["s1"] = sample_school("s1", classes=1, students=1)
    fingerprints: dict[str, str] = {}
    cache = CachedRosters(source, fingerprints.get)
    cache.load_roster("s1")
    cache.load_roster("s1")
    assert source.reads == 2 and cache.kept_schools() == []
    assert cache.load_roster("nope") is None and cache.school_people("nope") is None


def test_a_kept_roster_is_dropped_when_its_fingerprint_disappears() -> None:
    source = CountingRosters()
    source.rosters["s1"] = sample_school("s1", classes=1, students=1)
    fingerprints = {"s1": "fp"}
    cache = CachedRosters(source, fingerprints.get)
    cache.load_roster("s1")
    del fingerprints["s1"]
    cache.load_roster("s1")
    assert cache.kept_schools() == [] and source.reads == 2


def test_memory_is_bounded_least_recently_used_first() -> None:
    source = CountingRosters()
    for n in range(5):
        source.rosters[f"s{n}"] = sample_school(f"s{n}", classes=1, students=1)
    cache = CachedRosters(source, lambda school_id: "fp-" + school_id, max_schools=3)
    for n in range(4):
        cache.load_roster(f"s{n}")
    assert cache.kept_schools() == ["s1", "s2", "s3"]
    cache.load_roster("s1")  # used again: now the most recent
    cache.load_roster("s4")
    assert cache.kept_schools() == ["s3", "s1", "s4"]


def test_people_of_reads_any_rosters_port() -> None:
    source = CountingRosters()
    source.rosters["s1"] = sample_school("s1", classes=1, students=1)
    assert people_of(source, "s1") is not None and people_of(source, "zz") is None
    assert source.reads == 2
