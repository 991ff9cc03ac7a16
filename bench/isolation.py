"""bench/isolation: with N FoxOMS deliveries waiting for FoxOMS's 1 request/second, how long
a delivery to another vendor (Fiwit: no limit, instant answers) takes from its event to its
arrival at the vendor, against the same deliveries with nothing waiting (same run).

    .venv/bin/python -m bench.isolation [--foxoms 1000] [--others 50] [--pause 0.1] [--pool P --concurrency N]

One gunicorn (2 sync workers) and one `celery -A tasks.worker worker` with the Procfile's
pool and concurrency (unless --pool / --concurrency say otherwise), FOXOMS_RATE_LIMIT
1/second, the FoxOMS simulator enforcing 1 request/second (429 past it):

1. baseline: --others contactCreated events, one every --pause s, each routed to
   fiwit.create_ticket; latency = arrival at the Fiwit simulator - the moment its POST
   was sent.
2. --foxoms bookingCreated events (foxoms.create) are POSTed; the bench waits until the
   queue is empty and every one of them is parked or delivered ("waiting").
3. the same as 1 with new events, while the FoxOMS backlog waits.

Target (docs/routes.md "Isolation and concurrency"): p99 of step 3 <= 2 s; FoxOMS answers no
429 throughout.
"""
import argparse
import json
import os
import tempfile
import time

import requests

from bench.common import (TOKEN, booking_to_foxoms, celery_workers, foxoms_routes, gunicorn, machine, post_events,
                          procfile_worker_pool, queue_drained, quiet_simulators, redis_for_bench, wait_until,
                          write_routes)
from handlers.delivery.parking import lane_key
from handlers.delivery.ratelimit import vendor_lane
from handlers.redis_client import client_from_url
from handlers.sandbox.fiwit import DEFAULT_KEY as FIWIT_KEY, FiwitSimulator
from handlers.sandbox.foxoms import DEFAULT_TOKEN as FOXOMS_TOKEN, FoxOMSSimulator

TARGET_P99_SECONDS = 2.0
ROUTES = foxoms_routes(['bookingCreated', 'contactCreated'], "routes:\n" + booking_to_foxoms() + """
  - id: contact-to-fiwit
    source: foxoms
    events: [contactCreated]
    actions:
      - id: ticket
        call: fiwit.create_ticket
        args:
          fields:
            name: "{{ payload.name }}"
""")


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def others(base, fiwit, tag, count, pause):
    """POST `count` contactCreated events one by one; seconds from each POST to its arrival."""
    session = requests.Session()
    sent = {}
    for number in range(count):
        name = f"{tag} {number}"
        body = json.dumps({"data": {"id": number, "name": name}})
        sent[name] = time.time()
        answer = session.post(f"{base}/hooks/foxoms/contactCreated", data=body, timeout=10,
                              headers={"Content-Type": "application/json", "X-Hook-Token": TOKEN})
        if answer.status_code != 202:
            raise SystemExit(f"contactCreated answered {answer.status_code}: {answer.text[:200]}")
        time.sleep(pause)
    arrivals = lambda: {c.json["fields"]["name"] if "fields" in (c.json or {}) else (c.json or {}).get("name"): c.arrived
                        for c in list(fiwit.requests) if c.json}
    wait_until(lambda: all(name in arrivals() for name in sent), timeout=120, interval=0.02,
               message=f"{count} Fiwit deliveries ({tag})")
    found = arrivals()
    return [found[name] - sent[name] for name in sent]


def line(name, latencies):
    return (f"{name:28s} p50 {percentile(latencies, 0.5) * 1000:7.1f} ms  p99 {percentile(latencies, 0.99) * 1000:7.1f} ms  "
            f"max {max(latencies) * 1000:7.1f} ms  (n={len(latencies)})")


def main():
    pool, concurrency = procfile_worker_pool()
    parser = argparse.ArgumentParser()
    parser.add_argument("--foxoms", type=int, default=1000, help="FoxOMS deliveries waiting")
    parser.add_argument("--others", type=int, default=50, help="Fiwit deliveries measured")
    parser.add_argument("--pause", type=float, default=0.1, help="seconds between two Fiwit events")
    parser.add_argument("--pool", default=pool)
    parser.add_argument("--concurrency", type=int, default=concurrency)
    options = parser.parse_args()
    quiet_simulators()
    with redis_for_bench() as redis_url, FoxOMSSimulator(rate_limit=(1, 1.0)) as foxoms, FiwitSimulator() as fiwit, \
            tempfile.TemporaryDirectory(prefix="bench-metrics-") as metrics_dir:
        routes = write_routes(ROUTES)
        env = dict(os.environ, REDIS_URL=redis_url, ROUTES_FILE=routes, PROMETHEUS_MULTIPROC_DIR=metrics_dir,
                   FOXOMS_BASE_URL=foxoms.url, FOXOMS_API_TOKEN=FOXOMS_TOKEN, FOXOMS_RATE_LIMIT="1/second",
                   FIWIT_BASE_URL=fiwit.url, FIWIT_API_KEY=FIWIT_KEY)
        redis_client = client_from_url(redis_url)
        try:
            with gunicorn("app:create_app()", env, workers=2) as base, \
                    celery_workers(env, concurrency=options.concurrency, pool=options.pool):
                others(base, fiwit, "warm-up", 5, options.pause)
                baseline = others(base, fiwit, "baseline", options.others, options.pause)
                started = time.monotonic()
                bodies = [json.dumps({"data": {"id": n, "name": f"booking {n}"}}) for n in range(options.foxoms)]
                post_events(f"{base}/hooks/foxoms/bookingCreated", TOKEN, bodies)
                lane = lane_key(vendor_lane("foxoms"))
                wait_until(lambda: queue_drained(redis_client) and
                           redis_client.zcard(lane) + len(foxoms.requests) >= options.foxoms,
                           timeout=600, interval=0.05, message="the FoxOMS deliveries to wait")
                parked_in = time.monotonic() - started
                waiting_before = redis_client.zcard(lane)
                loaded = others(base, fiwit, "behind-foxoms", options.others, options.pause)
                waiting_after = redis_client.zcard(lane)
                refused = sum(1 for call in foxoms.requests if call.answered == 429)
                foxoms_calls = len(foxoms.requests)
        finally:
            os.unlink(routes)
    print(f"machine: {machine()}; celery --pool {options.pool} --concurrency {options.concurrency}; gunicorn 2 x sync; "
          f"{options.foxoms} FoxOMS deliveries at 1/second; {options.others} Fiwit events, one every {options.pause} s")
    print(f"FoxOMS: {options.foxoms} events posted and waiting after {parked_in:.1f} s; {waiting_before} parked when the "
          f"measured Fiwit events began, {waiting_after} when they had all arrived; {foxoms_calls} FoxOMS calls, "
          f"{refused} answered 429 (target 0) {'OK' if refused == 0 else 'MISSED'}")
    print(line("fiwit, nothing waiting", baseline))
    print(line(f"fiwit, {options.foxoms} FoxOMS waiting", loaded))
    p99 = percentile(loaded, 0.99)
    print(f"p99 event -> Fiwit arrival with {options.foxoms} FoxOMS waiting: {p99:.2f} s (target <= {TARGET_P99_SECONDS} s) "
          f"{'OK' if p99 <= TARGET_P99_SECONDS else 'MISSED'}; ratio to nothing waiting: "
          f"{p99 / percentile(baseline, 0.99):.2f}")


if __name__ == "__main__":
    main()
