"""Wiring: the adapters the entry points use, built once per process and replaceable in tests.

Entry points (routes, queue handlers) ask :func:`services` for what they need
instead of constructing adapters themselves, so a test can swap in a movable
clock or a recording messenger with :func:`override_services`.
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass
from typing import Any

from chalicelib.clock import Clock, SystemClock
from chalicelib.config import settings
from chalicelib.identity.provider import BuiltinIdentityProvider, IdentityProvider
from chalicelib.identity.sms import SmsSender, sms_sender_from_settings
from chalicelib.messenger.builtin import BuiltinMessenger
from chalicelib.messenger.port import Messenger
from chalicelib.safety.audit import AuditLog
from chalicelib.safety.consent import ConsentStore
from chalicelib.safety.reports import ReportStore
from chalicelib.store.safety import DynamoAuditLog, DynamoConsentStore, DynamoReportStore


@dataclass
class Services:
    """The process's adapters."""

    clock: Clock
    messenger: Messenger
    sms_sender: SmsSender
    identity_provider: IdentityProvider
    audit_log: AuditLog
    reports: ReportStore
    consents: ConsentStore


def _build_default() -> Services:
    return Services(
        clock=SystemClock(),
        messenger=BuiltinMessenger(),
        sms_sender=sms_sender_from_settings(settings()),
        identity_provider=BuiltinIdentityProvider(),
        audit_log=DynamoAuditLog(),
        reports=DynamoReportStore(),
        consents=DynamoConsentStore(),
    )


_lock = threading.Lock()
_current: Services | None = None


def services() -> Services:
    """The process-wide services (built on first use)."""
    global _current
    if _current is None:
        with _lock:
            if _current is None:
                _current = _build_default()
    return _current


def override_services(**replacements: Any) -> Services:
    """Replace some services (tests): ``override_services(clock=MovableClock())``."""
    global _current
    with _lock:
        _current = dataclasses.replace(_current or _build_default(), **replacements)
        return _current


def reset_services() -> None:
    """Forget every service; the next :func:`services` call builds the defaults again."""
    global _current
    with _lock:
        _current = None
