"""Per-minute counters for the console's charts, written when events and attempts happen.

hooks:stats:events:<minute>      hash: event status -> events that reached it that minute
hooks:stats:deliveries:<minute>  hash: "<vendor>:<outcome>" -> attempts that ended so
                                 (outcome: succeeded, retrying, dead)
<minute> is epoch seconds // 60. Each hash expires STATS_TTL_SECONDS after its last write,
so the last 24 hours can always be read and nothing older is kept. Events *received* per
minute are not counted here: ZCOUNT over hooks:events (an index) answers that.
"""
from handlers.store.keys import key

STATS_TTL_SECONDS = 25 * 3600
SECONDS_PER_MINUTE = 60


def minute_of(timestamp):
    return int(float(timestamp) // SECONDS_PER_MINUTE)


def events_stats_key(minute):
    return key("stats", "events", minute)


def deliveries_stats_key(minute):
    return key("stats", "deliveries", minute)


def count_event_status(pipe, status, timestamp):
    """Queue the increment of `status` for the minute of `timestamp` on a pipeline."""
    name = events_stats_key(minute_of(timestamp))
    pipe.hincrby(name, status, 1)
    pipe.expire(name, STATS_TTL_SECONDS)


def count_delivery(pipe, vendor, outcome, timestamp):
    """Queue the increment of `<vendor>:<outcome>` for the minute of `timestamp`."""
    name = deliveries_stats_key(minute_of(timestamp))
    pipe.hincrby(name, f"{vendor}:{outcome}", 1)
    pipe.expire(name, STATS_TTL_SECONDS)
