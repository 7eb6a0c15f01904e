"""The export and erasure port (``privacy.records.PersonRecords``): the twin (``memory/person_records.py``
over the chats and identity twins) and ``store/privacy.py`` alike.

The rows are arranged through the other ports of the same implementation (messenger, accounts,
counters, sign-in, link sessions), as the service writes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.identity.link_flow import LinkSession, Purpose, Step
from chalicelib.identity.stores import (
    AccountStore,
    Counter,
    CounterStore,
    LinkSessionStore,
    QrGrant,
    SignInStore,
    StoredAccount,
    WebSessionRecord,
)
from chalicelib.messenger.port import NewChat, NewMember
from chalicelib.planning.model import ChatKind, ChatRole, ExistingChat, Role
from chalicelib.privacy.records import PersonRecords
from tests.contract.conftest import ChatPorts

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
LATER = T0 + timedelta(days=30)
PHONE = "+79001234567"


@dataclass
class RecordPorts:
    chats: ChatPorts
    records: PersonRecords
    accounts: AccountStore
    counters: CounterStore
    signin: SignInStore
    sessions: LinkSessionStore


@pytest.fixture
def rp(ports: ChatPorts) -> RecordPorts:
    """The person records port and the ports that write its rows, of the same implementation as ``ports``."""
    from chalicelib.memory.chats import InMemoryChats

    if isinstance(ports.messenger, InMemoryChats):
        from chalicelib.memory.identity import (
            InMemoryAccountStore,
            InMemoryCounterStore,
            InMemoryLinkSessionStore,
            InMemorySignInStore,
        )
        from chalicelib.memory.person_records import InMemoryPersonRecords

        accounts, counters = InMemoryAccountStore(), InMemoryCounterStore()
        signin, sessions = InMemorySignInStore(), InMemoryLinkSessionStore()
        records = InMemoryPersonRecords(ports.messenger, accounts, counters, signin, sessions)
        return RecordPorts(ports, records, accounts, counters, signin, sessions)
    from chalicelib.store.accounts import DynamoAccountStore
    from chalicelib.store.counters import DynamoCounterStore
    from chalicelib.store.link_sessions import DynamoLinkSessionStore
    from chalicelib.store.privacy import DynamoPersonRecords
    from chalicelib.store.signin import DynamoSignInStore

    return RecordPorts(
        ports,
        DynamoPersonRecords(),
        DynamoAccountStore(),
        DynamoCounterStore(),
        DynamoSignInStore(),
        DynamoLinkSessionStore(),
    )


def _chat(rp: RecordPorts, chat_id: str) -> ExistingChat:
    rp.chats.messenger.create_chat(
        NewChat(chat_id, "school-1", ChatKind.CUSTOM, f"Кружок {chat_id}", "t-1"),
        [
            NewMember("t-1", "Учитель", Role.TEACHER, ChatRole.MODERATOR),
            NewMember("s-1", "Ученик", Role.STUDENT),
        ],
        T0,
    )
    chat = rp.chats.directory.lookup("t-1", chat_id).chat
    assert chat is not None
    return chat.as_existing()


def test_a_persons_chats_are_found_active_and_ended(rp: RecordPorts) -> None:
    first, second = _chat(rp, "ch-1"), _chat(rp, "ch-2")
    rp.chats.messenger.remove_member(second, "s-1", exclude=False, now=T0 + timedelta(hours=1))
    held = rp.records.memberships_of("s-1")
    assert [(h.chat.chat_id, h.membership.name, h.joined_at) for h in held] == [("ch-1", "Ученик", T0)]
    seats = rp.records.seats_of("s-1")
    assert [(s.chat.chat_id, s.active) for s in seats] == [("ch-1", True), ("ch-2", False)]
    assert seats[1].left_at == T0 + timedelta(hours=1) and seats[0].joined_at == T0
    assert rp.records.memberships_of("nobody") == [] and rp.records.seats_of("nobody") == []
    del first


def test_own_messages_are_found_oldest_first_and_scrubbed_to_placeholders(rp: RecordPorts) -> None:
    first, second = _chat(rp, "ch-1"), _chat(rp, "ch-2")
    messenger = rp.chats.messenger
    a = messenger.post_message(first, "s-1", "Ученик", "раз", None, T0).message
    messenger.post_message(first, "t-1", "Учитель", "ответ", None, T0 + timedelta(minutes=1))
    b = messenger.post_message(second, "s-1", "Ученик", "два", None, T0 + timedelta(minutes=2)).message
    assert [m.message_id for m in rp.records.own_messages("s-1")] == [a.message_id, b.message_id]
    for message in (a, b):
        rp.records.scrub_message(message.chat_id, message.message_id, "Удалённый пользователь", LATER)
    scrubbed = rp.records.own_messages("s-1")
    assert [(m.text, m.author_name, m.deleted) for m in scrubbed] == [
        ("", "Удалённый пользователь", True)
    ] * 2
    # The preview of ch-2 was the scrubbed message; ch-1's is the teacher's answer and stays.
    previews = {cid: rp.chats.directory.lookup("t-1", cid).chat for cid in ("ch-1", "ch-2")}
    assert previews["ch-2"] is not None and previews["ch-2"].last_message is not None
    assert previews["ch-2"].last_message.text == "" and previews["ch-2"].last_message.deleted
    assert previews["ch-1"] is not None and previews["ch-1"].last_message is not None
    assert previews["ch-1"].last_message.text == "ответ"


def test_an_account_counters_and_sessions_are_deleted(rp: RecordPorts) -> None:
    rp.accounts.add(StoredAccount(account_id="a-1", phone=PHONE, password_hash="h", created_at=T0))
    rp.counters.save(Counter("k-1", failures=2, last_at=T0), LATER)
    rp.counters.save(Counter("k-2", failures=1, last_at=T0), LATER)
    rp.signin.add_qr_link(QrGrant("qr-1", "s-1", "prof-1", T0, T0 + timedelta(minutes=2)), LATER)
    rp.signin.add_web_session(WebSessionRecord("ws-1", "s-1", "prof-1", "csrf", T0, LATER, T0), LATER)
    rp.signin.add_web_session(WebSessionRecord("ws-2", "other", "prof-2", "csrf", T0, LATER, T0), LATER)
    rp.sessions.save(
        LinkSession(
            session_id="ls-1",
            person_id="s-1",
            phone=PHONE,
            step=Step.PASSWORD,
            purpose=Purpose.SIGN_IN,
            created_at=T0,
            expires_at=T0 + timedelta(minutes=30),
        )
    )
    rp.records.delete_account(PHONE)
    rp.records.delete_account("+79990000000")  # none there: nothing to do
    assert rp.accounts.by_phone(PHONE) is None
    rp.records.delete_counters(["k-1", "k-9"])
    assert rp.counters.load("k-1") == Counter("k-1") and rp.counters.load("k-2").failures == 1
    assert rp.records.delete_person_sessions("s-1") == 3
    assert rp.signin.qr_link("qr-1") is None and rp.signin.web_session("ws-1") is None
    assert rp.signin.web_session("ws-2") is not None
    assert rp.sessions.get("ls-1") is None
    assert rp.records.delete_person_sessions("s-1") == 0
