"""The live connections port, twice: the in-memory twin and the ``live-connections`` table (moto server)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.live.connections import ConnectionStore, TicketGrant

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


def test_each_connection_keeps_its_own_expiry(store: ConnectionStore) -> None:
    soon = NOW + timedelta(minutes=10)
    store.connected("c-long", "p-anna", LATER)
    store.connected("c-short", "p-anna", soon)  # opened with a session that ends sooner
    assert store.sockets_of(["p-anna"]) == {"p-anna": {"c-long": LATER, "c-short": soon}}
    after = soon + timedelta(minutes=1)
    assert store.connections_of(["p-anna"], after) == {"p-anna": {"c-long"}}
    assert store.person_of("c-short", after) is None
    store.forget("c-short")
    assert store.sockets_of(["p-anna"]) == {"p-anna": {"c-long": LATER}}


def test_a_sessions_connections_are_found_and_forgotten(store: ConnectionStore) -> None:
    store.connected("c1", "p-anna", LATER, session_hash="s-1")
    store.connected("c2", "p-anna", LATER, session_hash="s-1")
    store.connected("c3", "p-anna", LATER, session_hash="s-2")
    store.connected("c4", "p-anna", LATER)  # a journal's: no session
    assert store.of_session("s-1") == {"c1", "c2"}
    assert store.of_session("s-unknown") == set()
    store.forget("c1")
    assert store.of_session("s-1") == {"c2"}
    assert store.connections_of(["p-anna"], NOW) == {"p-anna": {"c2", "c3", "c4"}}


def test_a_ticket_is_taken_once(store: ConnectionStore) -> None:
    grant = TicketGrant("p-anna", "s-1", LATER, NOW + timedelta(seconds=60))
    store.add_ticket("h-1", grant)
    assert store.take_ticket("h-1", NOW) == grant
    assert store.take_ticket("h-1", NOW) is None
    assert store.take_ticket("h-never", NOW) is None


def test_an_expired_ticket_is_not_given(store: ConnectionStore) -> None:
    store.add_ticket("h-1", TicketGrant("p-anna", None, LATER, NOW + timedelta(seconds=60)))
    assert store.take_ticket("h-1", NOW + timedelta(seconds=61)) is None
    assert store.take_ticket("h-1", NOW) is None  # and it is gone


def test_two_connects_with_one_ticket_one_wins(store: ConnectionStore) -> None:
    from concurrent.futures import ThreadPoolExecutor

    store.add_ticket("h-1", TicketGrant("p-anna", None, LATER, NOW + timedelta(seconds=60)))
    with ThreadPoolExecutor(4) as pool:
        taken = list(pool.map(lambda _: store.take_ticket("h-1", NOW), range(4)))
    assert sum(grant is not None for grant in taken) == 1
