"""The DynamoDB tables, as PynamoDB models.

Table names come from configuration (``TABLE_PREFIX`` + a fixed suffix), read
when a model first talks to DynamoDB, so one code base serves every stage and
every test's fresh set of tables. ``infrastructure/`` declares the same tables
for AWS. Every table of the service is listed in ``store.schema.ALL_MODELS``.
"""

from __future__ import annotations

from typing import Any

import pynamodb.connection.base
import pynamodb.settings
from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import (
    AllProjection,
    GlobalSecondaryIndex,
    IncludeProjection,
    KeysOnlyProjection,
    LocalSecondaryIndex,
)
from pynamodb.models import Model

from chalicelib.aws import CONNECT_TIMEOUT_S, MAX_ATTEMPTS, READ_TIMEOUT_S, botocore_session
from chalicelib.config import settings

# PynamoDB makes a botocore session per model (and per thread); share ours instead,
# so the service definitions are parsed once per thread, not once per table.
pynamodb.connection.base.get_session = botocore_session  # type: ignore[attr-defined]
# PynamoDB's defaults (15 s connect, 30 s read, 4 attempts) outlast API Gateway's 29 s; every
# model defined below takes the same timeouts and attempts as the boto3 clients (chalicelib.aws).
pynamodb.settings.default_settings_dict.update(
    connect_timeout_seconds=CONNECT_TIMEOUT_S,
    read_timeout_seconds=READ_TIMEOUT_S,
    max_retry_attempts=MAX_ATTEMPTS - 1,  # retries after the first attempt
)


class _TableName:
    """``Meta.table_name`` that follows configuration (``TABLE_PREFIX``)."""

    def __init__(self, suffix: str) -> None:
        self.suffix = suffix

    def __get__(self, instance: object, owner: type) -> str:
        return settings().table_name(self.suffix)


class _Region:
    def __get__(self, instance: object, owner: type) -> str:
        return settings().region


# --- chats ---------------------------------------------------------------------------


# Everything of a chat but its activity (``last_activity``, ``last_message``): a send
# changes only those, so it writes nothing into the school's index partition.
CHAT_DIRECTORY_ATTRIBUTES = [
    "kind",
    "class_id",
    "title",
    "archived",
    "archived_by_user",
    "title_locked",
    "read_only",
    "managed_by_roster",
    "member_count",
    "created_at",
    "created_by",
    "request_digest",
    # A school-year rollover matches classes by the chat's origin (planning.model.ChatOrigin).
    "origin_class_id",
    "origin_generation",
    # Retention (chalicelib/safety/retention.py) finds long-archived chats by these.
    "archived_at",
    "messages_purged_at",
    "archive_listing",
    # Teacher first (chalicelib/schools): a chat listed by school says whether it was opened.
    "opened_at",
]


class ChatsBySchool(GlobalSecondaryIndex["ChatItem"]):
    """A school's chats (back office listing, loading a school's state for a sync), without activity."""

    class Meta:
        index_name = "by-school"
        projection = IncludeProjection(CHAT_DIRECTORY_ATTRIBUTES)

    school_id = UnicodeAttribute(hash_key=True)
    chat_id = UnicodeAttribute(range_key=True)


ARCHIVE_LISTING = "archived"
"""``archive_listing`` of an archived chat whose messages are still kept (sparse ``archived-by-time``)."""


class ChatsArchivedByTime(GlobalSecondaryIndex["ChatItem"]):
    """Archived chats whose messages are still kept, oldest archive first: what retention purges.

    Sparse: only such chats carry ``archive_listing`` (set when archived, removed
    when restored or purged), so the daily sweep is one Query, never a Scan.
    """

    class Meta:
        index_name = "archived-by-time"
        projection = AllProjection()

    archive_listing = UnicodeAttribute(hash_key=True)
    archived_at = UTCDateTimeAttribute(range_key=True)


