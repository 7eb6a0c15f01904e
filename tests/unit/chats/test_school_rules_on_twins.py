"""Teacher first and quiet hours in the chats use cases, on the in-memory twins: no emulator, no HTTP.

Also what they cost: the settings are read only when a rule could apply, and once per use.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta

import pytest

from chalicelib.chats.service import ChatService
from chalicelib.clock import MovableClock
from chalicelib.errors import Conflict, Forbidden, NotFound, QuietHours
from chalicelib.identity.journal_token import Caller
from chalicelib.memory.chats import InMemoryChats
from chalicelib.memory.fanout import InlineFanOut
from chalicelib.memory.school_settings import InMemorySchoolSettings
from chalicelib.planning.diff import diff
from chalicelib.planning.model import ChatKind, roster_chat_id
from chalicelib.planning.plan import plan_school
from chalicelib.safety.audit import AuditAction, AuditEntry, AuditPage
from chalicelib.schools.service import SchoolRules
from chalicelib.schools.settings import PostingHours, SchoolSettings
from tests.builders import sample_school

SCHOOL = "school-1"
ROSTER = sample_school(SCHOOL, classes=1, students=1, parents_per_student=1)
CLASS = roster_chat_id(SCHOOL, ChatKind.CLASS, "school-1-c0")
PARENTS = roster_chat_id(SCHOOL, ChatKind.PARENTS, "school-1-c0")
TEACHER, STUDENT, PARENT = "school-1-c0-t", "school-1-c0-s0", "school-1-c0-s0-p0"
MADE = datetime(2026, 9, 1, 5, 0, tzinfo=UTC)  # 08:00 in Moscow


class CountingStore(InMemorySchoolSettings):
    """The twin, counting reads of settings."""

    reads = 0

    def load(self, school_id: str) -> SchoolSettings:
        self.reads += 1
        return super().load(school_id)

    def load_many(self, school_ids: Iterable[str]) -> dict[str, SchoolSettings]:
        self.reads += 1
        return {school_id: super(CountingStore, self).load(school_id) for school_id in set(school_ids)}


class Audit:
    def __init__(self) -> None:
        self.entries: list[AuditEntry] = []

    def record(self, entry: AuditEntry) -> None:
        self.entries.append(entry)

    def page(self, school_id: str, limit: int, before: str | None) -> AuditPage:
        return AuditPage(tuple(self.entries), None)


@pytest.fixture
def twin() -> InMemoryChats:
    chats = InMemoryChats()
    state = chats.load_school_state(SCHOOL)
    chats.apply_roster_changes(state, diff(plan_school(ROSTER, {}), state), MADE)
    chats.save_roster(ROSTER)
    for person in (TEACHER, STUDENT, PARENT):
        chats.link(person)
    return chats


@pytest.fixture
def store(twin: InMemoryChats) -> CountingStore:
    return CountingStore(twin)


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(MADE + timedelta(hours=6))  # 14:00 in Moscow


@pytest.fixture
def audit() -> Audit:
    return Audit()


def service(twin: InMemoryChats, store: CountingStore, clock: MovableClock, audit: Audit) -> ChatService:
    """One use's chats service, as ``Services.chats`` builds it."""
    return ChatService(
        twin, twin, twin, clock, fan_out=InlineFanOut(twin), rules=SchoolRules(store, clock, audit)
    )


def me(person_id: str) -> Caller:
    return Caller(person_id, is_operator=False)


def test_held_chats_are_hidden_until_opened_and_opening_is_audited_once(
    twin: InMemoryChats, store: CountingStore, clock: MovableClock, audit: Audit
) -> None:
    assert store.save(
        SchoolSettings(SCHOOL, teacher_first=True, teacher_first_since=MADE - timedelta(1), version=1), 0
    )
    chats = service(twin, store, clock, audit)
    with pytest.raises(NotFound):
        chats.open_chat(me(STUDENT), CLASS)
    with pytest.raises(NotFound):
        chats.open_chat(me(PARENT), PARENTS)
    assert CLASS not in {c.chat_id for _, c in chats.list_chats(me(STUDENT), 50, None).items}
    teacher_view = chats.open_chat(me(TEACHER), CLASS)
    rules = SchoolRules(store, clock, audit)
    assert rules.awaits_opening(teacher_view)
    with pytest.raises(Forbidden):
        rules.open_for_pupils(
            chats.open_chat(
                me(STUDENT), chats.create_custom_chat(me(TEACHER), SCHOOL, "К", [STUDENT]).access.chat.chat_id
            )
        )
    with pytest.raises(Conflict):
        rules.open_for_pupils(chats.create_custom_chat(me(TEACHER), SCHOOL, "Кружок", [STUDENT]).access)
    shown = rules.open_for_pupils(teacher_view)
    assert shown.chat.opened_at == clock.now() and not rules.awaits_opening(shown)
    assert rules.open_for_pupils(chats.open_chat(me(TEACHER), CLASS)).chat.opened_at == clock.now()
    assert [e.action for e in audit.entries] == [AuditAction.CHAT_OPENED]
    assert service(twin, store, clock, audit).open_chat(me(STUDENT), CLASS).my_role == "member"
    with pytest.raises(NotFound):
        service(twin, store, clock, audit).open_chat(me(PARENT), PARENTS)  # opened one by one


