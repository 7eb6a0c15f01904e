"""Routes of a school's settings (SPEC §10): teacher first, quiet hours, the time zone.

* ``GET/PATCH /v1/schools/{school_id}/settings`` — the school's administrators and operators;
* ``POST /v1/chats/{chat_id}/open`` — the class teacher's «Открыть чат» (teacher first);
* ``POST /m/chats/{chat_id}/open`` — the same button on the hosted page.

Thin: input is read here; ``schools.service.SchoolRules`` (``ctx.services.school_rules``) decides.
"""

from __future__ import annotations

from typing import Annotated, Any

from chalice import Response
from pydantic import StringConstraints

from chalicelib.api.chats import _chat_with_call
from chalicelib.api.hosted import _checked_form, _error_page, _redirect, _signed_in, _urls
from chalicelib.api.http import FORM_CONTENT_TYPE, ApiBlueprint, RequestBody, RequestContext
from chalicelib.clock import isoformat_utc
from chalicelib.errors import ValidationFailed
from chalicelib.schools.settings import (
    MAX_TIME_ZONE_CHARS,
    SchoolSettings,
    SettingsChange,
    check_time_zone,
    format_clock_time,
    parse_posting_hours,
)

api = ApiBlueprint(__name__)

ClockTime = Annotated[str, StringConstraints(max_length=5)]


class PostingHoursInput(RequestBody):
    """``quiet_hours``: when everyone may post in parents chats, ``"HH:MM"`` in the school's time zone."""

    start: ClockTime
    end: ClockTime


class SettingsInput(RequestBody):
    """``PATCH /v1/schools/{id}/settings``: the fields sent change; ``quiet_hours: null`` removes them."""

    teacher_first: bool | None = None
    quiet_hours: PostingHoursInput | None = None
    time_zone: Annotated[str, StringConstraints(max_length=MAX_TIME_ZONE_CHARS)] | None = None

    def change(self) -> SettingsChange:
        """The change asked for, each value checked (422 naming the field)."""
        sent = self.model_fields_set
        for name in ("teacher_first", "time_zone"):
            if name in sent and getattr(self, name) is None:
                raise ValidationFailed(
                    "Some fields are invalid.", [{"field": name, "message": "must not be null"}]
                )
        if not sent:
            raise ValidationFailed(
                "Nothing to change.",
                [{"field": "body", "message": "send teacher_first, quiet_hours or time_zone"}],
            )
        hours = self.quiet_hours
        return SettingsChange(
            teacher_first=self.teacher_first,
            posting_hours=parse_posting_hours(hours.start, hours.end) if hours is not None else None,
            clear_posting_hours="quiet_hours" in sent and hours is None,
            time_zone=check_time_zone(self.time_zone) if self.time_zone is not None else None,
        )


def settings_json(settings: SchoolSettings) -> dict[str, Any]:
    """A school's settings: ``{"school_id", "teacher_first", "quiet_hours": {"start", "end"} | null,
    "time_zone", "updated_at" | null}``."""
    hours = settings.posting_hours
    return {
        "school_id": settings.school_id,
        "teacher_first": settings.teacher_first,
        "quiet_hours": (
            {"start": format_clock_time(hours.start), "end": format_clock_time(hours.end)}
            if hours is not None
            else None
        ),
        "time_zone": settings.time_zone,
        "updated_at": isoformat_utc(settings.updated_at) if settings.updated_at else None,
    }


@api.route("/v1/schools/{school_id}/settings")
def read_settings(ctx: RequestContext, school_id: str) -> dict[str, Any]:
    """The school's administrators and operators: the school's settings (defaults until changed)."""
    ctx.services.chats.require_back_office(ctx.authenticated, school_id)
    return settings_json(ctx.services.school_rules.settings(school_id))


@api.route("/v1/schools/{school_id}/settings", methods=("PATCH",))
def change_settings(ctx: RequestContext, school_id: str) -> dict[str, Any]:
    """The school's administrators and operators: change settings (each change audited)."""
    body = ctx.body(SettingsInput)  # a malformed body is a 400 whoever sends it, as on every route
    ctx.services.chats.require_back_office(ctx.authenticated, school_id)
    change = body.change()
    return settings_json(ctx.services.school_rules.change(ctx.authenticated, school_id, change))


@api.route("/v1/chats/{chat_id}/open", methods=("POST",))
def open_chat(ctx: RequestContext, chat_id: str) -> dict[str, Any]:
    """The class teacher (a moderator of a class or parents chat): show it to its pupils and parents."""
    opened = ctx.services.chats.open_chat(ctx.authenticated, chat_id)
    shown = ctx.services.school_rules.open_for_pupils(opened)
    return _chat_with_call(ctx, shown) | {"awaiting_open": False}


@api.route(
    "/m/chats/{chat_id}/open",
    methods=("POST",),
    auth=False,
    content_types=(FORM_CONTENT_TYPE,),
    render_error=_error_page,
)
def open_chat_on_page(ctx: RequestContext, chat_id: str) -> Response:
    """«Открыть чат» on the hosted page: open it, then back to the chat."""
    session = _signed_in(ctx)
    form = _checked_form(ctx, session)
    if form:
        raise ValidationFailed(
            "Unknown form fields.", [{"field": name, "message": "unknown"} for name in form]
        )
    opened = ctx.services.chats.open_chat(session.caller, chat_id)
    ctx.services.school_rules.open_for_pupils(opened)
    return _redirect(_urls().chat(chat_id))
