"""Pausing a vendor or a route (docs/operations.md "Pause and circuit breaker").

hooks:pauses             hash: "<kind>:<name>" (kind vendor or route) -> paused at (ISO)
hooks:lane:pause:<kind>:<name>   its parked deliveries (handlers.delivery.parking), wake +inf

A delivery whose vendor or route is paused is parked, before any attempt, in its pause
lane with status `paused`, in creation order (its due order); no attempt is made or
counted. The flag lives in Redis, so a pause survives restarts. `resume` drops the flag
and releases the lane in order: each delivery goes back to pending (or retrying, if it
has attempts) and is sent again, so it meets the rate limiter like any other.
"""
import math
import time

from handlers.delivery import parking
from handlers.store.codec import iso
from handlers.store.deliveries import delivery_key
from handlers.store.keys import key

PAUSES = key("pauses")
KINDS = ("vendor", "route")
RELEASE_BATCH = 200


def flag(kind, name):
    if kind not in KINDS:
        raise ValueError(f"unknown pause kind {kind!r}")
    return f"{kind}:{name}"


def pause_lane(kind, name):
    return "pause:" + flag(kind, name)


def pause(redis_client, kind, name, now=time.time):
    """Pause; True if it was not paused already."""
    return bool(redis_client.hsetnx(PAUSES, flag(kind, name), iso(now())))


def is_paused(redis_client, kind, name):
    return bool(redis_client.hexists(PAUSES, flag(kind, name)))


def paused_for(redis_client, delivery):
    """(kind, name) of the pause holding this delivery back (its vendor's first), or None."""
    names = (("vendor", delivery["vendor"]), ("route", delivery.get("route_id") or ""))
    found = redis_client.hmget(PAUSES, [flag(kind, name) for kind, name in names])
    for (kind, name), value in zip(names, found):
        if value is not None:
            return kind, name
    return None


def pauses(redis_client):
    """[{kind, name, paused_at, waiting}] of every pause, sorted."""
    rows = []
    for field, paused_at in sorted(redis_client.hgetall(PAUSES).items()):
        kind, name = field.split(":", 1)
        rows.append({"kind": kind, "name": name, "paused_at": paused_at,
                     "waiting": redis_client.zcard(parking.lane_key(pause_lane(kind, name)))})
    return rows


def park_paused(redis_client, delivery, kind, name, order, send, lease_seconds):
    """Park the delivery in its pause lane with status `paused`. If the pause was lifted
    meanwhile (a resume between our check and the park), the lane is released again."""
    lane = pause_lane(kind, name)
    redis_client.hset(delivery_key(delivery["id"]), "status", "paused")
    parking.park(redis_client, lane, delivery["id"], "paused", order, math.inf)
    if not is_paused(redis_client, kind, name):
        return release_lane(redis_client, lane, send, lease_seconds)
    return []


def resume(redis_client, kind, name, send, lease_seconds):
    """Lift the pause and send its parked deliveries in creation order; returns how many."""
    redis_client.hdel(PAUSES, flag(kind, name))
    return len(release_lane(redis_client, pause_lane(kind, name), send, lease_seconds))


def release_lane(redis_client, lane, send, lease_seconds, now=time.time):
    """Release every delivery of `lane`, head first, each back to pending/retrying and
    sent again with `send(id, token, 0)`."""
    released = []
    while True:
        moment = now()
        batch = parking.release(redis_client, lane, RELEASE_BATCH, math.inf, moment + lease_seconds)
        if not batch:
            return released
        for delivery_id, token in batch:
            record = delivery_key(delivery_id)
            attempts = int(redis_client.hget(record, "attempts") or 0)
            if redis_client.hget(record, "status") == "paused":
                redis_client.hset(record, "status", "retrying" if attempts else "pending")
            send(delivery_id, token, 0)
            released.append(delivery_id)
