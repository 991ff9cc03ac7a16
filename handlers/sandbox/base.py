"""A vendor simulator: a real HTTP server on loopback, in a background thread.

Each vendor subclass answers like its documents say (auth check, limits, shapes). The
base class records every request and lets a test switch faults on:

    sim.fail_next(status=503, times=2)      # 5xx (or any status) instead of the real answer
    sim.rate_limit_next(retry_after=3)      # 429 with Retry-After
    sim.slow(2.0)                           # every answer waits 2 s (sim.slow(0) to stop)
    sim.malformed_next(kind="html")         # 200 with HTML / "" / truncated JSON

Faults act like a proxy in front of the vendor: they apply before the auth check.
`recorder(vendor, record)`, when given, is called with every answered request (the
sandbox under `make run` writes them to Redis: handlers/sandbox/calls.py).
"""
import argparse
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import Headers
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

MALFORMED_BODIES = {
    "html": ("text/html", b"<html><body><h1>502 Bad Gateway</h1></body></html>"),
    "empty": ("application/json", b""),
    "truncated": ("application/json", b'{"data": [{"id": 1, "name": "cut off'),
    "not_json": ("application/json", b"this is not json"),
}


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict                 # first value of each query parameter
    query_string: str
    headers: Headers            # case-insensitive: .get("authorization")
    body: bytes
    json: Any = None            # the parsed body, or None when it is not JSON
    answered: int | None = None  # the status the simulator answered with
    arrived: float = field(default_factory=time.time)  # when the request came in (epoch seconds)

    def header(self, name, default=None):
        return self.headers.get(name, default)


@dataclass
class _Fault:
    status: int
    times: int
    body: Any = None
    headers: dict = field(default_factory=dict)
    content_type: str = "application/json"


class RateWindow:
    """At most `limit` accepted requests in any `period_seconds` (a sliding window)."""

    def __init__(self, limit, period_seconds):
        self.limit = limit
        self.period_seconds = period_seconds
        self.accepted = deque()

    def allow(self):
        now = time.monotonic()
        while self.accepted and now - self.accepted[0] >= self.period_seconds:
            self.accepted.popleft()
        if len(self.accepted) >= self.limit:
            return False
        self.accepted.append(now)
        return True


def json_response(payload, status=200, headers=None, content_type="application/json"):
    body = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
    return Response(body, status=status, headers=headers or {}, content_type=content_type)


