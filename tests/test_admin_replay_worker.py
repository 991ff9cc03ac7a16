"""Replay end to end: a real worker runs what the admin API queued, against a real
HTTP endpoint on loopback (http.post with HTTP_ALLOW_PRIVATE)."""

import pytest

from handlers.store.deliveries import get_attempts, get_delivery
from handlers.store.events import get_event
from handlers.store.keys import DEAD_LETTERS
from tests.admin_helpers import ADMIN, make_delivery, make_event
from tests.helpers import HOOK_ROUTES, wait_for


@pytest.fixture
def app(make_app, http_sim):
    return make_app(HOOK_ROUTES.format(url=http_sim.origin + "/hook"), HTTP_ALLOW_PRIVATE=True)


def test_a_replayed_dead_letter_is_delivered(client, celery_worker, redis_client, http_sim):
    url = http_sim.origin + "/hook"
    event_id = make_event(redis_client, status="failed")
    attempt = {"at": "2026-01-01T00:00:00.000Z", "status": 503, "error": "HTTP 503"}
    dead = make_delivery(redis_client, event_id, route_id="to-hook", action_id="post", call="http.post",
                         status="dead", attempts=[attempt], args={"url": url, "json": {"n": 1}})
    response = client.post("/api/dead-letters/replay", json={"vendor": "http"}, headers=ADMIN)
    assert response.get_json() == {"replayed": 1, "delivery_ids": [dead]}
    wait_for(lambda: get_delivery(redis_client, dead)["status"] == "succeeded", message="the replay to succeed")
    assert [request.json for request in http_sim.requests] == [{"n": 1}]
    attempts = get_attempts(redis_client, dead)
    assert len(attempts) == 2 and attempts[0] == attempt
    assert redis_client.zcard(DEAD_LETTERS) == 0
    wait_for(lambda: get_event(redis_client, event_id)["status"] == "completed", message="the event roll-up")


def test_an_ignored_event_is_routed_again(client, celery_worker, redis_client, http_sim):
    event_id = make_event(redis_client, status="ignored", payload={"id": 5, "name": "B-5"})
    response = client.post(f"/api/events/{event_id}/replay", headers=ADMIN)
    assert response.get_json()["queued"]["routing"] is True
    wait_for(lambda: get_event(redis_client, event_id)["status"] == "completed", message="route and deliver")
    assert [request.json for request in http_sim.requests] == [{"id": 5, "name": "B-5"}]
    detail = client.get(f"/api/events/{event_id}", headers=ADMIN).get_json()
    assert [(d["id"], d["status"]) for d in detail["deliveries"]] == [(f"{event_id}:to-hook:post", "succeeded")]
