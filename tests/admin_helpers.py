"""Builders for the admin, metrics and retention tests: stored events, deliveries and
attempts written with handlers.store, and the Celery messages queued in Redis."""
import base64
import json

from handlers.store.codec import now
from handlers.store.deliveries import append_attempt, create_delivery, delivery_record, update_delivery
from handlers.store.events import event_record, new_event_id, save_event, set_event_status
from handlers.store.keys import DEAD_LETTERS

ADMIN_TOKEN = "admin-test-token"  # the ADMIN_TOKEN of every test app (tests/conftest.py make_app)
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def admin_rule_problems(app):
    """The rules' problems as the admin API shows them (GET /api/routes answers 503 with them)."""
    response = app.test_client().get("/api/routes", headers=ADMIN)
    assert response.status_code == 503
    return response.get_json()["error"]["fields"]["rules"]


def make_event(redis_client, source="foxoms", name="bookingCreated", status="received",
               received_ts=None, payload=None, headers=None, event_id=None):
    received_ts = now() if received_ts is None else received_ts
    event_id = event_id or new_event_id(received_ts)
    record = event_record(event_id, source, name, payload or {"id": 1}, headers or {}, received_ts)
    save_event(redis_client, record)
    if status != "received":
        set_event_status(redis_client, event_id, status)
    return event_id


def make_delivery(redis_client, event_id, route_id="route-a", action_id="act", call="fiwit.create_ticket",
                  status="pending", attempts=(), died_at=None, args=None):
    record = delivery_record(event_id, route_id, action_id, call, args or {"fields": {"name": "x"}})
    create_delivery(redis_client, record)
    for attempt in attempts:
        append_attempt(redis_client, record["id"], attempt)
    if status != "pending":
        update_delivery(redis_client, record["id"], status=status, last_error="HTTP 400 bad request")
    if status == "dead":
        redis_client.zadd(DEAD_LETTERS, {record["id"]: now() if died_at is None else died_at})
    return record["id"]


def queued_messages(redis_client, queue="celery"):
    """[(task name, first argument)] of the Celery messages waiting in `queue`, oldest first
    (the delivery or event id; a "delivery.deliver" message also carries a lease token)."""
    messages = []
    for raw in reversed(redis_client.lrange(queue, 0, -1)):
        envelope = json.loads(raw)
        args, _kwargs, _embed = json.loads(base64.b64decode(envelope["body"]))
        messages.append((envelope["headers"]["task"], args[0]))
    return messages
