"""The scheduler's jobs: re-queue retries that came due, and sweep up after dead workers.

- requeue_due: hooks:retries entries whose time has come are moved into hooks:inflight
  and sent as "delivery.deliver" messages. The move is one Lua call per delivery, so two
  schedulers (or two ticks) never queue the same retry twice.
- sweep_inflight: a lease in hooks:inflight that ran out belongs to a worker that died
  (kill -9, lost host) mid-attempt or while holding a countdown message; the delivery is
  re-leased and sent again, unless it has ended meanwhile.
- sweep_received: an event still `received` ROUTING_GRACE_SECONDS after it arrived was
  stored but never routed; it is queued for "routing.route_event" again (idempotent), at
  most once per grace period.

`now` is a clock function (default time.time) so tests can move time forward.
"""
import time

from handlers.delivery import leases
from handlers.store.events import EVENTS_INDEX, event_key
from handlers.store.keys import key

BATCH_SIZE = 500
ROUTING_SWEEP_WINDOW_SECONDS = 3600  # events older than grace + this are left to the broker's redelivery


def requeue_due(redis_client, send, lease_seconds, now=time.time):
    """Queue every retry that is due; returns the delivery ids queued."""
    moment = now()
    queued = []
    while True:
        ids = redis_client.zrangebyscore(leases.RETRIES, "-inf", moment, start=0, num=BATCH_SIZE)
        claimed = 0
        for delivery_id in ids:
            token = leases.claim_due(redis_client, delivery_id, moment, moment + lease_seconds)
            if token is not None:
                send(delivery_id, token, 0)
                queued.append(delivery_id)
                claimed += 1
        if len(ids) < BATCH_SIZE or not claimed:
            return queued


def sweep_inflight(redis_client, send, lease_seconds, now=time.time):
    """Re-send deliveries whose lease ran out; returns the delivery ids re-sent."""
    moment = now()
    resent = []
    ids = redis_client.zrangebyscore(leases.INFLIGHT, "-inf", moment, start=0, num=BATCH_SIZE)
    for delivery_id in ids:
        token = leases.claim_expired(redis_client, delivery_id, moment, moment + lease_seconds)
        if token is not None:
            send(delivery_id, token, 0)
            resent.append(delivery_id)
    return resent


def sweep_received(redis_client, send_route, grace_seconds, now=time.time):
    """Route again the events stored but never routed; returns their ids."""
    moment = now()
    newest = moment - grace_seconds
    ids = redis_client.zrangebyscore(EVENTS_INDEX, newest - ROUTING_SWEEP_WINDOW_SECONDS, newest)
    rerouted = []
    for start in range(0, len(ids), BATCH_SIZE):
        chunk = ids[start:start + BATCH_SIZE]
        pipe = redis_client.pipeline(transaction=False)
        for event_id in chunk:
            pipe.hget(event_key(event_id), "status")
        for event_id, status in zip(chunk, pipe.execute()):
            marker = key("sweep", "route", event_id)
            if status == "received" and redis_client.set(marker, "1", nx=True, ex=max(1, int(grace_seconds))):
                send_route(event_id)
                rerouted.append(event_id)
    return rerouted
