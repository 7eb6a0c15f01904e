"""DynamoDB adapter of ``schools.settings.SchoolSettingsStore``: schools' settings, and chats' openings.

* ``school-settings`` — one item per school that ever changed its settings
  (hash key ``school_id``); a school without one has the defaults. Every save
  is conditional on the version read (optimistic locking), so two
  administrators changing settings at once never lose one change silently.
* a chat's ``opened_at`` (teacher first) lives on its ``chats`` item, so the
  lookup every chat request already makes carries it: hiding a waiting chat
  costs no extra read of the chat.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.models import Model

from chalicelib.schools.settings import DEFAULT_TIME_ZONE, PostingHours, SchoolSettings, format_clock_time
from chalicelib.store.batch import batch_get
from chalicelib.store.conditions import is_condition_failure
from chalicelib.store.tables import ChatItem, _Region, _TableName


class SchoolSettingsItem(Model):
    """One school's settings."""

    class Meta:
        table_name = _TableName("school-settings")
        region = _Region()

    school_id = UnicodeAttribute(hash_key=True)
    version = NumberAttribute()
    teacher_first = BooleanAttribute(default=False)
    teacher_first_since = UTCDateTimeAttribute(null=True)
    # Posting hours as "HH:MM" local times (both set, or neither).
    posting_start = UnicodeAttribute(null=True)
    posting_end = UnicodeAttribute(null=True)
    time_zone = UnicodeAttribute(default=DEFAULT_TIME_ZONE)
    updated_at = UTCDateTimeAttribute(null=True)
    updated_by = UnicodeAttribute(null=True)


def _clock_time(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def settings_of(item: SchoolSettingsItem) -> SchoolSettings:
    """A stored item as the domain object."""
    hours = None
    if item.posting_start and item.posting_end:
        hours = PostingHours(_clock_time(item.posting_start), _clock_time(item.posting_end))
    return SchoolSettings(
        school_id=item.school_id,
        teacher_first=bool(item.teacher_first),
        teacher_first_since=item.teacher_first_since,
        posting_hours=hours,
        time_zone=item.time_zone or DEFAULT_TIME_ZONE,
        version=int(item.version),
        updated_at=item.updated_at,
        updated_by=item.updated_by,
    )


class DynamoSchoolSettings:
    """Schools' settings in DynamoDB (see the module docstring)."""

    def load(self, school_id: str) -> SchoolSettings:
        """One GetItem (eventually consistent: a change shows within a second)."""
        try:
            return settings_of(SchoolSettingsItem.get(school_id))
        except DoesNotExist:
            return SchoolSettings(school_id)

    def load_many(self, school_ids: Iterable[str]) -> dict[str, SchoolSettings]:
        """One BatchGetItem for up to 100 schools."""
        ids = sorted(set(school_ids))
        if not ids:
            return {}
        found = batch_get({SchoolSettingsItem: [{"school_id": sid} for sid in ids]})[SchoolSettingsItem]
        stored = {item.school_id: settings_of(item) for item in found}
        return {sid: stored.get(sid, SchoolSettings(sid)) for sid in ids}

    def save(self, settings: SchoolSettings, expected_version: int) -> bool:
        """One conditional PutItem: the stored version must still be ``expected_version``."""
        hours = settings.posting_hours
        item = SchoolSettingsItem(
            settings.school_id,
            version=settings.version,
            teacher_first=settings.teacher_first,
            teacher_first_since=settings.teacher_first_since,
            posting_start=format_clock_time(hours.start) if hours else None,
            posting_end=format_clock_time(hours.end) if hours else None,
            time_zone=settings.time_zone,
            updated_at=settings.updated_at,
            updated_by=settings.updated_by,
        )
        condition = (
            SchoolSettingsItem.school_id.does_not_exist()
            if expected_version == 0
            else SchoolSettingsItem.version == expected_version
        )
        try:
            item.save(condition=condition)
        except PutError as error:
            if is_condition_failure(error):
                return False
            raise
        return True

    def mark_opened(self, chat_id: str, at: datetime) -> datetime | None:
        """One conditional UpdateItem that sets ``opened_at`` once; a second opening reads the first."""
        try:
            ChatItem(chat_id).update(
                actions=[ChatItem.opened_at.set(at)],
                condition=ChatItem.chat_id.exists() & ChatItem.opened_at.does_not_exist(),
            )
            return at
        except UpdateError as error:
            if not is_condition_failure(error):
                raise
        try:
            opened = ChatItem.get(chat_id, consistent_read=True, attributes_to_get=["chat_id", "opened_at"])
        except DoesNotExist:
            return None
        return opened.opened_at
