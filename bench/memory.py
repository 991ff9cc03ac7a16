"""bench/memory: peak RSS of a web worker and of a Celery worker after 10 000 events,
against the bare Flask app and a bare Celery worker that did the same number of requests
and tasks.

    .venv/bin/python -m bench.memory [--events 10000] [--concurrency 2]

- service: gunicorn `app:create_app()` (2 x sync) takes N unique bookingCreated events;
  `celery -A tasks.worker worker` (prefork) routes each and delivers one fiwit.create_ticket
  to the Fiwit simulator; measured once all N calls have arrived.
- baseline: gunicorn `bench.bare_app` takes the same N bodies; `celery -A bench.bare_celery
  worker` (the same Celery settings, one no-op task) drains N no-op tasks.

Peak RSS is VmHWM from /proc: the largest web worker; for Celery the consumer (the parent
process, which holds the connection and the prefetched messages) and the largest pool
process (which runs the tasks). The issue sets no target: the ratios are reported.

Growth: the service's resident memory (VmRSS) after the first 10 % of the events and
after all of them, for the same three processes: a leak per event would show here.
"""
import argparse
import os
import time

from bench.common import (bench_celery, celery_workers, children, fiwit_service, gunicorn_server, machine, peak_rss_mib,
                          rss_mib, post_events, queue_drained, quiet_simulators, wait_until)
from bench.pipeline import ROUTES, TOKEN, booking
from handlers.task_names import PROBE_NOOP


def web_peak(master):
    return max(peak_rss_mib(pid) for pid in children(master.pid))


def resident(master, worker):
    """VmRSS now: the largest web worker, the Celery consumer, the largest pool process."""
    return (max(rss_mib(pid) for pid in children(master.pid)), rss_mib(worker.pid),
            max(rss_mib(pid) for pid in children(worker.pid)))


def deliver_all(base, simulator, redis_client, bodies, expected):
    post_events(base + "/hooks/foxoms/bookingCreated", TOKEN, bodies)
    wait_until(lambda: len(simulator.requests) >= expected, timeout=1800, interval=0.2,
               message=f"{expected} calls at the simulator")
    wait_until(lambda: queue_drained(redis_client), timeout=120, interval=0.05, message="the queue to drain")


def celery_peaks(worker):
    return peak_rss_mib(worker.pid), max(peak_rss_mib(pid) for pid in children(worker.pid))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10000)
    parser.add_argument("--concurrency", type=int, default=os.cpu_count())
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (production: 2)")
    options = parser.parse_args()
    quiet_simulators()
    count = options.events
    bodies = [booking("memory", number) for number in range(count)]
    figures = {}
    with fiwit_service(ROUTES) as (redis_url, simulator, env, redis_client):
        started = time.monotonic()
        with gunicorn_server("app:create_app()", env, options.workers) as (base, master), \
                celery_workers(env, concurrency=options.concurrency) as (worker,):
            tenth = count // 10
            deliver_all(base, simulator, redis_client, bodies[:tenth], tenth)
            early = resident(master, worker)
            deliver_all(base, simulator, redis_client, bodies[tenth:], count)
            late = resident(master, worker)
            figures["service"] = (web_peak(master), *celery_peaks(worker))
        service_seconds = time.monotonic() - started
        with gunicorn_server("bench.bare_app:create_bare_app()", env, options.workers) as (base, master), \
                celery_workers(env, concurrency=options.concurrency, app="bench.bare_celery") as (worker,):
            post_events(base + "/hooks/foxoms/bookingCreated", TOKEN, bodies)
            client = bench_celery(redis_url)
            for _ in range(count):
                client.send_task(PROBE_NOOP)
            client.close()
            wait_until(lambda: queue_drained(redis_client), timeout=600, interval=0.05, message="no-op tasks to drain")
            figures["bare"] = (web_peak(master), *celery_peaks(worker))
    print(f"machine: {machine()}; gunicorn {options.workers} x sync; celery prefork --concurrency {options.concurrency}; "
          f"{count} events (service run {service_seconds:.0f} s)")
    for index, name in enumerate(("web worker", "celery consumer (parent)", "celery pool process")):
        service, bare = figures["service"][index], figures["bare"][index]
        print(f"peak RSS {name}: {service:.1f} MiB vs baseline {bare:.1f} MiB -> ratio {service / bare:.2f} "
              f"(no target in the issue)")
    for index, name in enumerate(("web worker", "celery consumer (parent)", "celery pool process")):
        print(f"resident {name} after {count // 10} events {early[index]:.1f} MiB, after {count}: {late[index]:.1f} MiB "
              f"-> growth {late[index] / early[index]:.2f}x")


if __name__ == "__main__":
    main()
