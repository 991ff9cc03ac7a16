"""Slow-client drill (issue 11), the slow tier: `pytest -m slow tests/test_drill_slow_clients.py`.

The Procfile's web process (2 workers, gunicorn.conf.py) on loopback while 200 connections
trickle headers or bodies for 30 s (a byte each every 0.5 s; the server closes a header
trickle after gunicorn's keepalive and the client opens another). Meanwhile hooks go in on
one keep-alive session and /healthz on a new connection each time: >= 99 % are answered
within 1 s, each hook with 202 and its event stored; then SIGTERM stops the process within
Heroku's 30 s with the slow connections still open. Prints the figures.
"""
import statistics
import time

import pytest
import requests

from handlers.store.events import get_event
from tests.drill_helpers import HOOK_TOKEN, AnswerLoop, Sender
from tests.web_process import STOP_LIMIT_SECONDS, SlowClients, stop, web_process

pytestmark = pytest.mark.slow

SLOW_CONNECTIONS = 200
DRILL_SECONDS = 30
ANSWER_WITHIN_SECONDS = 1.0
ROUTES = f"""
sources:
  foxoms: {{type: foxoms, tokens: ["{HOOK_TOKEN}"], events: [bookingCreated]}}
routes: []
"""


class HealthPoller(AnswerLoop):
    """GET /healthz on a new connection every `pause` seconds; keeps (seconds taken, status)."""

    def __init__(self, url, pause=0.05, timeout=10):
        super().__init__("drill-healthz")
        self.url, self.pause, self.timeout = f"{url}/healthz", pause, timeout

    def _run(self):
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                status = requests.get(self.url, timeout=self.timeout).status_code
            except requests.RequestException:
                status = 0
            self.answers.append((time.monotonic() - started, status))
            self._stop.wait(self.pause)


def test_two_hundred_slow_clients(redis_client, redis_url, routes_file, tmp_path):
    with web_process(tmp_path, redis_url, routes_file(ROUTES)) as web:
        slow = SlowClients(web.port, SLOW_CONNECTIONS).start()
        try:
            sender = Sender(web.url, pause=0.05, timeout=10).start()
            health = HealthPoller(web.url).start()
            time.sleep(DRILL_SECONDS)
            sender.stop()
            health.stop()
            open_at_stop = slow.open_now
            stop_seconds = stop(web.process)
            open_after_stop = slow.open_now
        finally:
            slow.stop()

    hook_seconds = [answer.answered - answer.sent for answer in sender.answers]
    health_seconds = [seconds for seconds, _ in health.answers]
    every = hook_seconds + health_seconds
    within = sum(1 for seconds in every if seconds <= ANSWER_WITHIN_SECONDS)
    accepted = sender.accepted()
    missing = [answer.event_id for answer in accepted if get_event(redis_client, answer.event_id) is None]
    print(f"\nslow-client drill: {SLOW_CONNECTIONS} slow connections for {DRILL_SECONDS} s "
          f"({slow.reopened} reopened after the server closed them); "
          f"{len(hook_seconds)} hooks ({len(accepted)} x 202), {len(health_seconds)} /healthz; "
          f"{within / len(every):.2%} answered within {ANSWER_WITHIN_SECONDS:.0f} s; "
          f"hooks p50 {statistics.median(hook_seconds) * 1000:.1f} ms, max {max(hook_seconds) * 1000:.0f} ms; "
          f"/healthz p50 {statistics.median(health_seconds) * 1000:.1f} ms, max {max(health_seconds) * 1000:.0f} ms; "
          f"{len(missing)} accepted events missing; SIGTERM with {open_at_stop} slow connections open: "
          f"stopped in {stop_seconds:.1f} s ({open_after_stop} still open from the client's side)")
    assert within / len(every) >= 0.99
    assert len(hook_seconds) > 100 and len(health_seconds) > 100, "too few requests to judge"
    assert [answer for answer in sender.answers if answer.status != 202] == []
    assert [status for _, status in health.answers if status != 200] == []
    assert missing == []
    assert stop_seconds < STOP_LIMIT_SECONDS
