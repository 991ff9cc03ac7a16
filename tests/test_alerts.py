"""Alerts end to end: dead letters routed by a real worker to a loopback endpoint that
refuses them, the alert window in a real Redis, the tick task run by the worker, and the
alert itself delivered by the engine to a loopback receiver (pytest-httpserver)."""
import time

import pytest

from handlers.alerts.send import ALERTS_SOURCE, flush_due
from handlers.alerts.signals import (
    BACKLOG_AGE_SECONDS, WINDOWS_DUE, attempt_settled, check_backlog, delivery_died, emit, outcomes_key, window_key,
)
from handlers.routing.route import route_event
from handlers.rules import parse_rules
from handlers.store.deliveries import create_delivery, delivery_record, event_delivery_ids, get_delivery
from handlers.store.events import event_record, get_event, save_event
from tests.conftest import MINIMAL_ROUTES
from tests.console_helpers import login
from tests.helpers import HOOK_ROUTES, wait_for

TOKEN = {"X-Hook-Token": "foxoms-test-token"}

ROUTES = HOOK_ROUTES + """alerts:
  - id: ops
    on: [dead_letter, vendor_failing, backlog]
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
"""


@pytest.fixture
def alert_app(make_app, httpserver, monkeypatch):
    """make_alert_app(throttle): the vendor endpoint answers 400 (a dead letter at once)."""
    httpserver.expect_request("/vendor").respond_with_json({"error": "refused"}, status=400)
    monkeypatch.setenv("OPS_WEBHOOK_URL", httpserver.url_for("/alert"))

    def build(throttle="1 hour"):
        routes = ROUTES.format(url=httpserver.url_for("/vendor"), throttle=throttle)
        return make_app(routes, HTTP_ALLOW_PRIVATE=True, SECRET_KEY="alerts-test-secret")

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
    assert alert["vendor"] == "http" and alert["route"] == "to-hook"
    assert alert["text"].startswith("3 deliveries to http died (first: route to-hook")
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
    login(client)  # ... and in the console
    page = client.get(f"/console/events/{event['id']}")
    assert page.status_code == 200 and "dead_letter" in page.get_data(as_text=True)
    assert httpserver.url_for("/alert") not in page.get_data(as_text=True)
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
    assert alert["count"] == 1 and alert["text"].startswith("A delivery to http died (route to-hook")
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


def test_a_backlog_is_sent_by_the_tick(alert_app, redis_client, httpserver, celery_worker):
    httpserver.expect_request("/alert").respond_with_json({"ok": True})
    app = alert_app('""')
    record = delivery_record("evt_old", "to-hook", "post", "http.post", {}, "retrying")
    create_delivery(redis_client, record)
    redis_client.zadd("hooks:retries", {record["id"]: time.time() - BACKLOG_AGE_SECONDS - 120})
    assert tick(app) == {"backlog": 1, "sent": 1}
    wait_for(lambda: alert_requests(httpserver), timeout=30, message="the alert")
    (alert,) = alert_requests(httpserver)
    assert alert["signal"] == "backlog" and alert["vendor"] == "http" and alert["count"] == 1
    assert alert["text"] == "Backlog at http: its oldest waiting delivery is 12 min overdue"
    assert alert["console_url"] == "http://hooks.test/console/"
    assert tick(app) == {"backlog": 0, "sent": 0}


# --- signals and windows, with a real Redis (no worker needed) ---

