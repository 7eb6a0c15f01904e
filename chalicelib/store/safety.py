"""DynamoDB adapters of ``chalicelib.safety``: the audit log and message reports.

* ``audit`` — (school_id, ``entry`` = ISO time + random id): a school's records
  newest first in one Query; ``forget_at`` (TTL) drops them after
  ``AUDIT_RETENTION_DAYS``. Holds ids and actions only: no text, no phone.
* ``reports`` — (chat_id, report_id); ``open_key`` (creation time + id) and
  ``open_school`` exist only while a report is open, so the LSI ``open-by-time``
  (a chat's open reports) and the GSI ``open-by-school`` (a school's) are sparse.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.attributes import TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection, LocalSecondaryIndex
from pynamodb.models import Model

from chalicelib.chats.directory import Chat
from chalicelib.clock import isoformat_utc
from chalicelib.config import settings
from chalicelib.ids import random_id
from chalicelib.planning.model import ChatRole
from chalicelib.safety.audit import ActorKind, AuditAction, AuditEntry, AuditPage
from chalicelib.safety.consent import ConsentRequest, ConsentState
from chalicelib.safety.departures import SeatRow
from chalicelib.safety.reports import Report, ReportPage, ReportStatus
from chalicelib.store.conditions import is_condition_failure
from chalicelib.store.directory import chat_of
from chalicelib.store.paging import one_page
from chalicelib.store.tables import (
    ARCHIVE_LISTING,
    ChatItem,
    MembershipItem,
    MessageItem,
    _Region,
    _TableName,
)


class AuditByActor(GlobalSecondaryIndex["AuditItem"]):
    """Records of what a person did, newest last (a person's export; never a Scan)."""

    class Meta:
        index_name = "by-actor"
        projection = AllProjection()

    actor_id = UnicodeAttribute(hash_key=True)
    entry = UnicodeAttribute(range_key=True)


class AuditByTarget(GlobalSecondaryIndex["AuditItem"]):
    """Records of what was done to a person (sparse: only records with a ``target_id``)."""

    class Meta:
        index_name = "by-target"
        projection = AllProjection()

    target_id = UnicodeAttribute(hash_key=True)
    entry = UnicodeAttribute(range_key=True)


class AuditItem(Model):
    """One audit record."""

    class Meta:
        table_name = _TableName("audit")
        region = _Region()

    school_id = UnicodeAttribute(hash_key=True)
    entry = UnicodeAttribute(range_key=True)
    action = UnicodeAttribute()
    actor_id = UnicodeAttribute()
    actor_kind = UnicodeAttribute()
    at = UTCDateTimeAttribute()
    chat_id = UnicodeAttribute(null=True)
    target_id = UnicodeAttribute(null=True)
    message_id = UnicodeAttribute(null=True)
    forget_at = TTLAttribute(null=True)

    by_actor = AuditByActor()
    by_target = AuditByTarget()


def _entry_of(item: AuditItem) -> AuditEntry:
    return AuditEntry(
        school_id=item.school_id,
        action=AuditAction(item.action),
        actor_id=item.actor_id,
        actor_kind=ActorKind(item.actor_kind),
        at=item.at,
        chat_id=item.chat_id,
        target_id=item.target_id,
        message_id=item.message_id,
        entry_id=item.entry,
    )


class DynamoAuditLog:
    """The audit log in DynamoDB (see the module docstring)."""

    def record(self, entry: AuditEntry) -> None:
        """One PutItem; kept for ``AUDIT_RETENTION_DAYS``."""
        AuditItem(
            school_id=entry.school_id,
            entry=f"{isoformat_utc(entry.at)}#{random_id('aud')}",
            action=entry.action.value,
            actor_id=entry.actor_id,
            actor_kind=entry.actor_kind.value,
            at=entry.at,
            chat_id=entry.chat_id,
            target_id=entry.target_id,
            message_id=entry.message_id,
            forget_at=entry.at + timedelta(days=settings().audit_retention_days),
        ).save()

    def page(self, school_id: str, limit: int, before: str | None) -> AuditPage:
        """One descending Query of the school's records."""
        start = {"school_id": {"S": school_id}, "entry": {"S": before}} if before is not None else None
        rows, position = one_page(
            AuditItem.query(school_id, scan_index_forward=False, limit=limit + 1, last_evaluated_key=start),
            limit,
            lambda row: row.entry,
        )
        return AuditPage(items=tuple(_entry_of(row) for row in rows), before=position)

    def about_person(self, person_id: str) -> list[AuditEntry]:
        """Every record the person did or that was done to them, oldest first (two index Queries)."""
        found = {row.school_id + row.entry: row for row in AuditItem.by_actor.query(person_id)}
        found.update({row.school_id + row.entry: row for row in AuditItem.by_target.query(person_id)})
        return [_entry_of(row) for row in sorted(found.values(), key=lambda row: row.entry)]


# --- reports -------------------------------------------------------------------------


class OpenReportsByTime(LocalSecondaryIndex["ReportItem"]):
    """A chat's open reports by creation (sparse: only open reports carry ``open_key``)."""

    class Meta:
        index_name = "open-by-time"
        projection = AllProjection()

    chat_id = UnicodeAttribute(hash_key=True)
    open_key = UnicodeAttribute(range_key=True)


class OpenReportsBySchool(GlobalSecondaryIndex["ReportItem"]):
    """A school's open reports by creation (sparse: only open reports carry ``open_school``)."""

    class Meta:
        index_name = "open-by-school"
        projection = AllProjection()

    open_school = UnicodeAttribute(hash_key=True)
    open_key = UnicodeAttribute(range_key=True)


class ReportsByReporter(GlobalSecondaryIndex["ReportItem"]):
    """The reports a person filed (keys only): their export and their erasure, without a Scan."""

    class Meta:
        index_name = "by-reporter"
        projection = KeysOnlyProjection()

    reporter_id = UnicodeAttribute(hash_key=True)
    report_id = UnicodeAttribute(range_key=True)


class ReportItem(Model):
    """A member's report of a message."""

    class Meta:
        table_name = _TableName("reports")
        region = _Region()

    chat_id = UnicodeAttribute(hash_key=True)
    report_id = UnicodeAttribute(range_key=True)
    school_id = UnicodeAttribute()
    message_id = UnicodeAttribute()
    reporter_id = UnicodeAttribute()
    reason = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    status = UnicodeAttribute()
    open_key = UnicodeAttribute(null=True)
    open_school = UnicodeAttribute(null=True)

    open_by_time = OpenReportsByTime()
    open_by_school = OpenReportsBySchool()
    by_reporter = ReportsByReporter()


def _report_of(item: ReportItem) -> Report:
    return Report(
        report_id=item.report_id,
        school_id=item.school_id,
        chat_id=item.chat_id,
        message_id=item.message_id,
        reporter_id=item.reporter_id,
        reason=item.reason,
        created_at=item.created_at,
        status=ReportStatus(item.status),
    )


class DynamoReportStore:
    """Reports in DynamoDB (see the module docstring)."""

    def add(self, report: Report) -> tuple[Report, bool]:
        """A conditional put: the first report of a message by a reporter stays."""
        item = ReportItem(
            chat_id=report.chat_id,
            report_id=report.report_id,
            school_id=report.school_id,
            message_id=report.message_id,
            reporter_id=report.reporter_id,
            reason=report.reason,
            created_at=report.created_at,
            status=ReportStatus.OPEN.value,
            open_key=f"{isoformat_utc(report.created_at)}#{report.report_id}",
            open_school=report.school_id,
        )
        try:
            item.save(condition=ReportItem.report_id.does_not_exist())
        except PutError as error:
            if not is_condition_failure(error):
                raise
            return _report_of(ReportItem.get(report.chat_id, report.report_id, consistent_read=True)), False
        return report, True

    def open_in_school(self, school_id: str, limit: int, before: str | None) -> ReportPage:
        """One descending Query of ``open-by-school``."""
        start = None
        if before is not None:
            chat_id, _, report_key = before.rpartition("|")
            start = {
                "open_school": {"S": school_id},
                "open_key": {"S": report_key},
                "chat_id": {"S": chat_id},
                "report_id": {"S": report_key.rpartition("#")[2]},
            }
        rows, position = one_page(
            ReportItem.open_by_school.query(
                school_id, scan_index_forward=False, limit=limit + 1, last_evaluated_key=start
            ),
            limit,
            lambda row: f"{row.chat_id}|{row.open_key}",
        )
        return ReportPage(items=tuple(_report_of(row) for row in rows), before=position)

    def open_in_chat(self, chat_id: str, limit: int, before: str | None) -> ReportPage:
        """One descending Query of ``open-by-time``."""
        start = None
        if before is not None:
            start = {
                "chat_id": {"S": chat_id},
                "open_key": {"S": before},
                "report_id": {"S": before.rpartition("#")[2]},
            }
        rows, position = one_page(
            ReportItem.open_by_time.query(
                chat_id, scan_index_forward=False, limit=limit + 1, last_evaluated_key=start
            ),
            limit,
            lambda row: str(row.open_key),
        )
        return ReportPage(items=tuple(_report_of(row) for row in rows), before=position)

    def resolve_message(self, chat_id: str, message_id: str) -> int:
        """Close the message's open reports (one Query of the chat's open ones, one update each)."""
        closed = 0
        for row in ReportItem.open_by_time.query(
            chat_id, filter_condition=ReportItem.message_id == message_id
        ):
            row.update(
                actions=[
                    ReportItem.status.set(ReportStatus.RESOLVED.value),
                    ReportItem.open_key.remove(),
                    ReportItem.open_school.remove(),
                ]
            )
            closed += 1
        return closed

    def filed_by(self, reporter_id: str) -> list[Report]:
        """Every report the person filed, oldest first (a keys-only Query, then one GetItem each)."""
        found = [
            ReportItem.get(key.chat_id, key.report_id, consistent_read=True)
            for key in ReportItem.by_reporter.query(reporter_id)
        ]
        return [_report_of(item) for item in sorted(found, key=lambda item: item.created_at)]

    def anonymise_reporter(self, reporter_id: str, placeholder: str) -> int:
        """Drop the reporter's id and words from every report they filed (the report stays); how many."""
        changed = 0
        for key in ReportItem.by_reporter.query(reporter_id):
            ReportItem(key.chat_id, key.report_id).update(
                actions=[ReportItem.reporter_id.set(placeholder), ReportItem.reason.set("")],
                condition=ReportItem.report_id.exists(),
            )
            changed += 1
        return changed

    def delete_about(self, chat_id: str, message_ids: set[str]) -> int:
        """Delete every report (open or closed) of these messages of one chat; how many.

        One Query of the chat's reports (a chat has few), filtered to the messages.
        """
        deleted = 0
        for row in ReportItem.query(chat_id):
            if row.message_id in message_ids:
                row.delete()
                deleted += 1
        return deleted


# --- a school's seats (departures) ---------------------------------------------------


def load_school_seats(school_id: str) -> tuple[dict[str, Chat], list[SeatRow]]:
    """Every chat of a school (custom ones too) and every membership row: two Queries on ``by-school``."""
    chats = {item.chat_id: chat_of(item) for item in ChatItem.by_school.query(school_id)}
    rows = [
        SeatRow(
            chat_id=item.chat_id,
            person_id=item.person_id,
            chat_role=ChatRole(item.chat_role),
            active=bool(item.active),
        )
        for item in MembershipItem.by_school.query(school_id)
        if item.chat_id in chats
    ]
    return chats, rows


def make_moderator(chat_id: str, person_id: str) -> bool:
    """Make an active member a moderator; False when they are not an active member."""
    try:
        MembershipItem(chat_id, person_id).update(
            actions=[MembershipItem.chat_role.set(ChatRole.MODERATOR.value)],
            condition=MembershipItem.active == True,  # noqa: E712 - a DynamoDB condition
        )
    except UpdateError as error:
        if is_condition_failure(error):
            return False
        raise
    return True


class DynamoSchoolSeats:
    """The DynamoDB adapter of ``safety.school.SchoolSeats``."""

    def load_school_seats(self, school_id: str) -> tuple[dict[str, Chat], list[SeatRow]]:
        """Every chat of a school and every membership row of them."""
        return load_school_seats(school_id)

    def make_moderator(self, chat_id: str, person_id: str) -> bool:
        """Make an active member a moderator; False when they are not an active member."""
        return make_moderator(chat_id, person_id)

    def record_departure(self, person_id: str, school_id: str, now: datetime) -> None:
        """Remember when a person left a school's roster (the retention sweep reads it)."""
        record_departure(person_id, school_id, now)

    def stamp_archived(self, chat_id: str, now: datetime) -> None:
        """Remember when a chat was archived by hand."""
        stamp_archived(chat_id, now)


# --- guardian consent ------------------------------------------------------------------------


class PendingConsentsByGuardian(GlobalSecondaryIndex["ConsentItem"]):
    """A guardian's pending requests (sparse: only pending ones carry ``pending_guardian``)."""

    class Meta:
        index_name = "pending-by-guardian"
        projection = AllProjection()

    pending_guardian = UnicodeAttribute(hash_key=True)
    consent_id = UnicodeAttribute(range_key=True)


class ConsentsByPupil(GlobalSecondaryIndex["ConsentItem"]):
    """Every request about a pupil (keys only): their export and erasure, without a Scan."""

    class Meta:
        index_name = "by-pupil"
        projection = KeysOnlyProjection()

    pupil_id = UnicodeAttribute(hash_key=True)
    consent_id = UnicodeAttribute(range_key=True)


class ConsentsByGuardian(GlobalSecondaryIndex["ConsentItem"]):
    """Every request to a guardian, decided or not (keys only): the guardian's export."""

    class Meta:
        index_name = "by-guardian"
        projection = KeysOnlyProjection()

    guardian_id = UnicodeAttribute(hash_key=True)
    consent_id = UnicodeAttribute(range_key=True)


class ConsentItem(Model):
    """A request to one guardian to approve one pupil's link."""

    class Meta:
        table_name = _TableName("consents")
        region = _Region()

    consent_id = UnicodeAttribute(hash_key=True)
    pupil_id = UnicodeAttribute()
    pupil_name = UnicodeAttribute()
    guardian_id = UnicodeAttribute()
    school_id = UnicodeAttribute()
    profile_id = UnicodeAttribute()
    requested_at = UTCDateTimeAttribute()
    status = UnicodeAttribute()
    decided_at = UTCDateTimeAttribute(null=True)
    pending_guardian = UnicodeAttribute(null=True)

    pending_by_guardian = PendingConsentsByGuardian()
    by_pupil = ConsentsByPupil()
    by_guardian = ConsentsByGuardian()


def _consent_of(item: ConsentItem) -> ConsentRequest:
    return ConsentRequest(
        consent_id=item.consent_id,
        pupil_id=item.pupil_id,
        pupil_name=item.pupil_name,
        guardian_id=item.guardian_id,
        school_id=item.school_id,
        profile_id=item.profile_id,
        requested_at=item.requested_at,
        status=ConsentState(item.status),
    )


class DynamoConsentStore:
    """Consent requests in DynamoDB."""

    def request(self, request: ConsentRequest) -> None:
        """One PutItem (pending)."""
        ConsentItem(
            consent_id=request.consent_id,
            pupil_id=request.pupil_id,
            pupil_name=request.pupil_name,
            guardian_id=request.guardian_id,
            school_id=request.school_id,
            profile_id=request.profile_id,
            requested_at=request.requested_at,
            status=ConsentState.PENDING.value,
            pending_guardian=request.guardian_id,
        ).save()

    def get(self, consent_id: str) -> ConsentRequest | None:
        """One GetItem."""
        try:
            return _consent_of(ConsentItem.get(consent_id, consistent_read=True))
        except DoesNotExist:
            return None

    def pending_for(self, guardian_id: str) -> list[ConsentRequest]:
        """One Query of ``pending-by-guardian``."""
        found = [_consent_of(item) for item in ConsentItem.pending_by_guardian.query(guardian_id)]
        return sorted(found, key=lambda request: request.requested_at)

    def decide(self, consent_id: str, status: ConsentState, now: datetime) -> bool:
        """A conditional update: only a pending request is decided."""
        try:
            ConsentItem(consent_id).update(
                actions=[
                    ConsentItem.status.set(status.value),
                    ConsentItem.decided_at.set(now),
                    ConsentItem.pending_guardian.remove(),
                ],
                condition=ConsentItem.status == ConsentState.PENDING.value,
            )
        except UpdateError as error:
            if is_condition_failure(error):
                return False
            raise
        return True

    def involving(self, person_id: str) -> list[ConsentRequest]:
        """Every request about the person (as a pupil) or to them (as a guardian), oldest first."""
        ids = {key.consent_id for key in ConsentItem.by_pupil.query(person_id)}
        ids |= {key.consent_id for key in ConsentItem.by_guardian.query(person_id)}
        found = [request for request in map(self.get, sorted(ids)) if request is not None]
        return sorted(found, key=lambda request: request.requested_at)

    def delete_about_pupil(self, pupil_id: str) -> int:
        """Delete the requests about a pupil (their name is in them); how many."""
        deleted = 0
        for key in ConsentItem.by_pupil.query(pupil_id):
            ConsentItem(key.consent_id).delete()
            deleted += 1
        return deleted


# --- retention ---------------------------------------------------------------------------------


def stamp_archived(chat_id: str, now: datetime) -> None:
    """Remember when a chat was archived by hand (a roster sync stamps the chats it archives itself)."""
    ChatItem(chat_id).update(
        actions=[ChatItem.archived_at.set(now), ChatItem.archive_listing.set(ARCHIVE_LISTING)],
        condition=ChatItem.chat_id.exists(),
    )


DEPARTED_LISTING = "departed"


class DeparturesByTime(GlobalSecondaryIndex["DepartureItem"]):
    """Every departure by when it happened (one listing partition: departures are few)."""

    class Meta:
        index_name = "by-time"
        projection = AllProjection()

    listing = UnicodeAttribute(hash_key=True)
    left_key = UnicodeAttribute(range_key=True)


class DepartureItem(Model):
    """A person who left a school's roster, and when: what the retention sweep pseudonymises."""

    class Meta:
        table_name = _TableName("departures")
        region = _Region()

    person_id = UnicodeAttribute(hash_key=True)
    school_id = UnicodeAttribute(range_key=True)
    left_at = UTCDateTimeAttribute()
    listing = UnicodeAttribute(default=DEPARTED_LISTING)
    left_key = UnicodeAttribute()

    by_time = DeparturesByTime()


def record_departure(person_id: str, school_id: str, now: datetime) -> None:
    """Remember that a person left a school's roster (the first time counts: a retry keeps it)."""
    try:
        DepartureItem(
            person_id=person_id,
            school_id=school_id,
            left_at=now,
            listing=DEPARTED_LISTING,
            left_key=f"{isoformat_utc(now)}#{person_id}#{school_id}",
        ).save(condition=DepartureItem.person_id.does_not_exist())
    except PutError as error:
        if not is_condition_failure(error):
            raise


def departures_before(cutoff: datetime) -> dict[str, set[str]]:
    """People with a departure older than ``cutoff``, with the schools they left."""
    found: dict[str, set[str]] = {}
    for item in DepartureItem.by_time.query(DEPARTED_LISTING, DepartureItem.left_key < isoformat_utc(cutoff)):
        found.setdefault(item.person_id, set()).add(item.school_id)
    return found


def forget_departures(person_id: str) -> None:
    """Delete a person's departure records (they were pseudonymised, or are back on a roster)."""
    for item in DepartureItem.query(person_id):
        item.delete()


def is_on_a_roster(person_id: str) -> bool:
    """Whether the person holds an active membership anywhere (i.e. some school's roster has them)."""
    return any(True for _ in MembershipItem.by_person.query(person_id, limit=1))


def pseudonymise(person_id: str, school_ids: set[str], name: str) -> int:
    """Replace the person's name in their membership rows and their messages; how many rows changed."""
    changed = 0
    for seat in MembershipItem.seats_by_person.query(person_id):
        try:
            MembershipItem(seat.chat_id, person_id).update(
                actions=[MembershipItem.name.set(name)],
                condition=MembershipItem.school_id.is_in(*sorted(school_ids)),
            )
        except UpdateError as error:
            if not is_condition_failure(error):
                raise
            continue
        changed += 1
    for key in MessageItem.by_author.query(person_id):
        MessageItem(key.chat_id, key.message_id).update(actions=[MessageItem.author_name.set(name)])
        try:
            ChatItem(key.chat_id).update(
                actions=[ChatItem.last_message["author_name"].set(name)],
                condition=ChatItem.last_message["message_id"] == key.message_id,
            )
        except UpdateError as error:
            if not is_condition_failure(error):
                raise
        changed += 1
    return changed


def archived_chats_before(cutoff: datetime) -> list[Chat]:
    """Chats archived before ``cutoff`` whose messages are still there: one Query of the sparse
    ``archived-by-time`` index (a chat restored by hand keeps its entry but is not ``archived``)."""
    return [
        chat_of(item)
        for item in ChatItem.archived_by_time.query(
            ARCHIVE_LISTING,
            ChatItem.archived_at < cutoff,
            filter_condition=ChatItem.archived == True,  # noqa: E712 - a DynamoDB condition
        )
    ]


def purge_messages(chat_id: str, now: datetime) -> int:
    """Delete every message of a chat and its last-message preview; how many messages went."""
    keys = [
        (item.chat_id, item.message_id)
        for item in MessageItem.query(chat_id, attributes_to_get=["chat_id", "message_id"])
    ]
    with MessageItem.batch_write() as batch:
        for chat, message in keys:
            batch.delete(MessageItem(chat, message))
    ChatItem(chat_id).update(
        actions=[
            ChatItem.last_message.remove(),
            ChatItem.messages_purged_at.set(now),
            ChatItem.archive_listing.remove(),
        ],
        condition=ChatItem.chat_id.exists(),
    )
    return len(keys)


class DynamoRetention:
    """The DynamoDB adapter of ``safety.retention.RetentionStore`` (the functions above)."""

    def departures_before(self, cutoff: datetime) -> dict[str, set[str]]:
        """See :func:`departures_before`."""
        return departures_before(cutoff)

    def is_on_a_roster(self, person_id: str) -> bool:
        """See :func:`is_on_a_roster`."""
        return is_on_a_roster(person_id)

    def forget_departures(self, person_id: str) -> None:
        """See :func:`forget_departures`."""
        forget_departures(person_id)

    def pseudonymise(self, person_id: str, school_ids: set[str], name: str) -> int:
        """See :func:`pseudonymise`."""
        return pseudonymise(person_id, school_ids, name)

    def archived_chats_before(self, cutoff: datetime) -> list[Chat]:
        """See :func:`archived_chats_before`."""
        return archived_chats_before(cutoff)

    def purge_messages(self, chat_id: str, now: datetime) -> int:
        """See :func:`purge_messages`."""
        return purge_messages(chat_id, now)
