"""The Procfile's `web` process (gunicorn) on a loopback port, for end-to-end tests.

`WebProcess(tmp_dir, routes_text, redis_url)` writes the rules file, starts the command the
Procfile names with one worker (WEB_CONCURRENCY=1, so every request meets the same
process), waits for /readyz and `stop()`s it with SIGTERM. `worker_peak_rss_kib()` reads
the worker's high-water mark of resident memory (VmHWM in /proc) on Linux.
"""
import os
import shlex
import signal
import subprocess
import sys
import textwrap

import requests

from tests.helpers import wait_for
from tests.test_procfile import REPO, free_port, procfile, web_ready

READY_TIMEOUT_SECONDS = 60


class WebProcess:
    def __init__(self, tmp_dir, routes_text, redis_url, **env):
        routes = tmp_dir / "routes.yaml"
        routes.write_text(textwrap.dedent(routes_text))
        metrics = tmp_dir / "prometheus"
        metrics.mkdir(exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp_dir / "web.log"
        self.env = dict(
            os.environ,
            REDIS_URL=redis_url,
            ROUTES_FILE=str(routes),
            PORT=str(self.port),
            WEB_CONCURRENCY="1",
            PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
            PROMETHEUS_MULTIPROC_DIR=str(metrics),
            PYTHONUNBUFFERED="1",
        )
        self.env.update({name: str(value) for name, value in env.items()})
        self.process = None

    def start(self):
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(shlex.split(procfile()["web"]), cwd=REPO, env=self.env,
                                            stdout=log, stderr=subprocess.STDOUT)
        wait_for(lambda: self.process.poll() is not None or web_ready(self.port),
                 timeout=READY_TIMEOUT_SECONDS, interval=0.2, message="gunicorn to start")
        assert self.process.poll() is None, self.log()
        return self

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self):
        return self.log_path.read_text(errors="replace")[-3000:]

    def post(self, path, **kwargs):
        return requests.post(self.url + path, timeout=30, **kwargs)

    def worker_pid(self):
        """The one gunicorn worker (a child of the master)."""
        children = open(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read().split()
        assert len(children) == 1, children
        return int(children[0])

    def worker_peak_rss_kib(self):
        with open(f"/proc/{self.worker_pid()}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        raise AssertionError("no VmHWM in /proc/<pid>/status")