class LastMessage(MapAttribute[str, Any]):
    """The newest message of a chat, kept on the chat for the chat list."""

    message_id = UnicodeAttribute()
    author_id = UnicodeAttribute()
    author_name = UnicodeAttribute()
    text = UnicodeAttribute()
    sent_at = UTCDateTimeAttribute()
    client_msg_id = UnicodeAttribute(null=True)
    deleted = BooleanAttribute(default=False)


class ChatItem(Model):
    """One chat. Roster chats have deterministic ids (``planning.model.roster_chat_id``)."""

    class Meta:
        table_name = _TableName("chats")
        region = _Region()

    chat_id = UnicodeAttribute(hash_key=True)
    school_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    class_id = UnicodeAttribute(null=True)
    title = UnicodeAttribute()
    archived = BooleanAttribute(default=False)
    archived_by_user = BooleanAttribute(default=False)
    # When the chat was archived: its messages go ARCHIVED_MESSAGES_RETENTION_DAYS later (safety.retention).
    archived_at = UTCDateTimeAttribute(null=True)
    messages_purged_at = UTCDateTimeAttribute(null=True)
    archive_listing = UnicodeAttribute(null=True)
    title_locked = BooleanAttribute(default=False)
    read_only = BooleanAttribute(default=False)
    managed_by_roster = BooleanAttribute(default=False)
    member_count = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()
    created_by = UnicodeAttribute(null=True)
    # Teacher first (chalicelib/schools): when the class teacher opened the chat to pupils and parents.
    opened_at = UTCDateTimeAttribute(null=True)
    # A custom chat made with a client_request_id: what that request asked for (a retry must match).
    request_digest = UnicodeAttribute(null=True)
    # ISO 8601 time of the last message (or of creation): the membership index sorts by it.
    last_activity = UnicodeAttribute()
    last_message = LastMessage(null=True)
    # How far the members' lists were brought behind the sends (``store.fanout``): a last activity.
    listed_up_to = UnicodeAttribute(null=True)
    # A homeroom chat a new school year carried to another class: the class id (and generation)
    # its id was made from, so its parents chat stays its pair (``planning.rollover``).
    origin_class_id = UnicodeAttribute(null=True)
    origin_generation = NumberAttribute(null=True)

    by_school = ChatsBySchool()
    archived_by_time = ChatsArchivedByTime()


# --- memberships ---------------------------------------------------------------------


class MembershipsByPerson(GlobalSecondaryIndex["MembershipItem"]):
    """A person's active chats, newest activity first (sparse: only active rows have the key)."""

    class Meta:
        index_name = "by-person"
        projection = AllProjection()

    member_of = UnicodeAttribute(hash_key=True)
    activity_key = UnicodeAttribute(range_key=True)


# What a school's sync reads of a membership row (``store.chats.existing_member``). Chat
# activity (``activity_key``, ``member_of``) stays out: a send moves every member's
# ``activity_key``, and with it projected each send would write once per member into
# the school's one index partition (see bench/capacity/ASSUMPTIONS.md).
MEMBERSHIP_SYNC_ATTRIBUTES = ["chat_role", "person_role", "name", "active", "source", "excluded"]


class MembershipsBySchool(GlobalSecondaryIndex["MembershipItem"]):
    """Every membership row of a school's chats (one paginated Query loads a school's state).

    Projects only what a sync compares, never chat activity or read state: writes
    into a school's partition come from roster changes alone.
    """

    class Meta:
        index_name = "by-school"
        projection = IncludeProjection(MEMBERSHIP_SYNC_ATTRIBUTES)

    school_id = UnicodeAttribute(hash_key=True)
    chat_id = UnicodeAttribute(range_key=True)


class SeatsByPerson(GlobalSecondaryIndex["MembershipItem"]):
    """Every membership row of a person, active or ended (keys only): what the export lists and
    what erasure and pseudonymisation reach without reading a school's whole partition.

    Keys only, on keys that never change: no update of a row writes to it.
    """

    class Meta:
        index_name = "seats-by-person"
        projection = KeysOnlyProjection()

    person_id = UnicodeAttribute(hash_key=True)
    chat_id = UnicodeAttribute(range_key=True)


