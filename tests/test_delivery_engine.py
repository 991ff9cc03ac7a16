"""The delivery engine end to end: a real worker, real Redis, the FoxOMS simulator on loopback."""
import time
from contextlib import contextmanager

import pytest
from celery.contrib.testing.worker import start_worker

from handlers import metrics
from handlers.delivery import leases
from handlers.delivery.ratelimit import VendorLimits
from handlers.delivery.requeue import requeue_due
from handlers.delivery.wiring import deliver_sender
from handlers.store.deliveries import create_delivery, delivery_record, get_attempts, get_delivery
from handlers.store.events import event_record, get_event, new_event_id, save_event, set_event_status
from handlers.task_names import DELIVER
from tests.helpers import wait_for

BOOKING = {"module": "booking", "fields": {"name": "Delivery test"}}


@pytest.fixture
def engine_app(make_app, foxoms_sim):
    def build(**config):
        settings = dict(FOXOMS_BASE_URL=foxoms_sim.url, FOXOMS_API_TOKEN=foxoms_sim.token,
                        RETRY_SCHEDULE="0.2,0.2", HTTP_ALLOW_PRIVATE=True)
        settings.update(config)
        return make_app(**settings)

    return build


@contextmanager
def running_worker(app):
    with start_worker(app.extensions["celery"], pool="solo", perform_ping_check=False, shutdown_timeout=30) as worker:
        yield worker


def queue_delivery(app, call="foxoms.create", args=BOOKING, action="a1", event_id=None):
    """A routed event with one pending delivery, and its "delivery.deliver" message."""
    redis_client = app.extensions["redis"]
    if event_id is None:
        event_id = new_event_id()
        save_event(redis_client, event_record(event_id, "foxoms", "bookingCreated", {"id": 1}, {}, time.time()))
        set_event_status(redis_client, event_id, "routed")
    record = delivery_record(event_id, "route", action, call, args)
    assert create_delivery(redis_client, record)
    app.extensions["celery"].send_task(DELIVER, args=[record["id"]])
    return record["id"]


def ended(redis_client, delivery_id, status, timeout=15):
    return wait_for(lambda: (get_delivery(redis_client, delivery_id) or {}).get("status") == status
                    and get_delivery(redis_client, delivery_id), timeout=timeout, message=f"{delivery_id} {status}")


def counter(vendor, outcome):
    return metrics.DELIVERIES.labels(vendor, outcome)._value.get()


def test_a_2xx_succeeds_and_the_attempt_is_recorded(engine_app, redis_client, foxoms_sim):
    app = engine_app()
    before = counter("foxoms", "succeeded")
    with running_worker(app):
        delivery_id = queue_delivery(app)
        delivery = ended(redis_client, delivery_id, "succeeded")
    assert delivery["attempts"] == 1 and delivery["last_status"] in ("200", "201")
    [attempt] = get_attempts(redis_client, delivery_id)
    assert attempt["outcome"] == "succeeded" and attempt["status"] in (200, 201)
    assert attempt["started_at"].endswith("Z") and attempt["duration_ms"] >= 0
    assert "success" in attempt["response_excerpt"]
    assert len(foxoms_sim.requests_to("POST", "/v1/booking")) == 1
    assert get_event(redis_client, delivery["event_id"])["status"] == "completed"
    assert redis_client.zscore(leases.INFLIGHT, delivery_id) is None
    assert counter("foxoms", "succeeded") == before + 1


def test_a_5xx_is_retried_then_succeeds(engine_app, redis_client, foxoms_sim):
    app = engine_app()
    foxoms_sim.fail_next(status=503)
    with running_worker(app):
        delivery_id = queue_delivery(app)
        delivery = ended(redis_client, delivery_id, "succeeded")
    first, second = get_attempts(redis_client, delivery_id)
    assert (first["status"], first["outcome"], first["error_class"]) == (503, "retrying", "VendorUnavailable")
    assert second["outcome"] == "succeeded"
    assert delivery["attempts"] == 2


def test_a_4xx_is_dead_at_once(engine_app, redis_client, foxoms_sim):
    app = engine_app()
    foxoms_sim.fail_next(status=422, times=5)
    with running_worker(app):
        delivery_id = queue_delivery(app)
        delivery = ended(redis_client, delivery_id, "dead")
    assert delivery["attempts"] == 1 and delivery["last_status"] == "422"
    assert delivery["error_class"] == "VendorRejected"
    assert redis_client.zscore(leases.DEAD, delivery_id) is not None
    assert get_event(redis_client, delivery["event_id"])["status"] == "failed"
    assert len(foxoms_sim.requests) == 1


def test_the_schedule_used_up_means_dead(engine_app, redis_client, foxoms_sim):
    app = engine_app()
    foxoms_sim.fail_next(status=500, times=10)
    with running_worker(app):
        delivery_id = queue_delivery(app)
        delivery = ended(redis_client, delivery_id, "dead")
    assert [a["outcome"] for a in get_attempts(redis_client, delivery_id)] == ["retrying", "retrying", "dead"]
    assert delivery["attempts"] == 3 and len(foxoms_sim.requests) == 3


