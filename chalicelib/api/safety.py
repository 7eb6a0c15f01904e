"""Routes of the school stepping in (SPEC §6, §11): reports of messages, the audit log, guardian consent.

Thin: input is checked here; ``safety.school.SchoolSafety`` (``ctx.services.school``) and
``safety.guardians.Guardians`` (``ctx.services.guardians``) decide.
"""

from __future__ import annotations

from typing import Annotated, Any

from chalice import Response
from pydantic import AfterValidator, StringConstraints

from chalicelib.api.http import ApiBlueprint, RequestBody, RequestContext, has_control_characters
from chalicelib.api.shapes import message_json
from chalicelib.clock import isoformat_utc
from chalicelib.errors import NotFound
from chalicelib.messenger.port import Message
from chalicelib.safety.audit import AuditEntry
from chalicelib.safety.consent import ConsentRequest
from chalicelib.safety.reports import Report, ReportPage

api = ApiBlueprint(__name__)

MAX_REASON_CHARS = 500
REPORTS_CURSOR = "before_report"
AUDIT_CURSOR = "before_entry"


def _plain_text(value: str) -> str:
    if has_control_characters(value.replace("\n", " ")):
        raise ValueError("must not contain control characters")
    return value


class ReportInput(RequestBody):
    """``POST /v1/chats/{id}/messages/{message_id}/report``: why the message is reported."""

    reason: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_REASON_CHARS),
        AfterValidator(_plain_text),
    ]


def report_json(report: Report, message: Message | None = None) -> dict[str, Any]:
    """A report: ``{"id", "chat_id", "school_id", "message_id", "reporter_id", "reason", "created_at",
    "status", "message"}`` (``message``: the reported message, in listings for those who decide).
    """
    return {
        "id": report.report_id,
        "chat_id": report.chat_id,
        "school_id": report.school_id,
        "message_id": report.message_id,
        "reporter_id": report.reporter_id,
        "reason": report.reason,
        "created_at": isoformat_utc(report.created_at),
        "status": report.status.value,
        "message": message_json(message) if message is not None else None,
    }


def audit_json(entry: AuditEntry) -> dict[str, Any]:
    """An audit record: ids and the action only (no message text, no phone)."""
    return {
        "id": entry.entry_id,
        "school_id": entry.school_id,
        "action": entry.action.value,
        "actor_id": entry.actor_id,
        "actor_kind": entry.actor_kind.value,
        "at": isoformat_utc(entry.at),
        "chat_id": entry.chat_id,
        "target_id": entry.target_id,
        "message_id": entry.message_id,
    }


def _reports_page(ctx: RequestContext, reports: ReportPage) -> dict[str, Any]:
    messages = ctx.services.school.reported_messages(reports)
    items = [report_json(r, messages.get((r.chat_id, r.message_id))) for r in reports.items]
    return ctx.page(items, REPORTS_CURSOR, reports.before)


@api.route("/v1/chats/{chat_id}/messages/{message_id}/report", methods=("POST",))
def report_message(ctx: RequestContext, chat_id: str, message_id: str) -> Response:
    """Members: report a message of the chat (201; reporting it again: 200 with the first report)."""
    body = ctx.body(ReportInput)
    opened = ctx.services.chats.open_chat(ctx.authenticated, chat_id)
    report, created = ctx.services.school.report_message(opened, message_id, body.reason)
    return Response(
        body=report_json(report),
        status_code=201 if created else 200,
        headers={"Content-Type": "application/json"},
    )


@api.route("/v1/chats/{chat_id}/reports")
def chat_reports(ctx: RequestContext, chat_id: str) -> dict[str, Any]:
    """The chat's moderators, the school's administrators and operators: open reports, newest first."""
    limit = ctx.page_size(default=50, maximum=100)
    opened = ctx.services.chats.open_chat(ctx.authenticated, chat_id)
    reports = ctx.services.school.chat_reports(opened, limit, ctx.position(REPORTS_CURSOR, compound=True))
    return _reports_page(ctx, reports)


@api.route("/v1/schools/{school_id}/reports")
def school_reports(ctx: RequestContext, school_id: str) -> dict[str, Any]:
    """The school's administrators and operators: every open report of the school, newest first."""
    ctx.services.chats.require_back_office(ctx.authenticated, school_id)
    limit = ctx.page_size(default=50, maximum=100)
    reports = ctx.services.school.school_reports(
        school_id, limit, ctx.position(REPORTS_CURSOR, compound=True)
    )
    return _reports_page(ctx, reports)


@api.route("/v1/schools/{school_id}/audit")
def school_audit(ctx: RequestContext, school_id: str) -> dict[str, Any]:
    """Operators: the school's audit log, newest first."""
    if not ctx.authenticated.is_operator:
        raise NotFound("No such school.")
    limit = ctx.page_size(default=50, maximum=200)
    entries = ctx.services.audit_log.page(school_id, limit, ctx.position(AUDIT_CURSOR, compound=True))
    return ctx.page([audit_json(e) for e in entries.items], AUDIT_CURSOR, entries.before)


# --- guardian consent ------------------------------------------------------------------------


class ConsentDecisionInput(RequestBody):
    """``POST /v1/consents/{id}``: approve (true) or refuse (false)."""

    approve: bool


def consent_json(request: ConsentRequest) -> dict[str, Any]:
    """A consent request as its guardian sees it."""
    return {
        "id": request.consent_id,
        "pupil_id": request.pupil_id,
        "pupil_name": request.pupil_name,
        "school_id": request.school_id,
        "requested_at": isoformat_utc(request.requested_at),
        "status": request.status.value,
    }


@api.route("/v1/consents")
def my_consent_requests(ctx: RequestContext) -> dict[str, Any]:
    """A linked guardian's pending requests to approve their children's links."""
    return {
        "items": [consent_json(r) for r in ctx.services.guardians.pending_for(ctx.authenticated.person_id)]
    }


@api.route("/v1/consents/{consent_id}", methods=("POST",))
def decide_consent(ctx: RequestContext, consent_id: str) -> dict[str, Any]:
    """The guardian's decision: approval lets the pupil see their chats."""
    body = ctx.body(ConsentDecisionInput)
    return consent_json(ctx.services.guardians.decide(ctx.authenticated.person_id, consent_id, body.approve))
