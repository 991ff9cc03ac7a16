"""Worker processes of their own: the rate limit holds across them, and kill -9 loses nothing.

Workers are real `celery worker` subprocesses (solo pool, one slot each) on the test
Redis; the FoxOMS simulator answers on loopback with its 1 request/second limit.
"""
import signal
import time

from handlers.delivery import leases
from handlers.store.deliveries import create_delivery, delivery_record, get_attempts, get_delivery
from handlers.store.events import event_record, get_event, new_event_id, save_event, set_event_status
from handlers.task_names import DELIVER, SWEEP
from tests.helpers import wait_for

BOOKING = {"module": "booking", "fields": {"name": "Crash test"}}


def queue_deliveries(app, count, call="foxoms.create", args=BOOKING):
    redis_client = app.extensions["redis"]
    event_id = new_event_id()
    save_event(redis_client, event_record(event_id, "foxoms", "bookingCreated", {"id": 1}, {}, time.time()))
    set_event_status(redis_client, event_id, "routed")
    ids = []
    for number in range(count):
        record = delivery_record(event_id, "route", f"a{number}", call, args)
        create_delivery(redis_client, record)
        ids.append(record["id"])
    for delivery_id in ids:
        app.extensions["celery"].send_task(DELIVER, args=[delivery_id])
    return event_id, ids


def all_succeeded(redis_client, ids):
    return all((get_delivery(redis_client, i) or {}).get("status") == "succeeded" for i in ids)


def test_two_workers_together_stay_under_one_request_per_second(app, redis_client, foxoms_sim, start_worker_process):
    start_worker_process()
    start_worker_process()
    event_id, ids = queue_deliveries(app, 8)
    wait_for(lambda: all_succeeded(redis_client, ids), timeout=40, message="eight deliveries")
    answered = [request.answered for request in foxoms_sim.requests]
    assert 429 not in answered
    assert len(answered) == 8
    assert all(len(get_attempts(redis_client, i)) == 1 for i in ids)
    assert get_event(redis_client, event_id)["status"] == "completed"


def test_a_worker_killed_mid_request_loses_nothing(app, redis_client, foxoms_sim, start_worker_process):
    lease = 3
    doomed = start_worker_process(DELIVERY_LEASE_SECONDS=lease)
    foxoms_sim.slow(5)
    _, [delivery_id] = queue_deliveries(app, 1)
    wait_for(lambda: len(foxoms_sim.requests) == 1, message="the request to arrive")
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=10)
    foxoms_sim.slow(0)
    assert get_delivery(redis_client, delivery_id)["status"] == "pending"
    start_worker_process(DELIVERY_LEASE_SECONDS=lease)
    wait_for(lambda: redis_client.zscore(leases.INFLIGHT, delivery_id) < time.time(), message="the lease to run out")
    app.extensions["celery"].send_task(SWEEP)
    wait_for(lambda: all_succeeded(redis_client, [delivery_id]), timeout=20, message="the delivery")
    assert len(foxoms_sim.requests) == 2  # at least once: the killed attempt may have reached the vendor
    assert [a["outcome"] for a in get_attempts(redis_client, delivery_id)] == ["succeeded"]


def test_a_worker_killed_while_holding_a_retry_countdown_loses_nothing(app, redis_client, foxoms_sim, start_worker_process):
    lease = 3
    doomed = start_worker_process(DELIVERY_LEASE_SECONDS=lease, RETRY_SCHEDULE="4")
    foxoms_sim.fail_next(status=503)
    _, [delivery_id] = queue_deliveries(app, 1)
    wait_for(lambda: get_delivery(redis_client, delivery_id)["status"] == "retrying", message="the first failure")
    # the doomed worker must hold the countdown message (taken from the queue, unacknowledged)
    # before the kill; killed earlier, the message would still wait in the queue for the next worker
    wait_for(lambda: redis_client.llen("celery") == 0 and redis_client.hlen("unacked") == 1,
             message="the worker to take its countdown message")
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=10)
    start_worker_process(DELIVERY_LEASE_SECONDS=lease, RETRY_SCHEDULE="4")
    wait_for(lambda: redis_client.zscore(leases.INFLIGHT, delivery_id) < time.time(), timeout=15,
             message="the countdown's lease to run out")
    assert get_delivery(redis_client, delivery_id)["status"] == "retrying"
    app.extensions["celery"].send_task(SWEEP)
    wait_for(lambda: all_succeeded(redis_client, [delivery_id]), timeout=20, message="the delivery")
    assert [a["outcome"] for a in get_attempts(redis_client, delivery_id)] == ["retrying", "succeeded"]
