"""Alerts end to end: dead letters routed by a real worker to a loopback endpoint that
refuses them, the alert window in a real Redis, the tick task run by the worker, and the
alert itself delivered by the engine to a loopback receiver (pytest-httpserver)."""
import time

import pytest

from handlers.alerts.send import ALERTS_SOURCE
from handlers.alerts.signals import WINDOWS_DUE, outcomes_key
from handlers.store.deliveries import event_delivery_ids, get_delivery
from handlers.store.events import get_event
from tests.conftest import MINIMAL_ROUTES
from tests.helpers import wait_for

TOKEN = {"X-Hook-Token": "foxoms-test-token"}

ROUTES = MINIMAL_ROUTES.replace("routes: []", """
routes:
  - id: to-vendor
    source: foxoms
    events: ["booking*"]
    actions:
      - id: post
        call: http.post
        args:
          url: "{vendor_url}"
          json: "{{{{ payload }}}}"
alerts:
  - id: ops
    on: [dead_letter, vendor_failing]
    throttle: {throttle}
    call: http.post
    args:
      url: "${{OPS_WEBHOOK_URL}}"
      json:
        text: "{{{{ alert.summary }}}}"
        signal: "{{{{ alert.signal }}}}"
        count: "{{{{ alert.count }}}}"
        vendor: "{{{{ alert.vendor }}}}"
        route: "{{{{ alert.route }}}}"
        first_at: "{{{{ alert.first_at }}}}"
        last_at: "{{{{ alert.last_at }}}}"
        console_url: "{{{{ alert.console_url }}}}"
""")


@pytest.fixture
def alert_app(make_app, httpserver, monkeypatch):
    """make_alert_app(throttle): the vendor endpoint answers 400 (a dead letter at once)."""
    httpserver.expect_request("/vendor").respond_with_json({"error": "refused"}, status=400)
    monkeypatch.setenv("OPS_WEBHOOK_URL", httpserver.url_for("/alert"))

    def build(throttle="1 hour"):
        routes = ROUTES.format(vendor_url=httpserver.url_for("/vendor"), throttle=throttle)
        return make_app(routes, HTTP_ALLOW_PRIVATE=True)

    return build


def post_booking(client, number):
    answer = client.post("/hooks/foxoms/bookingCreated", json={"data": {"id": number}}, headers=TOKEN)
    assert answer.status_code == 202
    return answer.get_json()["event_id"]


def wait_failed(redis_client, event_id):
    wait_for(lambda: (get_event(redis_client, event_id) or {}).get("status") == "failed",
             timeout=30, message=f"event {event_id} to fail")


def alert_requests(httpserver):
    return [request.get_json() for request, _ in httpserver.log if request.path == "/alert"]


def tick(app, now_ts=None):
    """Run the alerts tick (beat's job) here; the alerts it sends go to the worker."""
    return app.extensions["celery"].tasks["alerts.tick"](now_ts=now_ts)


def alert_events(redis_client):
    ids = [event_id for event_id in redis_client.zrange("hooks:events", 0, -1)
           if (get_event(redis_client, event_id) or {}).get("source") == ALERTS_SOURCE]
    return [get_event(redis_client, event_id) for event_id in ids]


def test_three_dead_letters_in_one_window_are_one_alert_with_count_3(alert_app, redis_client, httpserver,
                                                                       celery_worker):
    httpserver.expect_request("/alert").respond_with_json({"ok": True})
    app = alert_app("1 hour")
    client = app.test_client()
    events = [post_booking(client, number) for number in (1, 2, 3)]
    for event_id in events:
        wait_failed(redis_client, event_id)
    assert redis_client.lrange(outcomes_key("http"), 0, -1) == ["1", "1", "1"]  # vendor_failing's memory

    assert tick(app) == {"backlog": 0, "sent": 0}  # the window is open for an hour: nothing is sent yet
    closes = redis_client.zrange(WINDOWS_DUE, 0, -1, withscores=True)
    assert [member for member, _ in closes] == ["ops:dead_letter:vendor=http"]
    assert tick(app, closes[0][1] + 1) == {"backlog": 0, "sent": 1}  # the window closed
    wait_for(lambda: alert_requests(httpserver), timeout=30, message="the alert")
    (alert,) = alert_requests(httpserver)
    assert alert["signal"] == "dead_letter" and alert["count"] == 3
    assert alert["vendor"] == "http" and alert["route"] == "to-vendor"
    assert alert["text"].startswith("3 deliveries to http died (first: route to-vendor")
    assert alert["console_url"] == "http://hooks.test/console/dead-letters?vendor=http"
    assert alert["first_at"] <= alert["last_at"]
    assert redis_client.zcard(WINDOWS_DUE) == 0

    (event,) = alert_events(redis_client)
    wait_for(lambda: get_event(redis_client, event["id"])["status"] == "completed", timeout=30,
             message="the alert's event to complete")
    assert event["name"] == "dead_letter" and event["payload"]["alert"] == "ops"
    (delivery_id,) = event_delivery_ids(redis_client, event["id"])
    assert get_delivery(redis_client, delivery_id)["alert"] == "ops"
    # the alert shows in the admin API, its ${VAR} (the webhook URL) hidden
    answer = client.get(f"/api/events/{event['id']}", headers={"Authorization": "Bearer admin-test-token"})
    assert answer.status_code == 200 and answer.get_json()["deliveries"][0]["status"] == "succeeded"
    assert httpserver.url_for("/alert") not in answer.get_data(as_text=True)
    assert tick(app, time.time() + 7200) == {"backlog": 0, "sent": 0}  # nothing more to send
    assert len(alert_requests(httpserver)) == 1


def test_one_dead_letter_without_throttle_links_its_event(alert_app, redis_client, httpserver, celery_worker):
    httpserver.expect_request("/alert").respond_with_json({"ok": True})
    app = alert_app('""')
    event_id = post_booking(app.test_client(), 7)
    wait_failed(redis_client, event_id)
    assert tick(app) == {"backlog": 0, "sent": 1}
    wait_for(lambda: alert_requests(httpserver), timeout=30, message="the alert")
    (alert,) = alert_requests(httpserver)
    assert alert["count"] == 1 and alert["text"].startswith("A delivery to http died (route to-vendor")
    assert alert["console_url"] == f"http://hooks.test/console/events/{event_id}"


def test_an_alert_whose_target_fails_raises_no_alert(alert_app, redis_client, httpserver, celery_worker):
    httpserver.expect_request("/alert").respond_with_json({"error": "gone"}, status=410)
    app = alert_app('""')
    event_id = post_booking(app.test_client(), 8)
    wait_failed(redis_client, event_id)
    outcomes = redis_client.lrange(outcomes_key("http"), 0, -1)
    assert tick(app) == {"backlog": 0, "sent": 1}
    wait_for(lambda: alert_events(redis_client), timeout=30, message="the alert's event")
    (event,) = alert_events(redis_client)
    wait_failed(redis_client, event["id"])  # the alert's own delivery died (410) ...
    (delivery_id,) = event_delivery_ids(redis_client, event["id"])
    assert get_delivery(redis_client, delivery_id)["status"] == "dead"
    assert redis_client.zscore("hooks:dead", delivery_id) is not None
    # ... and raised nothing: no window, its attempt not counted against the vendor
    assert redis_client.zcard(WINDOWS_DUE) == 0
    assert redis_client.lrange(outcomes_key("http"), 0, -1) == outcomes
    assert tick(app, time.time() + 3600) == {"backlog": 0, "sent": 0}
    assert len(alert_requests(httpserver)) == 1
    assert len(alert_events(redis_client)) == 1
