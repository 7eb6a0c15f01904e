"""``ChatDirectory.person_memberships`` (what ``GET /v1/me`` says a person is), twin and DynamoDB alike."""

from __future__ import annotations

from datetime import timedelta

from chalicelib.planning.model import ChatKind, roster_chat_id
from chalicelib.roster.model import Role
from tests.builders import sample_school
from tests.contract.conftest import ChatPorts
from tests.contract.test_chats_contract import SCHOOL, T0, sync


def test_a_persons_active_memberships_name_their_roles_and_schools(ports: ChatPorts) -> None:
    sync(ports, sample_school(SCHOOL, classes=2, students=2, parents_per_student=1))
    teacher = f"{SCHOOL}-c0-t"
    seats = ports.directory.person_memberships(teacher)
    chats_of = ports.directory.chats_of(teacher, 100, None)
    assert {m.chat_id for m in seats} == {m.chat_id for m, _ in chats_of.items}
    assert {m.school_id for m in seats} == {SCHOOL}
    assert {m.person_role for m in seats} == {Role.TEACHER}
    assert all(m.person_id == teacher and m.active and m.name for m in seats)
    assert ports.directory.person_memberships("nobody") == []


def test_memberships_a_sync_ended_are_not_listed(ports: ChatPorts) -> None:
    sync(ports, sample_school(SCHOOL, classes=2, students=2, parents_per_student=1))
    student = f"{SCHOOL}-c1-s1"
    assert ports.directory.person_memberships(student)
    sync(ports, sample_school(SCHOOL, classes=2, students=1, parents_per_student=1), T0 + timedelta(hours=1))
    assert ports.directory.person_memberships(student) == []
    staying = ports.directory.person_memberships(f"{SCHOOL}-c1-s0")
    assert roster_chat_id(SCHOOL, ChatKind.CLASS, f"{SCHOOL}-c1") in {m.chat_id for m in staying}
