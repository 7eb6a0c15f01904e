"""Socket tickets on the twin (``live/tickets.py``): shape, single use, expiry, bound to the sign-in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.live.tickets import TICKET_TTL, issue_ticket, redeem_ticket, ticket_hash
from chalicelib.memory.connections import MemoryConnectionStore

NOW = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
SESSION_END = NOW + timedelta(hours=12)


def test_a_ticket_is_good_once_for_its_person_and_session() -> None:
    store = MemoryConnectionStore()
    ticket, expires_at = issue_ticket(store, "p-anna", "s-1", SESSION_END, NOW)
    assert expires_at == NOW + TICKET_TTL
    assert len(ticket) == 43  # 256 bits
    grant = redeem_ticket(store, ticket, NOW + timedelta(seconds=30))
    assert grant is not None
    assert (grant.person_id, grant.session_hash, grant.auth_until) == ("p-anna", "s-1", SESSION_END)
    assert redeem_ticket(store, ticket, NOW) is None


def test_only_its_hash_is_kept() -> None:
    store = MemoryConnectionStore()
    ticket, _ = issue_ticket(store, "p-anna", None, SESSION_END, NOW)
    assert store.take_ticket(ticket, NOW) is None  # not stored under itself
    assert store.take_ticket(ticket_hash(ticket), NOW) is not None


def test_a_ticket_lives_no_longer_than_its_sign_in() -> None:
    store = MemoryConnectionStore()
    ending = NOW + timedelta(seconds=20)
    ticket, expires_at = issue_ticket(store, "p-anna", None, ending, NOW)
    assert expires_at == ending
    assert redeem_ticket(store, ticket, ending + timedelta(seconds=1)) is None


def test_an_expired_ticket_is_refused() -> None:
    store = MemoryConnectionStore()
    ticket, _ = issue_ticket(store, "p-anna", None, SESSION_END, NOW)
    assert redeem_ticket(store, ticket, NOW + TICKET_TTL) is None


@pytest.mark.parametrize("forged", [None, 42, "", "x" * 43, "A" * 42, "A" * 44, "Ж" * 43, "a/b" * 15])
def test_a_forged_ticket_is_refused(forged: object) -> None:
    store = MemoryConnectionStore()
    issue_ticket(store, "p-anna", None, SESSION_END, NOW)
    assert redeem_ticket(store, forged, NOW) is None
