"""Parts for the fault drills (tests/test_drills.py): real processes, real sockets.

- `Processes`: `celery worker` and `celery beat` subprocesses on a given Redis, each with
  its own log file; `kill_all()` ends every one of them (the fixture calls it in `finally`).
- `ServedApp`: a Flask app behind werkzeug's threaded HTTP server on 127.0.0.1, in a thread.
- `Sender`: posts numbered FoxOMS bookings to a served app and records every answer with
  the time it was sent and the time it came back.
- `drill_routes`: a rules file with one route, `http.post` (signed) to a receiver simulator.
"""
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass

import requests
from werkzeug.serving import make_server

from tests.admin_helpers import ADMIN
from tests.helpers import wait_for

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOOK_TOKEN = "drill-token"
ROUTE_ID, ACTION_ID = "copy-out", "post"
READY_TIMEOUT_SECONDS = 30


def drill_routes(receiver_url):
    """Every FoxOMS bookingCreated is posted, signed, to `receiver_url` with the record as body."""
    return f"""
sources:
  foxoms: {{type: foxoms, tokens: ["{HOOK_TOKEN}"], events: [bookingCreated]}}
routes:
  - id: {ROUTE_ID}
    source: foxoms
    events: [bookingCreated]
    actions:
      - id: {ACTION_ID}
        call: http.post
        args:
          url: "{receiver_url}"
          json: "{{{{ payload }}}}"
          sign: "whsec_ZHJpbGwtc2lnbmluZy1zZWNyZXQ="
"""


def procfile_pool():
    """{"pool": ..., "concurrency": ...} of the Procfile's worker line."""
    with open(os.path.join(REPO, "Procfile")) as handle:
        words = next(line.split(":", 1)[1] for line in handle if line.startswith("worker:")).split()
    return {"pool": words[words.index("--pool") + 1], "concurrency": int(words[words.index("--concurrency") + 1])}


def delivery_id_for(event_id):
    return f"{event_id}:{ROUTE_ID}:{ACTION_ID}"


def booking(number):
    return {"data": {"id": number, "name": f"Drill booking {number}", "start": 1547501100 + number}}


class Processes:
    """Celery subprocesses sharing one environment; every one is killed by kill_all()."""

    def __init__(self, log_dir, **env):
        self.log_dir = log_dir
        self.env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.env.update({name: str(value) for name, value in env.items()})
        self.started = []  # (process, log path)

    def _start(self, args, ready_text, **env):
        log_path = self.log_dir / f"{args[0]}{len(self.started)}.log"
        environ = dict(self.env)
        environ.update({name: str(value) for name, value in env.items()})
        with open(log_path, "wb") as log:
            process = subprocess.Popen([sys.executable, "-m", "celery", "-A", "tasks.worker", *args],
                                       cwd=REPO, env=environ, stdout=log, stderr=subprocess.STDOUT)
        self.started.append((process, log_path))
        wait_for(lambda: process.poll() is not None or ready_text in log_path.read_bytes(),
                 timeout=READY_TIMEOUT_SECONDS, interval=0.1, message=f"celery {args[0]} to start")
        assert process.poll() is None, log_path.read_text()
        return process

    def worker(self, pool="solo", concurrency=1, **env):
        """A worker (default: solo pool, one task at a time), ready to consume."""
        number = len(self.started)
        return self._start(["worker", "--pool", pool, "--concurrency", str(concurrency), "--without-gossip",
                            "--without-mingle", "--without-heartbeat", "--hostname",
                            f"drill{number}-{os.getpid()}@%h", "--loglevel", "INFO"], b"ready.", **env)

    def beat(self, **env):
        """The scheduler: due retries every 5 s, the sweep every 15 s."""
        schedule = self.log_dir / f"beat-schedule{len(self.started)}"
        return self._start(["beat", "--schedule", str(schedule), "--loglevel", "INFO"], b"beat: Starting", **env)

    def kill9(self, process):
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def kill_all(self):
        for process, _ in self.started:
            if process.poll() is None:
                process.kill()
        for process, _ in self.started:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass

    def logs(self):
        return "\n".join(f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}" for _, path in self.started)


class ServedApp:
    """The WSGI app on a real socket (werkzeug's threaded server), in a background thread."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       name="drill-web", daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@dataclass
class Answer:
    number: int        # the booking id sent
    sent: float        # epoch seconds, just before the request
    answered: float    # epoch seconds, when the answer (or the error) came back
    status: int        # HTTP status; 0 when no answer at all (connection error, timeout)
    event_id: str | None


class AnswerLoop:
    """A daemon thread running the subclass's `_run`, which keeps answers in .answers until
    `_stop` is set: start() it, stop() it."""

    def __init__(self, thread_name):
        self.answers = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=thread_name, daemon=True)

    def _run(self):
        raise NotImplementedError

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=30)


class Sender(AnswerLoop):
    """Posts bookings numbered from `first` to a served app, in a thread, until stopped or
    `count` are sent; `pause` seconds between requests. Every Answer is kept in .answers."""

    def __init__(self, base_url, count=None, first=0, pause=0.0, timeout=10):
        super().__init__("drill-sender")
        self.url = f"{base_url}/hooks/foxoms/bookingCreated"
        self.count, self.first, self.pause, self.timeout = count, first, pause, timeout

    def _run(self):
        session = requests.Session()
        number = self.first
        while not self._stop.is_set() and (self.count is None or number < self.first + self.count):
            sent = time.time()
            try:
                response = session.post(self.url, json=booking(number), timeout=self.timeout,
                                        headers={"X-Hook-Token": HOOK_TOKEN})
                status = response.status_code
                event_id = response.json().get("event_id") if status == 202 else None
            except requests.RequestException:
                status, event_id = 0, None
            self.answers.append(Answer(number, sent, time.time(), status, event_id))
            number += 1
            if self.pause:
                time.sleep(self.pause)

    def join(self, timeout):
        self._thread.join(timeout=timeout)
        assert not self._thread.is_alive(), "the sender did not finish"

    def accepted(self):
        return [answer for answer in self.answers if answer.status == 202]


def arrivals_by_number(receiver):
    """booking id -> the receiver's requests carrying it (every attempt that reached it)."""
    found = {}
    for request in list(receiver.requests):
        if isinstance(request.json, dict) and "id" in request.json:
            found.setdefault(request.json["id"], []).append(request)
    return found


def delivered_numbers(receiver):
    """The booking ids the receiver answered 2xx at least once."""
    return {number for number, reqs in arrivals_by_number(receiver).items()
            if any(r.answered is not None and 200 <= r.answered < 300 for r in reqs)}


def twice_or_more(receiver):
    """booking id -> how many 2xx arrivals, for the ids that arrived 2xx more than once."""
    counts = Counter(r.json["id"] for reqs in arrivals_by_number(receiver).values() for r in reqs
                     if r.answered is not None and 200 <= r.answered < 300)
    return {number: count for number, count in counts.items() if count > 1}
