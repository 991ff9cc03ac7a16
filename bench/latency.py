"""bench/latency: deliveries/s reaching a vendor that answers in 300 ms, against the no-op
task drain of the same worker.

    .venv/bin/python -m bench.latency [--events 1000] [--rounds 2] [--answer-ms 300] [--pool P --concurrency N]

One gunicorn (2 sync workers, as WEB_CONCURRENCY's default) and one `celery -A tasks.worker
worker` with the Procfile's pool and concurrency (read from the Procfile, unless --pool /
--concurrency say otherwise) serve both measurements in every round:

- baseline: N `probe.noop` tasks sent with Celery's send_task, drained by the worker;
  rate = N / (drained - first send).
- latency: N unique bookingCreated events POSTed (4 keep-alive clients); each is routed
  and delivered (fiwit.create_ticket) to the Fiwit simulator, which answers each call
  after --answer-ms; rate = N / (last arrival at the simulator - first POST).

Target: >= 100 deliveries/s (docs/routes.md "Isolation and concurrency"); the ratio to the no-op
drain is printed too. Every event must arrive exactly once with a 2xx answer. Redis
connections: connected_clients before the worker starts, after, and the peak under load.
"""
import argparse
import statistics
import time

from bench.common import (ClientsPeak, CpuMeter, celery_workers, children, connected_clients, fiwit_service,
                          gunicorn_server, machine, procfile_worker_pool, quiet_simulators)
from bench import pipeline
from bench.pipeline import ROUTES, drain_noops

TARGET_PER_SECOND = 100


def run_events(base, simulator, tag, count, answer_seconds):
    """bench.pipeline's run (POST, wait for every arrival, check once each), the vendor slow."""
    reset = simulator.reset
    simulator.reset = lambda: (reset(), simulator.slow(answer_seconds))
    try:
        return pipeline.run_events(base, simulator, tag, count)
    finally:
        simulator.reset = reset


def main():
    pool, concurrency = procfile_worker_pool()
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--answer-ms", type=int, default=300)
    parser.add_argument("--pool", default=pool)
    parser.add_argument("--concurrency", type=int, default=concurrency)
    options = parser.parse_args()
    quiet_simulators()
    results = {"noop": [], "latency": []}
    with fiwit_service(ROUTES) as (redis_url, simulator, env, redis_client):
        with gunicorn_server("app:create_app()", env, 2) as (base, master):
            before = connected_clients(redis_client)
            with celery_workers(env, concurrency=options.concurrency, pool=options.pool) as (worker,):
                meter = CpuMeter({"web": lambda: children(master.pid),
                                  "worker": lambda: [worker.pid] + children(worker.pid)}, redis_client)
                idle = connected_clients(redis_client)
                answer = options.answer_ms / 1000
                run_events(base, simulator, "warm-up", 50, answer)
                with ClientsPeak(redis_client, pid=worker.pid) as clients:
                    for number in range(options.rounds):
                        results["noop"].append(drain_noops(redis_url, redis_client, options.events))
                        meter.start()
                        started = time.monotonic()
                        results["latency"].append(run_events(base, simulator, f"r{number}", options.events, answer))
                        cpu, wall = meter.stop(), time.monotonic() - started
    print(f"machine: {machine()}; celery --pool {options.pool} --concurrency {options.concurrency}; "
          f"gunicorn 2 x sync; vendor answers in {options.answer_ms} ms; {options.events} events x {options.rounds} rounds")
    for name, rates in results.items():
        print(f"{name:9s} {statistics.median(rates):8.1f} /s  (rounds: {', '.join(f'{rate:.1f}' for rate in rates)})")
    latency = statistics.median(results["latency"])
    print(f"deliveries/s reaching the vendor: {latency:.1f} (target >= {TARGET_PER_SECOND}) "
          f"{'OK' if latency >= TARGET_PER_SECOND else 'MISSED'}")
    print(f"deliveries/s vs no-op drain of the same worker: ratio {latency / statistics.median(results['noop']):.2f} "
          f"(no target: the target is the 100/s above)")
    parts = ", ".join(f"{group} {seconds / options.events * 1000:.2f}" for group, seconds in cpu.items())
    print(f"latency   ms of CPU per event (last round): {parts}; worker busy {cpu['worker'] / wall:.0%} of a core")
    print(f"Redis connected_clients: {before} before the worker (web + bench), {idle} with it idle "
          f"(+{idle - before}), peak {clients.peak} under load; the worker process's own peak: "
          f"{clients.pid_peak} Redis connections (Unix sockets)")


if __name__ == "__main__":
    main()
