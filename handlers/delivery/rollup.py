"""An event's status from its deliveries (DESIGN.md "Event status").

All succeeded -> completed; all dead -> failed; some of each and none still open ->
partially_failed; any pending or retrying -> routed. Called whenever a delivery ends.
An event still `received` is left alone: routing has not finished creating deliveries,
and it rolls the event up itself once it has.
"""
from handlers.store.deliveries import delivery_key, event_delivery_ids
from handlers.store.events import event_key, set_event_status

FINAL_DELIVERY_STATUSES = ("succeeded", "dead")
ROLLED_UP_EVENT_STATUSES = ("routed", "completed", "partially_failed", "failed")


def event_status_for(delivery_statuses):
    """The event status implied by its deliveries' statuses; None when it has none."""
    statuses = list(delivery_statuses)
    if not statuses:
        return None
    if any(status not in FINAL_DELIVERY_STATUSES for status in statuses):
        return "routed"
    if all(status == "succeeded" for status in statuses):
        return "completed"
    if all(status == "dead" for status in statuses):
        return "failed"
    return "partially_failed"


def rollup_event(redis_client, event_id):
    """Recompute and store the event's status; returns the status it now has (or None)."""
    current = redis_client.hget(event_key(event_id), "status")
    if current not in ROLLED_UP_EVENT_STATUSES:
        return current
    ids = event_delivery_ids(redis_client, event_id)
    pipe = redis_client.pipeline(transaction=False)
    for delivery_id in ids:
        pipe.hget(delivery_key(delivery_id), "status")
    status = event_status_for(s for s in pipe.execute() if s is not None)
    if status is None or status == current:
        return current
    set_event_status(redis_client, event_id, status)
    return status
