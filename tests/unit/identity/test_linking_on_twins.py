"""The linking and QR sign-in use cases on the identity ports' in-memory twins (no emulator).

``LinkService`` and ``SignIn`` with ``memory/identity.py`` behind them, the
chats twin told of every link. The same flows over HTTP and DynamoDB are in
``tests/integration/test_link_*_api.py`` and ``tests/integration/chats/test_qr_*.py``;
the twins are held to the DynamoDB adapters by ``tests/contract/test_identity_contract.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest

from chalicelib.clock import MovableClock
from chalicelib.config import Settings
from chalicelib.errors import (
    AlreadyLinked,
    CodeExpired,
    InvalidCredentials,
    LinkRequired,
    NotFound,
    RateLimited,
    SmsUnavailable,
    WrongCode,
)
from chalicelib.identity.linking import LinkService
from chalicelib.identity.passwords import hash_password
from chalicelib.identity.profiles import Gender, ProfileInput
from chalicelib.identity.provider import BuiltinIdentityProvider
from chalicelib.identity.signin import SignIn
from chalicelib.identity.sms import SmsNotSent
from chalicelib.memory.chats import InMemoryChats
from chalicelib.memory.identity import (
    InMemoryAccountStore,
    InMemoryCounterStore,
    InMemoryLinkSessionStore,
    InMemoryLinkStore,
    InMemorySignInStore,
)

PASSWORD = "correct horse battery staple"
PHONE = "+79001234567"
PROFILE = ProfileInput("Иван", "Иванов", "Петрович", date(1985, 3, 14), Gender.MALE)


@dataclass
class Sms:
    """The SMS port, as a list of (phone, text); ``failing`` makes every send fail."""

    sent: list[tuple[str, str]] = field(default_factory=list)
    failing: bool = False

    def send(self, phone_e164: str, text: str) -> None:
        if self.failing:
            raise SmsNotSent("provider down")
        self.sent.append((phone_e164, text))

    def last_code(self, phone: str) -> str:
        return next(text for to, text in reversed(self.sent) if to == phone).split(" ")[0]


@dataclass
class Twins:
    clock: MovableClock
    sms: Sms
    chats: InMemoryChats
    links: InMemoryLinkStore
    sessions: InMemoryLinkSessionStore
    counters: InMemoryCounterStore
    accounts: InMemoryAccountStore
    signin_store: InMemorySignInStore
    config: Settings

    @property
    def provider(self) -> BuiltinIdentityProvider:
        return BuiltinIdentityProvider(self.accounts)

    @property
    def linking(self) -> LinkService:
        return LinkService(
            self.provider,
            self.sms,
            self.clock,
            self.config,
            sessions=self.sessions,
            links=self.links,
            counters=self.counters,
        )

    @property
    def signin(self) -> SignIn:
        return SignIn(self.signin_store, self.links, self.counters)


@pytest.fixture
def twins() -> Twins:
    chats = InMemoryChats()
    return Twins(
        clock=MovableClock(),
        sms=Sms(),
        chats=chats,
        links=InMemoryLinkStore(mirror=chats),
        sessions=InMemoryLinkSessionStore(),
        counters=InMemoryCounterStore(),
        accounts=InMemoryAccountStore(),
        signin_store=InMemorySignInStore(),
        config=Settings.from_environment({}),
    )


def _account(twins: Twins, phone: str = PHONE, *, with_profile: bool = True) -> str:
    account = twins.provider.create_account(phone, hash_password(PASSWORD), twins.clock.now())
    if with_profile:
        twins.provider.create_profile(account.account_id, PROFILE, twins.clock.now())
    return account.account_id


def _linked(twins: Twins, person_id: str = "p-1", phone: str = PHONE) -> None:
    """Sign in with an existing account's password and the SMS code, then confirm."""
    service = twins.linking
    opened = service.open(person_id, phone)
    assert service.password(person_id, opened["id"], PASSWORD)["step"] == "code"
    assert service.code(person_id, opened["id"], twins.sms.last_code(phone))["step"] == "choose_profile"
    assert service.confirm(person_id, opened["id"])["step"] == "done"