class MembershipItem(Model):
    """A person's membership of a chat. Rows are never deleted: leaving sets ``active`` false.

    ``member_of`` (= ``person_id``) and ``activity_key`` exist only while the row
    is active, which keeps ended memberships out of the person index.
    """

    class Meta:
        table_name = _TableName("memberships")
        region = _Region()

    chat_id = UnicodeAttribute(hash_key=True)
    person_id = UnicodeAttribute(range_key=True)
    school_id = UnicodeAttribute()
    chat_role = UnicodeAttribute()
    person_role = UnicodeAttribute()
    name = UnicodeAttribute()
    active = BooleanAttribute(default=True)
    source = UnicodeAttribute(default="roster")
    excluded = BooleanAttribute(default=False)
    joined_at = UTCDateTimeAttribute(null=True)
    left_at = UTCDateTimeAttribute(null=True)
    member_of = UnicodeAttribute(null=True)
    activity_key = UnicodeAttribute(null=True)
    # Read position (``messenger.port.read_position``): kept out of the school's index (capacity).
    read_up_to = UnicodeAttribute(null=True)

    by_person = MembershipsByPerson()
    by_school = MembershipsBySchool()
    seats_by_person = SeatsByPerson()


def activity_key(last_activity: str, chat_id: str) -> str:
    """The person index's sort key: the chat's last activity, then its id (unique, ordered)."""
    return f"{last_activity}#{chat_id}"


# --- messages ------------------------------------------------------------------------


class MessagesByTime(LocalSecondaryIndex["MessageItem"]):
    """A chat's messages in the order they were sent (the messages API reads it newest first)."""

    class Meta:
        index_name = "by-time"
        projection = AllProjection()

    chat_id = UnicodeAttribute(hash_key=True)
    sent_key = UnicodeAttribute(range_key=True)


class MessagesByAuthor(GlobalSecondaryIndex["MessageItem"]):
    """A person's own messages (keys only): what ``GET /v1/me/data`` exports and ``DELETE /v1/me`` scrubs."""

    class Meta:
        index_name = "by-author"
        projection = KeysOnlyProjection()

    author_id = UnicodeAttribute(hash_key=True)
    sent_key = UnicodeAttribute(range_key=True)


class MessageItem(Model):
    """One message of the built-in messenger.

    Keyed by (chat, message id) so a send with a ``client_msg_id`` can be made
    idempotent with one conditional put (the id is derived from it); the
    ``by-time`` index orders a chat's messages by ``sent_key`` =
    ``message_sort_key(sent_at, message_id)``. A deleted message keeps its row
    as a placeholder without its text.
    """

    class Meta:
        table_name = _TableName("messages")
        region = _Region()

    chat_id = UnicodeAttribute(hash_key=True)
    message_id = UnicodeAttribute(range_key=True)
    sent_key = UnicodeAttribute()
    author_id = UnicodeAttribute()
    author_name = UnicodeAttribute()
    text = UnicodeAttribute()
    sent_at = UTCDateTimeAttribute()
    client_msg_id = UnicodeAttribute(null=True)
    deleted = BooleanAttribute(default=False)
    deleted_at = UTCDateTimeAttribute(null=True)
    deleted_by = UnicodeAttribute(null=True)
    reply_to = UnicodeAttribute(null=True)  # the message (of the same chat) this one answers

    by_time = MessagesByTime()
    by_author = MessagesByAuthor()


def message_sort_key(sent_at: str, message_id: str) -> str:
    """The messages index's sort key: the ISO send time, then the message id (unique, ordered)."""
    return f"{sent_at}#{message_id}"


# --- schools -------------------------------------------------------------------------


class SchoolItem(Model):
    """A school's sync state: its last applied roster, and the lease that serialises its syncs."""

    class Meta:
        table_name = _TableName("schools")
        region = _Region()

    school_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    roster_fingerprint = UnicodeAttribute(null=True)
    roster_key = UnicodeAttribute(null=True)
    last_import_id = UnicodeAttribute(null=True)
    # When the applied roster was uploaded: an older upload arriving late is not applied.
    last_uploaded_at = UnicodeAttribute(null=True)
    synced_at = UTCDateTimeAttribute(null=True)
    lease_owner = UnicodeAttribute(null=True)
    lease_until = NumberAttribute(null=True)


