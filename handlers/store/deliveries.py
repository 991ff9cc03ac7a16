"""Deliveries (one per matched action) and their attempts.

A delivery's id is deterministic: `<event id>:<route id>:<action id>`, so routing an
event twice creates nothing twice. Hash fields: id, event_id, route_id, action_id,
call, vendor, args (JSON, rendered), status, attempts (count), schedule_from (the
attempts made before the current retry schedule began: a replay sets it), next_attempt_at,
last_status, last_error, error_class, record_failures (JSON list), state (JSON),
created_at, updated_at. Attempts are JSON objects in a list beside the hash.
"""
from handlers.store.codec import dumps, iso, loads, now
from handlers.store.events import deliveries_key
from handlers.store.keys import key
from handlers.store import scripts

DELIVERY_STATUSES = ("pending", "retrying", "paused", "succeeded", "dead")
JSON_FIELDS = {"args": {}, "record_failures": [], "state": {}}

# Create the hash only if it does not exist, and link it to its event, atomically.
_CREATE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
redis.call('SADD', KEYS[2], redis.call('HGET', KEYS[1], 'id'))
return 1
"""


def delivery_id(event_id, route_id, action_id):
    return f"{event_id}:{route_id}:{action_id}"


def delivery_key(delivery_id_):
    return key("delivery", delivery_id_)


def attempts_key(delivery_id_):
    return key("delivery", delivery_id_, "attempts")


def lease_key(delivery_id_):
    """The token of the message or run owning the delivery's lease (handlers/delivery/leases.py)."""
    return key("delivery", delivery_id_, "lease")


def delivery_record(event_id, route_id, action_id, call, args, status="pending", error=""):
    timestamp = iso(now())
    return {
        "id": delivery_id(event_id, route_id, action_id),
        "event_id": event_id,
        "route_id": route_id,
        "action_id": action_id,
        "call": call,
        "vendor": call.split(".", 1)[0],
        "args": dumps(args),
        "status": status,
        "attempts": "0",
        "next_attempt_at": "",
        "last_status": "",
        "last_error": error,
        "error_class": "",
        "record_failures": "[]",
        "state": "{}",
        "created_at": timestamp,
        "updated_at": timestamp,
    }


def create_delivery(redis_client, record):
    """Store a new delivery; False (and nothing written) if it already exists."""
    flat = [item for pair in record.items() for item in pair]
    keys = [delivery_key(record["id"]), deliveries_key(record["event_id"])]
    return bool(scripts.run(redis_client, _CREATE, keys, flat))


def decode_delivery(fields):
    if not fields:
        return None
    delivery = dict(fields)
    for name, default in JSON_FIELDS.items():
        delivery[name] = loads(delivery.get(name), default)
    delivery["attempts"] = int(delivery.get("attempts") or 0)
    delivery["schedule_from"] = int(delivery.get("schedule_from") or 0)
    return delivery


def get_delivery(redis_client, delivery_id_):
    return decode_delivery(redis_client.hgetall(delivery_key(delivery_id_)))


def update_delivery(redis_client, delivery_id_, **fields):
    """Set fields (dicts and lists are stored as JSON); updated_at is refreshed."""
    if "status" in fields and fields["status"] not in DELIVERY_STATUSES:
        raise ValueError(f"unknown delivery status {fields['status']!r}")
    mapping = {name: dumps(v) if isinstance(v, (dict, list)) else str(v) for name, v in fields.items()}
    mapping["updated_at"] = iso(now())
    redis_client.hset(delivery_key(delivery_id_), mapping=mapping)


def append_attempt(redis_client, delivery_id_, attempt):
    """Record one attempt (a dict) and count it on the delivery."""
    pipe = redis_client.pipeline(transaction=True)
    pipe.rpush(attempts_key(delivery_id_), dumps(attempt))
    pipe.hincrby(delivery_key(delivery_id_), "attempts", 1)
    pipe.execute()


def get_attempts(redis_client, delivery_id_):
    return [loads(item) for item in redis_client.lrange(attempts_key(delivery_id_), 0, -1)]


def event_delivery_ids(redis_client, event_id):
    return sorted(redis_client.smembers(deliveries_key(event_id)))
