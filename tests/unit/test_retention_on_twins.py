"""The retention sweep (``safety.retention.sweep``) on the in-memory twins: who is pseudonymised, which
chats lose their messages and files, what is audited, and that a second run does nothing. The
emulator's versions are in ``tests/integration/chats/test_retention.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.attachments.port import Attachment, Status
from chalicelib.bootstrap import Services
from chalicelib.config import settings
from chalicelib.messenger.port import NewMember
from chalicelib.planning.model import ExistingChat, Role
from chalicelib.safety.audit import AuditAction
from chalicelib.safety.retention import PSEUDONYM, SweepResult, sweep
from tests.twins import custom_chat, twin_services

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
SCHOOL = "school-1"


@pytest.fixture
def services() -> Services:
    return twin_services(T0)


def _chat(services: Services, chat_id: str) -> ExistingChat:
    return custom_chat(services, chat_id, SCHOOL, NewMember("s-1", "Ученик 1", Role.STUDENT), T0)


def _actions(services: Services) -> list[AuditAction]:
    return sorted(e.action for e in services.audit_log.page(SCHOOL, 50, None).items)


def test_a_person_gone_long_enough_is_pseudonymised_once(services: Services) -> None:
    chat = _chat(services, "ch-1")
    services.messenger.post_message(chat, "s-1", "Ученик 1", "привет", None, T0)
    services.messenger.remove_member(chat, "s-1", exclude=False, now=T0)
    services.seats.record_departure("s-1", SCHOOL, T0)
    days = settings().departed_retention_days
    assert sweep(services, T0 + timedelta(days=days - 1)) == SweepResult(0, 0, 0)  # not yet
    assert sweep(services, T0 + timedelta(days=days + 1)) == SweepResult(1, 0, 0)
    [message] = services.messenger.list_messages("ch-1", 10, None).items
    assert message.author_name == PSEUDONYM
    assert _actions(services) == [AuditAction.PSEUDONYMISED]
    assert sweep(services, T0 + timedelta(days=days + 2)) == SweepResult(0, 0, 0)  # idempotent


def test_a_person_back_on_a_roster_keeps_their_name(services: Services) -> None:
    chat = _chat(services, "ch-1")
    services.messenger.post_message(chat, "s-1", "Ученик 1", "привет", None, T0)
    services.seats.record_departure("s-1", SCHOOL, T0)  # left one school's roster, still in a chat
    assert sweep(services, T0 + timedelta(days=400)) == SweepResult(0, 0, 0)
    [message] = services.messenger.list_messages("ch-1", 10, None).items
    assert message.author_name == "Ученик 1"
    assert services.retention.departures_before(T0 + timedelta(days=400)) == {}  # forgotten
    assert _actions(services) == []


def test_a_chat_archived_long_enough_loses_its_messages_and_files(services: Services) -> None:
    chat = _chat(services, "ch-1")
    kept = _chat(services, "ch-2")
    sent = services.messenger.post_message(chat, "t-1", "Учитель", "раз", None, T0)
    services.messenger.post_message(kept, "t-1", "Учитель", "два", None, T0)
    services.attachment_records.add(
        Attachment(
            attachment_id="att-1",
            chat_id="ch-1",
            uploader_id="t-1",
            name="a.pdf",
            content_type="application/pdf",
            size=3,
            created_at=T0,
            status=Status.READY,
            message_id=sent.message.message_id,
        ),
        T0 + timedelta(days=1),
    )
    services.messenger.archive_chat("ch-1")
    services.seats.stamp_archived("ch-1", T0)
    days = settings().archived_messages_retention_days
    assert sweep(services, T0 + timedelta(days=days + 1)) == SweepResult(0, 1, 1)
    assert services.messenger.list_messages("ch-1", 10, None).items == ()
    assert len(services.messenger.list_messages("ch-2", 10, None).items) == 1  # not archived
    assert services.attachment_records.of_chat("ch-1") == []
    assert _actions(services) == [AuditAction.MESSAGES_PURGED]
    assert sweep(services, T0 + timedelta(days=days + 2)) == SweepResult(0, 0, 0)