def test_settings_are_read_only_when_a_rule_could_apply_and_once_per_use(
    twin: InMemoryChats, store: CountingStore, clock: MovableClock, audit: Audit
) -> None:
    chats = service(twin, store, clock, audit)
    chats.open_chat(me(TEACHER), CLASS)
    chats.list_chats(me(TEACHER), 50, None)
    chats.send_message(me(TEACHER), PARENTS, "Учитель пишет", None)  # a moderator: no quiet hours check
    assert store.reads == 0
    chats.send_message(me(PARENT), PARENTS, "Родитель пишет", None)  # visibility + quiet hours: one read
    assert store.reads == 1
    service(twin, store, clock, audit).list_chats(me(PARENT), 50, None)
    assert store.reads == 2


def test_quiet_hours_close_parents_chats_to_non_moderators(
    twin: InMemoryChats, store: CountingStore, clock: MovableClock, audit: Audit
) -> None:
    hours = PostingHours(time(8, 0), time(13, 0))  # it is 14:00 in Moscow
    assert store.save(SchoolSettings(SCHOOL, posting_hours=hours, version=1), 0)
    with pytest.raises(QuietHours) as closed:
        service(twin, store, clock, audit).send_message(me(PARENT), PARENTS, "Вопрос", None)
    assert closed.value.detail == "Чат открыт для сообщений с 8:00"
    assert closed.value.extensions["opens_at"] == "2026-09-02T05:00:00.000Z"
    assert service(twin, store, clock, audit).send_message(me(TEACHER), PARENTS, "Ответ", None).created
    assert service(twin, store, clock, audit).send_message(me(STUDENT), CLASS, "Класс", None).created
    clock.advance(hours=18)  # 08:00 in Moscow
    assert service(twin, store, clock, audit).send_message(me(PARENT), PARENTS, "Утро", None).created


def test_the_chat_list_says_when_posting_opens_reading_settings_once_and_only_when_needed(
    twin: InMemoryChats, store: CountingStore, clock: MovableClock, audit: Audit
) -> None:
    hours = PostingHours(time(8, 0), time(10, 0))  # 14:00 in Moscow now: closed until 08:00 tomorrow
    assert store.save(SchoolSettings(SCHOOL, posting_hours=hours, version=1), 0)
    rules = SchoolRules(store, clock, audit)
    chats = ChatService(twin, twin, twin, clock, fan_out=InlineFanOut(twin), rules=rules)
    parent_items = chats.list_chats(me(PARENT), 50, None).items
    student_items = chats.list_chats(me(STUDENT), 50, None).items
    teacher_items = chats.list_chats(me(TEACHER), 50, None).items
    store.reads = 0
    # The pupil is in no parents chat and the teacher moderates it: nothing to read, nothing closed.
    assert SchoolRules(store, clock, audit).closed_for_posting(student_items) == {}
    assert SchoolRules(store, clock, audit).closed_for_posting(teacher_items) == {}
    assert store.reads == 0
    closed = SchoolRules(store, clock, audit).closed_for_posting(parent_items)
    assert store.reads == 1
    assert set(closed) == {PARENTS}
    assert closed[PARENTS].opens_at == datetime(2026, 9, 2, 5, 0, tzinfo=UTC)
    assert closed[PARENTS].text == "Чат открыт для сообщений с 8:00"
    clock.advance(hours=18, minutes=1)  # 08:01 in Moscow
    assert SchoolRules(store, clock, audit).closed_for_posting(parent_items) == {}


def test_opening_a_parents_chat_and_its_posting_window_read_the_settings_once(
    twin: InMemoryChats, store: CountingStore, clock: MovableClock, audit: Audit
) -> None:
    hours = PostingHours(time(8, 0), time(10, 0))
    assert store.save(SchoolSettings(SCHOOL, posting_hours=hours, version=1), 0)
    chats = service(twin, store, clock, audit)
    store.reads = 0
    opened = chats.open_chat(me(PARENT), PARENTS)  # never opened by its teacher: visibility may read them
    closed = chats.closed_for_posting([(opened.membership, opened.chat)])
    assert closed[PARENTS].text == "Чат открыт для сообщений с 8:00"
    assert store.reads == 1
