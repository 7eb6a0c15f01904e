"""The property ``planning.diff``'s docstring promises: a stored change set is what ``apply_changes`` says.

One Hypothesis test, run on both implementations of the messenger port: the
in-memory twin (many examples) and the DynamoDB adapter (a few, each on a
fresh school, since every example costs real requests to the emulator).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.planning.diff import apply_changes, diff
from chalicelib.planning.plan import plan_school
from tests.contract.conftest import ChatPorts
from tests.unit.planning.strategies import rosters

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


@given(data=st.data())
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_stored_changes_are_what_apply_changes_says(ports: ChatPorts, data: st.DataObject) -> None:
    school_id = f"prop-{uuid.uuid4().hex[:8]}"  # a fresh school per example: the tables are shared
    steps = 2 if ports.name == "BuiltinMessenger" else 4
    for step in range(steps):
        roster = data.draw(rosters(school_id=school_id), label=f"roster {step}")
        state = ports.messenger.load_school_state(school_id)
        changes = diff(plan_school(roster, state.followed_subject_classes()), state)
        ports.messenger.apply_roster_changes(state, changes, T0 + timedelta(hours=step))
        assert ports.messenger.load_school_state(school_id) == apply_changes(state, changes)
