"""Pause/resume and the circuit breaker end to end: events posted through the hook path,
routed and delivered by a real Celery worker to the Fiwit simulator, the state in a real
Redis, the alerts delivered to a loopback receiver (pytest-httpserver)."""
import pytest

from handlers.delivery import breaker
from handlers.store.deliveries import event_delivery_ids, get_attempts, get_delivery
from handlers.store.events import get_event
from handlers.task_names import SWEEP
from tests.admin_helpers import ADMIN
from tests.conftest import MINIMAL_ROUTES
from tests.console_helpers import csrf, login
from tests.helpers import wait_for

TOKEN = {"X-Hook-Token": "foxoms-test-token"}

ROUTES = MINIMAL_ROUTES.replace("routes: []", """
routes:
  - id: to-fiwit
    source: foxoms
    events: ["booking*"]
    actions:
      - id: ticket
        call: fiwit.create_ticket
        args:
          fields:
            name: "booking {{ payload.id }}"
alerts:
  - id: ops
    on: [breaker_open, breaker_closed]
    throttle: ""
    call: http.post
    args:
      url: "${OPS_WEBHOOK_URL}"
      json:
        signal: "{{ alert.signal }}"
        vendor: "{{ alert.vendor }}"
""")


@pytest.fixture
def app(make_app, fiwit_sim, httpserver, monkeypatch):
    monkeypatch.setenv("OPS_WEBHOOK_URL", httpserver.url_for("/alert"))
    return make_app(ROUTES, FIWIT_BASE_URL=fiwit_sim.url, FIWIT_API_KEY=fiwit_sim.api_key, HTTP_ALLOW_PRIVATE=True,
                    SECRET_KEY="steer-test-secret", BREAKER_FAILURES="3", BREAKER_OPEN_SECONDS="1",
                    RETRY_SCHEDULE="0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2")


def post_bookings(client, numbers):
    ids = []
    for number in numbers:
        answer = client.post("/hooks/foxoms/bookingCreated", json={"data": {"id": number}}, headers=TOKEN)
        assert answer.status_code == 202
        ids.append(answer.get_json()["event_id"])
    return ids


def deliveries_of(redis_client, event_ids):
    """The one delivery of each event, once routing has made it."""
    found = []
    for event_id in event_ids:
        ids = wait_for(lambda: event_delivery_ids(redis_client, event_id), timeout=20, message="routing")
        found.append(get_delivery(redis_client, ids[0]))
    return found


def statuses(redis_client, event_ids):
    return [get_delivery(redis_client, d["id"])["status"] for d in deliveries_of(redis_client, event_ids)]


def sent_names(fiwit_sim):
    return [request.json["name"] for request in fiwit_sim.requests if request.answered and request.answered < 300]


def vendor_row(client, vendor):
    answer = client.get("/api/vendors", headers=ADMIN)
    assert answer.status_code == 200
    return next(row for row in answer.get_json()["vendors"] if row["vendor"] == vendor)


def test_a_paused_vendor_is_never_called_and_gets_everything_in_order_on_resume(
        app, client, runner, redis_client, fiwit_sim, celery_worker):
    assert runner.invoke(args=["vendors", "pause", "fiwit"]).output == "vendor fiwit paused\n"
    events = post_bookings(client, [1, 2, 3, 4])
    wait_for(lambda: statuses(redis_client, events) == ["paused"] * 4, timeout=30, message="4 paused deliveries")
    assert fiwit_sim.requests == []
    assert all(d["attempts"] == 0 and get_attempts(redis_client, d["id"]) == [] for d in deliveries_of(redis_client, events))
    assert all(get_event(redis_client, event_id)["status"] == "routed" for event_id in events)  # paused is open
    row = vendor_row(client, "fiwit")
    assert row["paused"] is True and row["paused_waiting"] == 4 and row["breaker"]["state"] == "closed"
    assert "paused: vendor fiwit (4 deliveries waiting)" in client.get("/readyz").get_json()["warnings"]
    assert 'hooks_paused{kind="vendor",name="fiwit"} 1.0' in client.get("/metrics").get_data(as_text=True)
    listed = runner.invoke(args=["vendors", "list"]).output
    assert "paused (4 waiting)" in next(line for line in listed.splitlines() if line.startswith("fiwit"))

    answer = client.post("/api/vendors/fiwit/resume", headers=ADMIN)
    assert answer.status_code == 200 and answer.get_json() == {"kind": "vendor", "name": "fiwit", "paused": False,
                                                               "released": 4}
    wait_for(lambda: all(get_event(redis_client, e)["status"] == "completed" for e in events), timeout=30,
             message="every event delivered")
    assert sent_names(fiwit_sim) == ["booking 1", "booking 2", "booking 3", "booking 4"]
    assert [d["attempts"] for d in deliveries_of(redis_client, events)] == [1, 1, 1, 1]
    assert vendor_row(client, "fiwit")["paused"] is False
    assert not any(w.startswith("paused") for w in client.get("/readyz").get_json()["warnings"])


