"""bench/ingest_profile: where an accepted webhook's CPU goes, without gunicorn or wrk.

    .venv/bin/python -m bench.ingest_profile [--requests 3000] [--cprofile]

The three apps of bench/ingest are called as WSGI apps in this process, on the same
Redis (embedded unless REDIS_URL is set), with the same unique bodies. Printed:

- CPU per request (time.process_time, best of 3) of the bare app, the XADD reference
  and the service, and the service's extra over the bare app;
- the service's steps timed alone (timeit, best of 3): JSON parse, schema, header
  filter, dedupe key, event record, Celery message, and store_event (one Redis round
  trip) as wall time, next to an XADD of the body, and the time Redis itself spends
  on each (INFO commandstats);
- with --cprofile, the 25 functions with the most own time over the service's requests.
"""
import argparse
import cProfile
import io
import json
import logging
import os
import pstats
import sys
import tempfile
import time
import timeit

from bench.common import machine, redis_for_bench
from bench.ingest import BODY, ROUTES, TOKEN

PATH = "/hooks/foxoms/bookingCreated"


class Requests:
    """WSGI environs of unique bookingCreated POSTs."""

    def __init__(self):
        self.template = json.dumps({"data": BODY})
        self.count = 0

    def environ(self):
        self.count += 1
        body = self.template.replace("__UNIQUE__", str(self.count)).encode()
        return {
            "REQUEST_METHOD": "POST", "PATH_INFO": PATH, "QUERY_STRING": "", "SERVER_NAME": "bench",
            "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
            "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)), "HTTP_X_HOOK_TOKEN": TOKEN,
            "HTTP_HOST": "127.0.0.1", "HTTP_USER_AGENT": "bench", "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
        }


def start_response(status, headers, exc_info=None):
    if not status.startswith("202"):
        raise SystemExit(f"answered {status}")


def run(app, requests, count):
    for _ in range(count):
        for _chunk in app(requests.environ(), start_response):
            pass


def cpu_per_request(app, requests, count):
    run(app, requests, min(count, 300))  # warm: connections, templates, caches
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        run(app, requests, count)
        best = min(best, (time.process_time() - started) / count)
    return best * 1000


def step_timings(app):
    """Microseconds of each step of the service's request path, timed alone."""
    from werkzeug.datastructures import EnvironHeaders

    from handlers.inbound.headers import dedupe_key, safe_headers
    from handlers.store.events import event_record, new_event_id
    from handlers.task_names import ROUTE_EVENT
    from schemas.foxoms import schema_for_event

    inbound_store, redis_client = app.extensions["inbound_store"], app.extensions["redis"]
    raw = json.dumps({"data": BODY}).encode()
    record = BODY
    schema = schema_for_event("bookingCreated")
    headers = EnvironHeaders(Requests().environ())
    received = time.time()
    counter = [0]

    def store():
        counter[0] += 1
        event = dict(event_id=new_event_id(), source="foxoms", name="bookingCreated", payload=record,
                     headers={"Host": "127.0.0.1"}, received_ts=received)
        inbound_store.store_event(event, f"hooks:bench:dedupe:{counter[0]}")

    steps = {
        "json parse": lambda: json.loads(raw.decode()),
        "schema load (marshmallow)": lambda: schema.load(record),
        "header filter": lambda: safe_headers(headers),
        "dedupe key": lambda: dedupe_key("foxoms", "bookingCreated", raw, headers),
        "event record": lambda: event_record("evt_x", "foxoms", "bookingCreated", record, {"Host": "x"}, received, "k"),
        "celery message": lambda: inbound_store.messages.message(ROUTE_EVENT, ["evt_x"]),
        "store_event (wall: Redis runs the script)": store,
        "XADD of the body (reference, wall)": lambda: redis_client.xadd(
            "hooks:bench:reference", {"body": raw}, maxlen=1000, approximate=True),
    }
    timings = {}
    for name, step in steps.items():
        step()
        timings[name] = min(timeit.repeat(step, number=2000, repeat=3)) / 2000 * 1e6
    redis_client.config_resetstat()
    started = time.process_time()
    for _ in range(2000):
        store()
        redis_client.xadd("hooks:bench:reference", {"body": raw}, maxlen=1000, approximate=True)
    timings["store_event + XADD (CPU of this process)"] = (time.process_time() - started) / 2000 * 1e6
    stats = redis_client.info("commandstats")
    for command in ("evalsha", "xadd"):
        timings[f"Redis's own time per {command.upper()}"] = float(stats.get(f"cmdstat_{command}", {}).get("usec_per_call", 0))
    redis_client.delete("celery", "hooks:bench:reference")
    return timings


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--cprofile", action="store_true")
    options = parser.parse_args()
    with redis_for_bench() as redis_url, tempfile.NamedTemporaryFile("w", suffix=".yaml") as routes:
        routes.write(ROUTES)
        routes.flush()
        os.environ.update(REDIS_URL=redis_url, ROUTES_FILE=routes.name)
        logging.disable(logging.INFO)
        from app import create_app
        from bench.bare_app import create_bare_app
        from bench.reference_app import create_reference_app

        apps = {"bare": create_bare_app(), "xadd-ref": create_reference_app(), "service": create_app()}
        requests = Requests()
        cpu = {name: cpu_per_request(app, requests, options.requests) for name, app in apps.items()}
        steps = step_timings(apps["service"])
        profile = None
        if options.cprofile:
            profile = cProfile.Profile()
            profile.enable()
            run(apps["service"], requests, options.requests)
            profile.disable()
    print(f"machine: {machine()}; {options.requests} requests per app, in process (no gunicorn, no wrk)")
    for name, value in cpu.items():
        print(f"{name:9s} {value:.3f} ms CPU per request")
    print(f"service extra over bare: {cpu['service'] - cpu['bare']:.3f} ms; xadd-ref extra: {cpu['xadd-ref'] - cpu['bare']:.3f} ms")
    print("service steps, timed alone:")
    for name, micros in steps.items():
        print(f"  {name:42s} {micros:7.1f} us")
    if profile is not None:
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
