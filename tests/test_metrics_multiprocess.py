"""/metrics in Prometheus multiprocess mode: counters of other processes (Celery worker
children, other gunicorn workers) are merged; checked with real processes."""
import os
import subprocess
import sys
import textwrap

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.helpers import MINIMAL_ROUTES, free_port, wait_for

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COUNT_DELIVERIES = "from handlers.metrics import DELIVERIES; DELIVERIES.labels('fiwit', 'succeeded').inc(3)"
SCRAPE = textwrap.dedent("""
    import os, sys
    from app import create_app
    app = create_app({"TESTING": True, "REDIS_URL": os.environ["REDIS_URL"]})
    sys.stdout.write(app.test_client().get("/metrics").get_data(as_text=True))
""")


def total(text, name, **labels):
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
    )


@pytest.fixture
def multiproc_env(tmp_path, redis_url, redis_client):
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    routes = tmp_path / "routes.yaml"
    routes.write_text(textwrap.dedent(MINIMAL_ROUTES))
    env = dict(os.environ, PROMETHEUS_MULTIPROC_DIR=str(metrics_dir), REDIS_URL=redis_url,
               ROUTES_FILE=str(routes), ADMIN_TOKEN="")
    return env


def run_python(code, env):
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_counters_of_other_processes_are_merged(multiproc_env):
    run_python(COUNT_DELIVERIES, multiproc_env)
    run_python(COUNT_DELIVERIES, multiproc_env)
    text = run_python(SCRAPE, multiproc_env)
    assert total(text, "deliveries_total", vendor="fiwit", outcome="succeeded") == 6
    assert total(text, "hooks_queue_depth", queue="celery") == 0


def test_gunicorn_workers_share_their_counters(multiproc_env):
    run_python(COUNT_DELIVERIES, multiproc_env)  # as a Celery worker child would
    port = free_port()
    env = dict(multiproc_env, PORT=str(port), WEB_CONCURRENCY="3")
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    server = subprocess.Popen([gunicorn, "app:create_app()"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(base + "/healthz"), timeout=30, message="gunicorn")
        for _ in range(12):
            requests.post(base + "/hooks/foxoms/bookingCreated", json={"id": 1}, timeout=5)
        for _ in range(6):  # whichever worker answers, the totals are the same
            text = requests.get(base + "/metrics", timeout=5).text
            assert total(text, "hooks_received_total") == 12
            assert total(text, "hooks_rejected_total") == 12
            assert total(text, "deliveries_total", vendor="fiwit", outcome="succeeded") == 3
    finally:
        server.terminate()
        server.wait(30)


def _answers(url):
    try:
        return requests.get(url, timeout=1).ok
    except requests.RequestException:
        return False
