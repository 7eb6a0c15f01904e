"""``ChatService`` with the school's hooks (``safety.school.SchoolSafety``) and guardian consent, on the
in-memory twin: a pupil waiting for a guardian sees nothing, the school's acts are audited, a deleted
message's reports close. The HTTP/DynamoDB versions are in ``tests/integration/chats/``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from chalicelib.chats.directory import Chat
from chalicelib.chats.service import ChatService
from chalicelib.clock import MovableClock
from chalicelib.identity.journal_token import Caller
from chalicelib.memory.chats import InMemoryChats
from chalicelib.memory.fanout import InlineFanOut
from chalicelib.planning.diff import diff
from chalicelib.planning.model import ChatKind, roster_chat_id
from chalicelib.planning.plan import plan_school
from chalicelib.safety.audit import AuditEntry, AuditPage
from chalicelib.safety.consent import ConsentRequired
from chalicelib.safety.departures import SeatRow
from chalicelib.safety.reports import Report, ReportPage
from chalicelib.safety.school import SchoolSafety
from tests.builders import sample_school

SCHOOL = "school-1"
ROSTER = sample_school(SCHOOL, classes=1, students=2, parents_per_student=1)
CLASS = roster_chat_id(SCHOOL, ChatKind.CLASS, "school-1-c0")
TEACHER, STUDENT, WAITING = "school-1-c0-t", "school-1-c0-s0", "school-1-c0-s1"
ADMIN = "admin-school-1"


@dataclass
class Recorded:
    """The audit log, reports and seats ports, as lists (what the hooks wrote)."""

    audit: list[AuditEntry] = field(default_factory=list)
    resolved: list[tuple[str, str]] = field(default_factory=list)
    stamped: list[str] = field(default_factory=list)

    def record(self, entry: AuditEntry) -> None:
        self.audit.append(entry)

    def page(self, school_id: str, limit: int, before: str | None) -> AuditPage:
        return AuditPage(tuple(e for e in self.audit if e.school_id == school_id)[:limit], None)

    def add(self, report: Report) -> tuple[Report, bool]:
        return report, True

    def open_in_school(self, school_id: str, limit: int, before: str | None) -> ReportPage:
        return ReportPage((), None)

    def open_in_chat(self, chat_id: str, limit: int, before: str | None) -> ReportPage:
        return ReportPage((), None)

    def resolve_message(self, chat_id: str, message_id: str) -> int:
        self.resolved.append((chat_id, message_id))
        return 1

    def load_school_seats(self, school_id: str) -> tuple[dict[str, Chat], list[SeatRow]]:
        return {}, []

    def make_moderator(self, chat_id: str, person_id: str) -> bool:
        return True

    def record_departure(self, person_id: str, school_id: str, now: datetime) -> None:
        return None

    def stamp_archived(self, chat_id: str, now: datetime) -> None:
        self.stamped.append(chat_id)


@pytest.fixture
def recorded() -> Recorded:
    return Recorded()


@pytest.fixture
def chats(recorded: Recorded) -> ChatService:
    """A synced school on the twin; ``WAITING``'s link waits for a guardian."""
    twin = InMemoryChats()
    state = twin.load_school_state(SCHOOL)
    twin.apply_roster_changes(state, diff(plan_school(ROSTER, {}), state), datetime(2026, 9, 1, tzinfo=UTC))
    twin.save_roster(ROSTER)
    for person in (TEACHER, STUDENT, ADMIN):
        twin.link(person)
    twin.link(WAITING, consent="pending")
    clock = MovableClock()
    school = SchoolSafety(twin, twin, twin, clock, recorded, recorded, recorded)
    return ChatService(twin, twin, twin, clock, fan_out=InlineFanOut(twin), school=school)


def test_a_pupil_waiting_for_a_guardian_sees_no_chat(chats: ChatService) -> None:
    with pytest.raises(ConsentRequired):
        chats.open_chat(Caller(WAITING), CLASS)
    with pytest.raises(ConsentRequired):
        chats.list_chats(Caller(WAITING), 50, None)
    assert chats.open_chat(Caller(STUDENT), CLASS).my_role == "member"


def test_the_school_deleting_a_message_is_audited_and_closes_its_reports(
    chats: ChatService, recorded: Recorded
) -> None:
    sent = chats.send_message(Caller(STUDENT), CLASS, "привет", None)
    chats.delete_message(Caller(ADMIN), CLASS, sent.message.message_id)
    assert recorded.resolved == [(CLASS, sent.message.message_id)]
    [entry] = recorded.audit
    assert (entry.action, entry.actor_id, entry.actor_kind, entry.target_id) == (
        "message_deleted",
        ADMIN,
        "school_admin",
        STUDENT,
    )


def test_an_author_deleting_their_own_message_is_not_audited(chats: ChatService, recorded: Recorded) -> None:
    sent = chats.send_message(Caller(STUDENT), CLASS, "опечатка", None)
    chats.delete_message(Caller(STUDENT), CLASS, sent.message.message_id)
    assert recorded.audit == [] and recorded.resolved == [(CLASS, sent.message.message_id)]


def test_only_back_office_reads_of_a_member_list_are_audited(chats: ChatService, recorded: Recorded) -> None:
    chats.members(Caller(TEACHER), CLASS, 10, None)
    assert recorded.audit == []
    chats.members(Caller("operator-1", is_operator=True), CLASS, 10, None)
    assert [(e.action, e.actor_kind) for e in recorded.audit] == [("members_read", "operator")]
