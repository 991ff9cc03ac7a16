"""Replay: put deliveries back on the queue, or route an event again.

One delivery is replayed by the delivery engine (handlers/delivery/replay.py): back to
`pending` with its attempts and state kept, out of hooks:dead and hooks:retries, its event
re-opened (`routed`), and "delivery.deliver" queued under a fresh lease. A delivery that
died rendering its templates is rendered again first, against the current rules; if it
still cannot be rendered it stays dead (NotRenderable) and nothing is sent. Any delivery may
be replayed on request, even one that succeeded; one a worker holds right now is refused.

An event replay without a delivery id re-queues every *dead* delivery of the event. Routing
is idempotent (delivery ids are `<event>:<route>:<action>`), so routing an event that
already has deliveries again would create nothing; only an event with no deliveries at all
(status `received` or `ignored`, e.g. after the rules changed) is set back to `received`
and queued for "routing.route_event" [event_id].
"""
from handlers.admin.errors import DeliveryInFlight, NotFound, NotRenderable
from handlers.delivery.replay import ReplayRefused, replay_delivery
from handlers.routing.route import rerender_delivery
from handlers.store.deliveries import delivery_key, event_delivery_ids
from handlers.store.events import get_event, set_event_status
from handlers.store.keys import DEAD_LETTERS
from handlers.task_names import ROUTE_EVENT

CHUNK_SIZE = 500


def rerender_and_replay(redis_client, celery_app, delivery_id, rules=None, *, config):
    """Replay one delivery, rendered again first when `rules` are given; NotFound (404),
    DeliveryInFlight or NotRenderable (409). `config` (app.config) gives MAX_BODY_BYTES
    for the render and DELIVERY_LEASE_SECONDS for the lease."""
    if not redis_client.exists(delivery_key(delivery_id)):
        raise NotFound(f"no delivery {delivery_id!r}")
    if rules is not None:
        reason = rerender_delivery(redis_client, rules, delivery_id, config["MAX_BODY_BYTES"])
        if reason is not None:
            raise NotRenderable(f"delivery {delivery_id!r} still cannot be rendered: {reason}")
    try:
        return replay_delivery(redis_client, celery_app, delivery_id, config["DELIVERY_LEASE_SECONDS"])
    except ReplayRefused as exc:
        if not redis_client.exists(delivery_key(delivery_id)):
            raise NotFound(f"no delivery {delivery_id!r}") from exc
        raise DeliveryInFlight(str(exc)) from exc


def replay_event(redis_client, celery_app, event_id, delivery_id=None, rules=None, *, config):
    """Replay one delivery of the event, or the event (see the module docstring)."""
    if get_event(redis_client, event_id) is None:
        raise NotFound(f"no event {event_id!r}")
    delivery_ids = event_delivery_ids(redis_client, event_id)
    if delivery_id is not None:
        if delivery_id not in delivery_ids:
            raise NotFound(f"event {event_id!r} has no delivery {delivery_id!r}")
        rerender_and_replay(redis_client, celery_app, delivery_id, rules, config=config)
        return {"event_id": event_id, "routing": False, "deliveries": [delivery_id]}
    if not delivery_ids:
        set_event_status(redis_client, event_id, "received")
        celery_app.send_task(ROUTE_EVENT, args=[event_id])
        return {"event_id": event_id, "routing": True, "deliveries": []}
    dead = [d for d in delivery_ids if redis_client.hget(delivery_key(d), "status") == "dead"]
    for dead_id in dead:
        rerender_and_replay(redis_client, celery_app, dead_id, rules, config=config)
    return {"event_id": event_id, "routing": False, "deliveries": dead}


def matching_dead_letters(redis_client, route=None, vendor=None):
    """Ids of dead deliveries (oldest first) whose route and vendor match the filters."""
    matching = []
    dead_ids = redis_client.zrange(DEAD_LETTERS, 0, -1)
    for start in range(0, len(dead_ids), CHUNK_SIZE):
        chunk = dead_ids[start:start + CHUNK_SIZE]
        pipe = redis_client.pipeline(transaction=False)
        for delivery_id in chunk:
            pipe.hmget(delivery_key(delivery_id), ["route_id", "vendor"])
        for delivery_id, (route_id, vendor_name) in zip(chunk, pipe.execute()):
            if (route is None or route_id == route) and (vendor is None or vendor_name == vendor):
                matching.append(delivery_id)
    return matching


def replay_dead_letters(redis_client, celery_app, route=None, vendor=None, rules=None, *, config):
    """Replay every matching dead letter: {"replayed": n, "delivery_ids": [...]}."""
    replayed = []
    for delivery_id in matching_dead_letters(redis_client, route, vendor):
        try:
            rerender_and_replay(redis_client, celery_app, delivery_id, rules, config=config)
        except NotFound:
            redis_client.zrem(DEAD_LETTERS, delivery_id)  # its record is gone (retention)
            continue
        except (DeliveryInFlight, NotRenderable):
            continue  # a worker picked it up meanwhile, or it still cannot be rendered
        replayed.append(delivery_id)
    return {"replayed": len(replayed), "delivery_ids": replayed}
