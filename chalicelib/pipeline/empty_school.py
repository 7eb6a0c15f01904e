"""A file that parses but leaves a school with no people is never applied as "everyone left" (SPEC §5).

Pure: stage 1 asks :func:`empty_school_outcome` about each school's update
before it queues the school. A bulk update without a single person is either
a broken export (a shifted header, the wrong file) or a school that really
closed; only an operator can tell, so a school that has chats is *held* with a
reason naming the cause, and a school never synced is left alone with a
warning (there is nothing of it to empty).
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.pipeline.report import PartStatus
from chalicelib.roster.codes import IssueCode
from chalicelib.roster.issues import IssueLog
from chalicelib.roster.model import SchoolRosterUpdate


@dataclass(frozen=True)
class EmptySchool:
    """What stage 1 does with a school left with no people: the part's status and its warning."""

    status: PartStatus
    code: str
    message: str


def likely_cause(issues: IssueLog) -> str:
    """The file's own problems that would explain a school without people (its first skipped row)."""
    if not issues.rows_skipped:
        return "no row of the file gives the school a person"
    first = issues.errors[0] if issues.errors else None
    where = f"; the first: {first.file} line {first.line}: {first.message}" if first else ""
    return f"{issues.rows_skipped} rows of the file were skipped{where}"


def empty_school_outcome(
    update: SchoolRosterUpdate, *, synced_before: bool, cause: str
) -> EmptySchool | None:
    """None when the update may go ahead; otherwise how its part ends, and why."""
    if not update.is_bulk or update.people.records:
        return None
    name = update.school_name or update.school_id
    if synced_before:
        return EmptySchool(
            PartStatus.HELD,
            IssueCode.EMPTY_SCHOOL.value,
            f"The file names school {name} but leaves it with no people ({cause}); applying it would "
            "remove everyone from the school's chats, so it was held. If the school really has no one "
            "left, an operator can re-run it with force.",
        )
    return EmptySchool(
        PartStatus.UNCHANGED,
        IssueCode.EMPTY_SCHOOL.value,
        f"The file names school {name} but gives it no people ({cause}); nothing was made for it.",
    )
