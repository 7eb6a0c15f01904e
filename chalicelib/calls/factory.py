"""Choosing the call provider from configuration (``CALL_PROVIDER``: ``builtin`` or ``chime``)."""

from __future__ import annotations

from datetime import timedelta

from chalicelib.calls.builtin import BuiltinCallProvider
from chalicelib.calls.chime import ChimeCallProvider
from chalicelib.calls.port import CallProvider
from chalicelib.calls.service import CallService, ChatOpener, ice_servers_from
from chalicelib.clock import Clock
from chalicelib.config import Settings

PROVIDERS = ("builtin", "chime")


def provider_from_settings(config: Settings) -> CallProvider:
    """The configured provider; a clear error at start for an unknown one or impossible limits."""
    if config.call_provider not in PROVIDERS:
        raise ValueError(f"CALL_PROVIDER must be one of {', '.join(PROVIDERS)}, not {config.call_provider!r}")
    if config.call_max_participants < 2:
        raise ValueError("CALL_MAX_PARTICIPANTS must be at least 2")
    if config.call_provider == "chime":
        from chalicelib.aws import client

        return ChimeCallProvider(
            lambda: client("chime-sdk-meetings", config.call_control_region),
            config.call_media_region,
            config.call_max_participants,
        )
    return BuiltinCallProvider(config.call_max_participants, ice_servers_from(config.call_ice_servers))


def call_service_from_settings(config: Settings, clock: Clock, open_chat: ChatOpener) -> CallService:
    """The calls use cases over the DynamoDB store and the configured provider; ``open_chat`` is the
    chats feature's (who sees which chat)."""
    from chalicelib.store.calls import DynamoCallStore

    if config.call_max_length_s < 60:
        raise ValueError("CALL_MAX_LENGTH_S must be at least 60")
    return CallService(
        DynamoCallStore(),
        provider_from_settings(config),
        clock,
        timedelta(seconds=config.call_max_length_s),
        open_chat,
    )