def test_a_new_number_registers_makes_a_profile_and_links(twins: Twins) -> None:
    service = twins.linking
    opened = service.open("p-1", PHONE)
    assert opened["step"] == "password"
    assert service.register("p-1", opened["id"])["step"] == "register"
    assert service.password("p-1", opened["id"], PASSWORD)["step"] == "code"
    assert service.code("p-1", opened["id"], twins.sms.last_code(PHONE))["step"] == "create_profile"
    shown = service.create_profile("p-1", opened["id"], PROFILE)
    assert shown["step"] == "choose_profile" and shown["profile"]["first_name"] == "Иван"
    assert service.confirm("p-1", opened["id"])["step"] == "done"

    link = twins.links.find("p-1")
    stored = twins.accounts.by_phone(PHONE)
    assert link is not None and stored is not None and stored.profile is not None
    assert (link.account_id, link.profile_id) == (stored.account_id, stored.profile.profile_id)
    assert twins.chats.is_linked("p-1")  # the chats see it as the directory would
    assert service.link_of("p-1") == {
        "profile": stored.profile.to_json(),
        "phone_masked": "+7 *** ** *67",
        "consent": None,
    }


def test_a_wrong_password_changes_nothing_but_the_counters(twins: Twins) -> None:
    _account(twins)
    service = twins.linking
    opened = service.open("p-1", PHONE)
    with pytest.raises(InvalidCredentials):
        service.password("p-1", opened["id"], "wrong horse battery staple")
    assert twins.sms.sent == []
    stored = twins.sessions.get(opened["id"])
    assert stored is not None and stored.step.value == "password"
    assert twins.counters.keys()  # the attempt was counted before the check


def test_sign_in_is_password_then_code_and_a_linked_user_cannot_open_another_session(twins: Twins) -> None:
    _account(twins)
    _linked(twins)
    assert twins.links.find("p-1") is not None
    with pytest.raises(AlreadyLinked):
        twins.linking.open("p-1", PHONE)
    with pytest.raises(AlreadyLinked):  # the profile belongs to p-1's link
        _linked(twins, person_id="p-2")
    assert twins.links.find("p-2") is None


def test_wrong_codes_are_counted_and_the_fifth_locks_the_code(twins: Twins) -> None:
    _account(twins)
    service = twins.linking
    opened = service.open("p-1", PHONE)
    service.password("p-1", opened["id"], PASSWORD)
    right = twins.sms.last_code(PHONE)
    wrong = "000000" if right != "000000" else "111111"
    for left in (4, 3, 2, 1):
        with pytest.raises(WrongCode):
            service.code("p-1", opened["id"], wrong)
        assert service.current("p-1", opened["id"])["attempts_left"] == left
    with pytest.raises(WrongCode):
        service.code("p-1", opened["id"], wrong)
    with pytest.raises(CodeExpired):  # the right code no longer helps
        service.code("p-1", opened["id"], right)
    assert twins.links.find("p-1") is None


def test_someone_elses_session_is_not_found(twins: Twins) -> None:
    opened = twins.linking.open("p-1", PHONE)
    with pytest.raises(NotFound):
        twins.linking.current("p-2", opened["id"])


def test_an_sms_that_fails_leaves_no_code_and_allows_a_resend_at_once(twins: Twins) -> None:
    _account(twins)
    service = twins.linking
    opened = service.open("p-1", PHONE)
    twins.sms.failing = True
    with pytest.raises(SmsUnavailable):
        service.password("p-1", opened["id"], PASSWORD)
    stored = twins.sessions.get(opened["id"])
    assert stored is not None and stored.code_digest is None
    twins.sms.failing = False
    assert service.resend("p-1", opened["id"])["step"] == "code"
    assert len(twins.sms.sent) == 1


