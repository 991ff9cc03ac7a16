"""bench/pipeline: events per second from the POST until the vendor simulator receives the
call (one route, one action), against the same number of no-op Celery tasks drained by
the same worker processes.

    .venv/bin/python -m bench.pipeline [--events 1000] [--concurrency 2] [--workers 2] [--rounds 2]

One gunicorn (the service, production worker settings) and one `celery -A tasks.worker
worker` (prefork, --concurrency as in production: one per core) serve both measurements in
every round, so the worker settings are the same by construction:

- baseline: the bench sends N `probe.noop` tasks (Celery's own send_task) and waits until
  the queue is empty and nothing is unacknowledged; rate = N / (drained - first send).
- pipeline: the bench POSTs N unique bookingCreated events (4 keep-alive clients) to
  /hooks/foxoms/bookingCreated; each is stored, routed by `routing.route_event`, and
  delivered by `delivery.deliver` to the Fiwit simulator (one route, one action:
  fiwit.create_ticket); rate = N / (last arrival at the simulator - first POST).

Target: ratio >= 0.5. Every event must arrive exactly once with a 2xx answer.

Where the time goes: the CPU each group of processes spent per event (web workers, the
Celery consumer, its pool processes, Redis, this process with the simulator and the
HTTP clients), for the last round of each measurement.
"""
import argparse
import json
import os
import statistics
import time
from collections import Counter

from bench.common import (TOKEN, CpuMeter, bench_celery, celery_workers, children, fiwit_service, foxoms_routes,
                          gunicorn_server, machine, post_events, queue_drained, quiet_simulators, ratio_line, wait_until)
from handlers.task_names import PROBE_NOOP

ROUTES = foxoms_routes(['bookingCreated'], """
routes:
  - id: booking-to-fiwit
    source: foxoms
    events: [bookingCreated]
    actions:
      - id: ticket
        call: fiwit.create_ticket
        args:
          fields:
            name: "Booking {{ payload.name }}"
            priority: medium
""")


def booking(tag, number):
    return json.dumps({"data": {"id": number, "name": f"Bench {tag} {number}", "start": 1547501100,
                                "status": [{"id": 2, "name": "Confirmed"}]}})


def drain_noops(redis_url, redis_client, count):
    client = bench_celery(redis_url)
    started = time.monotonic()
    for _ in range(count):
        client.send_task(PROBE_NOOP)
    wait_until(lambda: queue_drained(redis_client), timeout=600, interval=0.005, message="no-op tasks to drain")
    elapsed = time.monotonic() - started
    client.close()
    return count / elapsed


def run_events(base, simulator, tag, count):
    simulator.reset()
    bodies = [booking(tag, number) for number in range(count)]
    started = time.time()
    post_events(base + "/hooks/foxoms/bookingCreated", TOKEN, bodies)
    wait_until(lambda: len(simulator.requests) >= count, timeout=600, interval=0.02,
               message=f"{count} calls at the simulator")
    time.sleep(0.5)  # anything sent twice would show up now
    calls = list(simulator.requests)
    names = Counter(call.json["name"] for call in calls if call.json)
    bad = [call.answered for call in calls if not (call.answered and 200 <= call.answered < 300)]
    if len(calls) != count or len(names) != count or bad:
        raise SystemExit(f"pipeline: {len(calls)} calls for {count} events, {len(names)} distinct, answers {bad[:5]}")
    last = max(call.arrived for call in calls)
    return count / (last - started)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=os.cpu_count())
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (production: 2)")
    parser.add_argument("--rounds", type=int, default=2)
    options = parser.parse_args()
    quiet_simulators()
    results = {"noop": [], "pipeline": []}
    cpu = {}
    with fiwit_service(ROUTES) as (redis_url, simulator, env, redis_client):
        with gunicorn_server("app:create_app()", env, options.workers) as (base, master), \
                celery_workers(env, concurrency=options.concurrency) as (worker,):
            meter = CpuMeter({"web": lambda: children(master.pid), "celery consumer": lambda: [worker.pid],
                              "celery pool": lambda: children(worker.pid)}, redis_client)
            run_events(base, simulator, "warm-up", 20)
            for number in range(options.rounds):
                meter.start()
                results["noop"].append(drain_noops(redis_url, redis_client, options.events))
                cpu["noop"] = meter.stop()
                meter.start()
                results["pipeline"].append(run_events(base, simulator, f"r{number}", options.events))
                cpu["pipeline"] = meter.stop()
    print(f"machine: {machine()}; celery prefork --concurrency {options.concurrency}; gunicorn {options.workers} x sync; "
          f"{options.events} events x {options.rounds} rounds")
    for name, rates in results.items():
        print(f"{name:9s} {statistics.median(rates):8.1f} /s  (rounds: {', '.join(f'{rate:.1f}' for rate in rates)})")
    for name, spent in cpu.items():
        parts = ", ".join(f"{group} {seconds / options.events * 1000:.2f}" for group, seconds in spent.items())
        print(f"{name:9s} ms of CPU per event: {parts}; total {sum(spent.values()) / options.events * 1000:.2f}")
    print(ratio_line("pipeline events/s", statistics.median(results["pipeline"]), statistics.median(results["noop"]), 0.5))


if __name__ == "__main__":
    main()
