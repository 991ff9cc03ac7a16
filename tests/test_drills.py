"""Fault drills (issue 7), the slow tier: `make test-slow` or `pytest -m slow`.

Real processes throughout: `celery worker` / `celery beat` subprocesses, the app behind a
real HTTP socket, the receiver simulator on loopback, and a real Redis (the test database,
or an embedded server with an append-only file that the Redis drill stops and restarts).
Each drill prints its figures (duplicates, 503 counts, attempts against the schedule).
"""
import logging
import time
from datetime import datetime

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from handlers.delivery import leases
from handlers.embedded_redis import EmbeddedRedis
from handlers.inbound.enqueue import decode_task_message
from handlers.redis_client import client_from_url
from handlers.store.events import EVENTS_INDEX, event_key, get_event
from tests.drill_helpers import (
    ADMIN, Processes, Sender, ServedApp, arrivals_by_number, delivered_numbers, delivery_id_for, drill_routes,
    twice_or_more,
)
from tests.helpers import wait_for
from tests.simulators.plugin import http_sim  # noqa: F401

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def quiet_http_logs():
    """Thousands of request lines from the simulator and the served app are noise here."""
    logger = logging.getLogger("werkzeug")
    level = logger.level
    logger.setLevel(logging.WARNING)
    yield
    logger.setLevel(level)


@pytest.fixture
def processes(tmp_path):
    """processes(**env) -> a Processes group; every process started is killed after the test."""
    groups = []

    def make(**env):
        group = Processes(tmp_path, **env)
        groups.append(group)
        return group

    try:
        yield make
    finally:
        for group in groups:
            group.kill_all()


def completed(redis_client, event_ids):
    pipe = redis_client.pipeline(transaction=False)
    for event_id in event_ids:
        pipe.hget(event_key(event_id), "status")
    return all(status == "completed" for status in pipe.execute())


# --- 1. kill -9 a worker during a 1 000-event burst -------------------------------------------

BURST_EVENTS = 1000
KILL_AFTER_ARRIVALS = 300
LEASE_SECONDS = 5


@pytest.mark.timeout(240)
def test_kill_9_during_a_burst_loses_nothing(make_app, redis_url, redis_client, http_sim, routes_file, processes):  # noqa: F811
    routes = drill_routes(http_sim.origin + "/hook")
    app = make_app(routes)
    group = processes(REDIS_URL=redis_url, ROUTES_FILE=routes_file(routes, name="worker-routes.yaml"),
                      HTTP_ALLOW_PRIVATE="true", DELIVERY_LEASE_SECONDS=LEASE_SECONDS, ROUTING_GRACE_SECONDS=5)
    doomed = group.worker()
    group.worker()
    group.beat()
    with ServedApp(app) as served:
        sender = Sender(served.url, count=BURST_EVENTS).start()
        wait_for(lambda: len(http_sim.requests) >= KILL_AFTER_ARRIVALS, timeout=120, interval=0.01,
                 message=f"{KILL_AFTER_ARRIVALS} deliveries to arrive")
        # Hold both workers inside a request, so that the kill lands mid-delivery.
        http_sim.slow(1.0)
        seen = len(http_sim.requests)
        wait_for(lambda: len(http_sim.requests) >= seen + 2, timeout=10, interval=0.01, message="two held requests")
        group.kill9(doomed)
        killed_at = time.time()
        in_flight = set(redis_client.zrangebyscore(leases.INFLIGHT, killed_at, "+inf"))
        http_sim.slow(0)
        group.worker()  # the platform restarts the dyno
        sender.join(timeout=120)
    answers = sender.answers
    assert [a.status for a in answers] == [202] * BURST_EVENTS
    event_ids = {a.number: a.event_id for a in answers}
    wait_for(lambda: completed(redis_client, event_ids.values()), timeout=150, interval=0.5,
             message="every event completed")
    recovered = time.time() - killed_at

    assert delivered_numbers(http_sim) == set(range(BURST_EVENTS))
    twice = twice_or_more(http_sim)
    twice_deliveries = {delivery_id_for(event_ids[number]) for number in twice}
    for number, reqs in arrivals_by_number(http_sim).items():  # receivers can dedupe on webhook-id
        assert len({r.header("webhook-id") for r in reqs}) == 1, number
    print(f"\nkill -9 drill: {BURST_EVENTS} events, {len(http_sim.requests)} requests received, "
          f"{len(twice)} deliveries arrived twice ({sorted(twice.values())}), "
          f"{len(in_flight)} deliveries in flight at the kill, all completed {recovered:.1f} s after the kill")
    assert twice_deliveries <= in_flight, "only deliveries in flight at the kill may arrive twice"
    assert max(twice.values(), default=1) <= 2


