"""A :class:`~chalicelib.bootstrap.Services` of in-memory twins, for use-case tests without the emulator.

What ``bootstrap.build_services`` builds from DynamoDB, S3, SQS and SNS, built
here from ``chalicelib/memory`` (each twin held to its adapter by
``tests/contract``). The twins that share rows share them here too: the
links mirror into the chats twin, the seats and retention twins read its rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from chalicelib.bootstrap import Services
from chalicelib.calls.builtin import BuiltinCallProvider
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
from chalicelib.memory.roster_files import InMemoryRosterFiles
from chalicelib.memory.safety import InMemoryAuditLog, InMemoryConsentStore, InMemoryReportStore
from chalicelib.memory.school_settings import InMemorySchoolSettings
from chalicelib.memory.schools import InMemorySchoolStore
from chalicelib.memory.seats import InMemoryRetention, InMemorySchoolSeats


@dataclass
class SentSms:
    """An SMS sender that keeps what it was asked to send."""

    sent: list[tuple[str, str]] = field(default_factory=list)

    def send(self, phone_e164: str, text: str) -> None:
        self.sent.append((phone_e164, text))


class NotImplementedPersonRecords:
    """``privacy.records.PersonRecords`` has no in-memory twin yet: export and erasure are tested on the
    emulator (``tests/integration/chats/test_my_data*.py``). Any use of it here says so."""

    def __getattr__(self, name: str) -> object:
        raise NotImplementedError(f"PersonRecords.{name} has no in-memory twin yet")


def twin_services(now: datetime | None = None) -> Services:
    """Every port on its in-memory twin, the clock standing at ``now`` until moved."""
    chats = InMemoryChats()
    seats = InMemorySchoolSeats(chats)
    return Services(
        clock=MovableClock(now),
        messenger=chats,
        sms_sender=SentSms(),
        identity_provider=BuiltinIdentityProvider(InMemoryAccountStore()),
        chat_directory=chats,
        rosters=chats,
        imports=InMemoryImportStore(),
        import_outbox=RecordingOutbox(),
        roster_files=InMemoryRosterFiles(),
        schools=InMemorySchoolStore(),
        call_store=MemoryCallStore(),
        call_provider=BuiltinCallProvider(max_participants=10),
        audit_log=InMemoryAuditLog(),
        reports=InMemoryReportStore(),
        consents=InMemoryConsentStore(),
        seats=seats,
        retention=InMemoryRetention(chats, seats),
        person_records=NotImplementedPersonRecords(),
        school_settings=InMemorySchoolSettings(chats),
        attachment_records=InMemoryAttachmentRecords(),
        blobs=InMemoryBlobs(),
        links=InMemoryLinkStore(mirror=chats),
        link_sessions=InMemoryLinkSessionStore(),
        counters=InMemoryCounterStore(),
        signin_store=InMemorySignInStore(),
        fan_out=InlineFanOut(chats),
        chat_lists=chats,
    )
