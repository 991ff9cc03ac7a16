"""POST /api/events/<id>/replay and the dead-letter list and replay (queued messages are
read back from the Celery queue in Redis)."""
from handlers.store.codec import now
from handlers.store.deliveries import get_attempts, get_delivery
from handlers.store.events import get_event
from handlers.store.keys import DEAD_LETTERS, INFLIGHT, RETRIES
from handlers.task_names import DELIVER, ROUTE_EVENT
from tests.admin_helpers import ADMIN, make_delivery, make_event, queued_messages

ATTEMPT = {"at": "2026-01-01T00:00:00.000Z", "status": 400, "duration_ms": 9, "error": "HTTP 400"}


def test_event_replay_requeues_only_its_dead_deliveries(client, redis_client):
    event_id = make_event(redis_client, status="partially_failed")
    dead = make_delivery(redis_client, event_id, action_id="a", status="dead", attempts=[ATTEMPT])
    make_delivery(redis_client, event_id, action_id="b", status="succeeded")
    response = client.post(f"/api/events/{event_id}/replay", headers=ADMIN)
    assert response.status_code == 202
    assert response.get_json() == {"queued": {"event_id": event_id, "routing": False, "deliveries": [dead]}}
    assert queued_messages(redis_client) == [(DELIVER, dead)]
    delivery = get_delivery(redis_client, dead)
    assert delivery["status"] == "pending" and delivery["attempts"] == 1
    assert get_attempts(redis_client, dead) == [ATTEMPT]
    assert redis_client.zscore(DEAD_LETTERS, dead) is None
    assert get_event(redis_client, event_id)["status"] == "routed"


def test_event_without_deliveries_is_routed_again(client, redis_client):
    event_id = make_event(redis_client, status="ignored")
    response = client.post(f"/api/events/{event_id}/replay", headers=ADMIN)
    assert response.status_code == 202
    assert response.get_json()["queued"] == {"event_id": event_id, "routing": True, "deliveries": []}
    assert queued_messages(redis_client) == [(ROUTE_EVENT, event_id)]
    assert get_event(redis_client, event_id)["status"] == "received"


def test_event_with_nothing_dead_queues_nothing(client, redis_client):
    event_id = make_event(redis_client, status="completed")
    make_delivery(redis_client, event_id, status="succeeded")
    response = client.post(f"/api/events/{event_id}/replay", headers=ADMIN)
    assert response.status_code == 202
    assert response.get_json()["queued"]["deliveries"] == []
    assert queued_messages(redis_client) == []


def test_replay_one_delivery_even_a_succeeded_one(client, redis_client):
    event_id = make_event(redis_client, status="completed")
    chosen = make_delivery(redis_client, event_id, action_id="a", status="succeeded")
    make_delivery(redis_client, event_id, action_id="b", status="dead")
    response = client.post(f"/api/events/{event_id}/replay?delivery={chosen}", headers=ADMIN)
    assert response.status_code == 202
    assert response.get_json()["queued"]["deliveries"] == [chosen]
    assert queued_messages(redis_client) == [(DELIVER, chosen)]
    assert get_delivery(redis_client, chosen)["status"] == "pending"


def test_replaying_a_retrying_delivery_sends_it_now(client, redis_client):
    event_id = make_event(redis_client, status="routed")
    waiting = make_delivery(redis_client, event_id, status="retrying")
    redis_client.zadd(RETRIES, {waiting: now() + 3600})
    response = client.post(f"/api/events/{event_id}/replay?delivery={waiting}", headers=ADMIN)
    assert response.status_code == 202
    assert redis_client.zscore(RETRIES, waiting) is None
    assert queued_messages(redis_client) == [(DELIVER, waiting)]


def test_a_delivery_held_by_a_worker_is_not_replayed(client, redis_client):
    event_id = make_event(redis_client, status="routed")
    held = make_delivery(redis_client, event_id)
    redis_client.zadd(INFLIGHT, {held: now() + 300})
    response = client.post(f"/api/events/{event_id}/replay?delivery={held}", headers=ADMIN)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "delivery_in_flight"
    assert queued_messages(redis_client) == []


def test_replay_unknown_event_or_foreign_delivery_is_404(client, redis_client):
    event_id = make_event(redis_client)
    other = make_delivery(redis_client, make_event(redis_client), status="dead")
    assert client.post("/api/events/evt_missing/replay", headers=ADMIN).status_code == 404
    response = client.post(f"/api/events/{event_id}/replay?delivery={other}", headers=ADMIN)
    assert response.status_code == 404
    assert queued_messages(redis_client) == []


def _dead_letters(redis_client):
    """Three dead letters over two routes and two vendors, oldest first."""
    start = now() - 60
    first, second, third = (make_event(redis_client, status="failed") for _ in range(3))
    return {
        "r1-fiwit": make_delivery(redis_client, first, route_id="r1", call="fiwit.create_ticket",
                                  status="dead", died_at=start, attempts=[ATTEMPT] * 3),
        "r1-itglue": make_delivery(redis_client, second, route_id="r1", call="itglue.create",
                                   status="dead", died_at=start + 1),
        "r2-fiwit": make_delivery(redis_client, third, route_id="r2", call="fiwit.update_ticket",
                                  status="dead", died_at=start + 2),
    }


