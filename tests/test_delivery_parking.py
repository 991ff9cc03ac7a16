"""Parking (issue 17): a delivery waiting for its vendor's rate limit or cooldown waits in
Redis, not in a worker, so other vendors' deliveries go ahead; released in due order,
with no attempt counted while parked.

The worker is a real `celery worker` subprocess started with the Procfile's worker
command (its pool and concurrency), on the test Redis, with the FoxOMS and Fiwit
simulators on loopback; its Prometheus counters are read from its multiprocess files.
"""
import os
import shlex
import sys
import time

import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector

from handlers.delivery import leases, parking
from handlers.delivery.dispatch import release_due
from handlers.delivery.ratelimit import VendorLimits, cooldown_key, reservations_key, vendor_lane
from handlers.store.deliveries import create_delivery, delivery_record, get_attempts, get_delivery
from handlers.store.events import event_record, new_event_id, save_event, set_event_status
from handlers.task_names import DELIVER
from tests.helpers import wait_for
from tests.web_process import procfile
from tests.worker_helpers import kill_all, start_ready

PARKED = 6
LANE = vendor_lane("foxoms")


@pytest.fixture
def procfile_worker(redis_url, routes_file, tmp_path, foxoms_sim, fiwit_sim):
    """start() -> the Procfile's worker process on the test Redis and the simulators; killed after."""
    started = []
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()

    def start():
        log_path = tmp_path / "worker.log"
        env = dict(os.environ, REDIS_URL=redis_url, ROUTES_FILE=routes_file(), PYTHONUNBUFFERED="1",
                   FOXOMS_BASE_URL=foxoms_sim.url, FOXOMS_API_TOKEN=foxoms_sim.token, FOXOMS_RATE_LIMIT="1/second",
                   FIWIT_BASE_URL=fiwit_sim.url, FIWIT_API_KEY=fiwit_sim.api_key,
                   PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
                   PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
        command = shlex.split(procfile()["worker"]) + ["--without-gossip", "--without-mingle", "--without-heartbeat",
                                                       "--hostname", f"parking-{os.getpid()}@%h"]
        return start_ready(command, env, log_path, started, timeout=30)

    start.metrics_dir = str(metrics_dir)
    try:
        yield start
    finally:
        kill_all(started)


def routed_event(redis_client):
    event_id = new_event_id()
    save_event(redis_client, event_record(event_id, "foxoms", "bookingCreated", {"id": 1}, {}, time.time()))
    set_event_status(redis_client, event_id, "routed")
    return event_id


def new_delivery(redis_client, event_id, action, call, args):
    record = delivery_record(event_id, "route", action, call, args)
    assert create_delivery(redis_client, record)
    time.sleep(0.003)  # distinct created_at (ms): the due order is the creation order
    return record["id"]


def counted(metrics_dir, vendor, outcome):
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=metrics_dir)
    return sum(sample.value for family in registry.collect() for sample in family.samples
               if sample.name == "deliveries_total" and sample.labels == {"vendor": vendor, "outcome": outcome})


