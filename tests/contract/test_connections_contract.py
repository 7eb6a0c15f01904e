"""The live connections port, twice: the in-memory twin and the ``live-connections`` table (moto server)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.live.connections import ConnectionStore

NOW = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=2)


@pytest.fixture(params=["memory", "dynamodb"])
def store(request: pytest.FixtureRequest) -> ConnectionStore:
    """The twin, then the DynamoDB adapter (fresh tables per test)."""
    if request.param == "memory":
        from chalicelib.memory.connections import MemoryConnectionStore

        return MemoryConnectionStore()
    request.getfixturevalue("aws")
    from chalicelib.store.connections import DynamoConnectionStore

    return DynamoConnectionStore()


def test_a_connection_belongs_to_its_person(store: ConnectionStore) -> None:
    store.connected("c1", "p-anna", LATER)
    store.connected("c2", "p-anna", LATER)
    store.connected("c3", "p-boris", LATER)
    assert store.person_of("c1", NOW) == "p-anna"
    assert store.person_of("c3", NOW) == "p-boris"
    assert store.person_of("nope", NOW) is None
    assert store.connections_of(["p-anna", "p-boris", "p-nobody"], NOW) == {
        "p-anna": {"c1", "c2"},
        "p-boris": {"c3"},
    }


def test_a_forgotten_connection_gets_nothing_and_the_others_stay(store: ConnectionStore) -> None:
    store.connected("c1", "p-anna", LATER)
    store.connected("c2", "p-anna", LATER)
    store.forget("c1")
    store.forget("c1")  # twice (a gone post and $disconnect): no error
    store.forget("never-seen")
    assert store.person_of("c1", NOW) is None
    assert store.connections_of(["p-anna"], NOW) == {"p-anna": {"c2"}}
    store.forget("c2")
    assert store.connections_of(["p-anna"], NOW) == {}


def test_past_its_expiry_a_connection_is_not_used(store: ConnectionStore) -> None:
    store.connected("c1", "p-anna", NOW + timedelta(minutes=1))
    assert store.person_of("c1", NOW + timedelta(minutes=2)) is None
    assert store.connections_of(["p-anna"], NOW + timedelta(minutes=2)) == {}


def test_many_people_in_one_lookup(store: ConnectionStore) -> None:
    people = [f"p-{n}" for n in range(150)]  # more than one BatchGetItem's hundred keys
    for n, person_id in enumerate(people[::7]):
        store.connected(f"c{n}", person_id, LATER)
    found = store.connections_of([*people, *people], NOW)
    assert found == {person_id: {f"c{n}"} for n, person_id in enumerate(people[::7])}
    assert store.connections_of([], NOW) == {}
