"""The pure rules of ``chalicelib.safety``: who leaves with a departure, which chats need the
administrators, and who needs a guardian's consent."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.planning.model import ChatKind, ChatRole
from chalicelib.safety.consent import ConsentRequired, age_on, needs_consent, require_consent
from chalicelib.safety.departures import ChatFacts, SeatRow, plan_departures

M, P = ChatRole.MODERATOR, ChatRole.MEMBER


def facts(*chats: tuple[str, bool]) -> dict[str, ChatFacts]:
    return {cid: ChatFacts(cid, ChatKind.CUSTOM, archived) for cid, archived in chats}


def test_a_departed_moderator_leaves_and_the_chat_needs_the_administrators() -> None:
    rows = [
        SeatRow("c1", "teacher", M, True),
        SeatRow("c1", "pupil-1", P, True),
        SeatRow("c1", "pupil-2", P, True),
        SeatRow("c2", "teacher", P, True),
        SeatRow("c2", "other", M, True),
    ]
    plan = plan_departures({"pupil-1", "pupil-2", "other"}, facts(("c1", False), ("c2", False)), rows)
    assert plan.leaving == (("c1", "teacher"), ("c2", "teacher"))
    assert plan.unmoderated == ("c1",)
    assert plan.departed == {"teacher"}


def test_nothing_to_do_when_everyone_is_still_there_or_already_gone() -> None:
    rows = [SeatRow("c1", "teacher", M, False), SeatRow("c1", "pupil", P, True)]
    plan = plan_departures({"pupil"}, facts(("c1", False)), rows)
    # The moderator left earlier (a row already ended): that chat is unmoderated and is handed over.
    assert plan.leaving == ()
    assert plan.unmoderated == ("c1",)
    assert plan_departures({"pupil", "teacher"}, facts(("c1", False)), rows[1:]).unmoderated == ()


def test_archived_and_empty_chats_are_not_handed_over() -> None:
    rows = [SeatRow("c1", "teacher", M, True), SeatRow("c2", "teacher", M, True), SeatRow("c2", "p", P, True)]
    plan = plan_departures({"p"}, facts(("c1", False), ("c2", True)), rows)
    assert plan.unmoderated == ()


@pytest.mark.parametrize(
    ("birth", "today", "age"),
    [
        (date(2012, 9, 2), date(2026, 9, 1), 13),
        (date(2012, 9, 1), date(2026, 9, 1), 14),
        (date(2012, 2, 29), date(2026, 2, 28), 13),
    ],
)
def test_age_counts_full_years(birth: date, today: date, age: int) -> None:
    assert age_on(birth, today) == age


def test_only_students_under_the_age_need_consent() -> None:
    today = date(2026, 9, 1)
    assert needs_consent(True, date(2015, 1, 1), today, 14)
    assert not needs_consent(True, date(2012, 9, 1), today, 14)
    assert not needs_consent(False, date(2015, 1, 1), today, 14)
    for blocking in ("pending", "refused"):
        with pytest.raises(ConsentRequired):
            require_consent(blocking)
    require_consent(None)
    require_consent("approved")
