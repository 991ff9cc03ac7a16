"""http.post through the engine: secrets stay out of Redis, state is kept between attempts."""
import time

from celery.contrib.testing.worker import start_worker

from handlers.store.deliveries import create_delivery, delivery_record, get_attempts, get_delivery
from handlers.store.events import event_record, new_event_id, save_event, set_event_status
from handlers.task_names import DELIVER
from tests.helpers import wait_for

SECRET_HEADER = "Bearer hook-secret-value-1"
SIGNING_SECRET = "whsec_" + "c2VjcmV0LXNpZ25pbmcta2V5LTEyMzQ1Njc4"


def deliver(app, redis_client, args, status):
    event_id = new_event_id()
    save_event(redis_client, event_record(event_id, "foxoms", "bookingCreated", {"id": 1}, {}, time.time()))
    set_event_status(redis_client, event_id, "routed")
    record = delivery_record(event_id, "route", "post", "http.post", args)
    create_delivery(redis_client, record)
    with start_worker(app.extensions["celery"], pool="solo", perform_ping_check=False, shutdown_timeout=30):
        app.extensions["celery"].send_task(DELIVER, args=[record["id"]])
        wait_for(lambda: get_delivery(redis_client, record["id"])["status"] == status, timeout=15,
                 message=f"status {status}")
    return record["id"]


def test_secrets_echoed_by_the_endpoint_never_reach_redis(make_app, redis_client, http_sim):
    app = make_app(HTTP_ALLOW_PRIVATE=True, FOXOMS_API_TOKEN="configured-foxoms-token")
    http_sim.answer(400, {"echo": SECRET_HEADER, "also": "configured-foxoms-token", "sig": SIGNING_SECRET})
    args = {"url": http_sim.origin + "/hook", "json": {"a": 1}, "headers": {"Authorization": SECRET_HEADER},
            "sign": SIGNING_SECRET}
    delivery_id = deliver(app, redis_client, args, "dead")
    assert http_sim.last.header("Authorization") == SECRET_HEADER  # it was sent...
    [attempt] = get_attempts(redis_client, delivery_id)
    assert "[redacted]" in attempt["response_excerpt"]
    attempts_blob = "".join(redis_client.lrange(f"hooks:delivery:{delivery_id}:attempts", 0, -1))
    for secret in ("hook-secret-value-1", "configured-foxoms-token", SIGNING_SECRET):
        assert secret not in attempts_blob  # ...but is in no attempt record
        assert secret not in get_delivery(redis_client, delivery_id)["last_error"]
    assert "configured-foxoms-token" not in attempts_blob and "echo" in attempts_blob


def test_state_is_kept_between_attempts(make_app, redis_client, http_sim):
    app = make_app(HTTP_ALLOW_PRIVATE=True, RETRY_SCHEDULE="0.2")
    http_sim.fail_next(status=502)
    args = {"url": http_sim.origin + "/hook", "json": {"a": 1}, "sign": SIGNING_SECRET}
    delivery_id = deliver(app, redis_client, args, "succeeded")
    first, second = http_sim.requests
    assert first.header("webhook-id") == second.header("webhook-id")
    assert get_delivery(redis_client, delivery_id)["state"]["webhook_id"] == first.header("webhook-id")
