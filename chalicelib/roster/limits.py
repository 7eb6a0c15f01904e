"""How big a roster may be: read by ``reader`` and the format parsers beside it (no import cycle)."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.config import Settings


@dataclass(frozen=True)
class RosterLimits:
    """How big a roster may be, before and after decompression."""

    max_bytes: int
    max_uncompressed_bytes: int
    max_compression_ratio: int

    @classmethod
    def from_settings(cls, config: Settings) -> RosterLimits:
        """The limits configured for this deployment."""
        return cls(
            max_bytes=config.roster_max_bytes,
            max_uncompressed_bytes=config.roster_max_uncompressed_bytes,
            max_compression_ratio=config.roster_max_compression_ratio,
        )
