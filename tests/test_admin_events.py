"""GET /api/events and /api/events/<id>: auth, filters, order, cursor pages, details."""
import pytest

from handlers.store.codec import now
from tests.admin_helpers import ADMIN, make_delivery, make_event

ADMIN_ROUTES = [
    ("get", "/api/events"),
    ("get", "/api/events/evt_x"),
    ("post", "/api/events/evt_x/replay"),
    ("get", "/api/dead-letters"),
    ("post", "/api/dead-letters/replay"),
]


@pytest.mark.parametrize("method, path", ADMIN_ROUTES)
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}])
def test_every_admin_route_requires_the_token(client, method, path, headers):
    response = getattr(client, method)(path, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_list_is_newest_first_with_summaries(client, redis_client):
    start = now() - 100
    older = make_event(redis_client, received_ts=start)
    newer = make_event(redis_client, received_ts=start + 10, status="routed")
    make_delivery(redis_client, newer, action_id="a", status="succeeded")
    make_delivery(redis_client, newer, action_id="b", status="dead")
    answer = client.get("/api/events", headers=ADMIN).get_json()
    assert [e["id"] for e in answer["events"]] == [newer, older]
    assert answer["next_cursor"] is None
    summary = answer["events"][0]
    assert summary["source"] == "foxoms" and summary["name"] == "bookingCreated"
    assert summary["status"] == "routed" and summary["received_at"].endswith("Z")
    assert summary["deliveries"] == {"total": 2, "pending": 0, "retrying": 0, "paused": 0, "succeeded": 1, "dead": 1}
    assert "payload" not in summary


@pytest.mark.parametrize(
    "query, expected",
    [
        ("status=failed", {"f"}),
        ("source=new-customer", {"nc"}),
        ("event=bookingUpdated", {"u"}),
        ("event=booking*", set()),  # exact names, not globs
        ("source=foxoms&status=received", {"c"}),
        ("source=", {"c", "u", "f", "nc"}),  # an empty parameter is no filter
    ],
)
def test_list_filters(client, redis_client, query, expected):
    ids = {
        "c": make_event(redis_client),
        "u": make_event(redis_client, name="bookingUpdated", status="routed"),
        "f": make_event(redis_client, status="failed"),
        "nc": make_event(redis_client, source="new-customer", name="received", status="completed"),
    }
    answer = client.get(f"/api/events?{query}", headers=ADMIN).get_json()
    assert {e["id"] for e in answer["events"]} == {ids[name] for name in expected}


def _all_pages(client, query):
    seen, cursor, pages = [], None, 0
    while True:
        url = f"/api/events?{query}" + (f"&cursor={cursor}" if cursor else "")
        answer = client.get(url, headers=ADMIN).get_json()
        seen.extend(e["id"] for e in answer["events"])
        pages += 1
        cursor = answer["next_cursor"]
        if cursor is None:
            return seen, pages


def test_cursor_pages_through_120_events_without_repeats_or_gaps(client, redis_client):
    start = now() - 1000
    # Many share a timestamp: the cursor must order ties too.
    ids = [make_event(redis_client, received_ts=start + i // 7) for i in range(120)]
    seen, pages = _all_pages(client, "limit=50")
    assert pages == 3
    assert len(seen) == 120 and set(seen) == set(ids)
    scores = [redis_client.zscore("hooks:events", event_id) for event_id in seen]
    assert scores == sorted(scores, reverse=True)


def test_cursor_pages_a_filtered_list(client, redis_client):
    failed = [make_event(redis_client, status="failed" if i % 3 == 0 else "completed") for i in range(60)]
    wanted = [event_id for i, event_id in enumerate(failed) if i % 3 == 0]
    seen, _pages = _all_pages(client, "status=failed&limit=7")
    assert seen == list(reversed(wanted))


def test_events_added_meanwhile_do_not_disturb_later_pages(client, redis_client):
    old = [make_event(redis_client, received_ts=now() - 100 + i) for i in range(10)]
    first = client.get("/api/events?limit=4", headers=ADMIN).get_json()
    make_event(redis_client)
    second = client.get(f"/api/events?limit=4&cursor={first['next_cursor']}", headers=ADMIN).get_json()
    assert [e["id"] for e in first["events"] + second["events"]] == list(reversed(old))[:8]


@pytest.mark.parametrize("query, field", [
    ("limit=0", "limit"), ("limit=501", "limit"), ("limit=ten", "limit"),
    ("cursor=not-ours", "cursor"), ("status=done", "status"), ("stauts=failed", "stauts"),
])
def test_bad_query_parameters_are_422(client, query, field):
    response = client.get(f"/api/events?{query}", headers=ADMIN)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == ("invalid_cursor" if field == "cursor" else "invalid_query") and field in error["fields"]


def test_show_has_payload_safe_headers_deliveries_and_attempts(client, redis_client):
    headers = {"Content-Type": "application/json", "Authorization": "Bearer leaked",
               "X-Hook-Token": "leaked", "X-Api-Key": "leaked", "webhook-id": "msg_1"}
    event_id = make_event(redis_client, payload={"id": 7, "name": "Ada"}, headers=headers, status="partially_failed")
    attempts = [
        {"at": "2026-01-01T00:00:00.000Z", "status": 503, "duration_ms": 120, "response": "busy", "error": "HTTP 503"},
        {"at": "2026-01-01T00:00:05.000Z", "status": 400, "duration_ms": 80, "response": "bad", "error": "HTTP 400"},
    ]
    dead = make_delivery(redis_client, event_id, action_id="ticket", status="dead", attempts=attempts,
                         call="http.post", args={"url": "https://x.test", "headers": {"Authorization": "Bearer s3"}})
    ok = make_delivery(redis_client, event_id, action_id="asset", status="succeeded", attempts=attempts[:1])
    response = client.get(f"/api/events/{event_id}", headers=ADMIN)
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == event_id and body["status"] == "partially_failed"
    assert body["payload"] == {"id": 7, "name": "Ada"}
    assert body["headers"] == {"Content-Type": "application/json", "webhook-id": "msg_1"}
    assert "leaked" not in response.get_data(as_text=True) and "s3" not in response.get_data(as_text=True)
    deliveries = {d["id"]: d for d in body["deliveries"]}
    assert set(deliveries) == {dead, ok}
    assert deliveries[dead]["status"] == "dead" and deliveries[dead]["vendor"] == "http"
    assert deliveries[dead]["attempt_count"] == 2 and deliveries[dead]["attempts"] == attempts
    assert deliveries[dead]["args"]["headers"] == {"Authorization": "[redacted]"}
    assert deliveries[ok]["attempts"] == attempts[:1]


def test_show_unknown_event_is_404_json(client):
    response = client.get("/api/events/evt_missing", headers=ADMIN)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_list_shows_retrying_deliveries_and_the_next_attempt(client, runner, redis_client):
    """Before: a retrying event looked like any other `routed` one (issue 13)."""
    from handlers.store.deliveries import update_delivery

    event_id = make_event(redis_client, status="routed")
    for action_id, due in (("a", "2031-01-01T10:00:05.000Z"), ("b", "2031-01-01T09:00:05.000Z")):
        delivery_id = make_delivery(redis_client, event_id, action_id=action_id, status="retrying")
        update_delivery(redis_client, delivery_id, next_attempt_at=due)
    make_delivery(redis_client, event_id, action_id="c", status="succeeded")
    (summary,) = client.get("/api/events", headers=ADMIN).get_json()["events"]
    assert summary["deliveries"]["retrying"] == 2
    assert summary["next_attempt_at"] == "2031-01-01T09:00:05.000Z"
    line = runner.invoke(args=["events", "list"]).output
    assert "3 deliveries, 2 retrying (next 2031-01-01T09:00:05.000Z)" in line
