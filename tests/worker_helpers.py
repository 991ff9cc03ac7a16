"""`start_worker_process`: real `celery worker` subprocesses (solo pool, one slot each) on the
test Redis, with FoxOMS pointed at the simulator (a pytest plugin, see tests/conftest.py)."""
import os
import subprocess
import sys
import time

import pytest
from celery.contrib.testing.worker import start_worker

from handlers.store.deliveries import create_delivery, delivery_record, get_delivery
from handlers.store.events import event_record, new_event_id, save_event, set_event_status
from handlers.task_names import DELIVER
from tests.helpers import wait_for

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def start_worker_process(redis_url, routes_file, tmp_path, foxoms_sim):
    """start(**env) -> a `celery worker` subprocess, ready to consume; all are killed after the test."""
    processes = []
    rules = routes_file()

    def start(**env):
        log_path = tmp_path / f"worker{len(processes)}.log"
        environ = dict(os.environ, REDIS_URL=redis_url, ROUTES_FILE=rules, FOXOMS_BASE_URL=foxoms_sim.url,
                       FOXOMS_API_TOKEN=foxoms_sim.token, PYTHONUNBUFFERED="1")
        environ.update({name: str(value) for name, value in env.items()})
        command = [sys.executable, "-m", "celery", "-A", "tasks.worker", "worker", "--pool", "solo",
                   "--concurrency", "1", "--without-gossip", "--without-mingle", "--without-heartbeat",
                   "--hostname", f"crash{len(processes)}-{os.getpid()}@%h", "--loglevel", "INFO"]
        return start_ready(command, environ, log_path, processes, timeout=20)

    try:
        yield start
    finally:
        kill_all(processes)


def start_ready(command, env, log_path, started, timeout):
    """Popen the worker `command` in the repo, logging to `log_path`, added to `started`;
    return it once it logs "ready." (fail with its log if it exits first or takes over `timeout` s)."""
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    started.append(process)
    wait_for(lambda: process.poll() is not None or b"ready." in log_path.read_bytes(), timeout=timeout,
             message="the worker to be ready")
    assert process.poll() is None, log_path.read_text()
    return process


def kill_all(processes):
    """Kill those of `processes` still running, and reap them all."""
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def deliver_in_worker(app, redis_client, call, args, status, timeout, on_start=lambda: None):
    """Store a routed event and one delivery of `call` ("vendor.operation") with `args`, send it to
    an in-process solo worker (calling `on_start()` once sent) and wait until it is `status`;
    return the delivery id."""
    event_id = new_event_id()
    save_event(redis_client, event_record(event_id, "foxoms", "bookingCreated", {"id": 1}, {}, time.time()))
    set_event_status(redis_client, event_id, "routed")
    record = delivery_record(event_id, "route", call.split(".", 1)[1], call, args)
    create_delivery(redis_client, record)
    with start_worker(app.extensions["celery"], pool="solo", perform_ping_check=False, shutdown_timeout=30):
        app.extensions["celery"].send_task(DELIVER, args=[record["id"]])
        on_start()
        wait_for(lambda: get_delivery(redis_client, record["id"])["status"] == status, timeout=timeout,
                 message=f"status {status}")
    return record["id"]
