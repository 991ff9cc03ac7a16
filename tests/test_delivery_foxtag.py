"""Foxtag through the engine: per-record failures are kept, accepted batches are never resent."""
import time

from celery.contrib.testing.worker import start_worker

from handlers.store.deliveries import create_delivery, delivery_record, get_attempts, get_delivery
from handlers.store.events import event_record, get_event, new_event_id, save_event, set_event_status
from handlers.task_names import DELIVER
from tests.helpers import wait_for


def records(count, invalid=()):
    return [{"name": f"Customer {n}", **({"invalid": True} if n in invalid else {})} for n in range(count)]


def run_delivery(app, redis_client, args, on_start=lambda: None):
    event_id = new_event_id()
    save_event(redis_client, event_record(event_id, "foxoms", "bookingCreated", {"id": 1}, {}, time.time()))
    set_event_status(redis_client, event_id, "routed")
    record = delivery_record(event_id, "route", "upsert", "foxtag.upsert", args)
    create_delivery(redis_client, record)
    with start_worker(app.extensions["celery"], pool="solo", perform_ping_check=False, shutdown_timeout=30):
        app.extensions["celery"].send_task(DELIVER, args=[record["id"]])
        on_start()
        wait_for(lambda: get_delivery(redis_client, record["id"])["status"] == "succeeded", timeout=20,
                 message="the delivery")
    return get_delivery(redis_client, record["id"])


def test_record_failures_are_stored_and_not_retried(make_app, redis_client, foxtag_sim):
    app = make_app(FOXTAG_BASE_URL=foxtag_sim.url, FOXTAG_API_KEY=foxtag_sim.api_key)
    delivery = run_delivery(app, redis_client, {"resource": "customers", "records": records(150, invalid={4, 120})})
    assert [failure["index"] for failure in delivery["record_failures"]] == [4, 120]
    assert delivery["attempts"] == 1 and len(foxtag_sim.requests) == 2
    assert get_event(redis_client, delivery["event_id"])["status"] == "completed"


def test_a_retry_sends_only_the_batches_not_yet_accepted(make_app, redis_client, foxtag_sim):
    """The vendor limits the second batch (429): the retry starts at record 100."""
    app = make_app(FOXTAG_BASE_URL=foxtag_sim.url, FOXTAG_API_KEY=foxtag_sim.api_key, RETRY_SCHEDULE="0.2")
    foxtag_sim.set_rate_limit((1, 60.0))

    def lift_the_limit_after_the_429():
        wait_for(lambda: any(r.answered == 429 for r in foxtag_sim.requests), message="the 429")
        foxtag_sim.set_rate_limit(None)

    delivery = run_delivery(app, redis_client, {"resource": "customers", "records": records(250, invalid={3})},
                            on_start=lift_the_limit_after_the_429)
    accepted = [r for r in foxtag_sim.requests if r.answered == 200]
    assert [len(r.json) for r in accepted] == [100, 100, 50]
    assert accepted[1].json[0]["name"] == "Customer 100"
    assert [failure["index"] for failure in delivery["record_failures"]] == [3]
    assert [a["outcome"] for a in get_attempts(redis_client, delivery["id"])] == ["retrying", "succeeded"]
