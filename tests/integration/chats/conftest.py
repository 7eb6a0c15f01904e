"""Fixtures of the chats API tests: a movable clock and the two-school world of ``world.py``."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.bootstrap import override_services
from chalicelib.clock import MovableClock
from tests.integration.chats.world import World, build_world


@pytest.fixture
def clock(aws: Any) -> MovableClock:
    """The service's clock, standing still until a test moves it."""
    movable = MovableClock()
    override_services(clock=movable)
    return movable


@pytest.fixture
def world(api: Any, clock: MovableClock) -> World:
    """Two synced schools, linked people, every kind of chat, one message in each."""
    return build_world(api)