def test_sms_to_one_number_for_one_journal_user_are_capped(twins: Twins) -> None:
    _account(twins)
    service = twins.linking
    opened = service.open("p-1", PHONE)
    service.password("p-1", opened["id"], PASSWORD)
    for _ in range(twins.config.sms_per_phone_and_user_hour - 1):
        twins.clock.advance(seconds=twins.config.sms_resend_cooldown_s)
        service.resend("p-1", opened["id"])
    twins.clock.advance(seconds=twins.config.sms_resend_cooldown_s)
    with pytest.raises(RateLimited):
        service.resend("p-1", opened["id"])
    assert len(twins.sms.sent) == twins.config.sms_per_phone_and_user_hour


def test_unlinking_ends_the_link_for_the_chats_too(twins: Twins) -> None:
    _account(twins)
    _linked(twins)
    twins.linking.unlink("p-1")
    assert twins.links.find("p-1") is None and not twins.chats.is_linked("p-1")
    with pytest.raises(NotFound):
        twins.linking.unlink("p-1")


# --- QR sign-in ----------------------------------------------------------------------


def _token(url: str) -> str:
    return url.rsplit("/", 1)[1]


def test_only_a_linked_user_gets_a_qr_link(twins: Twins) -> None:
    with pytest.raises(LinkRequired):
        twins.signin.issue_qr_link("p-1", twins.clock.now(), twins.config)
    assert twins.counters.keys() == set()


def test_a_qr_link_is_redeemed_once_and_its_session_lives_while_the_link_does(twins: Twins) -> None:
    _account(twins)
    _linked(twins)
    signin, now = twins.signin, twins.clock.now()
    token = _token(signin.issue_qr_link("p-1", now, twins.config).url)
    peeked = signin.peek_qr_link(token, now)
    assert peeked is not None and peeked.person_id == "p-1"
    redeemed = signin.redeem_qr_link(token, now)
    assert redeemed is not None
    assert signin.redeem_qr_link(token, now) is None and signin.peek_qr_link(token, now) is None
    cookie, session = signin.start_session(redeemed, now, twins.config)
    assert signin.resume_session(cookie, twins.clock.advance(minutes=10), twins.config) == session
    twins.linking.unlink("p-1")
    assert signin.resume_session(cookie, twins.clock.now(), twins.config) is None
    assert twins.signin_store.session_count() == 0  # an unlinked user's session is forgotten


def test_a_session_idle_too_long_ends(twins: Twins) -> None:
    _account(twins)
    _linked(twins)
    signin, now = twins.signin, twins.clock.now()
    redeemed = signin.redeem_qr_link(_token(signin.issue_qr_link("p-1", now, twins.config).url), now)
    assert redeemed is not None
    cookie, _ = signin.start_session(redeemed, now, twins.config)
    twins.clock.advance(seconds=twins.config.web_session_idle_s)
    assert signin.resume_session(cookie, twins.clock.now(), twins.config) is None
    assert twins.signin_store.session_count() == 0


def test_an_expired_qr_link_opens_nothing(twins: Twins) -> None:
    _account(twins)
    _linked(twins)
    signin, now = twins.signin, twins.clock.now()
    token = _token(signin.issue_qr_link("p-1", now, twins.config).url)
    later = twins.clock.advance(seconds=twins.config.qr_link_ttl_s)
    assert signin.peek_qr_link(token, later) is None
    assert signin.redeem_qr_link(token, later) is None
    assert signin.redeem_qr_link("not a token", later) is None


def test_qr_links_are_capped_per_minute(twins: Twins) -> None:
    _account(twins)
    _linked(twins)
    now = twins.clock.now()
    for _ in range(twins.config.qr_links_per_user_minute):
        twins.signin.issue_qr_link("p-1", now, twins.config)
    with pytest.raises(RateLimited):
        twins.signin.issue_qr_link("p-1", now, twins.config)
