"""Sending SMS: a small port (SPEC §8); its SNS adapter is ``store/sms.py``."""

from __future__ import annotations

from typing import Protocol


class SmsNotSent(Exception):
    """The SMS provider refused or failed to take the message."""


class SmsSender(Protocol):
    """Delivers a text message to a phone number (E.164)."""

    def send(self, phone_e164: str, text: str) -> None:
        """Hand the message to the provider, or raise :class:`SmsNotSent`."""
        ...
