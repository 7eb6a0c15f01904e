"""The roster settings issue #12 added are checked when the service starts."""

from __future__ import annotations

import pytest

from chalicelib.config import Settings


def test_defaults() -> None:
    config = Settings.from_environment({})
    assert (config.rollover_overlap, config.homeroom_title_pattern) == (0.60, "")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ROLLOVER_OVERLAP": "0"}, "ROLLOVER_OVERLAP"),
        ({"ROLLOVER_OVERLAP": "1.5"}, "ROLLOVER_OVERLAP"),
        ({"ROSTER_HOMEROOM_TITLE_PATTERN": "(unclosed"}, "ROSTER_HOMEROOM_TITLE_PATTERN"),
    ],
)
def test_bad_values_stop_the_service_with_a_clear_message(env: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings.from_environment(env)
