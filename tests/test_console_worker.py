"""The console end to end in process: an event posted through the real hook path, routed
and delivered by a real Celery worker to a loopback endpoint, found by record id, shown
with its attempt, and counted in the per-minute counters the overview charts read."""
import time

import pytest

from handlers.store.events import get_event
from handlers.store.stats import STATS_TTL_SECONDS, deliveries_stats_key, events_stats_key, minute_of
from tests.console_helpers import login
from tests.helpers import HOOK_ROUTES, wait_for


@pytest.fixture
def app(make_app, http_sim):
    return make_app(HOOK_ROUTES.format(url=http_sim.origin + "/hook"), SECRET_KEY="console-test-secret", HTTP_ALLOW_PRIVATE=True)


def counters(redis_client, key_for, minutes):
    total = {}
    for minute in minutes:
        name = key_for(minute)
        for field, count in redis_client.hgetall(name).items():
            total[field] = total.get(field, 0) + int(count)
            assert 0 < redis_client.ttl(name) <= STATS_TTL_SECONDS
    return total


def test_a_real_delivery_is_found_by_record_id_shown_and_counted(client, celery_worker, redis_client, http_sim):
    first_minute = minute_of(time.time())
    answer = client.post("/hooks/foxoms/bookingCreated", json={"data": {"id": 933894, "name": "Gala"}},
                         headers={"X-Hook-Token": "foxoms-test-token"})
    assert answer.status_code == 202
    event_id = answer.get_json()["event_id"]
    wait_for(lambda: (get_event(redis_client, event_id) or {}).get("status") == "completed",
             timeout=30, message="the event to complete")
    assert [request.json for request in http_sim.requests] == [{"id": 933894, "name": "Gala"}]
    minutes = range(first_minute, minute_of(time.time()) + 1)
    assert counters(redis_client, deliveries_stats_key, minutes) == {"http:succeeded": 1}
    assert counters(redis_client, events_stats_key, minutes) == {"routed": 1, "completed": 1}

    login(client)
    assert event_id in client.get("/console/events?entity=booking 933894").get_data(as_text=True)
    assert event_id not in client.get("/console/events?entity=booking:933895").get_data(as_text=True)
    page = client.get(f"/console/events/{event_id}").get_data(as_text=True)
    assert "HTTP 200" in page and "succeeded" in page and "Gala" in page
    overview = client.get("/console/").get_data(as_text=True)
    assert "succeeded <b>1</b>" in overview and "completed <b>1</b>" in overview
