"""The Procfile's `web` process on a loopback port, and slow clients to hold it.

- `procfile()`: the Procfile's {name: command}; `web_ready(port)`: /readyz answers 200.
- `web_process(...)`: runs the Procfile's web command (gunicorn with gunicorn.conf.py)
  in a session of its own, waits for /readyz, yields a `Web` (url, port, log, process);
  stops it with SIGTERM and kills it if it is still running after Heroku's 30 s.
- `WebProcess(tmp_dir, routes_text, redis_url)`: the same as an object for module-scoped
  fixtures (one worker, WEB_CONCURRENCY=1, so every request meets the same process):
  `.start()`, `.stop()`, `.post()`, `.worker_peak_rss_kib()`.
- `SlowClients`: loopback connections that trickle a request's headers or its body a
  byte at a time, in one thread, reopening any the server closes, until stopped.
"""
import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
import textwrap
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

import requests

from tests.helpers import free_port, wait_for

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STOP_LIMIT_SECONDS = 30  # Heroku sends SIGKILL after this


def procfile():
    """The Procfile's processes: {name: command}."""
    with open(os.path.join(REPO, "Procfile")) as handle:
        return dict(line.split(":", 1) for line in handle.read().splitlines() if line.strip())


@dataclass
class Web:
    url: str
    port: int
    log: object  # pathlib.Path of stdout + stderr
    process: subprocess.Popen

    def output(self):
        return self.log.read_text(errors="replace")


def web_ready(port):
    """Whether a web process on this loopback port answers /readyz with 200."""
    try:
        return requests.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200
    except requests.RequestException:
        return False


@contextmanager
def web_process(tmp_path, redis_url, routes_path, **env):
    """The Procfile's web process; `env` adds or overrides variables (e.g. HOME, WEB_CONCURRENCY)."""
    port = free_port()
    log = tmp_path / f"web-{port}.log"
    environ = dict(os.environ, REDIS_URL=redis_url, ROUTES_FILE=routes_path, PORT=str(port),
                   PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
                   PROMETHEUS_MULTIPROC_DIR=str(tmp_path / f"prometheus-{port}"), PYTHONUNBUFFERED="1")
    environ.update({name: str(value) for name, value in env.items()})
    os.makedirs(environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)
    with open(log, "wb") as output:
        # exec: the shell becomes gunicorn (dash would fork it), so a stop is timed on the master
        process = subprocess.Popen("exec " + procfile()["web"].strip(), shell=True, cwd=REPO, env=environ, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    web = Web(f"http://127.0.0.1:{port}", port, log, process)
    try:
        wait_for(lambda: process.poll() is not None or web_ready(web.port), timeout=60, interval=0.2,
                 message="the web process to start")
        assert process.poll() is None, web.output()[-3000:]
        yield web
    finally:
        stop(process)


def stop(process):
    """SIGTERM to the process group; SIGKILL if it is still running after 30 s. Returns seconds taken."""
    started = time.monotonic()
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(STOP_LIMIT_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return time.monotonic() - started


class WebProcess:
    """`web_process` held open by an object: start() ... stop()."""

    def __init__(self, tmp_dir, routes_text, redis_url, **env):
        self.tmp_dir, self.redis_url = tmp_dir, redis_url
        self.routes = tmp_dir / "routes.yaml"
        self.routes.write_text(textwrap.dedent(routes_text))
        self.env = {"WEB_CONCURRENCY": "1", **env}
        self.stack, self.web = ExitStack(), None

    def start(self):
        self.web = self.stack.enter_context(web_process(self.tmp_dir, self.redis_url, str(self.routes), **self.env))
        self.url, self.port, self.process = self.web.url, self.web.port, self.web.process
        return self

    def stop(self):
        self.stack.close()

    def log(self):
        return self.web.output()[-3000:]

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


HOOK_PATH = "/hooks/foxoms/bookingCreated"


def trickled_headers():
    """A request whose headers never end: one more header byte at each step."""
    yield f"POST {HOOK_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode()
    while True:
        yield b"X-Slow: "
        for _ in range(40):
            yield b"a"
        yield b"\r\n"


def trickled_body():
    """Whole headers announcing a 1 MB body, then the body one byte at a time (no token:
    the body is read before the token is checked)."""
    yield (f"POST {HOOK_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
           "Content-Length: 1000000\r\n\r\n").encode()
    yield b'{"data": {"name": "'
    while True:
        yield b"a"


class SlowClients:
    """`count` loopback connections to `port`, half trickling headers and half bodies
    (or all one kind with `kinds`), each sent its next piece every `interval` seconds.
    A connection the server closes is opened again (as a real slow client would);
    `.reopened` counts those, `.refused` the ones it could not open again, `.open_now`
    the connections open. Runs in one thread until stop()."""

    def __init__(self, port, count, interval=0.5, kinds=(trickled_headers, trickled_body)):
        self.port, self.count, self.interval, self.kinds = port, count, interval, kinds
        self.reopened = self.refused = 0
        self.open_now = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="slow-clients", daemon=True)

    def _connect(self, number):
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        sock.setblocking(False)
        return sock, self.kinds[number % len(self.kinds)]()

    def _run(self):
        connections = {}
        selector = selectors.DefaultSelector()
        try:
            for number in range(self.count):
                connections[number] = self._connect(number)
                selector.register(connections[number][0], selectors.EVENT_READ, number)
            self.open_now = len(connections)
            while not self._stop.wait(self.interval):
                # an answer or a close from the server: drop that connection and open another
                for key, _ in selector.select(timeout=0):
                    self._replace(selector, connections, key.data)
                for number, (sock, pieces) in list(connections.items()):
                    try:
                        sock.send(next(pieces))
                    except (BlockingIOError, InterruptedError):
                        pass
                    except OSError:
                        self._replace(selector, connections, number)
                self.open_now = len(connections)
        finally:
            for sock, _ in connections.values():
                sock.close()
            selector.close()

    def _replace(self, selector, connections, number):
        sock, _ = connections.pop(number)
        selector.unregister(sock)
        sock.close()
        if self._stop.is_set():
            return
        try:
            connections[number] = self._connect(number)
        except OSError:  # refused: the server is stopping; the others stay open
            self.refused += 1
            return
        selector.register(connections[number][0], selectors.EVENT_READ, number)
        self.reopened += 1

    def start(self):
        self._thread.start()
        wait_for(lambda: self.open_now == self.count or not self._thread.is_alive(), timeout=30,
                 message=f"{self.count} slow connections to open")
        assert self._thread.is_alive(), "the slow clients' thread stopped"
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=10)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
