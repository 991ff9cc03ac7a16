"""Fault drills (issue 7), the slow tier: `make test-slow` or `pytest -m slow`.

Real processes throughout: `celery worker` / `celery beat` subprocesses, the app behind a
real HTTP socket, the receiver simulator on loopback, and a real Redis (the test database,
or an embedded server with an append-only file that the Redis drill stops and restarts).
Each drill prints its figures (duplicates, 503 counts, attempts against the schedule).
"""
import logging
import time
from collections import Counter
from datetime import datetime

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers.delivery import leases
from handlers.embedded_redis import EmbeddedRedis
from handlers.redis_client import client_from_url
from handlers.store.events import event_key, get_event
from tests.drill_helpers import (
    ADMIN, Processes, Sender, ServedApp, arrivals_by_number, delivered_numbers, delivery_id_for, drill_routes,
    procfile_pool, twice_or_more,
)
from tests.helpers import wait_for
from tests import hooks_helpers
from tests.inbound_property_helpers import CONTENT_TYPES, PATHS, TOKENS, bodies, header_text, headers, send_and_check

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
def test_kill_9_during_a_burst_loses_nothing(make_app, redis_url, redis_client, http_sim, routes_file, processes):
    routes = drill_routes(http_sim.origin + "/hook")
    app = make_app(routes)
    group = processes(REDIS_URL=redis_url, ROUTES_FILE=routes_file(routes, name="worker-routes.yaml"),
                      HTTP_ALLOW_PRIVATE="true", DELIVERY_LEASE_SECONDS=LEASE_SECONDS, ROUTING_GRACE_SECONDS=5)
    doomed = group.worker(**procfile_pool())  # the workers as the Procfile starts them
    group.worker(**procfile_pool())
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
        group.worker(**procfile_pool())  # the platform restarts the dyno
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
def test_redis_down_for_10_s_answers_503_and_loses_nothing(make_app, stoppable_redis, http_sim, routes_file, processes):
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
    assert {a.status for a in answers if a.sent > up + 1} == {202}, "the web process did not recover"

    store = client_from_url(url)
    assert all(get_event(store, a.event_id) is not None for a in accepted), "an accepted event is gone"
    accepted_numbers = {a.number for a in accepted}
    wait_for(lambda: accepted_numbers <= delivered_numbers(http_sim), timeout=120, interval=0.5,
             message="every accepted event delivered")
    print(f"Redis drill: every accepted event delivered {time.time() - up:.1f} s after the restart; "
          f"{sum(len(r) > 1 for r in arrivals_by_number(http_sim).values())} arrived more than once")
    wait_for(lambda: completed(store, [a.event_id for a in accepted]), timeout=30, interval=0.2,
             message="every accepted event completed")  # the last answers may still be being recorded
    refused = {a.number for a in while_down}
    assert not refused & set(arrivals_by_number(http_sim)), "an event answered 503 was delivered"


# --- 3. the vendor answers 503 for 30 s, then recovers --------------------------------------

SCHEDULE = [1, 2, 4, 8, 16, 32]  # 63 s in all: covers 30 s of 503 with room to spare
OUTAGE_SECONDS = 30
OUTAGE_EVENTS = 40
JITTER = 0.10  # handlers.delivery.schedule.JITTER_FRACTION
BOOKKEEPING_SECONDS = 0.1  # between the end of the request and the due time being computed
SCHEDULING_SLACK_SECONDS = 2.0  # a due countdown waits for a free worker and the timer's tick
CLOCK_SECONDS = 0.01  # timestamps are stored to the millisecond


