"""Release parked deliveries when their vendor has a slot for them (the dispatcher).

Every worker process runs `Dispatcher` in a thread (a greenlet under the gevent pool):
it sleeps until the earliest lane wake (at most IDLE_POLL_SECONDS) and then calls
`release_due`; the scheduler calls `release_due` too, on each requeue tick, as a
backstop. Any number of them may run at once: a lane is worked by one at a time (a short
lock), and each release is one Lua call.

A breaker lane (handlers.delivery.breaker) lets one head go when it wakes: the probe.

For a vendor lane the gate is the rate limiter: as many heads as slots are free within
LEAD_SECONDS, each with a reservation (handlers.delivery.ratelimit); a released delivery
that arrives before its slot frees waits the rest (at most RATE_LIMIT_MAX_WAIT_SECONDS),
so a 1/second vendor still gets a request every 1.04 s, not every 1.04 s plus the
dispatch latency.
"""
import logging
import threading
import time

from redis.exceptions import RedisError

from handlers.delivery import parking
from handlers.delivery.breaker import breaker_key, lane_breaker
from handlers.delivery.ratelimit import lane_vendor, reservations_key
from handlers.store.keys import key

log = logging.getLogger(__name__)

LEAD_SECONDS = 0.2          # release a head this long before its slot frees
IDLE_POLL_SECONDS = 0.25    # look for new lanes at least this often
RELEASE_BATCH = 200         # at most this many heads of one lane per release
LANE_LOCK_MS = 2000


def release_due(redis_client, limits, send, lease_seconds, now=time.time):
    """Release what may go now from every due lane; returns the delivery ids sent."""
    moment = now()
    sent = []
    for lane, _ in parking.due_lanes(redis_client, moment):
        vendor = lane_vendor(lane)
        if vendor is None and lane_breaker(lane) is None:
            continue  # not a lane this dispatcher gates (paused lanes are released on resume)
        lock = key("lane", lane, "lock")
        if not redis_client.set(lock, "1", nx=True, px=LANE_LOCK_MS):
            continue
        try:
            if vendor is None:
                sent += _release_probe(redis_client, send, lane, lane_breaker(lane), lease_seconds, now)
                continue
            sent += _release_vendor(redis_client, limits, send, lane, vendor, lease_seconds, now)
        except ValueError as exc:  # e.g. a broken <VENDOR>_RATE_LIMIT: the other lanes go on
            log.error("dispatcher: lane %s: %s", lane, exc)
        finally:
            redis_client.delete(lock)
    return sent


def _release_vendor(redis_client, limits, send, lane, vendor, lease_seconds, now):
    free, wait = limits.slots(vendor, LEAD_SECONDS)
    moment = now()
    released = []
    if free != 0:
        count = RELEASE_BATCH if free < 0 else min(free, RELEASE_BATCH)
        released = parking.release(redis_client, lane, count, moment, moment + lease_seconds,
                                   reservations=reservations_key(vendor),
                                   reserved_until_ms=limits.reservation_end_ms())
        for delivery_id, token in released:
            send(delivery_id, token, 0)
        free, wait = limits.slots(vendor, LEAD_SECONDS)
    parking.set_wake(redis_client, lane, moment if free != 0 else moment + wait)
    return [delivery_id for delivery_id, _ in released]


def _release_probe(redis_client, send, lane, name, lease_seconds, now):
    """An open breaker's period is over: release its head, the probe (handlers.delivery.
    breaker); the lane sleeps until the probe's outcome moves it (or the probe's lease
    runs out, when another head may probe). A closed breaker's lane (a delivery parked
    just as it closed) goes whole."""
    moment = now()
    closed = not redis_client.hexists(breaker_key(name), "open_until")
    count, wake = (RELEASE_BATCH, moment) if closed else (1, moment + lease_seconds)
    released = parking.release(redis_client, lane, count, wake, moment + lease_seconds)
    for delivery_id, token in released:
        send(delivery_id, token, 0)
    return [delivery_id for delivery_id, _ in released]


class Dispatcher:
    """The release loop of one worker process; start() and stop() are the bootstep's."""

    def __init__(self, redis_client, limits, send, lease_seconds):
        self.redis = redis_client
        self.limits = limits
        self.send = send
        self.lease_seconds = lease_seconds
        self._stop = threading.Event()
        self._thread = None

    def start(self):
        self._thread = threading.Thread(target=self.run, name="hooks-dispatcher", daemon=True)
        self._thread.start()

    def stop(self, timeout=5):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run(self):
        while not self._stop.is_set():
            self._stop.wait(self.tick())

    def tick(self):
        """One round; returns the seconds to sleep before the next."""
        try:
            release_due(self.redis, self.limits, self.send, self.lease_seconds)
            wake = parking.next_wake(self.redis)
        except (RedisError, OSError) as exc:  # Redis away: try again shortly, never die
            log.warning("dispatcher: %s", exc)
            return 1.0
        if wake is None:
            return IDLE_POLL_SECONDS
        return min(max(wake - time.time(), 0.005), IDLE_POLL_SECONDS)
