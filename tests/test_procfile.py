"""Each Procfile process starts with the project's own settings and stops within
Heroku's 30 s after SIGTERM."""
import os
import signal
import subprocess
import sys

import pytest
import requests

from tests.helpers import free_port, wait_for
from tests.web_process import REPO, STOP_LIMIT_SECONDS, procfile, web_process, web_ready

READY = {
    "web": lambda port, log: web_ready(port),
    "worker": lambda port, log: b"ready." in log.read_bytes(),
    "scheduler": lambda port, log: b"beat: Starting" in log.read_bytes(),
}


def test_procfile_has_the_three_processes():
    assert set(procfile()) == {"web", "worker", "scheduler"}
    assert procfile()["web"].strip() == 'gunicorn "app:create_app()"'


@pytest.mark.parametrize("name", ["web", "worker", "scheduler"])
def test_process_starts_and_stops_on_sigterm(name, redis_url, routes_file, tmp_path):
    port = free_port()
    log = tmp_path / f"{name}.log"
    env = dict(
        os.environ,
        REDIS_URL=redis_url,
        ROUTES_FILE=routes_file(),
        PORT=str(port),
        PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prometheus"),
        PYTHONUNBUFFERED="1",
    )
    os.makedirs(env["PROMETHEUS_MULTIPROC_DIR"])
    command = procfile()[name].strip()
    if name == "scheduler":
        command = command.replace("var/celerybeat-schedule", str(tmp_path / "beat-schedule"))
    with open(log, "wb") as output:
        # exec: the process waited on is the command itself, not a shell (dash forks it,
        # and the shell exits at SIGTERM at once, whatever the command does)
        process = subprocess.Popen("exec " + command, shell=True, cwd=REPO, env=env, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for(lambda: process.poll() is not None or READY[name](port, log), timeout=60,
                 interval=0.2, message=f"{name} to start")
        assert process.poll() is None, log.read_text()[-2000:]
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(STOP_LIMIT_SECONDS)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode is not None


def test_web_access_log_never_shows_a_query_token(redis_url, routes_file, tmp_path):
    """A token sent as ?token=... reaches the access log as the path alone."""
    with web_process(tmp_path, redis_url, routes_file()) as web:
        answer = requests.post(f"{web.url}/hooks/foxoms/bookingCreated?token=foxoms-test-token",
                               json={"data": {"id": 5, "name": "Logged"}}, timeout=10)
        assert answer.status_code == 202, answer.text
        wait_for(lambda: b"/hooks/foxoms/bookingCreated" in web.log.read_bytes(), timeout=10,
                 message="the access log line")
    text = web.output()
    assert '"POST /hooks/foxoms/bookingCreated HTTP/1.1" 202' in text
    assert "foxoms-test-token" not in text
