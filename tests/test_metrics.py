"""GET /metrics: Prometheus text with the counters and gauges read from Redis."""
from prometheus_client.parser import text_string_to_metric_families

from handlers.metrics import DELIVERIES
from handlers.store.codec import now
from handlers.store.keys import RETRIES
from handlers.task_names import PROBE_WRITE
from tests.admin_helpers import ADMIN, make_delivery, make_event


def scrape(client, **kwargs):
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for sample in family.samples
    }


def test_counters_are_exposed_and_count(client):
    labels = (("outcome", "succeeded"), ("vendor", "fiwit-metrics-test"))
    before = scrape(client).get(("deliveries_total", labels), 0.0)
    DELIVERIES.labels("fiwit-metrics-test", "succeeded").inc(2)
    text = client.get("/metrics").get_data(as_text=True)
    for name in ("hooks_received_total", "hooks_accepted_total", "hooks_duplicates_total",
                 "hooks_rejected_total", "deliveries_total", "delivery_attempt_seconds"):
        assert f"# TYPE {name.removesuffix('_total')}" in text
    assert scrape(client)[("deliveries_total", labels)] == before + 2


def test_gauges_are_read_from_redis_at_scrape_time(app, client, redis_client):
    empty = scrape(client)
    assert empty[("hooks_queue_depth", (("queue", "celery"),))] == 0
    assert empty[("hooks_dead_letters", ())] == 0
    for index in range(3):
        app.extensions["celery"].send_task(PROBE_WRITE, args=[f"t{index}", "v"])
    dead_event = make_event(redis_client, status="failed")
    for action in ("a", "b"):
        make_delivery(redis_client, dead_event, action_id=action, status="dead")
    waiting = make_delivery(redis_client, make_event(redis_client, status="routed"), status="retrying")
    redis_client.zadd(RETRIES, {waiting: now() + 60})
    samples = scrape(client)
    assert samples[("hooks_queue_depth", (("queue", "celery"),))] == 3
    assert samples[("hooks_dead_letters", ())] == 2
    assert samples[("hooks_retries_scheduled", ())] == 1
    assert samples[("hooks_deliveries_inflight", ())] == 0
    assert samples[("hooks_events_stored", ())] == 2
    assert samples[("hooks_redis_up", ())] == 1


def test_metrics_need_no_admin_token(make_app):
    response = make_app(ADMIN_TOKEN=None).test_client().get("/metrics")
    assert response.status_code == 200


def test_metrics_token_when_set(make_app):
    client = make_app(METRICS_TOKEN="scrape-secret").test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers=ADMIN).status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer scrape-secret"}).status_code == 200


def test_redis_down_still_answers_with_redis_up_zero(make_app):
    client = make_app(REDIS_URL="redis://127.0.0.1:1/0").test_client()
    samples = scrape(client)
    assert samples[("hooks_redis_up", ())] == 0
    assert ("hooks_queue_depth", (("queue", "celery"),)) not in samples
