"""Retry timing: the schedule, jitter, Retry-After, and where a retry waits."""
import pytest

from handlers.delivery.schedule import COUNTDOWN_MAX_SECONDS, retry_delay, rides_countdown

SCHEDULE = [5.0, 300.0, 1800.0]


@pytest.mark.parametrize("attempts_made, base", [(1, 5.0), (2, 300.0), (3, 1800.0)])
def test_delay_follows_the_schedule_within_ten_percent(attempts_made, base):
    low = retry_delay(SCHEDULE, attempts_made, rand=lambda: 0.0)
    high = retry_delay(SCHEDULE, attempts_made, rand=lambda: 0.999999)
    assert low == pytest.approx(base * 0.9)
    assert high == pytest.approx(base * 1.1, rel=1e-5)


def test_schedule_used_up_means_no_more_attempts():
    assert retry_delay(SCHEDULE, len(SCHEDULE) + 1) is None


def test_retry_after_longer_than_the_schedule_wins():
    assert retry_delay(SCHEDULE, 1, retry_after=42, rand=lambda: 0.5) == 42


def test_retry_after_shorter_than_the_schedule_is_ignored():
    assert retry_delay(SCHEDULE, 2, retry_after=1, rand=lambda: 0.5) == pytest.approx(300.0)


def test_retry_after_does_not_extend_a_used_up_schedule():
    assert retry_delay(SCHEDULE, 4, retry_after=1) is None


def test_attempts_made_counts_from_one():
    with pytest.raises(ValueError):
        retry_delay(SCHEDULE, 0)


def test_short_waits_ride_a_countdown_long_ones_are_stored():
    assert rides_countdown(COUNTDOWN_MAX_SECONDS)
    assert not rides_countdown(COUNTDOWN_MAX_SECONDS + 0.1)

