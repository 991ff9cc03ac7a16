"""Drill: Fiwit down for 2 minutes under 300 events. The breaker opens after
BREAKER_FAILURES failures, lets one probe through per open period (5 s, doubling), raises
one breaker_open and one breaker_closed alert, and every event is delivered after the
vendor is back. A real worker, the Fiwit simulator and a loopback alert receiver."""
import time

import pytest

from handlers.delivery import breaker
from handlers.store.events import get_event
from tests.helpers import wait_for
from tests.test_pause_breaker import ROUTES, alert_signals, deliveries_of, post_bookings

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

DOWN_SECONDS = 120
EVENTS = 300
FAILURES = 10
OPEN_SECONDS = 5.0


@pytest.fixture
def app(make_app, fiwit_sim, httpserver, monkeypatch):
    monkeypatch.setenv("OPS_WEBHOOK_URL", httpserver.url_for("/alert"))
    return make_app(ROUTES, FIWIT_BASE_URL=fiwit_sim.url, FIWIT_API_KEY=fiwit_sim.api_key, HTTP_ALLOW_PRIVATE=True,
                    BREAKER_FAILURES=str(FAILURES), BREAKER_OPEN_SECONDS=str(OPEN_SECONDS),
                    RETRY_SCHEDULE="1,2,4,8,16,32,64,120,120,120")


def probes_allowed(open_for):
    """How many probes the doubling open periods allow within `open_for` seconds (+1: the
    probe that finds the vendor back may start just as it recovers)."""
    elapsed, period, count = 0.0, OPEN_SECONDS, 0
    while elapsed + period <= open_for:
        elapsed += period
        count += 1
        period = min(period * 2, breaker.MAX_OPEN_SECONDS)
    return count + 1


def test_vendor_down_two_minutes_under_300_events(app, client, redis_client, fiwit_sim, httpserver, celery_worker):
    httpserver.expect_request("/alert").respond_with_json({"ok": True})
    fiwit_sim.fail_next(status=503, times=1_000_000)
    down_at = time.time()
    events = post_bookings(client, range(1, EVENTS + 1))
    wait_for(lambda: breaker.state(redis_client, "fiwit")["state"] != "closed", timeout=60, message="the breaker")
    opened_at = time.time()
    calls_to_open = len(fiwit_sim.requests)
    time.sleep(max(0.0, down_at + DOWN_SECONDS - time.time()))
    calls_while_open = len(fiwit_sim.requests) - calls_to_open
    open_seconds = breaker.state(redis_client, "fiwit")["open_seconds"]
    fiwit_sim.reset()  # the vendor is back
    back_at = time.time()
    wait_for(lambda: all(get_event(redis_client, e)["status"] == "completed" for e in events), timeout=600,
             interval=0.5, message="every event delivered")
    done_at = time.time()
    attempts = [d["attempts"] for d in deliveries_of(redis_client, events)]
    app.extensions["celery"].tasks["alerts.tick"]()
    wait_for(lambda: len(alert_signals(httpserver)) >= 2, timeout=60, message="the alerts")
    time.sleep(1)
    signals = sorted(alert_signals(httpserver))
    allowed = probes_allowed(back_at - opened_at)
    print(f"\nbreaker drill: {EVENTS} events, vendor down {DOWN_SECONDS} s; calls before the breaker opened "
          f"{calls_to_open} (BREAKER_FAILURES {FAILURES}); calls while open {calls_while_open} "
          f"(probes allowed {allowed}); open period at recovery {open_seconds} s; all delivered "
          f"{done_at - back_at:.1f} s after recovery; calls after recovery {len(fiwit_sim.requests)}; "
          f"attempts per delivery max {max(attempts)}, total {sum(attempts)}; alerts {signals}")
    assert calls_to_open == FAILURES
    assert calls_while_open <= allowed
    assert len(fiwit_sim.requests) == EVENTS  # each delivery succeeded once, none twice
    assert sum(attempts) == calls_to_open + calls_while_open + EVENTS
    assert signals == ["breaker_closed", "breaker_open"]