def test_a_paused_route_survives_a_restart_and_resumes_from_the_new_app(
        app, make_app, client, runner, redis_client, fiwit_sim, celery_worker):
    assert runner.invoke(args=["routes", "pause", "to-fiwit"]).exit_code == 0
    events = post_bookings(client, [7, 8])
    wait_for(lambda: statuses(redis_client, events) == ["paused"] * 2, timeout=30, message="2 paused deliveries")
    restarted = make_app(ROUTES, FIWIT_BASE_URL=fiwit_sim.url, FIWIT_API_KEY=fiwit_sim.api_key).test_client()
    listing = restarted.get("/api/vendors", headers=ADMIN).get_json()
    assert [(r["route"], r["waiting"]) for r in listing["paused_routes"]] == [("to-fiwit", 2)]
    assert fiwit_sim.requests == []
    events += post_bookings(restarted, [9])  # new deliveries of a paused route wait too
    wait_for(lambda: statuses(redis_client, events) == ["paused"] * 3, timeout=30, message="3 paused deliveries")
    assert restarted.post("/api/routes/to-fiwit/resume", headers=ADMIN).get_json()["released"] == 3
    wait_for(lambda: len(sent_names(fiwit_sim)) == 3, timeout=30, message="3 deliveries")
    assert sent_names(fiwit_sim) == ["booking 7", "booking 8", "booking 9"]


def test_unknown_vendor_or_route_is_a_404_json_error_and_pauses_nothing(client, runner, redis_client):
    answer = client.post("/api/vendors/nosuch/pause", headers=ADMIN)
    assert answer.status_code == 404 and answer.get_json()["error"]["code"] == "not_found"
    answer = client.post("/api/routes/nosuch/pause", headers=ADMIN)
    assert answer.status_code == 404 and answer.get_json()["error"]["code"] == "not_found"
    assert client.post("/api/vendors/fiwit/pause").status_code == 401
    result = runner.invoke(args=["routes", "pause", "nosuch"])
    assert result.exit_code == 1 and "no route 'nosuch'" in result.output
    assert redis_client.hgetall("hooks:pauses") == {}


def test_api_vendors_shape(client):
    answer = client.get("/api/vendors", headers=ADMIN).get_json()
    assert set(answer) == {"vendors", "http_hosts", "paused_routes"}
    names = [row["vendor"] for row in answer["vendors"]]
    assert names == sorted(names) and {"fiwit", "foxoms", "http"} <= set(names)
    row = next(row for row in answer["vendors"] if row["vendor"] == "foxoms")
    assert row["limit"] == {"requests": 1, "per_seconds": 1.0}
    assert set(row) >= {"limit", "used", "cooldown_seconds", "sandboxed", "paused", "paused_waiting", "breaker"}
    assert row["breaker"] == {"state": "closed", "failures": 0, "open_until": None, "open_seconds": None, "waiting": 0}


