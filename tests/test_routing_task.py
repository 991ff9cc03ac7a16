"""The routing task routes, queues every delivery but the first, and attempts the first itself.

The task is called as a plain function in this process (no worker, no eager mode): what it
queues stays in Redis to be read, and what it sends reaches the receiver simulator.
"""
import json
import time

import pytest

from handlers.errors import RulesUnavailable
from handlers.store.deliveries import get_attempts, get_delivery
from handlers.store.events import event_record, get_event, new_event_id, save_event
from handlers.task_names import DELIVER
from tasks.routing import route_event_task
from tests.admin_helpers import queued_messages

ROUTES = """
sources:
  foxoms: {type: foxoms, tokens: ["t"], events: [bookingCreated]}
routes:
  - id: fan
    source: foxoms
    events: [bookingCreated]
    actions:
      - id: first
        call: http.post
        args: {url: "ORIGIN/first", json: {name: "{{ payload.name }}"}}
      - id: second
        call: http.post
        args: {url: "ORIGIN/second", json: {name: "{{ payload.name }}"}}
"""


def stored_event(redis_client):
    event_id = new_event_id()
    save_event(redis_client, event_record(event_id, "foxoms", "bookingCreated", {"id": 1, "name": "B"}, {}, time.time()))
    return event_id


def test_first_delivery_is_attempted_in_the_routing_task_and_the_rest_queued(make_app, redis_client, http_sim):
    app = make_app(ROUTES.replace("ORIGIN", http_sim.origin), HTTP_ALLOW_PRIVATE=True)
    event_id = stored_event(redis_client)
    with app.app_context():
        assert route_event_task(event_id) == "routed"
    first, second = f"{event_id}:fan:first", f"{event_id}:fan:second"
    assert [(r.path, r.json) for r in http_sim.requests] == [("/first", {"name": "B"})]
    assert get_delivery(redis_client, first)["status"] == "succeeded"
    assert [a["status"] for a in get_attempts(redis_client, first)] == [200]
    assert queued_messages(redis_client) == [(DELIVER, second)]
    assert get_delivery(redis_client, second)["status"] == "pending"
    assert get_event(redis_client, event_id)["status"] == "routed"  # one of two delivered


def test_a_failed_first_attempt_is_scheduled_like_any_other(make_app, redis_client, http_sim):
    app = make_app(ROUTES.replace("ORIGIN", http_sim.origin), HTTP_ALLOW_PRIVATE=True, RETRY_SCHEDULE="30")
    http_sim.answer(503, {"error": "down"})
    event_id = stored_event(redis_client)
    with app.app_context():
        route_event_task(event_id)
    first = f"{event_id}:fan:first"
    delivery = get_delivery(redis_client, first)
    assert delivery["status"] == "retrying" and delivery["attempts"] == 1
    messages = [json.loads(raw)["headers"] for raw in redis_client.lrange("celery", 0, -1)]
    assert sorted(m["task"] for m in messages) == [DELIVER, DELIVER]  # the retry + the second


def test_routing_again_sends_nothing_twice(make_app, redis_client, http_sim):
    """A redelivered routing message after the deliver message of `second` was lost: the
    delivered one is not sent again, the pending one is attempted (first of what is left)."""
    app = make_app(ROUTES.replace("ORIGIN", http_sim.origin), HTTP_ALLOW_PRIVATE=True)
    event_id = stored_event(redis_client)
    with app.app_context():
        route_event_task(event_id)
        redis_client.delete("celery")
        route_event_task(event_id)
        route_event_task(event_id)
    assert [r.path for r in http_sim.requests] == ["/first", "/second"]
    assert queued_messages(redis_client) == []
    assert get_event(redis_client, event_id)["status"] == "completed"


def test_a_broken_routes_file_leaves_the_event_received_and_the_task_retrying(make_app, redis_client):
    """The task raises the RulesUnavailable the hooks answer 503 with, one of the errors
    it retries on, and the event is left as it was (called directly, Celery re-raises)."""
    app = make_app("routes: [")
    event_id = stored_event(redis_client)
    with app.app_context(), pytest.raises(RulesUnavailable):
        route_event_task(event_id)
    assert RulesUnavailable in route_event_task.autoretry_for
    assert get_event(redis_client, event_id)["status"] == "received"
