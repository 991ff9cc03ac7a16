"""Retention: delete events older than EVENT_RETENTION_DAYS with everything attached.

For each event received before the cutoff: its hash, its deliveries set, each delivery's
hash, attempts list and lease token, and the deliveries' entries in hooks:dead, hooks:retries and
hooks:inflight; then its entries in the events index and in its record id's index. Work
goes in batches, one transaction each, oldest first, so a crash mid-way leaves only whole events behind.
Dedupe keys are not touched: they expire on their own after 24 hours.
A retention of 0 days (or less) keeps everything.
"""
from handlers.store.codec import now
from handlers.store.deliveries import attempts_key, delivery_key, lease_key
from handlers.store.entities import entity_key
from handlers.store.events import EVENTS_INDEX, deliveries_key, event_key
from handlers.store.keys import DEAD_LETTERS, INFLIGHT, RETRIES

SECONDS_PER_DAY = 86_400
BATCH_SIZE = 200
DELIVERY_INDEXES = (DEAD_LETTERS, RETRIES, INFLIGHT)


def retention_cutoff(retention_days, now_ts):
    """Epoch seconds: events received strictly before this are deleted."""
    return now_ts - retention_days * SECONDS_PER_DAY


def enforce_retention(redis_client, retention_days, now_ts=None, batch_size=BATCH_SIZE):
    """Delete every event older than the retention; return how many were deleted."""
    if retention_days <= 0:
        return 0
    cutoff = retention_cutoff(retention_days, now() if now_ts is None else now_ts)
    deleted = 0
    while True:
        event_ids = redis_client.zrangebyscore(EVENTS_INDEX, "-inf", f"({cutoff!r}", start=0, num=batch_size)
        if not event_ids:
            return deleted
        delete_events(redis_client, event_ids)
        deleted += len(event_ids)


def delete_events(redis_client, event_ids):
    """Delete these events and everything attached to them, in one transaction."""
    reads = redis_client.pipeline(transaction=False)
    for event_id in event_ids:
        reads.smembers(deliveries_key(event_id))
        reads.hget(event_key(event_id), "entity")
    replies = reads.execute()
    delivery_ids = [d for members in replies[0::2] for d in members]

    pipe = redis_client.pipeline(transaction=True)
    for event_id in event_ids:
        pipe.delete(event_key(event_id), deliveries_key(event_id))
    for delivery_id in delivery_ids:
        pipe.delete(delivery_key(delivery_id), attempts_key(delivery_id), lease_key(delivery_id))
    if delivery_ids:
        for index in DELIVERY_INDEXES:
            pipe.zrem(index, *delivery_ids)
    for event_id, entity in zip(event_ids, replies[1::2]):
        if entity:
            pipe.zrem(entity_key(entity), event_id)
    pipe.zrem(EVENTS_INDEX, *event_ids)
    pipe.execute()
