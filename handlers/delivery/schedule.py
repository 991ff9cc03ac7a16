"""When to try a delivery again (docs/life-of-an-event.md "5. Settle or retry").

RETRY_SCHEDULE lists the seconds between attempts: after the n-th failed attempt the
next one waits schedule[n-1] seconds (moved by up to ±JITTER_FRACTION so that a burst
of failures does not come back as a burst), or longer when the vendor's Retry-After
asks for it. A schedule of k delays allows k + 1 attempts; then the delivery is dead.
"""
import random

JITTER_FRACTION = 0.10
RETRY_AFTER_MAX_SECONDS = 24 * 3600  # a larger Retry-After is treated as one day
COUNTDOWN_MAX_SECONDS = 60  # retries due sooner ride a Celery countdown; later ones wait in hooks:retries


def retry_delay(schedule, attempts_made, retry_after=None, rand=random.random):
    """Seconds until the next attempt, or None when the schedule is used up.

    `attempts_made` counts the attempt that just failed (1 after the first attempt).
    """
    if attempts_made < 1:
        raise ValueError("attempts_made counts the failed attempt, so it is at least 1")
    if attempts_made > len(schedule):
        return None
    delay = float(schedule[attempts_made - 1]) * (1 + JITTER_FRACTION * (2 * rand() - 1))
    if retry_after:
        delay = max(delay, min(float(retry_after), RETRY_AFTER_MAX_SECONDS))
    return delay


def rides_countdown(delay_seconds):
    """A short wait is a Celery countdown; a long one is stored and re-queued by the scheduler."""
    return delay_seconds <= COUNTDOWN_MAX_SECONDS
