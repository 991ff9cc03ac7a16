"""Replay a delivery: back to pending and queued now, its history and state kept.

Attempts stay in the log and their numbers go on; `state` stays, so Foxtag batches already
accepted are not sent again. The retry schedule starts again from its first delay
(`schedule_from` = the attempts made so far), as after a new event. The delivery leaves hooks:dead and hooks:retries and its event is re-opened
(`routed`) until the replay ends. A delivery being attempted right now is refused.
"""
import time

from handlers.delivery import leases
from handlers.delivery.wiring import deliver_sender
from handlers.store.deliveries import get_delivery, update_delivery
from handlers.store.events import event_key, set_event_status
from handlers.store.keys import DEAD_LETTERS, INFLIGHT

FINISHED_EVENT_STATUSES = ("completed", "partially_failed", "failed")


class ReplayRefused(Exception):
    """The delivery does not exist, or a worker holds it right now."""


def replay_delivery(redis_client, celery_app, delivery_id, lease_seconds, now=time.time):
    """Reset one delivery and queue "delivery.deliver" for it under a lease of `lease_seconds`
    (DELIVERY_LEASE_SECONDS); returns its id."""
    delivery = get_delivery(redis_client, delivery_id)
    if delivery is None:
        raise ReplayRefused(f"no delivery {delivery_id!r}")
    moment = now()
    lease_end = redis_client.zscore(INFLIGHT, delivery_id)
    if lease_end is not None and lease_end > moment:
        raise ReplayRefused(f"delivery {delivery_id!r} is being attempted right now")
    pipe = redis_client.pipeline(transaction=True)
    update_delivery(pipe, delivery_id, status="pending", next_attempt_at="", schedule_from=delivery["attempts"])
    pipe.zrem(DEAD_LETTERS, delivery_id)
    pipe.execute()
    # Re-open the event before queueing: a worker may finish (and roll the event up) at once.
    if redis_client.hget(event_key(delivery["event_id"]), "status") in FINISHED_EVENT_STATUSES:
        set_event_status(redis_client, delivery["event_id"], "routed")
    token = leases.hold_for_message(redis_client, delivery_id, moment + lease_seconds)
    deliver_sender(celery_app)(delivery_id, token)
    return delivery_id
