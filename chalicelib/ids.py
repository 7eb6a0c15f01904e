"""Identifiers the service makes: random ones, and ones derived from what they stand for."""

from __future__ import annotations

import base64
import hashlib
import secrets

ID_BYTES = 15  # 120 bits: unguessable, and 24 base32 characters with no padding


def _encode(raw: bytes) -> str:
    return base64.b32encode(raw[:ID_BYTES]).decode().lower()


def random_id(prefix: str) -> str:
    """A new random id, e.g. ``ch_…`` (a custom chat) or ``msg_…`` (a message)."""
    return f"{prefix}_{_encode(secrets.token_bytes(ID_BYTES))}"


def derived_id(prefix: str, *parts: str) -> str:
    """An id that is the same whenever ``parts`` are (what makes a retried request land on one record)."""
    material = "\x1f".join((prefix + "-v1", *parts))
    return f"{prefix}_{_encode(hashlib.sha256(material.encode()).digest())}"