def test_retry_after_is_honoured(engine_app, redis_client, foxoms_sim):
    app = engine_app()
    foxoms_sim.rate_limit_next(retry_after=2)
    with running_worker(app):
        delivery_id = queue_delivery(app)
        ended(redis_client, delivery_id, "succeeded")
    first, second = foxoms_sim.requests
    assert first.answered == 429 and second.answered in (200, 201)
    attempts = get_attempts(redis_client, delivery_id)
    assert attempts[0]["next_attempt_at"] is not None
    from datetime import datetime
    parse = lambda text: datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()  # noqa: E731
    assert parse(attempts[1]["started_at"]) - parse(attempts[0]["started_at"]) >= 2.0


def test_a_retry_an_hour_away_waits_in_redis_not_in_celery(engine_app, redis_client, foxoms_sim):
    app = engine_app(RETRY_SCHEDULE="3600")
    foxoms_sim.fail_next(status=503)
    with running_worker(app):
        delivery_id = queue_delivery(app)
        delivery = ended(redis_client, delivery_id, "retrying")
        due = redis_client.zscore(leases.RETRIES, delivery_id)
        assert 3600 * 0.89 < due - time.time() <= 3600 * 1.11
        # no message waits anywhere: not in the queue, not held by the worker as a countdown
        wait_for(lambda: redis_client.llen("celery") == 0 and redis_client.hlen("unacked") == 0,
                 timeout=5, message="an empty broker")
        assert redis_client.zscore(leases.INFLIGHT, delivery_id) is None
        assert delivery["next_attempt_at"]
        send = deliver_sender(app.extensions["celery"])
        assert requeue_due(redis_client, send, 60, now=lambda: time.time() + 1800) == []
        assert requeue_due(redis_client, send, 60, now=lambda: time.time() + 3601 * 1.11) == [delivery_id]
        ended(redis_client, delivery_id, "succeeded")
    assert len(foxoms_sim.requests) == 2


def test_waiting_for_the_rate_limit_is_not_an_attempt(engine_app, redis_client, foxoms_sim):
    app = engine_app(RATE_LIMIT_MAX_WAIT_SECONDS="0.2")
    VendorLimits(redis_client, app.config, 0).cool_down("foxoms", 1.5)
    before = counter("foxoms", "rate_limited")
    with running_worker(app):
        delivery_id = queue_delivery(app)
        delivery = ended(redis_client, delivery_id, "succeeded")
    assert delivery["attempts"] == 1 and len(foxoms_sim.requests) == 1
    assert counter("foxoms", "rate_limited") > before


def test_a_dead_letter_replayed_after_the_vendor_recovers_succeeds_once(engine_app, redis_client, foxoms_sim):
    from handlers.delivery.replay import replay_delivery

    app = engine_app(RETRY_SCHEDULE="0.1")
    foxoms_sim.fail_next(status=503, times=2)
    with running_worker(app):
        delivery_id = queue_delivery(app)
        delivery = ended(redis_client, delivery_id, "dead")
        assert get_event(redis_client, delivery["event_id"])["status"] == "failed"
        replay_delivery(redis_client, app.extensions["celery"], delivery_id, app.config["DELIVERY_LEASE_SECONDS"])
        assert redis_client.zscore(leases.DEAD, delivery_id) is None
        delivery = ended(redis_client, delivery_id, "succeeded")
    assert [a["outcome"] for a in get_attempts(redis_client, delivery_id)] == ["retrying", "dead", "succeeded"]
    assert len([r for r in foxoms_sim.requests if r.answered in (200, 201)]) == 1
    assert get_event(redis_client, delivery["event_id"])["status"] == "completed"


def test_an_unknown_call_is_dead_at_once(engine_app, redis_client):
    app = engine_app()
    with running_worker(app):
        delivery_id = queue_delivery(app, call="nosuch.vendor_call", args={})
        delivery = ended(redis_client, delivery_id, "dead")
    assert delivery["attempts"] == 1 and "nosuch.vendor_call" in delivery["last_error"]


def test_a_replayed_delivery_starts_the_retry_schedule_again(engine_app, redis_client, foxoms_sim):
    """Before: a replay kept its place in the schedule, so a dead letter that used the whole
    schedule was dead again after one failure (and one that died early waited the later delays)."""
    from handlers.delivery.replay import replay_delivery

    app = engine_app(RETRY_SCHEDULE="0.1")
    foxoms_sim.fail_next(status=503, times=3)
    with running_worker(app):
        delivery_id = queue_delivery(app)
        ended(redis_client, delivery_id, "dead")  # attempts 1 (retrying) and 2 (dead: one delay allows two)
        replay_delivery(redis_client, app.extensions["celery"], delivery_id, app.config["DELIVERY_LEASE_SECONDS"])
        delivery = ended(redis_client, delivery_id, "succeeded")  # 3 fails and is retried; 4 succeeds
    attempts = get_attempts(redis_client, delivery_id)
    assert [(a["number"], a["outcome"]) for a in attempts] == [
        (1, "retrying"), (2, "dead"), (3, "retrying"), (4, "succeeded")]
    assert delivery["attempts"] == 4 and delivery["schedule_from"] == 2