def test_parked_foxoms_deliveries_do_not_hold_up_fiwit_and_leave_in_due_order(
        app, redis_client, foxoms_sim, fiwit_sim, procfile_worker):
    foxoms_sim.set_rate_limit((1, 1.0))
    VendorLimits(redis_client, app.config, 0).cool_down("foxoms", 120)  # no FoxOMS slot frees during the test
    worker = procfile_worker()
    celery_app = app.extensions["celery"]
    event_id = routed_event(redis_client)
    foxoms_ids = [new_delivery(redis_client, event_id, f"f{n}", "foxoms.create",
                               {"module": "booking", "fields": {"name": f"parked {n}"}}) for n in range(PARKED)]
    for delivery_id in reversed(foxoms_ids):  # queued in reverse: the lane orders by due time, not arrival
        celery_app.send_task(DELIVER, args=[delivery_id])
    wait_for(lambda: len(parking.parked(redis_client, LANE)) == PARKED, timeout=20, message="FoxOMS parked")

    fiwit_id = new_delivery(redis_client, event_id, "t", "fiwit.create_ticket", {"fields": {"name": "goes first"}})
    celery_app.send_task(DELIVER, args=[fiwit_id])
    wait_for(lambda: get_delivery(redis_client, fiwit_id)["status"] == "succeeded", timeout=20, message="the Fiwit delivery")

    assert foxoms_sim.requests == []  # Fiwit was attempted while every FoxOMS delivery waited
    assert parking.parked(redis_client, LANE) == foxoms_ids  # due order
    for delivery_id in foxoms_ids:
        delivery = get_delivery(redis_client, delivery_id)
        assert (delivery["status"], delivery["attempts"], delivery["parked"]) == ("pending", 0, "cooldown")
        assert redis_client.zscore(leases.INFLIGHT, delivery_id) is None  # held by no worker, no message
    # the worker is idle: nothing of FoxOMS sits in the queue or in a worker's hands
    wait_for(lambda: redis_client.llen("celery") == 0 and redis_client.hlen("unacked") == 0, timeout=10,
             message="an idle broker")

    redis_client.delete(cooldown_key("foxoms"))  # the vendor's cooldown ends
    parking.set_wake(redis_client, LANE, time.time())
    wait_for(lambda: all(get_delivery(redis_client, i)["status"] == "succeeded" for i in foxoms_ids),
             timeout=30, message="the parked deliveries")
    names = [request.json["name"] for request in foxoms_sim.requests]
    assert names == [f"parked {n}" for n in range(PARKED)]  # released in due order, one slot each
    assert all(200 <= request.answered < 300 for request in foxoms_sim.requests)  # no 429
    assert all(len(get_attempts(redis_client, i)) == 1 for i in foxoms_ids)  # waiting was no attempt
    assert all(get_delivery(redis_client, i)["parked"] == "" for i in foxoms_ids)
    assert redis_client.zcard(parking.lane_key(LANE)) == 0 and redis_client.zscore(parking.LANES, LANE) is None
    assert worker.poll() is None
    assert counted(procfile_worker.metrics_dir, "foxoms", "rate_limited") >= PARKED
    assert counted(procfile_worker.metrics_dir, "foxoms", "succeeded") == PARKED
    assert counted(procfile_worker.metrics_dir, "fiwit", "succeeded") == 1


def test_release_takes_heads_in_due_order_one_per_free_slot_and_leases_them(app, redis_client):
    config = dict(app.config, FOXOMS_RATE_LIMIT="2/second")
    limits = VendorLimits(redis_client, config, 0.5)
    event_id = routed_event(redis_client)
    ids = [new_delivery(redis_client, event_id, f"a{n}", "foxoms.create", {"module": "booking", "fields": {}})
           for n in range(5)]
    for order, delivery_id in zip((3, 1, 4, 2, 5), ids):
        assert parking.park(redis_client, LANE, delivery_id, "rate_limit", order, time.time())
    sent = []
    released = release_due(redis_client, limits, lambda i, token, countdown: sent.append((i, token)), 60)
    assert released == [ids[1], ids[3]]  # the two lowest due times, two free slots
    assert set(redis_client.zrange(reservations_key("foxoms"), 0, -1)) == set(released)
    for delivery_id, token in sent:
        assert redis_client.get(leases.token_key(delivery_id)) == token
        assert redis_client.zscore(leases.INFLIGHT, delivery_id) > time.time() + 50
    assert release_due(redis_client, limits, lambda *a: sent.append(a), 60) == []  # both slots reserved
    assert parking.parked(redis_client, LANE) == [ids[0], ids[2], ids[4]]
    assert all(get_delivery(redis_client, i)["attempts"] == 0 for i in ids)


def test_parking_a_deleted_delivery_writes_nothing(redis_client):
    assert not parking.park(redis_client, LANE, "no-such-delivery", "rate_limit", 1.0, time.time())
    assert not redis_client.exists("hooks:delivery:no-such-delivery")
    with pytest.raises(ValueError):
        parking.park(redis_client, LANE, "x", "sleepy", 1.0, time.time())
