"""Export and erasure of one's own data (``privacy.me_data``) on the in-memory twins: what the export
holds (and leaves out), what erasure deletes, keeps as placeholders and audits. The emulator's
versions are in ``tests/integration/chats/test_my_data*.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.bootstrap import Services
from chalicelib.identity.stores import Link
from chalicelib.messenger.port import NewMember
from chalicelib.planning.model import ExistingChat, Role
from chalicelib.privacy.me_data import DELETED_USER_NAME, erase, export_data
from chalicelib.safety.audit import AuditAction
from chalicelib.safety.reports import ERASED_REPORTER, Report, report_id
from tests.twins import custom_chat, twin_services

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
PHONE = "+79001234567"
SCHOOL = "school-1"


@pytest.fixture
def services() -> Services:
    return twin_services(T0)


def _chat(services: Services, chat_id: str) -> ExistingChat:
    return custom_chat(services, chat_id, SCHOOL, NewMember("p-1", "Мама", Role.PARENT), T0)


def _linked(services: Services) -> str:
    account = services.identity_provider.create_account(PHONE, "hash", T0)
    services.links.create(Link("p-1", account.account_id, "prof-1", T0))
    return account.account_id


def _report(chat_id: str, message_id: str, reporter: str) -> Report:
    return Report(
        report_id(chat_id, message_id, reporter), SCHOOL, chat_id, message_id, reporter, "грубо", T0
    )


def test_the_export_holds_the_persons_chats_messages_and_reports_without_others_data(
    services: Services,
) -> None:
    _linked(services)
    chat = _chat(services, "ch-1")
    mine = services.messenger.post_message(chat, "p-1", "Мама", "Здравствуйте", None, T0).message
    theirs = services.messenger.post_message(chat, "t-1", "Учитель", "Добрый день", None, T0).message
    services.reports.add(_report("ch-1", theirs.message_id, "p-1"))
    services.reports.add(_report("ch-1", mine.message_id, "t-1"))  # about them, by someone else
    data = export_data(services, "p-1")
    assert data["account"]["phone_masked"] != PHONE and data["account"]["phone_masked"].endswith("67")
    assert data["link"]["profile_id"] == "prof-1"
    assert [(c["id"], c["active"], c["chat_role"]) for c in data["chats"]] == [("ch-1", True, "member")]
    assert [m["text"] for m in data["messages"]] == ["Здравствуйте"]
    assert [r["message_id"] for r in data["reports"]] == [theirs.message_id]


def test_erasure_deletes_the_account_keeps_placeholders_and_audits_once_per_school(
    services: Services,
) -> None:
    account_id = _linked(services)
    chat = _chat(services, "ch-1")
    mine = services.messenger.post_message(chat, "p-1", "Мама", "Здравствуйте", None, T0).message
    theirs = services.messenger.post_message(chat, "t-1", "Учитель", "Добрый день", None, T0).message
    services.reports.add(_report("ch-1", theirs.message_id, "p-1"))
    services.reports.add(_report("ch-1", mine.message_id, "t-1"))
    assert services.identity_provider.account(account_id) is not None
    services.clock.advance(hours=1)  # type: ignore[attr-defined]
    erase(services, "p-1")
    assert services.links.find("p-1") is None
    assert services.identity_provider.account(account_id) is None
    [kept] = [m for m in services.messenger.list_messages("ch-1", 10, None).items if m.author_id == "p-1"]
    assert (kept.text, kept.author_name, kept.deleted) == ("", DELETED_USER_NAME, True)
    open_reports = services.reports.open_in_chat("ch-1", 10, None).items
    assert [(r.message_id, r.reporter_id, r.reason) for r in open_reports] == [
        (theirs.message_id, ERASED_REPORTER, "")
    ]
    erased = [e for e in services.audit_log.page(SCHOOL, 10, None).items if e.action is AuditAction.ERASED]
    assert [(e.target_id, e.at) for e in erased] == [("p-1", T0 + timedelta(hours=1))]
    erase(services, "p-1")  # idempotent: nothing more to do, one more audit record of the request
    assert export_data(services, "p-1")["account"] is None
