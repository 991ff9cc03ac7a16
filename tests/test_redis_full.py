"""Hooks on a Redis of their own that fills up, evicts or restarts: 503 store_full above 90 % of
maxmemory and on an OOM reply, 503 while the policy evicts, nothing stored either way; the
first hook after a Redis restart is accepted (the held connection is made again)."""
import math
import os
import signal
import subprocess
import sys
import time

from celery.contrib.testing.worker import start_worker

from handlers.redis_health import FULL_FRACTION, SAMPLE_SECONDS
from handlers.store.events import EVENTS_INDEX, event_key
from tests.drill_helpers import REPO
from tests.helpers import wait_for
from tests.hooks_helpers import PLAIN, ROUTES
from tests.web_process import procfile

EVENTS_TO_DRAIN = 20
BALLAST_KEYS = 1600
HOOKS_FOR_INFO_COUNT = 200


def hook(make_app, server, n):
    """POST one event on a new app (so a new memory sample), return (status, error code)."""
    response = make_app(ROUTES, REDIS_URL=server.url).test_client().post(
        "/hooks/incoming/plain", json={"n": n}, headers=PLAIN)
    return response.status_code, (response.get_json().get("error") or {}).get("code")


def stored(server):
    client = server.client()
    return client.zcard(EVENTS_INDEX), client.llen("celery")


def test_above_90_percent_of_maxmemory_hooks_answer_store_full(make_app, own_redis):
    server = own_redis()
    assert hook(make_app, server, 1) == (202, None)
    client = server.client()
    used = int(client.info("memory")["used_memory"])
    client.config_set("maxmemory", int(used / (FULL_FRACTION + 0.05)))  # about 95 %: writes still fit
    assert hook(make_app, server, 2) == (503, "store_full")
    assert stored(server) == (1, 1)
    client.config_set("maxmemory", used * 4)
    assert hook(make_app, server, 3) == (202, None)


def test_an_oom_reply_is_store_full_not_unavailable(make_app, own_redis):
    """INFO refused (no memory sample): the script itself meets the full Redis."""
    server = own_redis("--rename-command", "INFO", "", "--maxmemory", "2mb")
    server.fill()
    before = stored(server)
    assert hook(make_app, server, 1) == (503, "store_full")
    assert stored(server) == before


def test_an_evicting_policy_refuses_hooks(make_app, own_redis):
    server = own_redis()
    server.client().config_set("maxmemory-policy", "allkeys-lru")
    assert hook(make_app, server, 1) == (503, "store_unavailable")
    assert stored(server) == (0, 0)
    server.client().config_set("maxmemory-policy", "noeviction")
    assert hook(make_app, server, 2) == (202, None)


def test_first_hook_after_a_redis_restart_is_accepted(make_app, own_redis):
    """The web worker's held connection is stale after the restart: made again, not a 503."""
    server = own_redis("--appendonly", "yes")
    client = make_app(ROUTES, REDIS_URL=server.url).test_client()
    assert client.post("/hooks/incoming/plain", json={"n": 1}, headers=PLAIN).status_code == 202
    server.restart()
    response = client.post("/hooks/incoming/plain", json={"n": 2}, headers=PLAIN)
    assert response.status_code == 202, response.get_json()
    assert stored(server) == (2, 2)


def test_above_90_percent_workers_still_drain_the_queue(make_app, own_redis):
    """Hooks stop at 90 %; the rest is the workers': a real worker starts and routes every
    queued event while the hooks keep answering store_full."""
    server = own_redis()
    app = make_app(ROUTES, REDIS_URL=server.url)
    client = app.test_client()
    for n in range(EVENTS_TO_DRAIN):
        assert client.post("/hooks/incoming/plain", json={"n": n}, headers=PLAIN).status_code == 202
    store = server.client()
    for n in range(BALLAST_KEYS):  # a Redis of a few MB, so that 8 % is room for a worker's buffers
        store.set(f"ballast:{n}", "x" * 10000)
    used = int(store.info("memory")["used_memory"])
    store.config_set("maxmemory", int(used / (FULL_FRACTION + 0.02)))
    assert hook(make_app, server, "refused") == (503, "store_full")
    with start_worker(app.extensions["celery"], pool="solo", perform_ping_check=False, shutdown_timeout=30):
        wait_for(lambda: store.llen("celery") == 0 and routed(store) == EVENTS_TO_DRAIN, timeout=60,
                 message="the worker to route every queued event")
    assert hook(make_app, server, "still refused") == (503, "store_full")
    assert store.zcard(EVENTS_INDEX) == EVENTS_TO_DRAIN


def routed(store):
    return sum(store.hget(event_key(event_id), "status") == "ignored" for event_id in store.zrange(EVENTS_INDEX, 0, -1))


def test_a_worker_started_on_a_full_redis_waits_for_room_then_drains(make_app, own_redis, tmp_path):
    """At 100 % (OOM) kombu's first writes would end the worker, and a popped message could
    not be noted as unacked: the Procfile's worker waits, alive, popping nothing, and drains
    once maxmemory is raised."""
    server = own_redis("--maxmemory", "8mb")
    app = make_app(ROUTES, REDIS_URL=server.url)
    client = app.test_client()
    for n in range(EVENTS_TO_DRAIN):
        assert client.post("/hooks/incoming/plain", json={"n": n}, headers=PLAIN).status_code == 202
    server.fill()
    log = tmp_path / "worker.log"
    env = dict(os.environ, REDIS_URL=server.url, ROUTES_FILE=app.config["ROUTES_FILE"], PYTHONUNBUFFERED="1",
               PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    with open(log, "wb") as output:
        worker = subprocess.Popen(procfile()["worker"].strip(), shell=True, cwd=REPO, env=env, stdout=output,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for(lambda: worker.poll() is not None or b"Redis is full" in log.read_bytes(), timeout=60,
                 interval=0.2, message="the worker to start and wait")
        assert worker.poll() is None, log.read_text()[-3000:]
        assert stored(server) == (EVENTS_TO_DRAIN, EVENTS_TO_DRAIN)  # nothing popped, nothing lost
        server.client().config_set("maxmemory", 64 * 1024 * 1024)
        store = server.client()
        wait_for(lambda: store.llen("celery") == 0 and routed(store) == EVENTS_TO_DRAIN, timeout=60,
                 interval=0.2, message="the worker to route every queued event")
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


def test_the_memory_check_is_one_info_a_second_not_one_a_hook(make_app, own_redis):
    server = own_redis()
    client = make_app(ROUTES, REDIS_URL=server.url).test_client()
    store = server.client()
    before = info_calls(store)
    started = time.monotonic()
    for n in range(HOOKS_FOR_INFO_COUNT):
        assert client.post("/hooks/incoming/plain", json={"n": n}, headers=PLAIN).status_code == 202
    elapsed = time.monotonic() - started
    calls = info_calls(store) - before - 1  # the count itself is an INFO
    assert 1 <= calls <= math.ceil(elapsed / SAMPLE_SECONDS) + 1, (calls, elapsed)


def info_calls(store):
    return store.info("commandstats").get("cmdstat_info", {}).get("calls", 0)