class Simulator:
    """Subclasses set `vendor` and `path_prefix` and implement `authenticate` and `dispatch`."""

    vendor = "vendor"
    path_prefix = ""  # e.g. "/v1": part of .url, stripped before dispatch

    def __init__(self, host="127.0.0.1", port=0, rate_limit=None):
        self.recorder = None  # callable(vendor, RecordedRequest), called after each answer
        self.host = host
        self.requested_port = port
        self.requests: list[RecordedRequest] = []
        self._lock = threading.RLock()
        self._faults: deque[_Fault] = deque()
        self._slow_seconds = 0.0
        self._server = None
        self._thread = None
        self.set_rate_limit(rate_limit)

    # lifecycle -------------------------------------------------------------
    def start(self):
        self._server = make_server(self.host, self.requested_port, self._wsgi, threaded=True)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"{self.vendor}-simulator", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def port(self):
        return self._server.server_port

    @property
    def origin(self):
        return f"http://{self.host}:{self.port}"

    @property
    def url(self):
        """The base URL a client is configured with (the vendor's documented base)."""
        return self.origin + self.path_prefix

    # fault switches ----------------------------------------------------------
    def fail_next(self, status=503, times=1, body=None, headers=None):
        with self._lock:
            self._faults.append(_Fault(status, times, body if body is not None else self.error_body(status, "simulated failure"), headers or {}))

    def rate_limit_next(self, retry_after=3, times=1):
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        with self._lock:
            self._faults.append(_Fault(429, times, self.error_body(429, "Too Many Requests"), headers))

    def malformed_next(self, kind="html", times=1):
        content_type, body = MALFORMED_BODIES[kind]
        with self._lock:
            self._faults.append(_Fault(200, times, body, {}, content_type))

    def slow(self, seconds):
        self._slow_seconds = float(seconds)

    def set_rate_limit(self, rate_limit):
        """(limit, period_seconds), or None for no limit."""
        self._rate_window = RateWindow(*rate_limit) if rate_limit else None

    def reset(self):
        with self._lock:
            self._faults.clear()
            self.requests.clear()
        self._slow_seconds = 0.0

    # what tests read ---------------------------------------------------------
    @property
    def last(self):
        return self.requests[-1]

    def requests_to(self, method, path):
        return [r for r in self.requests if r.method == method and r.path == path]

    # subclass hooks ----------------------------------------------------------
    def error_body(self, status, message):
        return {"error": message}

    def authenticate(self, request):
        """None when the credential is good, else the Response to send."""
        return None

    def check_request(self, request):
        """Other protocol checks before the rate limit (Accept, Content-Type); None = fine."""
        return None

    def rate_limited(self, request):
        return json_response(self.error_body(429, "Too Many Requests"), status=429)

    def dispatch(self, request, path, body):
        raise NotImplementedError

    # the WSGI app ------------------------------------------------------------
    def _wsgi(self, environ, start_response):
        request = Request(environ)
        raw = request.get_data()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        record = RecordedRequest(
            method=request.method,
            path=request.path,
            query=request.args.to_dict(),
            query_string=request.query_string.decode("latin-1"),
            headers=Headers(request.headers),
            body=raw,
            json=parsed,
        )
        with self._lock:
            self.requests.append(record)
        response = self._answer(request, record)
        record.answered = response.status_code
        if self.recorder is not None:
            self.recorder(self.vendor, record)
        return response(environ, start_response)

    def _next_fault(self):
        with self._lock:
            if not self._faults:
                return None
            fault = self._faults[0]
            fault.times -= 1
            if fault.times <= 0:
                self._faults.popleft()
            return fault

    def _answer(self, request, record):
        if self._slow_seconds:
            time.sleep(self._slow_seconds)
        fault = self._next_fault()
        if fault is not None:
            return json_response(fault.body, status=fault.status, headers=fault.headers, content_type=fault.content_type)
        for check in (self.authenticate, self.check_request):
            refusal = check(request)
            if refusal is not None:
                return refusal
        if self._rate_window is not None and not self._rate_window.allow():
            return self.rate_limited(request)
        path = request.path
        if self.path_prefix:
            if not path.startswith(self.path_prefix + "/") and path != self.path_prefix:
                return json_response(self.error_body(404, "Not Found"), status=404)
            path = path[len(self.path_prefix):] or "/"
        return self.dispatch(request, path, record.json)


def parse_rate(text):
    """'1/second', '3000/5 minutes', 'none' -> (limit, period_seconds) or None."""
    if not text or text.lower() == "none":
        return None
    count, _, per = text.partition("/")
    parts = per.split()
    amount = float(parts[0]) if len(parts) == 2 else 1.0
    unit = parts[-1].rstrip("s")
    seconds = {"second": 1, "minute": 60, "hour": 3600}[unit]
    return int(count), amount * seconds


def serve_main(simulator_class, argv=None, **defaults):
    """`python -m handlers.sandbox.<vendor> --port N`: run one simulator until Ctrl-C."""
    parser = argparse.ArgumentParser(description=f"{simulator_class.vendor} simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--credential", default=defaults.get("credential"), help="the key or token it accepts")
    parser.add_argument("--rate", default=defaults.get("rate"), help="e.g. 1/second, 3000/5 minutes, none")
    args = parser.parse_args(argv)
    sim = simulator_class(host=args.host, port=args.port, credential=args.credential, rate_limit=parse_rate(args.rate))
    sim.start()
    print(f"{simulator_class.vendor} simulator at {sim.url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
