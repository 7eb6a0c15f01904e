"""Reports of messages (SPEC §6): a member flags a message; the chat's moderators and the school's
administrators (and operators) see the open reports; deleting the message closes them.

One report per (message, reporter): reporting again answers with the first report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from chalicelib.ids import derived_id


class ReportStatus(StrEnum):
    """Open until the message is deleted."""

    OPEN = "open"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class Report:
    """A member's report of a message (the reason is the reporter's words, not the message's)."""

    report_id: str
    school_id: str
    chat_id: str
    message_id: str
    reporter_id: str
    reason: str
    created_at: datetime
    status: ReportStatus = ReportStatus.OPEN


@dataclass(frozen=True, slots=True)
class ReportPage:
    """A page of open reports, newest first."""

    items: tuple[Report, ...]
    before: str | None


ERASED_REPORTER = "erased"
"""The ``reporter_id`` of a report whose reporter erased their data (``DELETE /v1/me``)."""


def report_id(chat_id: str, message_id: str, reporter_id: str) -> str:
    """The id of a reporter's report of a message (the same report whenever they report it again)."""
    return derived_id("rep", chat_id, message_id, reporter_id)


class ReportStore(Protocol):
    """Where reports are kept."""

    def add(self, report: Report) -> tuple[Report, bool]:
        """Keep a report unless it exists; the stored one and whether this call made it."""
        ...

    def open_in_school(self, school_id: str, limit: int, before: str | None) -> ReportPage:
        """A school's open reports, newest first."""
        ...

    def open_in_chat(self, chat_id: str, limit: int, before: str | None) -> ReportPage:
        """A chat's open reports, newest first."""
        ...

    def resolve_message(self, chat_id: str, message_id: str) -> int:
        """Close every open report of a message; how many were closed."""
        ...

    def filed_by(self, reporter_id: str) -> list[Report]:
        """Every report the person filed, open or closed, oldest first."""
        ...

    def anonymise_reporter(self, reporter_id: str, placeholder: str) -> int:
        """Replace the reporter's id by ``placeholder`` and empty their reason in every report they
        filed (the reports stay for the moderators); how many."""
        ...

    def delete_about(self, chat_id: str, message_ids: set[str]) -> int:
        """Delete every report of these messages of one chat; how many."""
        ...
