"""Choosing the call provider from configuration (``CALL_PROVIDER``: ``builtin`` or ``chime``).

Only ``bootstrap.build_services`` (and tests that switch providers) call it.
"""

from __future__ import annotations

from chalicelib.calls.builtin import BuiltinCallProvider
from chalicelib.calls.port import CallProvider
from chalicelib.calls.service import ice_servers_from
from chalicelib.config import Settings
from chalicelib.store.chime import MAX_ATTENDEES, ChimeCallProvider

PROVIDERS = ("builtin", "chime")
BUILTIN_MAX_PARTICIPANTS = 6  # a mesh sends every stream to everyone: small calls only


def provider_from_settings(config: Settings) -> CallProvider:
    """The configured provider; a clear error at start for an unknown one or impossible limits."""
    if config.call_provider not in PROVIDERS:
        raise ValueError(f"CALL_PROVIDER must be one of {', '.join(PROVIDERS)}, not {config.call_provider!r}")
    if config.call_max_participants == 1:
        raise ValueError("CALL_MAX_PARTICIPANTS must be at least 2 (0: the provider's default)")
    if config.call_provider == "chime":
        from chalicelib.aws import client

        return ChimeCallProvider(
            lambda: client("chime-sdk-meetings", config.call_control_region),
            config.call_media_region or config.region,
            config.call_max_participants or MAX_ATTENDEES,
        )
    return BuiltinCallProvider(
        config.call_max_participants or BUILTIN_MAX_PARTICIPANTS, ice_servers_from(config.call_ice_servers)
    )
