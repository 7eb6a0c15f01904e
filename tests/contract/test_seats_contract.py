"""The school seats and retention ports (``safety.school.SchoolSeats``, ``safety.retention.RetentionStore``):
the twins (``memory/seats.py`` over the chats twin) and ``store/safety.py`` alike.

The chats are made through the messenger port of the same implementation (``ports`` in conftest).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.messenger.port import NewChat, NewMember
from chalicelib.planning.model import ChatKind, ChatRole, ExistingChat, Role
from chalicelib.safety.departures import SeatRow
from chalicelib.safety.retention import RetentionStore
from chalicelib.safety.school import SchoolSeats
from tests.contract.conftest import ChatPorts

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
SCHOOL = "school-1"


@dataclass
class SeatPorts:
    chats: ChatPorts
    seats: SchoolSeats
    retention: RetentionStore


@pytest.fixture
def seat_ports(ports: ChatPorts) -> SeatPorts:
    """The seats and retention ports of the same implementation as ``ports``."""
    from chalicelib.memory.chats import InMemoryChats

    if isinstance(ports.messenger, InMemoryChats):
        from chalicelib.memory.seats import InMemoryRetention, InMemorySchoolSeats

        seats = InMemorySchoolSeats(ports.messenger)
        return SeatPorts(ports, seats, InMemoryRetention(ports.messenger, seats))
    from chalicelib.store.safety import DynamoRetention, DynamoSchoolSeats

    return SeatPorts(ports, DynamoSchoolSeats(), DynamoRetention())


def _chat(p: SeatPorts, chat_id: str, school: str = SCHOOL) -> None:
    p.chats.messenger.create_chat(
        NewChat(chat_id, school, ChatKind.CUSTOM, "Кружок", "t-1"),
        [
            NewMember("t-1", "Учитель", Role.TEACHER, ChatRole.MODERATOR),
            NewMember("s-1", "Ученик 1", Role.STUDENT),
            NewMember("s-2", "Ученик 2", Role.STUDENT),
        ],
        T0,
    )


def _existing(p: SeatPorts, chat_id: str) -> ExistingChat:
    chat = p.chats.directory.lookup("t-1", chat_id).chat
    assert chat is not None
    return chat.as_existing()


def test_a_schools_seats_are_every_chat_and_every_membership_row(seat_ports: SeatPorts) -> None:
    _chat(seat_ports, "ch-1")
    _chat(seat_ports, "ch-other", school="school-2")
    seat_ports.chats.messenger.remove_member(_existing(seat_ports, "ch-1"), "s-2", exclude=False, now=T0)
    chats, rows = seat_ports.seats.load_school_seats(SCHOOL)
    assert set(chats) == {"ch-1"} and chats["ch-1"].school_id == SCHOOL
    assert sorted(rows, key=lambda r: r.person_id) == [
        SeatRow("ch-1", "s-1", ChatRole.MEMBER, True),
        SeatRow("ch-1", "s-2", ChatRole.MEMBER, False),  # ended rows are seats too
        SeatRow("ch-1", "t-1", ChatRole.MODERATOR, True),
    ]
    assert seat_ports.seats.load_school_seats("school-9") == ({}, [])


def test_only_an_active_member_is_made_a_moderator(seat_ports: SeatPorts) -> None:
    _chat(seat_ports, "ch-1")
    seat_ports.chats.messenger.remove_member(_existing(seat_ports, "ch-1"), "s-2", exclude=False, now=T0)
    assert seat_ports.seats.make_moderator("ch-1", "s-1") is True
    assert seat_ports.seats.make_moderator("ch-1", "s-2") is False
    assert seat_ports.seats.make_moderator("ch-1", "nobody") is False
    roles = {r.person_id: r.chat_role for r in seat_ports.seats.load_school_seats(SCHOOL)[1]}
    assert roles == {"s-1": ChatRole.MODERATOR, "s-2": ChatRole.MEMBER, "t-1": ChatRole.MODERATOR}


def test_departures_are_kept_from_the_first_time_until_forgotten(seat_ports: SeatPorts) -> None:
    seat_ports.seats.record_departure("s-1", SCHOOL, T0)
    seat_ports.seats.record_departure("s-1", SCHOOL, T0 + timedelta(days=20))  # a retry keeps the first
    seat_ports.seats.record_departure("s-1", "school-2", T0 + timedelta(days=10))
    seat_ports.seats.record_departure("s-2", SCHOOL, T0 + timedelta(days=40))
    retention = seat_ports.retention
    assert retention.departures_before(T0 + timedelta(days=5)) == {"s-1": {SCHOOL}}
    assert retention.departures_before(T0 + timedelta(days=30)) == {"s-1": {SCHOOL, "school-2"}}
    retention.forget_departures("s-1")
    assert retention.departures_before(T0 + timedelta(days=50)) == {"s-2": {SCHOOL}}


def test_a_person_on_a_roster_holds_an_active_membership(seat_ports: SeatPorts) -> None:
    _chat(seat_ports, "ch-1")
    assert seat_ports.retention.is_on_a_roster("s-1") is True
    seat_ports.chats.messenger.remove_member(_existing(seat_ports, "ch-1"), "s-1", exclude=False, now=T0)
    assert seat_ports.retention.is_on_a_roster("s-1") is False
    assert seat_ports.retention.is_on_a_roster("nobody") is False


def test_pseudonymising_renames_the_memberships_of_those_schools_and_every_message(
    seat_ports: SeatPorts,
) -> None:
    _chat(seat_ports, "ch-1")
    _chat(seat_ports, "ch-2", school="school-2")
    messenger = seat_ports.chats.messenger
    messenger.post_message(_existing(seat_ports, "ch-1"), "s-1", "Ученик 1", "привет", None, T0)
    messenger.post_message(_existing(seat_ports, "ch-2"), "s-1", "Ученик 1", "и тут", None, T0)
    changed = seat_ports.retention.pseudonymise("s-1", {SCHOOL}, "Бывший участник")
    assert changed == 3  # one membership (school-1 only) and both messages
    assert seat_ports.chats.directory.membership("ch-1", "s-1").name == "Бывший участник"  # type: ignore[union-attr]
    assert seat_ports.chats.directory.membership("ch-2", "s-1").name == "Ученик 1"  # type: ignore[union-attr]
    for chat_id in ("ch-1", "ch-2"):
        [message] = messenger.list_messages(chat_id, 10, None).items
        assert message.author_name == "Бывший участник"
        chat = seat_ports.chats.directory.lookup("t-1", chat_id).chat
        assert chat is not None and chat.last_message is not None
        assert chat.last_message.author_name == "Бывший участник"


def test_a_chat_archived_by_hand_long_enough_loses_its_messages_once(seat_ports: SeatPorts) -> None:
    _chat(seat_ports, "ch-1")
    _chat(seat_ports, "ch-2")
    messenger = seat_ports.chats.messenger
    for text in ("раз", "два"):
        messenger.post_message(_existing(seat_ports, "ch-1"), "t-1", "Учитель", text, None, T0)
    for chat_id in ("ch-1", "ch-2"):
        messenger.archive_chat(chat_id)
    seat_ports.seats.stamp_archived("ch-1", T0)
    seat_ports.seats.stamp_archived("ch-2", T0 + timedelta(days=60))
    retention = seat_ports.retention
    assert [c.chat_id for c in retention.archived_chats_before(T0 + timedelta(days=30))] == ["ch-1"]
    assert retention.purge_messages("ch-1", T0 + timedelta(days=31)) == 2
    assert messenger.list_messages("ch-1", 10, None).items == ()
    chat = seat_ports.chats.directory.lookup("t-1", "ch-1").chat
    assert chat is not None and chat.last_message is None
    assert retention.archived_chats_before(T0 + timedelta(days=30)) == []  # purged: off the listing
    messenger.unarchive_chat("ch-2")  # restored by hand: its messages stay
    assert retention.archived_chats_before(T0 + timedelta(days=90)) == []
