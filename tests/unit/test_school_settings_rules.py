"""The pure rules of a school's settings (SPEC §10): posting hours, teacher first, reading input."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from chalicelib.chats.directory import Chat, Membership
from chalicelib.errors import ValidationFailed
from chalicelib.planning.model import ChatKind, ChatRole
from chalicelib.roster.model import Role
from chalicelib.schools.settings import (
    PostingHours,
    SchoolSettings,
    SettingsChange,
    apply_change,
    check_time_zone,
    hidden_from,
    next_opening,
    opening_text,
    parse_clock_time,
    parse_posting_hours,
    waits_for_teacher,
)

T0 = datetime(2026, 9, 1, 5, 0, tzinfo=UTC)  # 08:00 in Moscow
DAY = PostingHours(time(8, 0), time(19, 0))
NIGHT = PostingHours(time(22, 0), time(6, 30))


def moscow(hour: int, minute: int = 0, day: int = 1) -> datetime:
    """A Moscow wall-clock time (UTC+3, no daylight saving) on September ``day``, as UTC."""
    return datetime(2026, 9, day, hour, minute, tzinfo=UTC) - timedelta(hours=3)


def test_a_day_window_holds_its_start_but_not_its_end() -> None:
    assert DAY.contains(time(8, 0)) and DAY.contains(time(18, 59))
    assert not DAY.contains(time(19, 0)) and not DAY.contains(time(7, 59)) and not DAY.contains(time(0, 0))


def test_a_window_across_midnight_holds_both_sides_of_it() -> None:
    assert NIGHT.contains(time(22, 0)) and NIGHT.contains(time(23, 59)) and NIGHT.contains(time(0, 0))
    assert NIGHT.contains(time(6, 29))
    assert (
        not NIGHT.contains(time(6, 30))
        and not NIGHT.contains(time(12, 0))
        and not NIGHT.contains(time(21, 59))
    )


@pytest.mark.parametrize(
    ("now", "opens"),
    [
        (moscow(8, 0), None),  # open
        (moscow(18, 59), None),
        (moscow(19, 0), moscow(8, 0, day=2)),  # closed from the end: opens tomorrow morning
        (moscow(23, 30), moscow(8, 0, day=2)),
        (moscow(0, 10, day=2), moscow(8, 0, day=2)),  # after midnight: opens this morning
        (moscow(7, 59), moscow(8, 0)),
    ],
)
def test_posting_opens_at_the_next_start_in_the_school_time_zone(
    now: datetime, opens: datetime | None
) -> None:
    assert next_opening(SchoolSettings("s", posting_hours=DAY), now) == opens


def test_a_window_across_midnight_opens_the_same_evening() -> None:
    settings = SchoolSettings("s", posting_hours=NIGHT)
    assert next_opening(settings, moscow(23, 0)) is None
    assert next_opening(settings, moscow(3, 0, day=2)) is None
    assert next_opening(settings, moscow(12, 0)) == moscow(22, 0)
    assert next_opening(settings, moscow(6, 30)) == moscow(22, 0)


def test_the_school_time_zone_decides_not_utc_or_moscow() -> None:
    # 05:00 UTC is 08:00 in Moscow (open) but 15:00 in Vladivostok (open) and 00:00 in New York (closed).
    assert next_opening(SchoolSettings("s", posting_hours=DAY, time_zone="Asia/Vladivostok"), T0) is None
    new_york = SchoolSettings("s", posting_hours=DAY, time_zone="America/New_York")
    assert next_opening(new_york, T0) == datetime(2026, 9, 1, 12, 0, tzinfo=UTC)  # 08:00 EDT


def test_no_quiet_hours_never_closes() -> None:
    assert next_opening(SchoolSettings("s"), moscow(3, 0)) is None


def test_the_message_says_when_posting_opens_without_a_leading_zero() -> None:
    assert opening_text(SchoolSettings("s", posting_hours=DAY)) == "Чат открыт для сообщений с 8:00"
    assert opening_text(SchoolSettings("s", posting_hours=NIGHT)) == "Чат открыт для сообщений с 22:00"
    late = SchoolSettings("s", posting_hours=PostingHours(time(7, 5), time(9, 0)))
    assert opening_text(late) == "Чат открыт для сообщений с 7:05"


@pytest.mark.parametrize(
    "value",
    ["8:00", "24:00", "23:60", "08:00:00", "0800", "", " 08:00", "08:00\n", "٠٨:٠٠", "08-00", "-1:00", "8"],
)
def test_times_are_two_digit_hours_and_minutes_only(value: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_clock_time(value, "quiet_hours.start")
    assert refused.value.extensions["errors"][0]["field"] == "quiet_hours.start"


def test_an_empty_window_is_refused_and_a_night_window_is_not() -> None:
    assert parse_posting_hours("00:00", "23:59") == PostingHours(time(0, 0), time(23, 59))
    assert parse_posting_hours("22:00", "06:30") == NIGHT
    with pytest.raises(ValidationFailed) as refused:
        parse_posting_hours("08:00", "08:00")
    assert refused.value.extensions["errors"][0]["field"] == "quiet_hours.end"


@pytest.mark.parametrize(
    "zone",
    ["Europe/Moskow", "", "UTC+3", "../../etc/passwd", "/etc/localtime", "localtime", "Europe/", "x" * 500],
)
def test_only_iana_time_zones_are_accepted(zone: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_time_zone(zone)
    assert refused.value.extensions["errors"][0]["field"] == "time_zone"


def test_known_time_zones_pass() -> None:
    for zone in ("Europe/Moscow", "Asia/Yekaterinburg", "Europe/Kaliningrad", "UTC"):
        assert check_time_zone(zone) == zone


def test_switching_teacher_first_on_starts_it_now_and_off_forgets_it() -> None:
    start = SchoolSettings("s")
    on = apply_change(start, SettingsChange(teacher_first=True), "adm", T0)
    assert (on.teacher_first, on.teacher_first_since, on.version, on.updated_by) == (True, T0, 1, "adm")
    again = apply_change(on, SettingsChange(teacher_first=True), "adm", T0 + timedelta(days=1))
    assert again is on  # nothing changed: same version, the start kept
    off = apply_change(on, SettingsChange(teacher_first=False), "op", T0 + timedelta(days=2))
    assert (off.teacher_first, off.teacher_first_since, off.version) == (False, None, 2)


def test_a_change_touches_only_what_it_names() -> None:
    start = SchoolSettings("s", teacher_first=True, teacher_first_since=T0, posting_hours=DAY, version=3)
    zoned = apply_change(start, SettingsChange(time_zone="Asia/Omsk"), "adm", T0)
    assert (zoned.time_zone, zoned.posting_hours, zoned.teacher_first_since, zoned.version) == (
        "Asia/Omsk",
        DAY,
        T0,
        4,
    )
    cleared = apply_change(zoned, SettingsChange(clear_posting_hours=True), "adm", T0)
    assert cleared.posting_hours is None and cleared.version == 5
    assert apply_change(cleared, SettingsChange(clear_posting_hours=True), "adm", T0) is cleared


def _chat(kind: ChatKind, created: datetime, opened: datetime | None = None) -> Chat:
    return Chat("ch", "s", kind, "5А", "5a", created_at=created, opened_at=opened)


def _member(role: Role) -> Membership:
    chat_role = ChatRole.MODERATOR if role is Role.TEACHER else ChatRole.MEMBER
    return Membership("ch", "p", "s", "Имя", role, chat_role)


def test_teacher_first_holds_new_class_and_parents_chats_from_pupils_and_parents_only() -> None:
    on = SchoolSettings("s", teacher_first=True, teacher_first_since=T0)
    new = T0 + timedelta(hours=1)
    for kind in (ChatKind.CLASS, ChatKind.PARENTS):
        assert waits_for_teacher(_chat(kind, new), on)
        assert hidden_from(_chat(kind, new), _member(Role.STUDENT), on)
        assert hidden_from(_chat(kind, new), _member(Role.PARENT), on)
        assert not hidden_from(_chat(kind, new), _member(Role.TEACHER), on)
        assert not hidden_from(_chat(kind, new, opened=new), _member(Role.STUDENT), on)  # opened
        assert not hidden_from(_chat(kind, T0 - timedelta(days=1)), _member(Role.STUDENT), on)  # older
        assert not hidden_from(_chat(kind, T0), _member(Role.STUDENT), on)  # made as it was switched on
        assert not hidden_from(_chat(kind, new), _member(Role.STUDENT), SchoolSettings("s"))  # off
    for kind in (ChatKind.STAFF, ChatKind.SUBJECT, ChatKind.CUSTOM):
        assert not hidden_from(_chat(kind, new), _member(Role.STUDENT), on)
