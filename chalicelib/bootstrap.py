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

from chalicelib.access import open_chat
from chalicelib.calls.factory import call_service_from_settings
from chalicelib.calls.service import CallService
from chalicelib.clock import Clock, SystemClock
from chalicelib.config import settings
from chalicelib.identity.provider import BuiltinIdentityProvider, IdentityProvider
from chalicelib.identity.sms import SmsSender, sms_sender_from_settings
from chalicelib.messenger.builtin import BuiltinMessenger
from chalicelib.messenger.port import Messenger


@dataclass
class Services:
    """The process's adapters."""

    clock: Clock
    messenger: Messenger
    sms_sender: SmsSender
    identity_provider: IdentityProvider
    calls: CallService


def _build_default() -> Services:
    clock = SystemClock()
    return Services(
        clock=clock,
        messenger=BuiltinMessenger(),
        sms_sender=sms_sender_from_settings(settings()),
        identity_provider=BuiltinIdentityProvider(),
        calls=call_service_from_settings(settings(), clock, open_chat),
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
        base = _current or _build_default()
        if "clock" in replacements and "calls" not in replacements:  # the calls service keeps time too
            replacements["calls"] = base.calls.with_clock(replacements["clock"])
        _current = dataclasses.replace(base, **replacements)
        return _current


def reset_services() -> None:
    """Forget every service; the next :func:`services` call builds the defaults again."""
    global _current
    with _lock:
        _current = None
