import itertools

from chalicelib.identity.throttle import (
    MAX_BACKOFF_S,
    MAX_CONSECUTIVE_FAILURES,
    Cap,
    backoff_s,
    subject_key,
    wait_before_next,
)

HOUR = Cap(limit=3, window_s=3600)
DAY = Cap(limit=5, window_s=86400)


def test_room_while_under_every_cap():
    assert wait_before_next([], [HOUR, DAY], 10_000.0) == 0
    assert wait_before_next([9_000.0, 9_500.0], [HOUR, DAY], 10_000.0) == 0


def test_a_full_hour_waits_until_its_oldest_event_leaves_the_window():
    assert wait_before_next([9_000.0, 9_500.0, 9_900.0], [HOUR], 10_000.0) == 9_000 + 3600 - 10_000


def test_the_window_slides_rather_than_resetting_on_the_hour():
    # Three events just before a clock hour and one just after: still three in the last hour.
    assert wait_before_next([7_190.0, 7_195.0, 7_199.0], [HOUR], 7_201.0) > 0


def test_the_day_cap_binds_when_the_hour_cap_does_not():
    times = [0.0, 4_000.0, 8_000.0, 12_000.0, 16_000.0]
    wait = wait_before_next(times, [HOUR, DAY], 20_000.0)
    assert wait == 86400 - 20_000


def test_a_cap_of_zero_allows_nothing():
    assert wait_before_next([], [Cap(0, 60)], 0.0) == 60


def test_backoff_grows_with_the_run_of_failures_and_is_capped():
    delays = [backoff_s(n) for n in range(1, MAX_CONSECUTIVE_FAILURES + 1)]
    assert delays[:4] == [0, 0, 0, 0]
    assert delays[4] > 0
    assert all(b >= a for a, b in itertools.pairwise(delays))
    assert delays[5] > delays[4]
    assert max(delays) == MAX_BACKOFF_S


def test_subject_keys_do_not_contain_the_subject():
    key = subject_key("sms-phone", "+79161234567")
    assert "9161234567" not in key
    assert key == subject_key("sms-phone", "+79161234567") != subject_key("sms-person", "+79161234567")
