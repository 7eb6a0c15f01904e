"""The list of every table the service uses, and creating them where no template does."""

from __future__ import annotations

from pynamodb.models import Model

from chalicelib.store.attachments import AttachmentItem
from chalicelib.store.calls import CallItem
from chalicelib.store.connections import ConnectionItem
from chalicelib.store.identity import AccountItem, CounterItem, LinkSessionItem, ProfileLinkItem
from chalicelib.store.safety import AuditItem, ConsentItem, DepartureItem, ReportItem
from chalicelib.store.school_settings import SchoolSettingsItem
from chalicelib.store.tables import (
    ChatItem,
    ImportItem,
    LinkItem,
    MembershipItem,
    MessageItem,
    SchoolItem,
)
from chalicelib.store.web import QrLinkItem, WebSessionItem

ALL_MODELS: list[type[Model]] = [ChatItem, MembershipItem, SchoolItem, ImportItem, LinkItem, MessageItem]
ALL_MODELS += [AccountItem, LinkSessionItem, CounterItem, ProfileLinkItem]
ALL_MODELS += [QrLinkItem, WebSessionItem]
ALL_MODELS += [CallItem, AuditItem, ReportItem, ConsentItem, DepartureItem]
ALL_MODELS += [ConnectionItem]
ALL_MODELS += [SchoolSettingsItem]
ALL_MODELS += [AttachmentItem]
"""Every DynamoDB table of the service (``infrastructure/`` must declare each one)."""


def create_tables(models: list[type[Model]] | None = None) -> None:
    """Create the tables that do not exist yet (the local stack and tests; AWS uses ``infrastructure/``)."""
    for model in models or ALL_MODELS:
        if not model.exists():
            model.create_table(billing_mode="PAY_PER_REQUEST", wait=True)