def test_dead_letters_list_newest_first_with_details(client, redis_client):
    ids = _dead_letters(redis_client)
    make_delivery(redis_client, make_event(redis_client), status="succeeded")
    answer = client.get("/api/dead-letters", headers=ADMIN).get_json()
    assert [d["delivery_id"] for d in answer["dead_letters"]] == [ids["r2-fiwit"], ids["r1-itglue"], ids["r1-fiwit"]]
    oldest = answer["dead_letters"][2]
    assert oldest["event_id"] == ids["r1-fiwit"].split(":")[0]
    assert (oldest["route"], oldest["action"], oldest["call"], oldest["vendor"]) == \
        ("r1", "act", "fiwit.create_ticket", "fiwit")
    assert oldest["attempts"] == 3 and oldest["last_error"] == "HTTP 400 bad request"
    assert oldest["died_at"].endswith("Z")


def test_dead_letters_filters_and_pages(client, redis_client):
    ids = _dead_letters(redis_client)
    by_route = client.get("/api/dead-letters?route=r1", headers=ADMIN).get_json()
    assert {d["delivery_id"] for d in by_route["dead_letters"]} == {ids["r1-fiwit"], ids["r1-itglue"]}
    by_vendor = client.get("/api/dead-letters?vendor=fiwit&limit=1", headers=ADMIN).get_json()
    assert [d["delivery_id"] for d in by_vendor["dead_letters"]] == [ids["r2-fiwit"]]
    rest = client.get(f"/api/dead-letters?vendor=fiwit&cursor={by_vendor['next_cursor']}", headers=ADMIN).get_json()
    assert [d["delivery_id"] for d in rest["dead_letters"]] == [ids["r1-fiwit"]]
    assert rest["next_cursor"] is None
    assert client.get("/api/dead-letters?limit=-1", headers=ADMIN).status_code == 422


def test_dead_letters_replay_by_route_in_the_body(client, redis_client):
    ids = _dead_letters(redis_client)
    response = client.post("/api/dead-letters/replay", json={"route": "r1"}, headers=ADMIN)
    assert response.status_code == 202
    assert response.get_json() == {"replayed": 2, "delivery_ids": [ids["r1-fiwit"], ids["r1-itglue"]]}
    assert queued_messages(redis_client) == [(DELIVER, ids["r1-fiwit"]),
                                             (DELIVER, ids["r1-itglue"])]
    assert redis_client.zrange(DEAD_LETTERS, 0, -1) == [ids["r2-fiwit"]]


def test_dead_letters_replay_by_vendor_in_the_query(client, redis_client):
    ids = _dead_letters(redis_client)
    response = client.post("/api/dead-letters/replay?vendor=fiwit", headers=ADMIN)
    assert response.get_json()["delivery_ids"] == [ids["r1-fiwit"], ids["r2-fiwit"]]
    assert get_delivery(redis_client, ids["r2-fiwit"])["status"] == "pending"
    assert get_delivery(redis_client, ids["r1-itglue"])["status"] == "dead"


def test_dead_letters_replay_all(client, redis_client):
    ids = _dead_letters(redis_client)
    response = client.post("/api/dead-letters/replay", headers=ADMIN)
    assert response.get_json()["replayed"] == 3
    assert {delivery_id for _task, delivery_id in queued_messages(redis_client)} == set(ids.values())
    assert redis_client.zcard(DEAD_LETTERS) == 0


def test_a_malformed_replay_filter_replays_nothing(client, redis_client):
    _dead_letters(redis_client)
    for body in ('{"route": "r1"', "[1]"):
        response = client.post("/api/dead-letters/replay", data=body, headers=ADMIN,
                               content_type="application/json")
        assert response.status_code == 400
    response = client.post("/api/dead-letters/replay", json={"rout": "r1"}, headers=ADMIN)
    assert response.status_code == 422
    assert redis_client.zcard(DEAD_LETTERS) == 3 and queued_messages(redis_client) == []


def test_replay_leases_for_the_configured_lease_seconds(make_app, redis_client):
    """The admin replay took the default lease (60 s), not DELIVERY_LEASE_SECONDS."""
    client = make_app(DELIVERY_LEASE_SECONDS="7").test_client()
    event_id = make_event(redis_client, status="failed")
    dead = make_delivery(redis_client, event_id, status="dead", attempts=[ATTEMPT])
    before = now()
    response = client.post(f"/api/events/{event_id}/replay", headers=ADMIN)
    assert response.status_code == 202
    lease = redis_client.zscore(INFLIGHT, dead) - before
    assert 6 < lease <= 7 + (now() - before), lease
