"""A school's settings and the rules they set (SPEC §10). Pure: no storage, no clock of its own.

* **Teacher first** (off by default): a class or parents chat made while it is
  on stays hidden from its pupils and parents until one of its moderators (the
  class teacher) opens it (:func:`waits_for_teacher`, :func:`hidden_from`).
  Chats that existed before it was switched on stay as they were: the rule is
  about *new* chats (``teacher_first_since``).
* **Quiet hours** (none by default): ``posting_hours`` is the window, in the
  school's time zone, in which everyone may post in parents chats; outside it
  only the chat's moderators post, and the others are told when posting opens
  (:func:`next_opening`, :func:`opening_text`). A window may cross midnight
  (``22:00``–``06:00``).
* **Time zone**: an IANA name, ``Europe/Moscow`` by default.

The port :class:`SchoolSettingsStore` keeps them; its DynamoDB adapter is
``store.school_settings``, its twin ``memory.school_settings``, both held to
``tests/contract/test_school_settings_contract.py``.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from importlib import resources
from typing import Protocol

from chalicelib.chats.directory import Chat, Membership
from chalicelib.errors import ValidationFailed
from chalicelib.planning.model import ChatKind, ChatRole
from chalicelib.roster.model import Role

DEFAULT_TIME_ZONE = "Europe/Moscow"
MAX_TIME_ZONE_CHARS = 64

HELD_KINDS = frozenset({ChatKind.CLASS, ChatKind.PARENTS})
"""The chats teacher-first holds back: a class's own chats, which its class teacher opens."""

WAITING_ROLES = frozenset({Role.STUDENT, Role.PARENT})
"""Who waits for the class teacher: pupils and parents (teachers and administrators never do)."""

QUIET_KINDS = frozenset({ChatKind.PARENTS})
"""The chats quiet hours close: parents chats."""

_HHMM = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")


@dataclass(frozen=True, slots=True)
class PostingHours:
    """When everyone may post, as local wall-clock times; ``end`` before ``start`` crosses midnight."""

    start: time
    end: time

    def contains(self, local: time) -> bool:
        """Whether a local time of day is inside the window (``start`` included, ``end`` not)."""
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


@dataclass(frozen=True, slots=True)
class SchoolSettings:
    """One school's settings; a school that never changed them has the defaults (``version`` 0)."""

    school_id: str
    teacher_first: bool = False
    # When teacher first was last switched on: chats made from then on wait for their class teacher.
    teacher_first_since: datetime | None = None
    posting_hours: PostingHours | None = None
    time_zone: str = DEFAULT_TIME_ZONE
    version: int = 0
    updated_at: datetime | None = None
    updated_by: str | None = None

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The school's time zone."""
        return zoneinfo.ZoneInfo(self.time_zone)


@dataclass(frozen=True, slots=True)
class SettingsChange:
    """What a ``PATCH`` asks to change; a field left ``None`` stays as it is.

    ``posting_hours`` is the one field that can be set to "none": ``clear_posting_hours``.
    """

    teacher_first: bool | None = None
    posting_hours: PostingHours | None = None
    clear_posting_hours: bool = False
    time_zone: str | None = None

    @property
    def empty(self) -> bool:
        """Whether the change names nothing to change."""
        return (
            self.teacher_first is None
            and self.posting_hours is None
            and not self.clear_posting_hours
            and self.time_zone is None
        )


class SchoolSettingsStore(Protocol):
    """Where schools' settings are kept, and the one chat fact teacher first writes (opening)."""

    def load(self, school_id: str) -> SchoolSettings:
        """The school's settings (the defaults, version 0, when none were ever saved)."""
        ...

    def load_many(self, school_ids: Iterable[str]) -> dict[str, SchoolSettings]:
        """Several schools' settings at once, by school id (defaults for those never saved)."""
        ...

    def save(self, settings: SchoolSettings, expected_version: int) -> bool:
        """Store ``settings`` (its ``version`` is the new one) if the stored version is still
        ``expected_version`` (0: none stored); False when someone else changed them first."""
        ...

    def mark_opened(self, chat_id: str, at: datetime) -> datetime | None:
        """Record that the chat's class teacher opened it; when it was first opened (an earlier time
        stays), or None when there is no such chat."""
        ...


# --- reading input -----------------------------------------------------------------------


def parse_clock_time(value: str, field: str) -> time:
    """``"HH:MM"`` (24-hour, two digits each) as a time; 422 naming ``field`` otherwise."""
    match = _HHMM.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValidationFailed(
            "Время указано неверно.",
            [{"field": field, "message": "время в формате ЧЧ:ММ, от 00:00 до 23:59 (например, 08:00)"}],
        )
    return time(int(match.group(1)), int(match.group(2)))


def parse_posting_hours(start: str, end: str) -> PostingHours:
    """The window from ``quiet_hours.start``/``.end``; 422 for a bad time or an empty window."""
    hours = PostingHours(
        parse_clock_time(start, "quiet_hours.start"), parse_clock_time(end, "quiet_hours.end")
    )
    if hours.start == hours.end:
        raise ValidationFailed(
            "Время начала и конца совпадает.",
            [{"field": "quiet_hours.end", "message": "конец должен отличаться от начала"}],
        )
    return hours


