"""A :class:`~chalicelib.bootstrap.Services` of in-memory twins, for use-case tests without the emulator.

What ``bootstrap.build_services`` builds from DynamoDB, S3, SQS and SNS, built
here from ``chalicelib/memory`` (each twin held to its adapter by
``tests/contract``). The twins that share rows share them here too: the
links mirror into the chats twin, the seats, retention and person-records twins read its rows,
and the chats read each school's roster from the roster files twin the sync (and a test's
``install_roster``) saves it to, as ``S3Rosters`` and ``S3RosterFiles`` share the bucket.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from chalicelib.bootstrap import Services
from chalicelib.calls.builtin import BuiltinCallProvider
from chalicelib.chats.roster_cache import CachedRosters
from chalicelib.clock import MovableClock
from chalicelib.identity.provider import BuiltinIdentityProvider
from chalicelib.memory.attachments import InMemoryAttachmentRecords, InMemoryBlobs
from chalicelib.memory.calls import MemoryCallStore
from chalicelib.memory.chats import InMemoryChats
from chalicelib.memory.fanout import InlineFanOut
from chalicelib.memory.identity import (
    InMemoryAccountStore,
    InMemoryCounterStore,
    InMemoryLinkSessionStore,
    InMemoryLinkStore,
    InMemorySignInStore,
)
from chalicelib.memory.imports import InMemoryImportStore, RecordingOutbox
from chalicelib.memory.person_records import InMemoryPersonRecords
from chalicelib.memory.roster_files import InMemoryRosterFiles
from chalicelib.memory.safety import InMemoryAuditLog, InMemoryConsentStore, InMemoryReportStore
from chalicelib.memory.school_settings import InMemorySchoolSettings
from chalicelib.memory.schools import InMemorySchoolStore
from chalicelib.memory.seats import InMemoryRetention, InMemorySchoolSeats
from chalicelib.messenger.port import NewChat, NewMember
from chalicelib.planning.model import ChatKind, ChatRole, ExistingChat, Role


@dataclass
class SentSms:
    """An SMS sender that keeps what it was asked to send."""

    sent: list[tuple[str, str]] = field(default_factory=list)

    def send(self, phone_e164: str, text: str) -> None:
        self.sent.append((phone_e164, text))


def twin_services(now: datetime | None = None) -> Services:
    """Every port on its in-memory twin, the clock standing at ``now`` until moved."""
    chats = InMemoryChats()
    seats = InMemorySchoolSeats(chats)
    accounts, counters = InMemoryAccountStore(), InMemoryCounterStore()
    signin, link_sessions = InMemorySignInStore(), InMemoryLinkSessionStore()
    roster_files, schools = InMemoryRosterFiles(), InMemorySchoolStore()
    return Services(
        clock=MovableClock(now),
        messenger=chats,
        sms_sender=SentSms(),
        identity_provider=BuiltinIdentityProvider(accounts),
        chat_directory=chats,
        # As bootstrap wires it: kept while the school's recorded fingerprint is unchanged.
        rosters=CachedRosters(roster_files, lambda school_id: schools.state(school_id).roster_fingerprint),
        imports=InMemoryImportStore(),
        import_outbox=RecordingOutbox(),
        roster_files=roster_files,
        schools=schools,
        call_store=MemoryCallStore(),
        call_provider=BuiltinCallProvider(max_participants=10),
        audit_log=InMemoryAuditLog(),
        reports=InMemoryReportStore(),
        consents=InMemoryConsentStore(),
        seats=seats,
        retention=InMemoryRetention(chats, seats),
        person_records=InMemoryPersonRecords(chats, accounts, counters, signin, link_sessions),
        school_settings=InMemorySchoolSettings(chats),
        attachment_records=InMemoryAttachmentRecords(),
        blobs=InMemoryBlobs(),
        links=InMemoryLinkStore(mirror=chats),
        link_sessions=link_sessions,
        counters=counters,
        signin_store=signin,
        fan_out=InlineFanOut(chats),
        chat_lists=chats,
    )


def custom_chat(
    services: Services, chat_id: str, school_id: str, member: NewMember, at: datetime
) -> ExistingChat:
    """A custom chat moderated by teacher ``t-1`` with one more ``member``, as the use cases find it."""
    services.messenger.create_chat(
        NewChat(chat_id, school_id, ChatKind.CUSTOM, "Кружок", "t-1"),
        [NewMember("t-1", "Учитель", Role.TEACHER, ChatRole.MODERATOR), member],
        at,
    )
    chat = services.chat_directory.lookup("t-1", chat_id).chat
    assert chat is not None
    return chat.as_existing()
