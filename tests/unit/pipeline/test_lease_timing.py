"""Why a crashed school sync converges quickly: the timing of its lease and its message (#16.5).

A crashed sync's queue message comes back when its hiding ends; if its own stale lease were
still held then, the retry would find the school busy and wait another busy-retry (30 s).
So the message stays hidden a little longer than the lease, both renewed every quarter lease.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chalicelib.config import settings
from chalicelib.pipeline.lease import HIDING_MARGIN_S, LeaseHeartbeat, MessageHeartbeat, message_hiding_s
from chalicelib.pipeline.schools import LEASE_SECONDS, heartbeat_seconds, lease_seconds


@pytest.fixture
def lease_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    settings.cache_clear()
    yield monkeypatch
    settings.cache_clear()


def test_deployed_defaults_keep_a_minute_lease_renewed_every_quarter(lease_env: pytest.MonkeyPatch) -> None:
    lease_env.delenv("SCHOOL_LEASE_S", raising=False)
    settings.cache_clear()
    assert lease_seconds() == LEASE_SECONDS == 60
    assert heartbeat_seconds() == 15


@pytest.mark.parametrize("lease", ["8", "20", "60", "300"])
def test_a_crashed_syncs_message_returns_after_its_lease_ended(
    lease_env: pytest.MonkeyPatch, lease: str
) -> None:
    lease_env.setenv("SCHOOL_LEASE_S", lease)
    settings.cache_clear()
    # The lease is taken after the message is hidden and its end is rounded down to a second,
    # then "free" means strictly past it: the margin must cover that second and the gap.
    assert message_hiding_s() >= lease_seconds() + 2
    assert heartbeat_seconds() * 4 > HIDING_MARGIN_S  # still comes back within about one lease
    # Both are renewed well before either runs out.
    assert 2 * heartbeat_seconds() < lease_seconds()
    beat = LeaseHeartbeat(schools=None, school_id="s", owner="o", clock=None)  # type: ignore[arg-type]
    assert beat.interval_s == heartbeat_seconds()
    assert MessageHeartbeat("url", "handle").interval_s == heartbeat_seconds()


def test_a_lease_too_short_to_renew_reliably_is_refused(lease_env: pytest.MonkeyPatch) -> None:
    from chalicelib.config import Settings

    with pytest.raises(ValueError, match=r"SCHOOL_LEASE_S|school_lease_s"):
        Settings(SCHOOL_LEASE_S=2)


def test_the_local_stack_runs_a_short_lease(lease_env: pytest.MonkeyPatch) -> None:
    import os

    from devstack.__main__ import _configure_environment

    # The local stack's environment, on a copy: none of it may leak into other tests.
    lease_env.setattr(os, "environ", {k: v for k, v in os.environ.items() if k != "SCHOOL_LEASE_S"})
    _configure_environment(18000, 15000)
    # The console SMS switch is refused outside stage "local"; this test keeps the tests' stage.
    os.environ.pop("PRINT_SMS_TO_CONSOLE", None)
    settings.cache_clear()
    assert lease_seconds() <= 20
    assert message_hiding_s() <= 25