def epoch(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def possible_attempt_counts(first_started, recovered):
    """How many attempts the schedule allows when the vendor recovers at `recovered`: the
    k-th attempt is the first to start after it; attempt n starts between the jitter bounds."""
    earliest, latest = [first_started], [first_started]
    for delay in SCHEDULE:
        earliest.append(earliest[-1] + delay * (1 - JITTER))
        latest.append(latest[-1] + delay * (1 + JITTER) + BOOKKEEPING_SECONDS + SCHEDULING_SLACK_SECONDS)
    return {k for k in range(1, len(SCHEDULE) + 2)
            if (k == 1 or earliest[k - 2] < recovered + 1) and latest[k - 1] >= recovered - 1}


def schedule_problems(attempts):
    """Where the attempts of one delivery stray from SCHEDULE (jitter, bookkeeping and slack allowed)."""
    problems = []
    for number, (attempt, following) in enumerate(zip(attempts, attempts[1:]), start=1):
        planned = SCHEDULE[number - 1]
        started, due = epoch(attempt["started_at"]), epoch(attempt["next_attempt_at"])
        delay = due - started - attempt["duration_ms"] / 1000
        if not planned * (1 - JITTER) - CLOCK_SECONDS <= delay <= planned * (1 + JITTER) + BOOKKEEPING_SECONDS:
            problems.append(f"attempt {number}: delay {delay:.3f} s for a scheduled {planned} s")
        late = epoch(following["started_at"]) - due
        if not -CLOCK_SECONDS <= late <= SCHEDULING_SLACK_SECONDS:
            problems.append(f"attempt {number + 1} started {late:+.3f} s from its due time")
    return problems


@pytest.mark.timeout(240)
def test_vendor_503_for_30_s_then_everything_is_delivered_on_schedule(make_app, redis_url, redis_client, http_sim, routes_file, processes):
    routes = drill_routes(http_sim.origin + "/hook")
    app = make_app(routes)
    retry_schedule = ",".join(str(delay) for delay in SCHEDULE)
    # The retry schedule is what this drill checks: the circuit breaker (which would hold the
    # deliveries without spending attempts) is kept shut; tests/test_drill_breaker.py drills it.
    group = processes(REDIS_URL=redis_url, ROUTES_FILE=routes_file(routes, name="worker-routes.yaml"),
                      HTTP_ALLOW_PRIVATE="true", RETRY_SCHEDULE=retry_schedule, BREAKER_FAILURES="1000000")
    group.worker()
    group.worker()
    http_sim.answer(503, {"error": "down for maintenance"})
    outage_began = time.time()
    with ServedApp(app) as served:
        sender = Sender(served.url, count=OUTAGE_EVENTS).start()
        sender.join(timeout=60)
        assert [a.status for a in sender.answers] == [202] * OUTAGE_EVENTS
        time.sleep(max(0.0, outage_began + OUTAGE_SECONDS - time.time()))
        http_sim.answer(200, {"ok": True})
        recovered = time.time()
        event_ids = [a.event_id for a in sender.answers]
        wait_for(lambda: completed(redis_client, event_ids), timeout=120, interval=0.5, message="every event completed")
        session = requests.Session()
        details = [session.get(f"{served.url}/api/events/{event_id}", headers=ADMIN).json() for event_id in event_ids]

    answered = [r.answered for r in http_sim.requests]
    counts, problems = {}, []
    for detail in details:
        [delivery] = detail["deliveries"]
        attempts = delivery["attempts"]
        assert delivery["status"] == "succeeded", delivery
        assert [a["status"] for a in attempts] == [503] * (len(attempts) - 1) + [200], attempts
        assert [a["outcome"] for a in attempts] == ["retrying"] * (len(attempts) - 1) + ["succeeded"], attempts
        allowed = possible_attempt_counts(epoch(attempts[0]["started_at"]), recovered)
        assert len(attempts) in allowed, (len(attempts), allowed, attempts)
        counts[len(attempts)] = counts.get(len(attempts), 0) + 1
        problems += [f"{detail['id']} {problem}" for problem in schedule_problems(attempts)]
    print(f"\n503 drill: {OUTAGE_EVENTS} events, receiver answered 503 {answered.count(503)} times and 200 "
          f"{answered.count(200)} times; deliveries by attempt count {dict(sorted(counts.items()))}; "
          f"schedule {SCHEDULE} s; all delivered {time.time() - recovered:.1f} s after the recovery")
    assert not problems, "\n".join(problems)
    assert delivered_numbers(http_sim) == set(range(OUTAGE_EVENTS))
    assert answered.count(200) == OUTAGE_EVENTS  # no crash here: nothing is sent twice
    assert answered.count(503) == sum((k - 1) * n for k, n in counts.items())  # every 503 is a recorded attempt


# --- 4. 10 000 random inbound requests --------------------------------------------------------

RANDOM_REQUESTS = 10_000


@pytest.mark.timeout(600)
def test_10000_random_requests_never_5xx(make_app, redis_client):
    app = make_app(hooks_helpers.ROUTES)
    client = app.test_client()
    statuses = Counter()

    @settings(max_examples=RANDOM_REQUESTS, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(path=st.sampled_from(PATHS), token=st.one_of(st.none(), st.sampled_from(TOKENS), header_text),
           content_type=st.sampled_from(CONTENT_TYPES), body=bodies, extra_headers=headers, right_token=st.booleans())
    def one_request(path, token, content_type, body, extra_headers, right_token):
        statuses[send_and_check(client, redis_client, path, token, content_type, body, extra_headers, right_token)] += 1

    one_request()
    print(f"\nrandom requests: {sum(statuses.values())} sent, by status {dict(sorted(statuses.items()))}")
    assert sum(statuses.values()) >= RANDOM_REQUESTS
