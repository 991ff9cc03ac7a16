"""Drill: `maxmemory-policy` switched to allkeys-lru on a running service (the Procfile's web
under gunicorn, two processes, and a celery worker): /readyz turns 503 and no hook is
accepted once each web process has read the new policy (at most SAMPLE_SECONDS later);
every event accepted before is routed."""
import os
import signal
import subprocess
import sys
import time

import pytest
import requests

from handlers.redis_health import SAMPLE_SECONDS
from handlers.store.events import event_key
from tests.drill_helpers import HOOK_TOKEN, REPO, Processes, Sender
from tests.helpers import free_port, wait_for
from tests.redis_server import OwnRedis
from tests.web_process import procfile, web_ready

pytestmark = pytest.mark.slow

ROUTES = f"""
sources:
  foxoms: {{type: foxoms, tokens: ["{HOOK_TOKEN}"], events: [bookingCreated]}}
routes: []
"""
SEND_PAUSE_SECONDS = 0.01
RUN_AFTER_SWITCH_SECONDS = 3 * SAMPLE_SECONDS


@pytest.fixture
def service(tmp_path, routes_file):
    """(web base URL, own Redis) with the Procfile's web and one worker running on it."""
    server = OwnRedis(tmp_path, "--appendonly", "yes").start()
    port = free_port()
    env = dict(os.environ, REDIS_URL=server.url, ROUTES_FILE=routes_file(ROUTES), PORT=str(port),
               PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
               PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prometheus"), PYTHONUNBUFFERED="1", WEB_CONCURRENCY="2")
    os.makedirs(env["PROMETHEUS_MULTIPROC_DIR"])
    workers = Processes(tmp_path, **{k: env[k] for k in ("REDIS_URL", "ROUTES_FILE")})
    with open(tmp_path / "web.log", "wb") as log:
        web = subprocess.Popen(procfile()["web"].strip(), shell=True, cwd=REPO, env=env, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for(lambda: web.poll() is not None or web_ready(port), timeout=60, interval=0.2, message="web to start")
        assert web.poll() is None, (tmp_path / "web.log").read_text()[-2000:]
        workers.worker()
        yield f"http://127.0.0.1:{port}", server
    finally:
        if web.poll() is None:
            os.killpg(web.pid, signal.SIGKILL)
            web.wait()
        workers.kill_all()
        server.stop()


@pytest.mark.timeout(120)
def test_switching_to_allkeys_lru_stops_readiness_and_every_hook(service):
    base_url, server = service
    store = server.client()
    sender = Sender(base_url, pause=SEND_PAUSE_SECONDS).start()
    wait_for(lambda: len(sender.accepted()) >= 20, timeout=30, message="hooks accepted before the switch")
    store.config_set("maxmemory-policy", "allkeys-lru")
    switched = time.time()
    ready = requests.get(f"{base_url}/readyz", timeout=5)
    time.sleep(RUN_AFTER_SWITCH_SECONDS)
    sender.stop()

    assert ready.status_code == 503, ready.text
    assert any("maxmemory-policy is allkeys-lru" in reason for reason in ready.json()["reasons"])
    late = [a for a in sender.answers if a.sent > switched + SAMPLE_SECONDS]
    assert late, "no request was sent after the switch had been read"
    assert [a for a in late if a.status == 202] == []
    assert {a.status for a in late} == {503}
    accepted = [a.event_id for a in sender.accepted()]
    wait_for(lambda: all(store.hget(event_key(e), "status") == "ignored" for e in accepted), timeout=60,
             message="every accepted event to be routed")
