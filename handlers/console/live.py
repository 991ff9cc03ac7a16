"""The overview's live numbers and each vendor's state, read from Redis at request time.

Each vendor is reached through its credentials, through the built-in sandbox (make run,
VENDOR_SANDBOX), or not at all (no credential and no sandbox: its deliveries fail).
"""
import time

from handlers import actions as action_registry
from handlers.admin.gauges import CELERY_QUEUE
from handlers.admin.steering import vendor_steering
from handlers.delivery.ratelimit import VendorLimits, cooldown_key, stretched_window, window_key
from handlers.sandbox.vendors import sandboxed_vendors
from handlers.store.codec import iso
from handlers.store.deliveries import delivery_key
from handlers.store.events import EVENTS_INDEX
from handlers.store.keys import DEAD_LETTERS, INFLIGHT, RETRIES


def live_numbers(redis_client, now_ts=None):
    now_ts = time.time() if now_ts is None else now_ts
    pipe = redis_client.pipeline(transaction=False)
    pipe.llen(CELERY_QUEUE)
    pipe.zcard(RETRIES)
    pipe.zcard(DEAD_LETTERS)
    pipe.zcard(INFLIGHT)
    pipe.zcard(EVENTS_INDEX)
    pipe.zrange(RETRIES, 0, 0, withscores=True)
    depth, retries, dead, inflight, stored, oldest = pipe.execute()
    waiting = None
    if oldest:
        delivery_id, due = oldest[0]
        waiting = {"delivery_id": delivery_id, "event_id": redis_client.hget(delivery_key(delivery_id), "event_id"),
                   "due_at": iso(due), "overdue_seconds": max(0, int(now_ts - due))}
    return {"queue_depth": depth, "retries_scheduled": retries, "dead_letters": dead,
            "in_flight": inflight, "events_stored": stored, "oldest_waiting": waiting}


def vendor_names():
    """Every vendor an action can call, sorted, with the setting holding its credential."""
    found = {}
    for action in action_registry.load_all().values():
        client = getattr(action, "client_class", None)
        needs = bool(client and getattr(client, "needs_credential", False) and client.credential_key)
        found.setdefault(action.vendor, client.credential_key if needs else None)
    return dict(sorted(found.items()))


def vendor_states(redis_client, config):
    """[{vendor, limit, used, window_seconds, cooldown_seconds, credential_setting, has_credential,
    sandboxed, paused, paused_at, paused_waiting, breaker}]."""
    limits = VendorLimits(redis_client, config, max_wait_seconds=0)
    sandboxed = set(sandboxed_vendors(config))
    names = vendor_names()
    now_ms = int(time.time() * 1000)
    rows, pipe = [], redis_client.pipeline(transaction=False)
    for vendor, credential_setting in names.items():
        try:
            limit, problem = limits.limit_for(vendor), None
        except ValueError as exc:
            limit, problem = None, str(exc)
        window_ms = int(stretched_window(limit[1]) * 1000) if limit else 0
        pipe.zcount(window_key(vendor), now_ms - window_ms, "+inf")
        pipe.pttl(cooldown_key(vendor))
        rows.append({"vendor": vendor, "limit": limit, "limit_problem": problem,
                     "window_seconds": limit[1] if limit else None,
                     "credential_setting": credential_setting,
                     "has_credential": credential_setting is None or bool(config.get(credential_setting)),
                     "sandboxed": vendor in sandboxed})
    replies = pipe.execute()
    for row, used, cooldown_ms in zip(rows, replies[0::2], replies[1::2]):
        row["used"] = used if row["limit"] else None
        row["cooldown_seconds"] = round(cooldown_ms / 1000, 1) if cooldown_ms and cooldown_ms > 0 else 0
        row.update(vendor_steering(redis_client, row["vendor"]))
    return rows