@functools.cache
def _known_time_zones() -> frozenset[str]:
    # The IANA names the bundled tz database (``tzdata``, a pinned dependency) lists: the same set
    # on every machine, whatever the system's zoneinfo holds (``localtime``, ``posixrules`` are not zones).
    return frozenset(resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8").split())


def check_time_zone(name: str) -> str:
    """An IANA time zone name known to the tz database; 422 otherwise (paths, ``localtime`` included)."""
    if not isinstance(name, str) or len(name) > MAX_TIME_ZONE_CHARS or name not in _known_time_zones():
        raise ValidationFailed(
            "Неизвестный часовой пояс.",
            [{"field": "time_zone", "message": "название часового пояса IANA, например Europe/Moscow"}],
        )
    return name


def format_clock_time(value: time) -> str:
    """``HH:MM``, as the API shows a time of day."""
    return f"{value.hour:02d}:{value.minute:02d}"


# --- changing -----------------------------------------------------------------------------


def apply_change(
    current: SchoolSettings, change: SettingsChange, actor_id: str, now: datetime
) -> SchoolSettings:
    """The settings after ``change`` (the next version), or ``current`` itself when nothing differs.

    Switching teacher first on starts ``teacher_first_since`` now; switching it
    off forgets it, so chats made while it was off are never held back later.
    """
    updated = current
    if change.teacher_first is not None and change.teacher_first != current.teacher_first:
        since = now if change.teacher_first else None
        updated = dataclasses.replace(updated, teacher_first=change.teacher_first, teacher_first_since=since)
    if change.clear_posting_hours and current.posting_hours is not None:
        updated = dataclasses.replace(updated, posting_hours=None)
    elif change.posting_hours is not None and change.posting_hours != current.posting_hours:
        updated = dataclasses.replace(updated, posting_hours=change.posting_hours)
    if change.time_zone is not None and change.time_zone != current.time_zone:
        updated = dataclasses.replace(updated, time_zone=change.time_zone)
    if updated == current:
        return current
    return dataclasses.replace(updated, version=current.version + 1, updated_at=now, updated_by=actor_id)


# --- teacher first ------------------------------------------------------------------------


def may_wait(chat: Chat, membership: Membership | None) -> bool:
    """Whether the chat could be held back from this member at all (no settings needed to say no)."""
    return (
        membership is not None
        and membership.person_role in WAITING_ROLES
        and chat.kind in HELD_KINDS
        and chat.opened_at is None
    )


def waits_for_teacher(chat: Chat, settings: SchoolSettings) -> bool:
    """Whether a class or parents chat is still waiting for its class teacher to open it.

    Only chats made after teacher first was switched on wait (a chat whose
    creation time is unknown is treated as new: held back rather than shown).
    """
    if not settings.teacher_first or chat.kind not in HELD_KINDS or chat.opened_at is not None:
        return False
    since = settings.teacher_first_since
    return since is None or chat.created_at is None or chat.created_at > since


def hidden_from(chat: Chat, membership: Membership | None, settings: SchoolSettings) -> bool:
    """Whether a member may not see the chat yet: a pupil or parent, in a chat waiting for its teacher."""
    return may_wait(chat, membership) and waits_for_teacher(chat, settings)


# --- quiet hours --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClosedForPosting:
    """A chat closed to its member by quiet hours: when it opens (UTC) and how the member is told."""

    opens_at: datetime
    text: str


def closed_for_posting(settings: SchoolSettings, now: datetime) -> ClosedForPosting | None:
    """The school's quiet hours as a member of a parents chat meets them now, or None: open."""
    opens = next_opening(settings, now)
    return None if opens is None else ClosedForPosting(opens, opening_text(settings))


def quiet_hours_apply(chat: Chat, membership: Membership | None) -> bool:
    """Whether quiet hours can close the chat to this member: a parents chat, and a member who does
    not moderate it (back-office viewers, who never post, are not told)."""
    return (
        membership is not None
        and chat.kind in QUIET_KINDS
        and membership.chat_role is not ChatRole.MODERATOR
    )


def next_opening(settings: SchoolSettings, now: datetime) -> datetime | None:
    """When posting opens again (UTC), or None when it is open now (or the school has no quiet hours)."""
    hours = settings.posting_hours
    if hours is None:
        return None
    local = now.astimezone(settings.zone)
    if hours.contains(local.time().replace(tzinfo=None)):
        return None
    opening = datetime.combine(local.date(), hours.start, tzinfo=settings.zone)
    if opening <= local:
        opening = datetime.combine(local.date() + timedelta(days=1), hours.start, tzinfo=settings.zone)
    return opening


def opening_text(settings: SchoolSettings) -> str:
    """What a parent is told outside the posting hours: «Чат открыт для сообщений с 8:00»."""
    assert settings.posting_hours is not None
    start = settings.posting_hours.start
    return f"Чат открыт для сообщений с {start.hour}:{start.minute:02d}"