SIGNAL_RULES = MINIMAL_ROUTES.replace("routes: []", """
routes:
  - id: to-fiwit
    source: foxoms
    actions:
      - {id: ticket, call: fiwit.create_ticket, args: {fields: {name: "{{ payload.name }}"}}}
  - id: to-foxtag
    source: foxoms
    actions:
      - {id: upsert, call: foxtag.upsert, args: {resource: contacts, records: []}}
alerts:
  - id: ops
    on: [dead_letter, vendor_failing, backlog, breaker_open, breaker_closed]
    throttle: 15 minutes
    call: http.post
    args: {url: "https://chat.example/hook", json: {text: "{{ alert.summary }}"}}
  - id: fiwit-only
    on: [dead_letter]
    vendors: [fiwit]
    call: http.post
    args: {url: "https://chat.example/fiwit", json: {text: "{{ alert.summary }}"}}
  - id: foxtag-route
    on: [dead_letter, backlog]
    routes: [to-foxtag]
    call: http.post
    args: {url: "https://chat.example/foxtag", json: {text: "{{ alert.count }} {{ alert.summary }}"}}
""")


@pytest.fixture
def rules():
    return parse_rules(SIGNAL_RULES, {})


def fake_delivery(vendor="fiwit", route="to-fiwit", number=1):
    return {"id": f"evt_{number}:{route}:a", "event_id": f"evt_{number}", "vendor": vendor, "route_id": route}


def window(redis_client, member):
    return redis_client.hgetall(window_key(member))


@pytest.mark.parametrize("vendor, route, takers", [
    ("fiwit", "to-fiwit", ["ops", "fiwit-only"]),
    ("foxtag", "to-foxtag", ["ops", "foxtag-route"]),
    ("http", "other", ["ops"]),
])
def test_dead_letters_reach_the_alerts_whose_filters_pass(redis_client, rules, vendor, route, takers):
    assert delivery_died(redis_client, rules, fake_delivery(vendor, route)) == takers


def test_a_throttle_window_counts_every_signal_and_the_next_window_starts_fresh(redis_client, rules):
    start = 1_000_000.0
    for offset in (0, 10, 20):
        emit(redis_client, rules, "dead_letter", "fiwit", "to-fiwit", start + offset, event_id="evt_a", error="E")
    member = "ops:dead_letter:vendor=fiwit"
    fields = window(redis_client, member)
    assert fields["count"] == "3" and float(fields["first_at"]) == start and float(fields["last_at"]) == start + 20
    assert redis_client.zscore(WINDOWS_DUE, member) == start + 900
    sent = []
    send = lambda delivery_id, token, countdown: sent.append(delivery_id)  # noqa: E731 - the queue's stand-in
    assert "ops" not in [d.split(":")[-1] for d in flush_due(redis_client, rules, send, 60, "http://x", start + 899)]
    flush_due(redis_client, rules, send, 60, "http://x", start + 900)
    ops = [d for d in sent if d.endswith(":alerts:ops")]
    assert len(ops) == 1 and window(redis_client, member) == {}
    delivery = get_delivery(redis_client, ops[0])
    assert delivery["args"]["json"]["text"] == "3 deliveries to fiwit died (first: route to-fiwit, E)"
    assert delivery["alert"] == "ops" and delivery["status"] == "pending"
    assert redis_client.zscore("hooks:inflight", ops[0]) == start + 900 + 60  # leased: a lost message is re-sent
    emit(redis_client, rules, "dead_letter", "fiwit", "to-fiwit", start + 901)
    assert window(redis_client, member)["count"] == "1"


def test_vendor_failing_fires_once_at_half_of_the_last_20_attempts(redis_client, rules):
    delivery, member = fake_delivery(), "ops:vendor_failing:vendor=fiwit"
    for _ in range(11):
        attempt_settled(redis_client, rules, delivery, "succeeded")
    for _ in range(9):
        attempt_settled(redis_client, rules, delivery, "retrying")
    assert window(redis_client, member) == {}  # 9 of the last 20 failed
    attempt_settled(redis_client, rules, delivery, "retrying")  # 10 of the last 20
    assert window(redis_client, member)["count"] == "1" and window(redis_client, member)["failures"] == "10"
    for _ in range(5):
        attempt_settled(redis_client, rules, delivery, "retrying")
    assert window(redis_client, member)["count"] == "1"  # still failing: raised once
    for _ in range(20):
        attempt_settled(redis_client, rules, delivery, "succeeded")  # recovered ...
    for _ in range(10):
        attempt_settled(redis_client, rules, delivery, "dead")  # ... and failing again
    assert window(redis_client, member)["count"] == "2"


