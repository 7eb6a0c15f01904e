"""Wiring: the one place adapters are built. Entry points get the result handed in.

``app.py`` builds :class:`Services` once per process (:func:`build_services`)
and gives it to the routes (``api.routes.register``) and to the queue
handlers (``pipeline.entry``). Nothing else constructs an adapter. A test
builds its own ``Services`` — DynamoDB adapters on the emulator, or the
in-memory twins (``tests/twins.py``) — and passes it in the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from chalicelib.attachments.port import AttachmentRecords, BlobStore
from chalicelib.attachments.service import AttachmentService
from chalicelib.aws import client
from chalicelib.calls.builtin import BuiltinCallProvider
from chalicelib.calls.model import Call
from chalicelib.calls.port import CallProvider, CallStore
from chalicelib.calls.service import CallService, ice_servers_from
from chalicelib.chats.directory import Chat, ChatDirectory
from chalicelib.chats.roster_cache import CachedRosters
from chalicelib.chats.service import ChatService, Rosters
from chalicelib.clock import Clock, SystemClock
from chalicelib.config import Settings
from chalicelib.fanout.deliver import teacher_first_audience
from chalicelib.fanout.port import ChatLists, FanOutQueue
from chalicelib.identity.linking import LinkService
from chalicelib.identity.provider import BuiltinIdentityProvider, IdentityProvider
from chalicelib.identity.signin import SignIn
from chalicelib.identity.sms import SmsSender
from chalicelib.identity.stores import CounterStore, LinkSessionStore, LinkStore, SignInStore
from chalicelib.live import events as live_events
from chalicelib.live.connections import ConnectionStore
from chalicelib.live.feed import ChatFeed
from chalicelib.live.port import LiveDelivery, NoLiveDelivery, RepliesThrough
from chalicelib.messenger.port import Messenger
from chalicelib.pipeline.files import RosterFiles
from chalicelib.pipeline.imports import ImportOutbox, ImportStore
from chalicelib.pipeline.lifecycle import ImportLifecycle
from chalicelib.pipeline.schools import SchoolStates
from chalicelib.privacy.records import PersonRecords
from chalicelib.safety.audit import AuditLog
from chalicelib.safety.consent import ConsentStore
from chalicelib.safety.guardians import Guardians
from chalicelib.safety.reports import ReportStore
from chalicelib.safety.retention import RetentionStore
from chalicelib.safety.school import SchoolSafety, SchoolSeats
from chalicelib.schools.service import SchoolRules
from chalicelib.schools.settings import SchoolSettingsStore
from chalicelib.store.accounts import DynamoAccountStore
from chalicelib.store.attachments import DynamoAttachmentRecords, S3Blobs
from chalicelib.store.calls import DynamoCallStore
from chalicelib.store.chime import MAX_ATTENDEES, ChimeCallProvider
from chalicelib.store.connections import DynamoConnectionStore
from chalicelib.store.counters import DynamoCounterStore
from chalicelib.store.directory import DynamoDBChatDirectory
from chalicelib.store.fanout import DynamoChatLists, SqsFanOutQueue
from chalicelib.store.import_outbox import S3SqsImportOutbox
from chalicelib.store.imports import DynamoImportStore
from chalicelib.store.link_sessions import DynamoLinkSessionStore
from chalicelib.store.links import DynamoLinkStore
from chalicelib.store.messenger import BuiltinMessenger
from chalicelib.store.privacy import DynamoPersonRecords
from chalicelib.store.rosters import S3RosterFiles, S3Rosters
from chalicelib.store.safety import (
    DynamoAuditLog,
    DynamoConsentStore,
    DynamoReportStore,
    DynamoRetention,
    DynamoSchoolSeats,
)
from chalicelib.store.school_settings import DynamoSchoolSettings
from chalicelib.store.schools import SchoolStore
from chalicelib.store.signin import DynamoSignInStore
from chalicelib.store.sms import sms_sender_from_settings
from chalicelib.store.websocket import WebSocketLiveDelivery


@dataclass
class Services:
    """The process's adapters, and the use cases built on them."""

    clock: Clock
    messenger: Messenger
    sms_sender: SmsSender
    identity_provider: IdentityProvider
    chat_directory: ChatDirectory
    rosters: Rosters
    imports: ImportStore
    import_outbox: ImportOutbox
    roster_files: RosterFiles
    schools: SchoolStates
    call_store: CallStore
    call_provider: CallProvider
    audit_log: AuditLog
    reports: ReportStore
    consents: ConsentStore
    seats: SchoolSeats
    # What the retention sweep and the person's export/erasure read and rewrite (SPEC §11).
    retention: RetentionStore
    person_records: PersonRecords
    school_settings: SchoolSettingsStore
    attachment_records: AttachmentRecords
    blobs: BlobStore
    links: LinkStore
    link_sessions: LinkSessionStore
    counters: CounterStore
    signin_store: SignInStore
    # A send's fan-out (chalicelib/fanout): the queue it goes on, the lists its consumer moves.
    fan_out: FanOutQueue
    chat_lists: ChatLists
    # Live delivery (SPEC §10): the open sockets, and how events reach them (off: pages poll).
    connections: ConnectionStore | None = None
    live: LiveDelivery = field(default_factory=NoLiveDelivery)
    # How a socket's own frames are answered (None: sockets are off).
    live_replies: RepliesThrough | None = None

    @property
    def lifecycle(self) -> ImportLifecycle:
        """An import's lifecycle (finish, report, queue, fail) on these adapters."""
        return ImportLifecycle(self.imports, self.import_outbox)

    @property
    def feed(self) -> ChatFeed:
        """A chat's events to its current members' open pages."""
        return ChatFeed(self.chat_directory, self.live, held=self.school_rules.holds_back)

    def fan_out_audience(self, chat_id: str, members: list[str]) -> list[str]:
        """Who of a chat's members its message is pushed to (teacher first, ``fanout.deliver``)."""
        rules = self.school_rules
        return teacher_first_audience(self.chat_directory, rules.holds_back, chat_id, members)

    @property
    def school(self) -> SchoolSafety:
        """The school stepping in (departures, moderation by the school, reports) on these adapters."""
        return SchoolSafety(
            self.chat_directory,
            self.messenger,
            self.rosters,
            self.clock,
            self.audit_log,
            self.reports,
            self.seats,
            on_left=lambda chat_id, person_id: self.feed.tell([person_id], live_events.chat_removed(chat_id)),
            on_joined=lambda chat_id, person_id: self.feed.tell([person_id], live_events.chat_added(chat_id)),
        )

    @property
    def guardians(self) -> Guardians:
        """Guardian consent use cases on these adapters."""
        return Guardians(
            self.chat_directory, self.rosters, self.consents, self.audit_log, self.clock, self.links
        )

    @property
    def school_rules(self) -> SchoolRules:
        """A school's settings and what they change (teacher first, quiet hours) on these adapters."""

        def opened(chat: Chat) -> None:  # «Открыть чат»: the chat appears on its pupils' and parents' pages
            self.feed.publish(chat.chat_id, live_events.chat_appeared(chat))

        return SchoolRules(self.school_settings, self.clock, self.audit_log, on_opened=opened)

    @property
    def chats(self) -> ChatService:
        """The chats use cases on these adapters."""
        return ChatService(
            self.chat_directory,
            self.messenger,
            self.rosters,
            self.clock,
            fan_out=self.fan_out,
            school=self.school,
            feed=self.feed,
            rules=self.school_rules,
        )

    def calls(self, config: Settings) -> CallService:
        """The calls use cases on these adapters; who sees which chat is the chats feature's rule."""
        max_length = timedelta(seconds=config.call_max_length_s)
        feed = self.feed

        def chat_of(call: Call) -> Chat | None:  # whether the chat waits for its teacher (teacher first)
            return (
                None
                if isinstance(self.live, NoLiveDelivery)
                else self.chat_directory.lookup(call.started_by, call.chat_id).chat
            )

        def started(call: Call) -> None:
            event = live_events.call_started(call.chat_id, call.call_id, call.started_at)
            feed.publish(call.chat_id, event, chat_of(call))

        def ended(call: Call) -> None:
            feed.publish(call.chat_id, live_events.call_ended(call.chat_id, call.call_id), chat_of(call))

        return CallService(
            self.call_store, self.call_provider, self.clock, max_length, self.chats.open_chat, started, ended
        )

    def attachments(self, config: Settings) -> AttachmentService:
        """The attachments use cases on these adapters; who sees which chat is the chats feature's rule."""
        return AttachmentService(
            self.attachment_records,
            self.blobs,
            self.clock,
            self.chats.open_chat,
            self.messenger.get_message,
            max_bytes=config.attachment_max_bytes,
            link_ttl_s=config.attachment_link_ttl_s,
            upload_ttl_s=config.attachment_upload_ttl_s,
        )

    def linking(self, config: Settings) -> LinkService:
        """The linking use cases on these adapters, under the given settings."""
        return LinkService(
            self.identity_provider,
            self.sms_sender,
            self.clock,
            config,
            sessions=self.link_sessions,
            links=self.links,
            counters=self.counters,
            guardians=self.guardians,
        )

    @property
    def signin(self) -> SignIn:
        """QR sign-in and the hosted page's sessions on these adapters."""
        return SignIn(self.signin_store, self.links, self.counters)