# --- imports -------------------------------------------------------------------------


class ImportsNewestFirst(GlobalSecondaryIndex["ImportItem"]):
    """All imports by start time (only header rows carry ``listing``)."""

    class Meta:
        index_name = "newest-first"
        projection = AllProjection()

    listing = UnicodeAttribute(hash_key=True)
    started_at = UnicodeAttribute(range_key=True)


class ImportsBySchool(GlobalSecondaryIndex["ImportItem"]):
    """A school's parts of imports by start time (only part rows carry ``part_school_id``)."""

    class Meta:
        index_name = "by-school"
        projection = AllProjection()

    part_school_id = UnicodeAttribute(hash_key=True)
    started_at = UnicodeAttribute(range_key=True)


class ImportsByAppliedContent(GlobalSecondaryIndex["ImportItem"]):
    """Cleanly applied bulk imports by the content of their file (sparse: only they carry it).

    A byte-identical re-upload finds the import that applied it and, when every
    school still holds what that import applied, is settled without reading the file.
    """

    class Meta:
        index_name = "by-applied-content"
        projection = AllProjection()

    applied_content = UnicodeAttribute(hash_key=True)
    started_at = UnicodeAttribute(range_key=True)


HEADER_PART = "#"


def school_part(school_id: str) -> str:
    """The range key of an import's part for one school."""
    return f"school#{school_id}"


class ImportItem(Model):
    """An import: a header row (``part = "#"``) and one part row per school it touches."""

    class Meta:
        table_name = _TableName("imports")
        region = _Region()

    import_id = UnicodeAttribute(hash_key=True)
    part = UnicodeAttribute(range_key=True)
    listing = UnicodeAttribute(null=True)
    part_school_id = UnicodeAttribute(null=True)
    started_at = UnicodeAttribute()
    finished_at = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    source_key = UnicodeAttribute(null=True)
    source_bucket = UnicodeAttribute(null=True)
    source_version = UnicodeAttribute(null=True)
    uploaded_at = UnicodeAttribute(null=True)
    format = UnicodeAttribute(null=True)
    bulk = BooleanAttribute(null=True)
    force = BooleanAttribute(default=False)
    school_name = UnicodeAttribute(null=True)
    schools_total = NumberAttribute(default=0)
    schools_done = NumberAttribute(default=0)
    counts = MapAttribute[str, Any](default=dict)
    errors = ListAttribute[Any](default=list)
    warnings = ListAttribute[Any](default=list)
    error_count = NumberAttribute(default=0)
    warning_count = NumberAttribute(default=0)
    # Where the complete list of errors and warnings is (``reports/…issues.jsonl``); the item keeps its head.
    issues_key = UnicodeAttribute(null=True)
    shard_key = UnicodeAttribute(null=True)
    removal_share = NumberAttribute(null=True)
    # Header: what identifies the file's content (store.rosters.content_key); set
    # again as applied_content once the import applied it cleanly, in bulk.
    content_key = UnicodeAttribute(null=True)
    applied_content = UnicodeAttribute(null=True)
    # Part of a bulk import: the fingerprint of the school's roster in this file.
    fingerprint = UnicodeAttribute(null=True)

    newest_first = ImportsNewestFirst()
    by_school = ImportsBySchool()
    by_applied_content = ImportsByAppliedContent()


# --- links ---------------------------------------------------------------------------


class LinkItem(Model):
    """A journal user's link to an educational profile (SPEC §2: one journal user ↔ one profile)."""

    class Meta:
        table_name = _TableName("links")
        region = _Region()

    person_id = UnicodeAttribute(hash_key=True)
    profile_id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    linked_at = UTCDateTimeAttribute()
    # A young pupil's link waits for a guardian (``safety.consent``): pending, approved or refused.
    consent = UnicodeAttribute(null=True)
