"""The last 24 hours of per-minute counters (handlers/store/stats.py), in chart buckets.

Events received per bucket come from ZCOUNT over hooks:events (an index); the other
event statuses and the delivery outcomes from the per-minute hashes. Nothing scans events.
"""
from handlers.store.events import EVENTS_INDEX
from handlers.store.stats import SECONDS_PER_MINUTE, deliveries_stats_key, events_stats_key, minute_of

WINDOW_MINUTES = 24 * 60
BUCKET_MINUTES = 10


def bucketed_counts(redis_client, now_ts, window_minutes=WINDOW_MINUTES, bucket_minutes=BUCKET_MINUTES):
    """(bucket start times, {status: [n per bucket]}, {vendor: {outcome: [n per bucket]}})."""
    last = minute_of(now_ts)
    buckets = window_minutes // bucket_minutes
    first = last - buckets * bucket_minutes + 1
    pipe = redis_client.pipeline(transaction=False)
    for bucket in range(buckets):
        start = (first + bucket * bucket_minutes) * SECONDS_PER_MINUTE
        pipe.zcount(EVENTS_INDEX, start, f"({start + bucket_minutes * SECONDS_PER_MINUTE}")
    for minute in range(first, last + 1):
        pipe.hgetall(events_stats_key(minute))
        pipe.hgetall(deliveries_stats_key(minute))
    replies = pipe.execute()
    statuses = {"received": [int(n) for n in replies[:buckets]]}
    vendors = {}
    for offset, minute_replies in enumerate(zip(replies[buckets::2], replies[buckets + 1::2])):
        bucket = offset // bucket_minutes
        event_counts, delivery_counts = minute_replies
        for status, count in event_counts.items():
            statuses.setdefault(status, [0] * buckets)[bucket] += int(count)
        for name, count in delivery_counts.items():
            vendor, _, outcome = name.rpartition(":")
            vendors.setdefault(vendor, {}).setdefault(outcome, [0] * buckets)[bucket] += int(count)
    starts = [(first + bucket * bucket_minutes) * SECONDS_PER_MINUTE for bucket in range(buckets)]
    return starts, statuses, vendors
