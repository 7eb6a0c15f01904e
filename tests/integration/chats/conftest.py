"""Fixtures of the chats API tests: a movable clock and the two-school world of ``world.py``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.clock import MovableClock
from tests.integration.chats.class_5v import add_class_5v, patch_settings
from tests.integration.chats.phone import ANSWERS, assert_answers_documented
from tests.integration.chats.world import World, build_world
from tests.twins import twin_services
from tests.world_snapshot import restore_or_build


@pytest.fixture
def clock(services: Any) -> MovableClock:
    """The service's clock, standing still until a test moves it."""
    movable = MovableClock()
    services.clock = movable
    return movable


@pytest.fixture
def world(api: Any, services: Any, clock: MovableClock) -> World:
    """Two synced schools, linked people, every kind of chat, one message in each.

    Built through the API once per test process and setting; later tests get
    the same stored state put back into their empty tables and bucket
    (``tests.world_snapshot``): building it cost seconds a test.
    """
    return restore_or_build(api, lambda: build_world(api, services), clock.now().isoformat())


@pytest.fixture
def twin_world(no_aws: Any) -> Iterator[tuple[World, Any]]:
    """The same world and its services, on the in-memory twins (``tests/twins.py``): no emulator.

    The app is the real one (``app.create_app``) driven by Chalice's test client, as
    ``api`` is; only the services differ. Sends fan out at once (``InlineFanOut``).
    """
    from chalice.test import Client

    from app import create_app

    services = twin_services()  # its clock stands where the ``clock`` fixture's does
    with Client(create_app(services), stage_name="test") as client:
        yield build_world(client, services, queued_fan_out=False), services


@pytest.fixture
def phone_answers_documented() -> Iterator[None]:
    """Every answer the hosted page gives a ``Phone`` in the test is documented in docs/openapi.yaml."""
    ANSWERS.clear()
    yield
    assert_answers_documented()


@pytest.fixture
def live(application: Any, services: Any, world: World, configure: Any) -> Iterator[Any]:
    """The local stack's socket server (``devstack/live.py``) on free ports, the service posting to it."""
    from chalicelib.store.websocket import WebSocketLiveDelivery
    from devstack.live import LiveServer, app_handlers

    server = LiveServer(app_handlers(application)).start()
    configure(LIVE_ENDPOINT_URL=server.management_url, LIVE_URL=server.url)
    services.live = WebSocketLiveDelivery(services.connections, server.management_url, services.clock)
    yield server
    server.stop()


@pytest.fixture
def held(world: World, services: Any, clock: MovableClock) -> World:
    """Teacher first on, then class 5В synced: its class and parents chats wait for t-spare."""
    assert patch_settings(world, "adm", {"teacher_first": True}).status == 200
    clock.advance(minutes=1)
    add_class_5v(services)
    return world