def test_console_pause_and_resume_need_the_csrf_token(client, redis_client):
    login(client)
    assert client.post("/console/vendors/fiwit/pause", data={}).status_code == 400
    assert client.post("/console/routes/to-fiwit/pause", data={}).status_code == 400
    assert redis_client.hgetall("hooks:pauses") == {}
    token = csrf(client, "/console/vendors")
    answer = client.post("/console/vendors/fiwit/pause", data={"csrf_token": token}, follow_redirects=True)
    assert answer.status_code == 200 and "Paused fiwit" in answer.get_data(as_text=True)
    assert 'action="/console/vendors/fiwit/resume"' in answer.get_data(as_text=True)
    answer = client.post("/console/routes/to-fiwit/pause", data={"csrf_token": token}, follow_redirects=True)
    assert 'action="/console/routes/to-fiwit/resume"' in answer.get_data(as_text=True)
    assert set(redis_client.hkeys("hooks:pauses")) == {"vendor:fiwit", "route:to-fiwit"}
    overview = client.get("/console/").get_data(as_text=True)
    assert "paused: vendor fiwit" in overview and "paused: 1 route(s)" in overview
    client.post("/console/vendors/fiwit/resume", data={"csrf_token": token})
    client.post("/console/routes/to-fiwit/resume", data={"csrf_token": token})
    assert redis_client.hgetall("hooks:pauses") == {}


def alert_signals(httpserver):
    return [request.get_json()["signal"] for request, _ in httpserver.log if request.path == "/alert"]


def test_a_failing_vendor_opens_the_breaker_calls_stop_one_probe_per_period_then_all_arrive(
        app, client, redis_client, fiwit_sim, httpserver, celery_worker):
    httpserver.expect_request("/alert").respond_with_json({"ok": True})
    fiwit_sim.fail_next(status=503, times=10_000)
    events = post_bookings(client, [1, 2, 3, 4, 5])
    wait_for(lambda: breaker.state(redis_client, "fiwit")["state"] == "open", timeout=30, message="the breaker to open")
    assert len(fiwit_sim.requests) == 3  # BREAKER_FAILURES: the other deliveries did not go
    assert vendor_row(client, "fiwit")["breaker"]["state"] in ("open", "probing")
    assert 'hooks_breaker_state{vendor="fiwit"}' in client.get("/metrics").get_data(as_text=True)
    # 1 s open, a probe fails -> 2 s, a probe fails -> 4 s: exactly one call per period.
    wait_for(lambda: breaker.state(redis_client, "fiwit")["open_seconds"] == 4.0, timeout=30, message="two failed probes")
    assert len(fiwit_sim.requests) == 3 + 2
    assert all(get_delivery(redis_client, d["id"])["status"] in ("pending", "retrying")
               for d in deliveries_of(redis_client, events))
    app.extensions["celery"].tasks["alerts.tick"]()
    wait_for(lambda: "breaker_open" in alert_signals(httpserver), timeout=30, message="the breaker_open alert")

    failed = len(fiwit_sim.requests)
    fiwit_sim.reset()  # the vendor is back
    wait_for(lambda: all(get_event(redis_client, e)["status"] == "completed" for e in events), timeout=30,
             message="every event delivered after recovery")
    assert len(fiwit_sim.requests) == 5  # the successful probe and the four that waited
    attempts = [get_delivery(redis_client, d["id"])["attempts"] for d in deliveries_of(redis_client, events)]
    assert sum(attempts) == failed + 5 and max(attempts) <= 9
    assert breaker.state(redis_client, "fiwit")["state"] == "closed"
    app.extensions["celery"].tasks["alerts.tick"]()
    wait_for(lambda: "breaker_closed" in alert_signals(httpserver), timeout=30, message="the breaker_closed alert")
    assert sorted(alert_signals(httpserver)) == ["breaker_closed", "breaker_open"]


def parked_in_breaker_lane(redis_client, count):
    from handlers.delivery import parking
    from tests.admin_helpers import make_delivery, make_event
    ids = [make_delivery(redis_client, make_event(redis_client), action_id=f"a{n}") for n in range(count)]
    for order, delivery_id in enumerate(ids):
        parking.park(redis_client, "breaker:fiwit", delivery_id, "breaker", 100.0 + order, 1.0)
    return ids


def test_an_expired_open_period_releases_one_probe_and_a_closed_breaker_its_whole_lane(redis_client):
    from handlers.delivery.dispatch import release_due
    ids = parked_in_breaker_lane(redis_client, 3)
    redis_client.hset(breaker.breaker_key("fiwit"), mapping={"open_until": "1.0", "open_seconds": "1"})
    sent = []
    assert release_due(redis_client, None, lambda *args: sent.append(args[0]), 60) == ids[:1]
    assert release_due(redis_client, None, lambda *args: sent.append(args[0]), 60) == []  # the lane waits for the probe
    redis_client.delete(breaker.breaker_key("fiwit"))  # the probe closed it; two parked just then
    redis_client.zadd("hooks:lanes", {"breaker:fiwit": 1.0})
    assert release_due(redis_client, None, lambda *args: sent.append(args[0]), 60) == ids[1:]
    assert sent == ids


