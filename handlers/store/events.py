"""Stored events: one Redis hash each, indexed by time.

Hash fields: id, source, name, received_at (ISO 8601), received_ts (epoch seconds),
payload (JSON), headers (JSON, tokens and signatures already removed), status,
dedupe_key, updated_at. Status is one of EVENT_STATUSES.
"""
import os

from handlers.store.codec import dumps, iso, loads, now
from handlers.store.keys import key
from handlers.store.stats import count_event_status

EVENT_STATUSES = ("received", "routed", "completed", "partially_failed", "failed", "ignored")
JSON_FIELDS = ("payload", "headers")
EVENTS_INDEX = key("events")


def event_key(event_id):
    return key("event", event_id)


def deliveries_key(event_id):
    return key("event", event_id, "deliveries")


def new_event_id(timestamp=None):
    """`evt_` + 12 hex digits of milliseconds + 12 random hex digits: sorts by time."""
    millis = int((now() if timestamp is None else timestamp) * 1000)
    return f"evt_{millis:012x}{os.urandom(6).hex()}"


def event_record(event_id, source, name, payload, headers, received_ts, dedupe_key=""):
    """The hash fields of a new event, ready for HSET."""
    received_at = iso(received_ts)
    return {
        "id": event_id,
        "source": source,
        "name": name,
        "received_at": received_at,
        "received_ts": repr(float(received_ts)),
        "payload": dumps(payload),
        "headers": dumps(headers),
        "status": "received",
        "dedupe_key": dedupe_key,
        "updated_at": received_at,
    }


def decode_event(fields):
    """A stored hash as a dict with payload and headers decoded; None if missing."""
    if not fields:
        return None
    event = dict(fields)
    for name in JSON_FIELDS:
        event[name] = loads(event.get(name), {})
    event["received_ts"] = float(event.get("received_ts") or 0)
    return event


def save_event(redis_client, record):
    """Write an event record and index it (one transaction)."""
    pipe = redis_client.pipeline(transaction=True)
    pipe.hset(event_key(record["id"]), mapping=record)
    pipe.zadd(EVENTS_INDEX, {record["id"]: float(record["received_ts"])})
    pipe.execute()


def get_event(redis_client, event_id):
    return decode_event(redis_client.hgetall(event_key(event_id)))


def set_event_status(redis_client, event_id, status):
    if status not in EVENT_STATUSES:
        raise ValueError(f"unknown event status {status!r}")
    pipe = redis_client.pipeline(transaction=True)
    pipe.hset(event_key(event_id), mapping={"status": status, "updated_at": iso(now())})
    if status != "received":  # arrivals are counted by the index; "received" again is a replay
        count_event_status(pipe, status, now())
    pipe.execute()
