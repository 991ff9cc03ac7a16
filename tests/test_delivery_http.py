"""http.post through the engine: secrets stay out of Redis, state is kept between attempts."""

from handlers.store.deliveries import get_attempts, get_delivery
from tests.worker_helpers import deliver_in_worker

SECRET_HEADER = "Bearer hook-secret-value-1"
SIGNING_SECRET = "whsec_" + "c2VjcmV0LXNpZ25pbmcta2V5LTEyMzQ1Njc4"


def deliver(app, redis_client, args, status):
    return deliver_in_worker(app, redis_client, "http.post", args, status, 15)


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
