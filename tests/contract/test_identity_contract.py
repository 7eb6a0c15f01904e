"""The identity ports (``identity.stores``): what the in-memory twins and the DynamoDB adapters both do.

Links, link sessions, throttling counters, accounts, QR sign-in links and
hosted-page sessions; every conditional write is tried from both sides of
its race. The use-case tests on the twins (``tests/unit/identity``) trust
exactly what is held here.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.identity.link_flow import LinkSession, Purpose, Step
from chalicelib.identity.profiles import Gender, Profile
from chalicelib.identity.stores import (
    AccountStore,
    Counter,
    CounterStore,
    Link,
    LinkSessionStore,
    LinkStore,
    QrGrant,
    SignInStore,
    StoredAccount,
    WebSessionRecord,
)

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
LATER = T0 + timedelta(days=30)


@dataclass
class IdentityPorts:
    """One implementation of every identity port."""

    links: LinkStore
    sessions: LinkSessionStore
    counters: CounterStore
    accounts: AccountStore
    signin: SignInStore


@pytest.fixture(params=["memory", "dynamodb"])
def ports(request: pytest.FixtureRequest) -> IdentityPorts:
    """The twins, then the DynamoDB adapters (fresh tables per test)."""
    if request.param == "memory":
        from chalicelib.memory.identity import (
            InMemoryAccountStore,
            InMemoryCounterStore,
            InMemoryLinkSessionStore,
            InMemoryLinkStore,
            InMemorySignInStore,
        )

        return IdentityPorts(
            InMemoryLinkStore(),
            InMemoryLinkSessionStore(),
            InMemoryCounterStore(),
            InMemoryAccountStore(),
            InMemorySignInStore(),
        )
    request.getfixturevalue("aws")
    from chalicelib.store.accounts import DynamoAccountStore
    from chalicelib.store.counters import DynamoCounterStore
    from chalicelib.store.link_sessions import DynamoLinkSessionStore
    from chalicelib.store.links import DynamoLinkStore
    from chalicelib.store.signin import DynamoSignInStore

    return IdentityPorts(
        DynamoLinkStore(),
        DynamoLinkSessionStore(),
        DynamoCounterStore(),
        DynamoAccountStore(),
        DynamoSignInStore(),
    )


# --- links ---------------------------------------------------------------------------


def _link(person: str, profile: str, consent: str | None = None) -> Link:
    return Link(
        person_id=person, account_id=f"acc-{profile}", profile_id=profile, linked_at=T0, consent=consent
    )


def test_a_link_is_found_by_its_journal_user_as_written(ports: IdentityPorts) -> None:
    assert ports.links.find("p-1") is None
    assert ports.links.create(_link("p-1", "prof-1", "pending"))
    assert ports.links.find("p-1") == _link("p-1", "prof-1", "pending")


def test_neither_a_journal_user_nor_a_profile_is_linked_twice(ports: IdentityPorts) -> None:
    assert ports.links.create(_link("p-1", "prof-1"))
    assert not ports.links.create(_link("p-1", "prof-2"))  # the journal user has one
    assert not ports.links.create(_link("p-2", "prof-1"))  # the profile has one
    assert ports.links.find("p-2") is None
    assert ports.links.find("p-1") == _link("p-1", "prof-1")


def test_removing_frees_both_sides_and_only_the_current_link_is_removed(ports: IdentityPorts) -> None:
    assert ports.links.create(_link("p-1", "prof-1"))
    assert not ports.links.remove(_link("p-1", "prof-9"))  # not this journal user's link
    assert ports.links.find("p-1") is not None
    assert ports.links.remove(_link("p-1", "prof-1"))
    assert ports.links.find("p-1") is None
    assert not ports.links.remove(_link("p-1", "prof-1"))  # gone already
    assert ports.links.create(_link("p-2", "prof-1"))  # the profile is free again
    assert ports.links.create(_link("p-1", "prof-3"))  # and so is the journal user


def test_consent_is_set_only_on_the_link_to_that_profile(ports: IdentityPorts) -> None:
    assert not ports.links.set_consent("p-1", "prof-1", "approved")  # no link
    assert ports.links.create(_link("p-1", "prof-1", "pending"))
    assert not ports.links.set_consent("p-1", "prof-2", "approved")
    assert ports.links.find("p-1") == _link("p-1", "prof-1", "pending")
    assert ports.links.set_consent("p-1", "prof-1", "refused")
    assert ports.links.find("p-1") == _link("p-1", "prof-1", "refused")


# --- link sessions -------------------------------------------------------------------


def _session(**changes: object) -> LinkSession:
    session = LinkSession(
        session_id="s-1",
        person_id="p-1",
        phone="+79001234567",
        step=Step.PASSWORD,
        purpose=Purpose.SIGN_IN,
        created_at=T0,
        expires_at=T0 + timedelta(minutes=30),
    )
    return dataclasses.replace(session, **changes)  # type: ignore[arg-type]


def test_a_session_is_written_whole_on_the_version_it_was_read_at(ports: IdentityPorts) -> None:
    assert ports.sessions.get("s-1") is None
    first = ports.sessions.save(_session())
    assert first is not None and first.version == 1
    assert ports.sessions.get("s-1") == first
    assert ports.sessions.save(_session()) is None  # a second "new" session with the same id
    moved = ports.sessions.save(dataclasses.replace(first, step=Step.REGISTER, account_id="a-1"))
    assert moved is not None and moved.version == 2
    assert ports.sessions.save(dataclasses.replace(first, step=Step.RESET)) is None  # read before the move
    assert ports.sessions.get("s-1") == moved


def _at_code(ports: IdentityPorts, digest: str = "digest-1") -> LinkSession:
    saved = ports.sessions.save(
        _session(step=Step.CODE, code_salt="salt", code_digest=digest, code_sent_at=T0, account_id="a-1")
    )
    assert saved is not None
    return saved


def test_code_entries_are_counted_up_to_the_limit_for_the_current_code_only(ports: IdentityPorts) -> None:
    session = _at_code(ports)
    first = ports.sessions.reserve_code_entry(session, 2)
    assert first is not None and first.wrong_codes == 1 and first.version == 2
    second = ports.sessions.reserve_code_entry(session, 2)  # an entry read before the first: counted too
    assert second is not None and second.wrong_codes == 2
    assert ports.sessions.reserve_code_entry(session, 2) is None  # used up
    other = dataclasses.replace(session, code_digest="digest-2")
    assert ports.sessions.reserve_code_entry(other, 5) is None  # not the current code
    assert ports.sessions.reserve_code_entry(dataclasses.replace(session, code_digest=None), 5) is None
    stored = ports.sessions.get("s-1")
    assert stored is not None and stored.wrong_codes == 2


def test_a_session_not_at_code_counts_no_entry(ports: IdentityPorts) -> None:
    saved = ports.sessions.save(_session(code_digest="digest-1"))
    assert saved is not None
    assert ports.sessions.reserve_code_entry(saved, 5) is None
    assert ports.sessions.reserve_code_entry(_session(session_id="nobody", step=Step.CODE), 5) is None


def test_a_code_is_claimed_once(ports: IdentityPorts) -> None:
    session = _at_code(ports)
    reserved = ports.sessions.reserve_code_entry(session, 5)
    assert reserved is not None
    version = ports.sessions.claim_code(reserved)
    assert version == reserved.version + 1  # type: ignore[operator]
    assert ports.sessions.claim_code(reserved) is None
    stored = ports.sessions.get("s-1")
    assert stored is not None
    assert (stored.code_digest, stored.code_salt, stored.wrong_codes, stored.version) == (
        None,
        None,
        0,
        version,
    )
    assert stored.step is Step.CODE and stored.account_id == "a-1"


# --- counters ------------------------------------------------------------------------


def test_an_absent_counter_reads_empty_and_is_written_once_per_version(ports: IdentityPorts) -> None:
    empty = ports.counters.load("k-1")
    assert empty == Counter("k-1")
    written = dataclasses.replace(empty, times=(100.0, 200.0), failures=3, last_at=T0)
    assert ports.counters.save(written, LATER)
    stored = ports.counters.load("k-1")
    assert stored == dataclasses.replace(written, version=1)
    assert not ports.counters.save(written, LATER)  # read before the first write
    assert ports.counters.save(dataclasses.replace(stored, failures=4), LATER)
    assert ports.counters.load("k-1").failures == 4


def test_counters_are_written_together_or_not_at_all(ports: IdentityPorts) -> None:
    assert ports.counters.save(Counter("k-1", times=(1.0,)), LATER)
    a, b = ports.counters.load("k-1"), ports.counters.load("k-2")
    assert ports.counters.save(dataclasses.replace(a, times=(1.0, 2.0)), LATER)  # someone else moved k-1
    assert not ports.counters.save_all(
        [(dataclasses.replace(a, times=(1.0, 3.0)), LATER), (dataclasses.replace(b, times=(3.0,)), LATER)]
    )
    assert ports.counters.load("k-2") == Counter("k-2")
    assert ports.counters.load("k-1").times == (1.0, 2.0)
    a = ports.counters.load("k-1")
    assert ports.counters.save_all(
        [(dataclasses.replace(a, times=(2.0, 3.0)), LATER), (dataclasses.replace(b, times=(3.0,)), LATER)]
    )
    assert ports.counters.load("k-1").times == (2.0, 3.0)
    assert ports.counters.load("k-2").times == (3.0,)


def test_a_budget_is_spent_up_to_its_limit(ports: IdentityPorts) -> None:
    assert [ports.counters.add_spent("budget-1", 2, LATER) for _ in range(3)] == [True, True, False]
    assert ports.counters.load("budget-1").spent == 2
    assert ports.counters.add_spent("budget-1", 3, LATER)  # a higher limit leaves room


def test_a_deleted_counter_reads_empty(ports: IdentityPorts) -> None:
    assert ports.counters.save(Counter("k-1", failures=5, last_at=T0), LATER)
    ports.counters.delete("k-1")
    ports.counters.delete("never-there")
    assert ports.counters.load("k-1") == Counter("k-1")
    assert ports.counters.save(Counter("k-1", failures=1), LATER)  # a new record again


# --- accounts ------------------------------------------------------------------------

PROFILE = Profile("prof-1", "Иван", "Иванов", None, date(1985, 3, 14), Gender.MALE)


def test_an_account_is_unique_by_phone_and_found_by_id(ports: IdentityPorts) -> None:
    account = StoredAccount(account_id="a-1", phone="+79001234567", password_hash="h1", created_at=T0)
    assert ports.accounts.by_phone(account.phone) is None and ports.accounts.by_id("a-1") is None
    assert ports.accounts.add(account)
    assert not ports.accounts.add(dataclasses.replace(account, account_id="a-2"))
    assert ports.accounts.by_phone(account.phone) == account
    assert ports.accounts.by_id("a-1") == account
    assert ports.accounts.by_id("a-2") is None


def test_a_password_is_replaced_only_for_an_existing_account(ports: IdentityPorts) -> None:
    assert ports.accounts.set_password("+79000000000", "h2") is None
    assert ports.accounts.by_phone("+79000000000") is None
    account = StoredAccount(account_id="a-1", phone="+79001234567", password_hash="h1", created_at=T0)
    assert ports.accounts.add(account)
    assert ports.accounts.set_password(account.phone, "h2") == dataclasses.replace(
        account, password_hash="h2"
    )
    assert ports.accounts.by_phone(account.phone) == dataclasses.replace(account, password_hash="h2")


def test_an_account_gets_one_profile(ports: IdentityPorts) -> None:
    assert not ports.accounts.set_profile("+79000000000", PROFILE, T0)  # no account
    account = StoredAccount(account_id="a-1", phone="+79001234567", password_hash="h1", created_at=T0)
    assert ports.accounts.add(account)
    assert ports.accounts.set_profile(account.phone, PROFILE, T0)
    assert not ports.accounts.set_profile(
        account.phone, dataclasses.replace(PROFILE, profile_id="prof-2"), T0
    )
    assert ports.accounts.by_id("a-1") == dataclasses.replace(account, profile=PROFILE)


# --- QR links and hosted-page sessions -----------------------------------------------

GRANT = QrGrant("hash-1", "p-1", "prof-1", T0, T0 + timedelta(minutes=2))


def test_a_qr_link_is_kept_once_and_redeemed_once_before_it_expires(ports: IdentityPorts) -> None:
    assert ports.signin.qr_link("hash-1") is None
    assert ports.signin.redeem_qr_link("hash-1", T0) is None  # unknown
    assert ports.signin.add_qr_link(GRANT, LATER)
    assert not ports.signin.add_qr_link(dataclasses.replace(GRANT, person_id="p-2"), LATER)
    assert ports.signin.qr_link("hash-1") == GRANT
    now = T0 + timedelta(seconds=30)
    assert ports.signin.redeem_qr_link("hash-1", now) == dataclasses.replace(GRANT, redeemed_at=now)
    assert ports.signin.redeem_qr_link("hash-1", now) is None
    assert ports.signin.qr_link("hash-1") == dataclasses.replace(GRANT, redeemed_at=now)


def test_an_expired_qr_link_is_not_redeemed(ports: IdentityPorts) -> None:
    assert ports.signin.add_qr_link(GRANT, LATER)
    assert ports.signin.redeem_qr_link("hash-1", GRANT.expires_at) is None  # expiry is exclusive
    assert ports.signin.qr_link("hash-1") == GRANT


def test_a_web_session_is_kept_touched_and_forgotten(ports: IdentityPorts) -> None:
    record = WebSessionRecord("sess-1", "p-1", "prof-1", "csrf", T0, T0 + timedelta(hours=12), T0)
    assert ports.signin.web_session("sess-1") is None
    assert not ports.signin.touch_web_session("sess-1", T0)
    assert ports.signin.add_web_session(record, LATER)
    assert not ports.signin.add_web_session(dataclasses.replace(record, person_id="p-2"), LATER)
    assert ports.signin.web_session("sess-1") == record
    later = T0 + timedelta(minutes=5)
    assert ports.signin.touch_web_session("sess-1", later)
    assert ports.signin.web_session("sess-1") == dataclasses.replace(record, last_seen_at=later)
    ports.signin.delete_web_session("sess-1")
    ports.signin.delete_web_session("sess-1")
    assert ports.signin.web_session("sess-1") is None
    assert not ports.signin.touch_web_session("sess-1", later)