BUILTIN_MAX_PARTICIPANTS = 6  # a mesh sends every stream to everyone: small calls only


def provider_from_settings(config: Settings) -> CallProvider:
    """The configured call provider (``CALL_PROVIDER``, checked with the other settings at start)."""
    if config.call_provider == "chime":
        return ChimeCallProvider(
            lambda: client("chime-sdk-meetings", config.call_control_region),
            config.call_media_region or config.region,
            config.call_max_participants or MAX_ATTENDEES,
        )
    return BuiltinCallProvider(
        config.call_max_participants or BUILTIN_MAX_PARTICIPANTS, ice_servers_from(config.call_ice_servers)
    )


def build_services(config: Settings) -> Services:
    """The production adapters (DynamoDB, S3, SNS, API Gateway's sockets), configured from ``config``."""
    clock = SystemClock()
    connections = DynamoConnectionStore()
    live: LiveDelivery = NoLiveDelivery()
    if config.live_endpoint_url:
        live = WebSocketLiveDelivery(connections, config.live_endpoint_url, clock)
    schools = SchoolStore()
    return Services(
        clock=clock,
        messenger=BuiltinMessenger(),
        sms_sender=sms_sender_from_settings(config),
        identity_provider=BuiltinIdentityProvider(DynamoAccountStore()),
        chat_directory=DynamoDBChatDirectory(),
        # Kept in memory while the school's recorded roster fingerprint is unchanged (chats.roster_cache).
        rosters=CachedRosters(S3Rosters(), lambda school_id: schools.state(school_id).roster_fingerprint),
        imports=DynamoImportStore(),
        import_outbox=S3SqsImportOutbox(),
        roster_files=S3RosterFiles(),
        schools=schools,
        call_store=DynamoCallStore(),
        call_provider=provider_from_settings(config),
        audit_log=DynamoAuditLog(),
        reports=DynamoReportStore(),
        consents=DynamoConsentStore(),
        seats=DynamoSchoolSeats(),
        retention=DynamoRetention(),
        person_records=DynamoPersonRecords(),
        connections=connections,
        live=live,
        live_replies=WebSocketLiveDelivery,
        school_settings=DynamoSchoolSettings(),
        attachment_records=DynamoAttachmentRecords(),
        blobs=S3Blobs(),
        links=DynamoLinkStore(),
        link_sessions=DynamoLinkSessionStore(),
        counters=DynamoCounterStore(),
        signin_store=DynamoSignInStore(),
        fan_out=SqsFanOutQueue(),
        chat_lists=DynamoChatLists(),
    )
