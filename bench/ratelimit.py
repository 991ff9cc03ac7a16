"""bench/ratelimit: a vendor's rate limit holds across worker processes, and is used up.

    .venv/bin/python -m bench.ratelimit [--foxoms 60] [--itglue 150] [--itglue-limit "50/5 seconds"]

Four `celery -A tasks.worker worker --pool solo` processes share the deliveries (one
gunicorn takes the events in). Two runs, one after the other, same workers:

- FoxOMS: its simulator answers 429 above 1 request/second; FOXOMS_RATE_LIMIT=1/second;
  60 bookingCreated events, each one foxoms.create.
- IT Glue: 3000 requests per 5 minutes scaled down to 50 per 5 seconds (the same
  10/s mean, a burst of 50 allowed), simulator and ITGLUE_RATE_LIMIT alike; 150
  contactCreated events, each one itglue.create.

Targets: 0 answers 429, and the sustained rate >= 0.95 x the nominal rate. The window
allows a burst of `limit` calls at the start; the sustained rate is what follows it:
(calls - limit) / (time of the last call - time of call number `limit`). For 1/second
that is (60 - 1) / (last - first). For a moving window the calls after the first burst
are paced by it (slot i frees at t_i + window), so this counts each window once; the
plain (calls - limit) / (last - first) is printed too: it also counts how long the four
workers took to send the first burst (about 0.5 s for 50 calls), which is worker speed
(bench/pipeline), not the limiter. The IT Glue count must be a multiple of its limit
(whole windows: 150 = 3 x 50 takes two windows after the first burst).
"""
import argparse
import json
import os
import tempfile
import time

from bench.common import (TOKEN, booking_to_foxoms, foxoms_routes, celery_workers, gunicorn, machine, post_events,
                          quiet_simulators, ratio_line, redis_for_bench, wait_until, write_routes)
from handlers.sandbox.base import parse_rate
from handlers.sandbox.foxoms import DEFAULT_TOKEN as FOXOMS_TOKEN, FoxOMSSimulator
from handlers.sandbox.itglue import DEFAULT_KEY as ITGLUE_KEY, ITGlueSimulator

ROUTES = foxoms_routes(['bookingCreated', 'contactCreated'], "routes:\n" + booking_to_foxoms('Booking {{ payload.name }}') + """
  - id: contact-to-itglue
    source: foxoms
    events: [contactCreated]
    actions:
      - id: organization
        call: itglue.create
        args:
          type: organizations
          attributes:
            name: "{{ payload.name }}"
""")


def run(base, simulator, event, count, limit, period_seconds, timeout):
    """POST `count` events; wait for `count` accepted calls; return (calls, 429s, achieved/s)."""
    simulator.reset()
    bodies = [json.dumps({"data": {"id": number, "name": f"Bench {event} {number}"}}) for number in range(count)]
    post_events(f"{base}/hooks/foxoms/{event}", TOKEN, bodies, threads=2)
    accepted = lambda: [call for call in list(simulator.requests) if call.answered and 200 <= call.answered < 300]
    wait_until(lambda: len(accepted()) >= count, timeout=timeout, interval=0.05, message=f"{count} {event} calls")
    calls = list(simulator.requests)
    refused = sum(1 for call in calls if call.answered == 429)
    times = sorted(call.arrived for call in accepted())
    sustained = (len(times) - limit) / (times[-1] - times[limit - 1])
    plain = (len(times) - limit) / (times[-1] - times[0])
    gaps = sorted(b - a for a, b in zip(times[limit - 1:], times[limit:]))
    start = calls[0].arrived
    for number, call in enumerate(calls):
        if call.answered == 429:
            print(f"{event}: call {number} answered 429 at +{call.arrived - start:.3f} s; calls around it: "
                  f"{[(round(c.arrived - start, 3), c.answered) for c in calls[max(0, number - 3):number + 2]]}")
    print(f"{event}: gaps between accepted calls after the first burst: median {gaps[len(gaps) // 2]:.3f} s, "
          f"max {gaps[-1]:.3f} s, largest five {[round(g, 3) for g in gaps[-5:]]}", flush=True)
    return len(times), refused, sustained, plain, period_seconds and limit / period_seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--foxoms", type=int, default=60, help="FoxOMS deliveries")
    parser.add_argument("--itglue", type=int, default=150, help="IT Glue deliveries")
    parser.add_argument("--itglue-limit", default="50/5 seconds", help="IT Glue's 3000/5 minutes, scaled down")
    parser.add_argument("--processes", type=int, default=4, help="worker processes")
    parser.add_argument("--pool", default="solo", help="worker pool (the Procfile's: gevent)")
    parser.add_argument("--concurrency", type=int, default=1, help="per worker process (the Procfile's: 100)")
    options = parser.parse_args()
    quiet_simulators()
    itglue_limit, itglue_period = parse_rate(options.itglue_limit)
    if options.itglue % itglue_limit or options.itglue < 2 * itglue_limit:
        parser.error(f"--itglue must be a multiple of the limit ({itglue_limit}), at least two windows")
    if options.foxoms < 2:
        parser.error("--foxoms must be at least 2")
    lines = []
    with redis_for_bench() as redis_url, FoxOMSSimulator(rate_limit=(1, 1.0)) as foxoms, \
            ITGlueSimulator(rate_limit=(itglue_limit, itglue_period)) as itglue, \
            tempfile.TemporaryDirectory(prefix="bench-metrics-") as metrics_dir:
        routes = write_routes(ROUTES)
        env = dict(os.environ, REDIS_URL=redis_url, ROUTES_FILE=routes, PROMETHEUS_MULTIPROC_DIR=metrics_dir,
                   FOXOMS_BASE_URL=foxoms.url, FOXOMS_API_TOKEN=FOXOMS_TOKEN, FOXOMS_RATE_LIMIT="1/second",
                   ITGLUE_BASE_URL=itglue.url, ITGLUE_API_KEY=ITGLUE_KEY, ITGLUE_RATE_LIMIT=options.itglue_limit)
        try:
            with gunicorn("app:create_app()", env, workers=1) as base, \
                    celery_workers(env, count=options.processes, concurrency=options.concurrency, pool=options.pool):
                for name, simulator, event, count, limit, period in (
                    ("foxoms 1/second", foxoms, "bookingCreated", options.foxoms, 1, 1.0),
                    (f"itglue {options.itglue_limit}", itglue, "contactCreated", options.itglue, itglue_limit, itglue_period),
                ):
                    started = time.monotonic()
                    calls, refused, sustained, plain, nominal = run(base, simulator, event, count, limit, period,
                                                            timeout=60 + 3 * count * period / limit)
                    lines.append(f"{name}: {calls} calls in {time.monotonic() - started:.1f} s, {refused} answered 429 "
                                 f"(target 0) {'OK' if refused == 0 else 'MISSED'}")
                    lines.append(ratio_line(f"{name} sustained/s", sustained, nominal, 0.95))
                    lines.append(f"{name} plain (calls - limit) / (last - first): {plain:.2f}/s, "
                                 f"ratio {plain / nominal:.2f} (no target)")
        finally:
            os.unlink(routes)
    print(f"machine: {machine()}; {options.processes} worker processes (celery --pool {options.pool} "
          f"--concurrency {options.concurrency})")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