# --- 2. stop Redis for 10 s during ingest ---------------------------------------------------

REDIS_DOWN_SECONDS = 10
SEND_PAUSE_SECONDS = 0.02
RECEIVER_SECONDS = 0.1


@pytest.fixture
def stoppable_redis(tmp_path):
    """An embedded Redis of this test's own, with its append-only file: stop() and start() again."""
    server = EmbeddedRedis(tmp_path / "redis", appendonly=True).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.timeout(240)
def test_redis_down_for_10_s_answers_503_and_loses_nothing(make_app, stoppable_redis, http_sim, routes_file, processes):  # noqa: F811
    routes = drill_routes(http_sim.origin + "/hook")
    url = stoppable_redis.url
    app = make_app(routes, REDIS_URL=url)
    group = processes(REDIS_URL=url, ROUTES_FILE=routes_file(routes, name="worker-routes.yaml"),
                      HTTP_ALLOW_PRIVATE="true", DELIVERY_LEASE_SECONDS=LEASE_SECONDS, ROUTING_GRACE_SECONDS=5)
    group.worker()
    group.worker()
    group.beat()
    http_sim.slow(RECEIVER_SECONDS)  # deliveries lag behind ingest: a backlog is queued when Redis stops
    with ServedApp(app) as served:
        sender = Sender(served.url, pause=SEND_PAUSE_SECONDS, timeout=5).start()
        wait_for(lambda: len(sender.accepted()) >= 50, timeout=30, message="50 events accepted")
        backlog = len(sender.accepted()) - len(delivered_numbers(http_sim))
        going = time.time()
        stoppable_redis.stop()  # SIGTERM: the append-only file is flushed
        down = time.time()
        time.sleep(REDIS_DOWN_SECONDS)
        restarting = time.time()
        stoppable_redis.start()  # same socket, same folder: the data comes back from the file
        up = time.time()
        wait_for(lambda: len([a for a in sender.answers if a.sent > up and a.status == 202]) >= 50, timeout=60,
                 message="50 events accepted after the restart")
        sender.stop()
    answers = sender.answers
    while_down = [a for a in answers if a.sent >= down and a.answered <= restarting]
    statuses = sorted({a.status for a in answers})
    first_202_after = min(a.answered for a in answers if a.sent > up and a.status == 202) - up
    accepted = sender.accepted()
    print(f"\nRedis drill: {len(answers)} requests, {len(accepted)} answered 202; while Redis was down "
          f"({up - going:.1f} s): {len(while_down)} requests, "
          f"{sum(a.status == 503 for a in while_down)} answered 503, {sum(a.status == 202 for a in while_down)} 202; "
          f"first 202 {first_202_after:.2f} s after the restart; {backlog} accepted and not yet delivered "
          f"when Redis stopped; statuses seen {statuses}")
    assert len(while_down) >= 50
    assert backlog > 0
    assert [a.status for a in while_down] == [503] * len(while_down)
    assert set(statuses) <= {202, 503}

    store = client_from_url(url)
    assert all(get_event(store, a.event_id) is not None for a in accepted), "an accepted event is gone"
    accepted_numbers = {a.number for a in accepted}
    wait_for(lambda: accepted_numbers <= delivered_numbers(http_sim), timeout=120, interval=0.5,
             message="every accepted event delivered")
    print(f"Redis drill: every accepted event delivered {time.time() - up:.1f} s after the restart; "
          f"{sum(len(r) > 1 for r in arrivals_by_number(http_sim).values())} arrived more than once")
    assert completed(store, [a.event_id for a in accepted])
    refused = {a.number for a in while_down}
    assert not refused & set(arrivals_by_number(http_sim)), "an event answered 503 was delivered"