def test_an_alerts_own_attempts_are_not_counted(redis_client, rules):
    for _ in range(20):
        attempt_settled(redis_client, rules, {**fake_delivery("http", "alerts"), "alert": "ops"}, "dead")
    assert redis_client.exists(outcomes_key("http")) == 0 and redis_client.zcard(WINDOWS_DUE) == 0


def waiting_retry(redis_client, vendor, route, due, number):
    record = delivery_record(f"evt_{number}", route, "a", f"{vendor}.request", {}, "retrying")
    create_delivery(redis_client, record)
    redis_client.zadd("hooks:retries", {record["id"]: due})
    return record["id"]


def test_backlog_fires_when_the_oldest_waiting_retry_is_over_10_minutes_overdue(redis_client, rules):
    now = 2_000_000.0
    recent = waiting_retry(redis_client, "fiwit", "to-fiwit", now - BACKLOG_AGE_SECONDS + 1, 1)
    assert check_backlog(redis_client, rules, now) == []  # 9 min 59 s overdue
    oldest = waiting_retry(redis_client, "fiwit", "to-fiwit", now - BACKLOG_AGE_SECONDS - 60, 2)
    waiting_retry(redis_client, "foxtag", "to-foxtag", now - 30, 3)
    assert check_backlog(redis_client, rules, now) == ["fiwit"]
    fields = window(redis_client, "ops:backlog:vendor=fiwit")
    assert fields["delivery_id"] == oldest and fields["overdue_seconds"] == str(BACKLOG_AGE_SECONDS + 60)
    assert check_backlog(redis_client, rules, now + 5) == []  # once per backlog
    redis_client.zrem("hooks:retries", oldest, recent)
    assert check_backlog(redis_client, rules, now + 10) == []  # cleared ...
    assert redis_client.hkeys("hooks:alerts:raised") == []
    redis_client.zadd("hooks:retries", {oldest: now - BACKLOG_AGE_SECONDS - 1})
    assert check_backlog(redis_client, rules, now + 20) == ["fiwit"]  # ... and back


def test_breaker_signals_are_accepted_and_link_the_vendors_page(redis_client, rules):
    assert emit(redis_client, rules, "breaker_open", "fiwit", None, 100.0) == ["ops"]
    sent = []
    (delivery_id,) = flush_due(redis_client, rules, lambda *args: sent.append(args), 60, "https://hooks.example/",
                               100.0 + 900)
    event = get_event(redis_client, get_delivery(redis_client, delivery_id)["event_id"])
    assert event["source"] == "alerts" and event["name"] == "breaker_open" and event["status"] == "routed"
    assert event["payload"]["summary"] == "The circuit breaker for fiwit opened"
    assert event["payload"]["console_url"] == "https://hooks.example/console/vendors"
    with pytest.raises(ValueError):
        emit(redis_client, rules, "breaker_ajar", "fiwit")


def test_an_alert_whose_template_fails_is_a_dead_letter_that_raises_nothing(redis_client):
    rules = parse_rules(SIGNAL_RULES.replace("{{ alert.count }} {{ alert.summary }}", "{{ alert.count / 0 }}"), {})
    emit(redis_client, rules, "dead_letter", "foxtag", "to-foxtag", 100.0)
    sent = []
    delivery_ids = flush_due(redis_client, rules, lambda *args: sent.append(args), 60, "http://x", 100.0 + 900)
    dead = [d for d in delivery_ids if d.endswith(":alerts:foxtag-route")]
    assert len(dead) == 1 and [args[0] for args in sent] == [d for d in delivery_ids if d not in dead]
    delivery = get_delivery(redis_client, dead[0])
    assert delivery["status"] == "dead" and delivery["error_class"] == "TemplateRenderError"
    assert get_event(redis_client, delivery["event_id"])["status"] == "failed"
    assert redis_client.zcard(WINDOWS_DUE) == 0


