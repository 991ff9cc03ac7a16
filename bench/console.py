"""bench/console: server time of the console's pages with 100 000 stored events.

Events are written straight into Redis with pipelines (handlers.store.events.event_record,
the time index, the record-id index, one delivery each, and the per-minute counters the
overview reads), spread over the last 24 hours; one in 10 000 has the rare status
`partially_failed`. Pages are then fetched in process with Flask's test client (logged in),
each N times in turn, and the median is printed with its ratio to the login page (a trivial template
render) measured in the same run; GET /healthz is printed too. Usage: python -m bench.console [--events 100000] [--runs 15]
"""
import argparse
import os
import statistics
import sys
import tempfile
import time

from bench.common import foxoms_routes, machine, redis_for_bench

from app import create_app  # noqa: E402  (bench.common puts the repo on sys.path)
from handlers.redis_client import client_from_url
from handlers.store.deliveries import delivery_key, delivery_record
from handlers.store.entities import entity_key, index_entity
from handlers.store.events import EVENTS_INDEX, deliveries_key, event_key, event_record
from handlers.store.stats import count_delivery, count_event_status

RARE_EVERY = 10_000
TARGET_MS = 200
BATCH = 2_000


def fill(redis_client, count, now_ts):
    """Store `count` events over the last 24 h; returns (a record id to search, the rare status)."""
    step = 86_400 / count
    for start in range(0, count, BATCH):
        pipe = redis_client.pipeline(transaction=False)
        for number in range(start, min(start + BATCH, count)):
            received = now_ts - 86_400 + number * step
            event_id = f"evt_{int(received * 1000):012x}{number:012x}"
            record = event_record(event_id, "foxoms", "bookingCreated", {"id": number, "name": f"Booking {number}"},
                                  {"Content-Type": "application/json"}, received)
            record["status"] = "partially_failed" if number % RARE_EVERY == RARE_EVERY // 2 else "completed"
            pipe.hset(event_key(event_id), mapping=record)
            pipe.zadd(EVENTS_INDEX, {event_id: received})
            index_entity(pipe, f"booking:{number}", event_id, received)
            delivery = delivery_record(event_id, "to-fiwit", "ticket", "fiwit.create_ticket", {"fields": {}}, "succeeded")
            pipe.hset(delivery_key(delivery["id"]), mapping=delivery)
            pipe.sadd(deliveries_key(event_id), delivery["id"])
            for status in ("routed", record["status"]):
                count_event_status(pipe, status, received)
            count_delivery(pipe, "fiwit", "succeeded", received)
        pipe.execute()
    return f"booking:{count // 2 + 1}", "partially_failed"


def first_event_id(redis_client, entity):
    return redis_client.zrange(entity_key(entity), 0, 0)[0]


def median_ms(client, path, runs):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code, response.data[:300])
    return statistics.median(times), len(response.data)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    options = parser.parse_args(argv)
    with redis_for_bench() as redis_url, tempfile.TemporaryDirectory() as folder:
        routes = os.path.join(folder, "routes.yaml")
        with open(routes, "w") as handle:
            handle.write(foxoms_routes(["bookingCreated"]))
        app = create_app({"TESTING": True, "REDIS_URL": redis_url, "ROUTES_FILE": routes,
                          "ADMIN_TOKEN": "bench-admin", "SECRET_KEY": "bench-secret"})
        redis_client = client_from_url(redis_url)
        redis_client.flushdb()
        started = time.perf_counter()
        entity, rare = fill(redis_client, options.events, time.time())
        print(f"stored {options.events} events in {time.perf_counter() - started:.1f} s; {machine()}")
        client = app.test_client()
        from tests.console_helpers import login

        assert login(client, "bench-admin").status_code == 302
        pages = [("events, unfiltered", "/console/events"),
                 (f"events, status={rare} (1 in {RARE_EVERY})", f"/console/events?status={rare}"),
                 (f"events, record id {entity}", f"/console/events?entity={entity}"),
                 ("overview (24 h charts + live numbers)", "/console/"),
                 ("one event", f"/console/events/{first_event_id(redis_client, entity)}"),
                 ("dead letters (none)", "/console/dead-letters"),
                 ("routes", "/console/routes"),
                 ("vendors", "/console/vendors")]
        for _, path in pages:  # warm up templates and connections
            client.get(path)
        healthz, _ = median_ms(client, "/healthz", options.runs)
        baseline, _ = median_ms(client, "/console/login", options.runs)
        css = client.get("/console/static/console.css").data
        print(f"baselines: GET /healthz median {healthz:.2f} ms; GET /console/login (a trivial template) "
              f"median {baseline:.2f} ms; {options.runs} runs each; stylesheet {len(css)} bytes, no script")
        missed = 0
        for name, path in pages:
            ms, size = median_ms(client, path, options.runs)
            verdict = "met" if ms < TARGET_MS else "MISSED"
            missed += ms >= TARGET_MS
            print(f"{name:48s} median {ms:7.1f} ms  ratio {ms / baseline:6.1f} x login page  "
                  f"{size:6d} bytes  target < {TARGET_MS} ms: {verdict}")
        return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