def test_paused_is_an_open_status_for_the_event_rollup():
    from handlers.delivery.rollup import event_status_for
    assert event_status_for(["paused", "succeeded"]) == "routed"
    assert event_status_for(["paused", "dead"]) == "routed"


def test_breaker_settings_are_typed_and_a_bad_one_is_named():
    from handlers import settings
    assert settings.from_environment({})["BREAKER_FAILURES"] == 10
    assert settings.from_environment({})["BREAKER_OPEN_SECONDS"] == 60.0
    with pytest.raises(settings.SettingsError, match="BREAKER_FAILURES must be a whole number"):
        settings.typed({"BREAKER_FAILURES": "ten"})


def worker_env(routes_file, fiwit_sim, httpserver):
    """What the app fixture configures, as the environment of a `celery worker` subprocess
    (its own copy of the rules: start_worker_process writes the default file's path)."""
    return dict(ROUTES_FILE=routes_file(ROUTES, name="worker-routes.yaml"), FIWIT_BASE_URL=fiwit_sim.url, FIWIT_API_KEY=fiwit_sim.api_key,
                OPS_WEBHOOK_URL=httpserver.url_for("/alert"), HTTP_ALLOW_PRIVATE="true", BREAKER_FAILURES="3",
                BREAKER_OPEN_SECONDS="1", RETRY_SCHEDULE="0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2",
                DELIVERY_LEASE_SECONDS="3")


def test_a_worker_killed_while_a_vendor_is_paused_loses_nothing(
        app, client, runner, redis_client, fiwit_sim, httpserver, start_worker_process, routes_file):
    """kill -9 while deliveries wait for a resume: they wait in Redis, held by no worker."""
    assert runner.invoke(args=["vendors", "pause", "fiwit"]).exit_code == 0
    first = start_worker_process(**worker_env(routes_file, fiwit_sim, httpserver))
    events = post_bookings(client, [1, 2, 3])
    wait_for(lambda: statuses(redis_client, events) == ["paused"] * 3, timeout=30, message="3 paused deliveries")
    first.kill()  # SIGKILL
    first.wait(timeout=10)
    assert client.post("/api/vendors/fiwit/resume", headers=ADMIN).get_json()["released"] == 3
    start_worker_process(**worker_env(routes_file, fiwit_sim, httpserver))
    wait_for(lambda: all(get_event(redis_client, e)["status"] == "completed" for e in events), timeout=60,
             message="every event delivered by the second worker")
    assert sent_names(fiwit_sim) == ["booking 1", "booking 2", "booking 3"]
    assert [d["attempts"] for d in deliveries_of(redis_client, events)] == [1, 1, 1]


def test_a_worker_killed_while_the_breaker_is_open_loses_nothing(
        app, client, redis_client, fiwit_sim, httpserver, start_worker_process, routes_file):
    """kill -9 while deliveries wait behind an open breaker: the next worker's probe closes it
    and every one arrives."""
    fiwit_sim.fail_next(status=503, times=3)
    first = start_worker_process(**worker_env(routes_file, fiwit_sim, httpserver))
    events = post_bookings(client, [1, 2, 3, 4, 5])
    wait_for(lambda: breaker.state(redis_client, "fiwit")["state"] != "closed", timeout=30, message="the breaker to open")
    first.kill()  # SIGKILL, the breaker open and deliveries waiting behind it
    first.wait(timeout=10)
    start_worker_process(**worker_env(routes_file, fiwit_sim, httpserver))

    def delivered():  # the scheduler's sweep, sent as beat would: re-sends what the dead worker held
        app.extensions["celery"].send_task(SWEEP)
        return all(get_event(redis_client, e)["status"] == "completed" for e in events)

    wait_for(delivered, timeout=90, interval=1, message="every event delivered after the kill")
    assert sorted(sent_names(fiwit_sim)) == [f"booking {n}" for n in range(1, 6)]