def test_a_delivery_dead_at_rendering_raises_dead_letter(redis_client, rules):
    event = event_record("evt_render", "foxoms", "bookingCreated", {"nope": 1}, {}, 100.0)
    save_event(redis_client, event)
    route_event(redis_client, rules, "evt_render", enqueue=lambda delivery_id: None)
    fields = window(redis_client, "ops:dead_letter:vendor=fiwit")
    assert fields["error"] == "TemplateRenderError" and fields["delivery_id"] == "evt_render:to-fiwit:ticket"


def test_a_flush_that_dies_half_way_is_finished_by_the_next_without_duplicates(redis_client, rules):
    emit(redis_client, rules, "breaker_open", "fiwit", None, 100.0)
    member = "ops:breaker_open:vendor=fiwit"

    def broker_down(delivery_id, token, countdown):
        raise ConnectionError("broker unreachable")

    with pytest.raises(ConnectionError):
        flush_due(redis_client, rules, broker_down, 60, "http://x", 1000.0)
    assert window(redis_client, member)["count"] == "1"  # kept: the alert was not known to be queued
    (delivery_id,) = redis_client.zrange("hooks:inflight", 0, -1)  # leased: the sweeper would re-send it
    redis_client.zrem("hooks:inflight", delivery_id)  # as if the flush had died before leasing it
    sent = []
    assert flush_due(redis_client, rules, lambda *args: sent.append(args), 60, "http://x", 1001.0) == [delivery_id]
    assert [args[0] for args in sent] == [delivery_id] and window(redis_client, member) == {}
    assert flush_due(redis_client, rules, lambda *args: sent.append(args), 60, "http://x", 2000.0) == []
    (event_id,) = [e for e in redis_client.zrange("hooks:events", 0, -1)]
    assert event_delivery_ids(redis_client, event_id) == [delivery_id]


def test_signals_that_come_while_an_alert_is_stored_open_the_next_window(redis_client, rules):
    emit(redis_client, rules, "dead_letter", "fiwit", "to-fiwit", 100.0)
    member = "ops:dead_letter:vendor=fiwit"
    first_event = window(redis_client, member)["alert_event_id"]

    def send_while_a_signal_comes(delivery_id, token, countdown):
        emit(redis_client, rules, "dead_letter", "fiwit", "to-fiwit", 1000.5)

    flush_due(redis_client, rules, send_while_a_signal_comes, 60, "http://x", 1000.0)
    fields = window(redis_client, member)
    assert fields["count"] == "1" and fields["alert_event_id"] != first_event
    assert redis_client.zscore(WINDOWS_DUE, member) == 1000.0 + 900


def test_beat_runs_the_alerts_tick(app):
    celery_app = app.extensions["celery"]
    (entry,) = [entry for entry in celery_app.conf.beat_schedule.values() if entry["task"] == "alerts.tick"]
    assert entry["schedule"] <= 10 and "alerts.tick" in celery_app.tasks
    assert celery_app.tasks["alerts.tick"]() == {"backlog": 0, "sent": 0}  # no alerts: nothing to do


def test_an_alerts_own_waiting_retry_is_no_backlog(redis_client, rules):
    now = 3_000_000.0
    record = {**delivery_record("evt_alert", "alerts", "ops", "http.post", {}, "retrying"), "alert": "ops"}
    create_delivery(redis_client, record)
    redis_client.zadd("hooks:retries", {record["id"]: now - BACKLOG_AGE_SECONDS - 60})
    assert check_backlog(redis_client, rules, now) == []
    assert redis_client.zcard(WINDOWS_DUE) == 0
