"""bench/ingest: accepted webhooks per second through gunicorn, against a bare Flask app.

    .venv/bin/python -m bench.ingest [--seconds 10] [--connections 8] [--workers 2] [--rounds 2] [--worker-class gevent]

Both servers run under gunicorn with the same worker count and class, are loaded by the
same wrk with the same bodies (each made unique so none is a duplicate), in the same run.
Prints both rates, p50/p99 latency of both, and the ratio (target >= 0.7).

The service is loaded twice in each round: at its FoxOMS hook (`service`: a
bookingCreated, validated by the booking schema) and at an incoming hook (`incoming`: the
same record as the body, validated by a `fields:` contract of six of its fields), the
two in turn first and second from one round to the next.

With --reference (the default) a third app runs in the same rounds: the bare app plus one
Redis XADD of the body. It is not the baseline; it shows what one Redis round trip costs
on this machine, so that the gap between it and the service is our own work.
The worker count and class default to gunicorn.conf.py's production values (2 x gevent);
`--worker-class gevent,sync` also runs the model used before, in the same rounds (each
round runs every app under each class), and prints a block per class.

Where the time goes: the CPU the web workers and Redis spent per request (from /proc and
Redis's INFO cpu), median over the rounds; wrk's share is the rest of the two cores. The
last line gives the same ratios from that CPU (bare over service): on a machine whose
load from other work varies, they move much less than the rates.
"""
import argparse
import json
import os
import statistics
import tempfile

from bench.common import TOKEN, foxoms_routes, CpuMeter, children, gunicorn_server, machine, ratio_line, redis_for_bench, wrk
from handlers.redis_client import client_from_url

FOXOMS_PATH = "/hooks/foxoms/bookingCreated"
INCOMING_PATH = "/hooks/incoming/bench-incoming"
ROUTES = foxoms_routes(['bookingCreated'], f"""
  bench-incoming:
    type: incoming
    tokens: ["{TOKEN}"]
    fields:
      id: {{type: integer, required: true}}
      name: {{type: string, required: true}}
      start: {{type: integer}}
      end: {{type: integer}}
      all_day: {{type: boolean}}
      notes: {{type: string, max: 1000}}
routes: []
""")
BODY = {
    "id": 6, "name": "Booking __UNIQUE__", "start": 1547501100, "end": 1547538900,
    "all_day": False, "notes": "bench", "status": [{"id": 2, "name": "Confirmed"}],
    "client": [{"id": "4", "name": "Jane Someone", "type": "person"}],
    "resources": [{"id": 2, "name": "Edit Suite 2"}, {"id": 7, "name": "Nik"}],
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="gevent",
                        help="gunicorn worker class; several, comma-separated, run in the same rounds (gevent,sync)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--no-reference", dest="reference", action="store_false")
    options = parser.parse_args()
    classes = options.worker_class.split(",")
    foxoms_body, incoming_body = json.dumps({"data": BODY}), json.dumps(BODY)
    apps = [("bare", "bench.bare_app:create_bare_app()", [("bare", FOXOMS_PATH, foxoms_body)]),
            ("service", "app:create_app()", [("service", FOXOMS_PATH, foxoms_body),
                                             ("incoming", INCOMING_PATH, incoming_body)])]
    if options.reference:
        apps.append(("xadd-ref", "bench.reference_app:create_reference_app()", [("xadd-ref", FOXOMS_PATH, foxoms_body)]))
    loads = [name for _, _, paths in apps for name, _, _ in paths]
    results = {(worker_class, name): [] for worker_class in classes for name in loads}
    cpu = {run: [] for run in results}
    with redis_for_bench() as redis_url, tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as routes, \
            tempfile.TemporaryDirectory(prefix="bench-metrics-") as metrics_dir:
        routes.write(ROUTES)
        routes.flush()
        # multiprocess Prometheus counters, as gunicorn.conf.py sets up in production
        redis_client = client_from_url(redis_url)
        env = dict(os.environ, REDIS_URL=redis_url, ROUTES_FILE=routes.name, PROMETHEUS_MULTIPROC_DIR=metrics_dir)
        for number in range(options.rounds):
            for worker_class in classes:
                for _, spec, paths in apps:
                    with gunicorn_server(spec, env, options.workers, worker_class) as (base, master):
                        for name, path, body in (paths if number % 2 == 0 else paths[::-1]):
                            meter = CpuMeter({"web": lambda: children(master.pid)}, redis_client)
                            meter.start()
                            figures = wrk(base + path, body, TOKEN, options.seconds, options.connections)
                            spent = meter.stop()
                            cpu[worker_class, name].append((spent["web"] / figures["requests"],
                                                            spent["redis"] / figures["requests"]))
                            if figures["non2xx"] or figures["errors"]:
                                raise SystemExit(f"{name}: {figures['non2xx']} non-2xx answers, {figures['errors']} errors")
                            results[worker_class, name].append(figures)
    for worker_class in classes:
        report(options, worker_class, {name: results[worker_class, name] for name in loads},
               {name: cpu[worker_class, name] for name in loads})


def report(options, worker_class, results, cpu):
    print(f"machine: {machine()}; gunicorn {options.workers} x {worker_class}; wrk -c {options.connections} -d {options.seconds}s x {options.rounds} rounds")
    summary, cpu_summary = {}, {}
    for name, runs in results.items():
        rate = statistics.median(r["rate"] for r in runs)
        p50 = statistics.median(r["p50_us"] for r in runs) / 1000
        p99 = statistics.median(r["p99_us"] for r in runs) / 1000
        summary[name] = rate
        rounds = ", ".join(f"{r['rate']:.0f}" for r in runs)
        web = statistics.median(c[0] for c in cpu[name]) * 1000
        redis_ms = statistics.median(c[1] for c in cpu[name]) * 1000
        cpu_summary[name] = web + redis_ms
        print(f"{name:8s} {rate:8.1f} req/s  p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  (rounds: {rounds})  "
              f"CPU per request: web {web:.3f} ms, redis {redis_ms:.3f} ms")
    print(ratio_line(f"ingest accepted/s ({worker_class})", summary["service"], summary["bare"], 0.7))
    print(ratio_line(f"ingest incoming accepted/s ({worker_class})", summary["incoming"], summary["bare"], 0.7))
    print(ratio_line(f"incoming vs FoxOMS accepted/s ({worker_class})", summary["incoming"], summary["service"], 0.9))
    # the cores are saturated: the rate ratio follows the CPU ratio, which moves less with the machine's load
    print(f"CPU per request (web + redis) against bare: service {cpu_summary['bare'] / cpu_summary['service']:.2f}, "
          f"incoming {cpu_summary['bare'] / cpu_summary['incoming']:.2f}; "
          f"incoming against service {cpu_summary['service'] / cpu_summary['incoming']:.2f}")
    if options.reference:
        print(f"reference (bare + one XADD, not a target): ratio {summary['xadd-ref'] / summary['bare']:.2f}")


if __name__ == "__main__":
    main()
