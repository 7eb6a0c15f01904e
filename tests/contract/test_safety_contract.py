"""The audit log, consent store and report store ports (``chalicelib.safety``): the twins and
``store/safety.py`` alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.safety.audit import ActorKind, AuditAction, AuditEntry, AuditLog
from chalicelib.safety.consent import ConsentRequest, ConsentState, ConsentStore
from chalicelib.safety.reports import Report, ReportStatus, ReportStore, report_id

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


@dataclass
class SafetyPorts:
    audit: AuditLog
    consents: ConsentStore
    reports: ReportStore


@pytest.fixture(params=["memory", "dynamodb"])
def ports(request: pytest.FixtureRequest) -> SafetyPorts:
    """The twins, then the DynamoDB adapters (fresh tables per test)."""
    if request.param == "memory":
        from chalicelib.memory.safety import InMemoryAuditLog, InMemoryConsentStore, InMemoryReportStore

        return SafetyPorts(InMemoryAuditLog(), InMemoryConsentStore(), InMemoryReportStore())
    request.getfixturevalue("aws")
    from chalicelib.store.safety import DynamoAuditLog, DynamoConsentStore, DynamoReportStore

    return SafetyPorts(DynamoAuditLog(), DynamoConsentStore(), DynamoReportStore())


def _entry(school: str, minute: int, action: AuditAction = AuditAction.MEMBER_REMOVED) -> AuditEntry:
    return AuditEntry(
        school_id=school,
        action=action,
        actor_id="t-1",
        actor_kind=ActorKind.MODERATOR,
        at=T0 + timedelta(minutes=minute),
        chat_id="ch-1",
        target_id=f"p-{minute}",
    )


def test_a_schools_audit_log_pages_newest_first(ports: SafetyPorts) -> None:
    for minute in range(5):
        ports.audit.record(_entry("school-1", minute))
    ports.audit.record(_entry("school-2", 9))
    first = ports.audit.page("school-1", 2, None)
    assert [e.target_id for e in first.items] == ["p-4", "p-3"]
    assert first.before is not None
    second = ports.audit.page("school-1", 2, first.before)
    third = ports.audit.page("school-1", 2, second.before)
    assert [e.target_id for e in second.items + third.items] == ["p-2", "p-1", "p-0"]
    assert third.before is None
    kept = first.items[0]
    assert kept.entry_id.startswith("2026-09-01T08:04:00")
    assert (kept.action, kept.actor_kind, kept.chat_id, kept.at) == (
        AuditAction.MEMBER_REMOVED,
        ActorKind.MODERATOR,
        "ch-1",
        T0 + timedelta(minutes=4),
    )
    assert ports.audit.page("school-3", 10, None).items == ()


def _request(consent_id: str, guardian: str, minute: int) -> ConsentRequest:
    return ConsentRequest(
        consent_id=consent_id,
        pupil_id="s-1",
        pupil_name="Ученик",
        guardian_id=guardian,
        school_id="school-1",
        profile_id="prof-1",
        requested_at=T0 + timedelta(minutes=minute),
    )


def test_a_request_is_decided_once_and_leaves_the_guardians_pending_list(ports: SafetyPorts) -> None:
    ports.consents.request(_request("c-2", "g-1", 2))
    ports.consents.request(_request("c-1", "g-1", 1))
    ports.consents.request(_request("c-3", "g-2", 3))
    assert [r.consent_id for r in ports.consents.pending_for("g-1")] == ["c-1", "c-2"]
    assert ports.consents.decide("c-1", ConsentState.APPROVED, T0)
    assert not ports.consents.decide("c-1", ConsentState.REFUSED, T0)
    assert not ports.consents.decide("nobody", ConsentState.REFUSED, T0)
    decided = ports.consents.get("c-1")
    assert decided is not None and decided.status is ConsentState.APPROVED
    assert [r.consent_id for r in ports.consents.pending_for("g-1")] == ["c-2"]
    assert ports.consents.get("nobody") is None


def test_asking_again_makes_a_decided_request_pending(ports: SafetyPorts) -> None:
    ports.consents.request(_request("c-1", "g-1", 1))
    assert ports.consents.decide("c-1", ConsentState.REFUSED, T0)
    ports.consents.request(_request("c-1", "g-1", 5))
    again = ports.consents.get("c-1")
    assert again == _request("c-1", "g-1", 5)
    assert [r.consent_id for r in ports.consents.pending_for("g-1")] == ["c-1"]


def test_a_persons_records_are_what_they_did_and_what_was_done_to_them(ports: SafetyPorts) -> None:
    ports.audit.record(_entry("school-1", 1))  # t-1 removed p-1
    ports.audit.record(_entry("school-2", 2))  # t-1 removed p-2, in another school
    ports.audit.record(
        AuditEntry("school-1", AuditAction.ERASED, "p-1", ActorKind.PERSON, T0 + timedelta(minutes=3))
    )
    about_p1 = ports.audit.about_person("p-1")
    assert [(e.action, e.actor_id, e.target_id) for e in about_p1] == [
        (AuditAction.MEMBER_REMOVED, "t-1", "p-1"),
        (AuditAction.ERASED, "p-1", None),
    ]
    assert [e.school_id for e in ports.audit.about_person("t-1")] == ["school-1", "school-2"]
    assert ports.audit.about_person("nobody") == []


def test_requests_involving_a_person_and_erasing_a_pupils(ports: SafetyPorts) -> None:
    ports.consents.request(_request("c-1", "g-1", 1))
    ports.consents.request(_request("c-2", "g-2", 2))
    other = ConsentRequest("c-3", "s-2", "Другой", "g-1", "school-1", "prof-2", T0 + timedelta(minutes=3))
    ports.consents.request(other)
    assert [r.consent_id for r in ports.consents.involving("g-1")] == ["c-1", "c-3"]
    assert [r.consent_id for r in ports.consents.involving("s-1")] == ["c-1", "c-2"]
    assert ports.consents.delete_about_pupil("s-1") == 2
    assert ports.consents.get("c-1") is None and ports.consents.get("c-2") is None
    assert [r.consent_id for r in ports.consents.involving("g-1")] == ["c-3"]
    assert ports.consents.delete_about_pupil("s-1") == 0


def _report(chat: str, message: str, reporter: str, minute: int, school: str = "school-1") -> Report:
    return Report(
        report_id=report_id(chat, message, reporter),
        school_id=school,
        chat_id=chat,
        message_id=message,
        reporter_id=reporter,
        reason=f"причина {reporter}",
        created_at=T0 + timedelta(minutes=minute),
    )


def test_the_first_report_of_a_message_by_a_reporter_stays(ports: SafetyPorts) -> None:
    first = _report("ch-1", "m-1", "p-1", 0)
    assert ports.reports.add(first) == (first, True)
    again = _report("ch-1", "m-1", "p-1", 5)  # the same reporter, later, other words
    stored, made = ports.reports.add(again)
    assert (stored, made) == (first, False)


def test_open_reports_page_newest_first_by_chat_and_by_school(ports: SafetyPorts) -> None:
    for minute, (chat, message) in enumerate(
        [("ch-1", "m-1"), ("ch-2", "m-2"), ("ch-1", "m-3"), ("ch-2", "m-4")]
    ):
        ports.reports.add(_report(chat, message, "p-1", minute))
    ports.reports.add(_report("ch-9", "m-9", "p-1", 9, school="school-2"))
    first = ports.reports.open_in_school("school-1", 3, None)
    assert [r.message_id for r in first.items] == ["m-4", "m-3", "m-2"] and first.before is not None
    rest = ports.reports.open_in_school("school-1", 3, first.before)
    assert [r.message_id for r in rest.items] == ["m-1"] and rest.before is None
    chat = ports.reports.open_in_chat("ch-1", 1, None)
    assert [r.message_id for r in chat.items] == ["m-3"] and chat.before is not None
    older = ports.reports.open_in_chat("ch-1", 1, chat.before)
    assert [r.message_id for r in older.items] == ["m-1"] and older.before is None


def test_a_deleted_messages_reports_close_and_leave_the_open_lists(ports: SafetyPorts) -> None:
    ports.reports.add(_report("ch-1", "m-1", "p-1", 0))
    ports.reports.add(_report("ch-1", "m-1", "p-2", 1))
    ports.reports.add(_report("ch-1", "m-2", "p-1", 2))
    assert ports.reports.resolve_message("ch-1", "m-1") == 2
    assert ports.reports.resolve_message("ch-1", "m-1") == 0
    assert [r.message_id for r in ports.reports.open_in_chat("ch-1", 10, None).items] == ["m-2"]
    assert [r.message_id for r in ports.reports.open_in_school("school-1", 10, None).items] == ["m-2"]
    filed = ports.reports.filed_by("p-1")
    assert [(r.message_id, r.status) for r in filed] == [
        ("m-1", ReportStatus.RESOLVED),
        ("m-2", ReportStatus.OPEN),
    ]


def test_an_erased_reporter_is_anonymised_and_reports_about_their_messages_go(ports: SafetyPorts) -> None:
    ports.reports.add(_report("ch-1", "m-1", "p-1", 0))
    ports.reports.add(_report("ch-2", "m-2", "p-1", 1))
    ports.reports.add(_report("ch-1", "m-3", "p-2", 2))
    ports.reports.add(_report("ch-1", "m-4", "p-2", 3))
    assert ports.reports.anonymise_reporter("p-1", "erased") == 2
    assert ports.reports.filed_by("p-1") == []
    anonymous = ports.reports.filed_by("erased")
    assert [(r.message_id, r.reason) for r in anonymous] == [("m-1", ""), ("m-2", "")]
    assert ports.reports.delete_about("ch-1", {"m-3", "m-1"}) == 2
    assert ports.reports.delete_about("ch-1", {"m-3"}) == 0
    assert [r.message_id for r in ports.reports.open_in_chat("ch-1", 10, None).items] == ["m-4"]
