"""Shared benchmark plumbing: a Redis, gunicorn servers, wrk runs, and ratio printing."""
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from handlers.embedded_redis import EmbeddedRedis  # noqa: E402
from handlers.redis_client import client_from_url  # noqa: E402
from handlers.sandbox.fiwit import DEFAULT_KEY as FIWIT_KEY, FiwitSimulator  # noqa: E402
from tests.helpers import free_port  # noqa: E402


TOKEN = "bench-token"  # the hook token of every bench's FoxOMS source


def foxoms_routes(events, routes="routes: []"):
    """A routes file with the benches' FoxOMS source taking `events`, then `routes`."""
    return (f'sources:\n  foxoms:\n    type: foxoms\n    tokens: ["{TOKEN}"]\n'
            f'    events: [{", ".join(events)}]\n' + routes.strip("\n") + "\n")


def booking_to_foxoms(name="{{ payload.name }}"):
    """The routes-file entry sending each FoxOMS bookingCreated to foxoms.create as a project called `name`."""
    return f"""  - id: booking-to-foxoms
    source: foxoms
    events: [bookingCreated]
    actions:
      - id: project
        call: foxoms.create
        args:
          module: project
          fields:
            name: "{name}"
"""


def machine():
    mem_kib = 0
    with open("/proc/meminfo") as handle:
        mem_kib = int(handle.readline().split()[1])
    return f"{os.cpu_count()} cores, {mem_kib / 1024 / 1024:.0f} GiB, {platform.python_implementation()} {platform.python_version()}"


@contextmanager
def redis_for_bench():
    """REDIS_URL when set, else an embedded Redis with an AOF like production."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    folder = tempfile.mkdtemp(prefix="bench-redis-")
    server = EmbeddedRedis(folder, appendonly=True).start()
    try:
        yield server.url
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def gunicorn(app_spec, env, workers=2, worker_class="sync", port=None):
    """Run `gunicorn app_spec` on a loopback port; yield its base URL."""
    with gunicorn_server(app_spec, env, workers, worker_class, port) as (base, _):
        yield base


@contextmanager
def gunicorn_server(app_spec, env, workers=2, worker_class="sync", port=None):
    """Run `gunicorn app_spec` on a loopback port; yield (base URL, master Popen)."""
    port = port or free_port()
    args = [
        os.path.join(os.path.dirname(sys.executable), "gunicorn"), app_spec,
        "--config", "/dev/null",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
        "--worker-class", worker_class, "--log-level", "warning",
    ]
    process = subprocess.Popen(args, cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + "/", process)
        yield base, process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_http(url, process, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer in {timeout}s")


WRK_SCRIPT = r"""
local counter = 0
local thread_id = 0
local template = os.getenv("BENCH_BODY")
function setup(thread)
  thread:set("tid", math.random(1, 1000000000))
end
function init(args)
  thread_id = tid or 0
end
function request()
  counter = counter + 1
  local body = string.gsub(template, "__UNIQUE__", thread_id .. "-" .. counter)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["X-Hook-Token"] = os.getenv("BENCH_TOKEN")}, body)
end
function done(summary, latency, requests)
  io.write(string.format("BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def wrk(url, body_template, token, seconds=10, connections=8, threads=1):
    """Run wrk against `url`; each request's body has a unique id. Returns a dict of figures."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(WRK_SCRIPT)
        script = handle.name
    env = dict(os.environ, BENCH_BODY=body_template, BENCH_TOKEN=token)
    output = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "-s", script, url],
        env=env, capture_output=True, text=True, check=True,
    ).stdout
    os.unlink(script)
    match = re.search(r"BENCH (.*)", output)
    figures = {k: int(v) for k, v in (pair.split("=") for pair in match.group(1).split())}
    figures["rate"] = figures["requests"] / (figures["duration_us"] / 1e6)
    return figures


def ratio_line(name, value, baseline, target, higher_is_better=True):
    ratio = value / baseline if baseline else float("nan")
    ok = ratio >= target if higher_is_better else ratio <= target
    return f"{name}: {value:.4g} vs baseline {baseline:.4g} -> ratio {ratio:.2f} (target {'>=' if higher_is_better else '<='} {target}) {'OK' if ok else 'MISSED'}"


# --- Celery workers and helpers for the pipeline, rate-limit and memory benches ----------

def quiet_simulators():
    """Simulators run in this process on werkzeug's server: no line per request."""
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def bench_celery(redis_url):
    """A Celery client with the service's settings: sends to and inspects the same queues."""
    from celery import Celery

    from tasks import celery_settings

    client = Celery("bench", set_as_current=False)
    client.config_from_object(celery_settings(redis_url))
    return client


@contextmanager
def celery_workers(env, count=1, concurrency=2, pool="prefork", app="tasks.worker", log_dir=None, redis_url=None):
    """Start `count` `celery -A app worker` subprocesses; yield their Popen objects once
    every one answers a ping. Stopped with SIGTERM (warm shutdown), killed after 30 s."""
    log_dir = log_dir or tempfile.mkdtemp(prefix="bench-celery-")
    processes = []
    tag = f"{os.getpid()}-{time.monotonic_ns() % 100000}"
    try:
        for number in range(count):
            log = open(os.path.join(log_dir, f"worker{number}.log"), "wb")
            args = [sys.executable, "-m", "celery", "-A", app, "worker", "--pool", pool,
                    "--concurrency", str(concurrency), "--loglevel", "WARNING",
                    "--without-gossip", "--without-mingle", "--hostname", f"bench{number}-{tag}@%h"]
            processes.append(subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
            log.close()
        client = bench_celery(redis_url or env["REDIS_URL"])
        deadline = time.monotonic() + 60
        while True:
            for process in processes:
                if process.poll() is not None:
                    raise RuntimeError(f"celery worker exited with {process.returncode}; logs in {log_dir}")
            replies = client.control.ping(timeout=0.5) or []
            if sum(1 for reply in replies for name in reply if tag in name) >= count:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"celery workers did not answer a ping in 60 s; logs in {log_dir}")
        client.close()
        yield processes
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


def post_events(url, token, bodies, threads=4, timeout=10):
    """POST every body (JSON text) to `url` from `threads` keep-alive sessions.
    Returns the number of 202 answers; raises on anything else."""
    import threading

    bodies = list(bodies)
    lock = threading.Lock()
    failures, accepted = [], [0]

    def run(part):
        session = requests.Session()
        headers = {"Content-Type": "application/json", "X-Hook-Token": token}
        for body in part:
            answer = session.post(url, data=body.encode(), headers=headers, timeout=timeout)
            with lock:
                if answer.status_code == 202:
                    accepted[0] += 1
                else:
                    failures.append((answer.status_code, answer.text[:200]))
        session.close()

    workers = [threading.Thread(target=run, args=(bodies[index::threads],)) for index in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if failures:
        raise SystemExit(f"{len(failures)} POSTs were not accepted, e.g. {failures[0]}")
    return accepted[0]


def wait_until(condition, timeout, interval=0.01, message="condition"):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


def queue_drained(redis_client, queue="celery"):
    """Nothing waiting in the queue and nothing delivered but unacknowledged (acks_late)."""
    pipe = redis_client.pipeline(transaction=False)
    pipe.llen(queue)
    pipe.hlen("unacked")
    waiting, unacked = pipe.execute()
    return waiting == 0 and unacked == 0


def write_routes(text):
    handle = tempfile.NamedTemporaryFile("w", suffix=".yaml", prefix="bench-routes-", delete=False)
    handle.write(text)
    handle.close()
    return handle.name


def service_env(redis_url, routes, simulator, metrics_dir):
    """The environment of the service's processes: this Redis, these routes, the Fiwit simulator."""
    return dict(os.environ, REDIS_URL=redis_url, ROUTES_FILE=routes, FIWIT_BASE_URL=simulator.url,
                FIWIT_API_KEY=FIWIT_KEY, PROMETHEUS_MULTIPROC_DIR=metrics_dir)


@contextmanager
def fiwit_service(routes_text):
    """A Redis, the Fiwit simulator, a metrics folder and a routes file of `routes_text`;
    yield (redis_url, simulator, the service's env, a Redis client)."""
    with redis_for_bench() as redis_url, FiwitSimulator() as simulator, \
            tempfile.TemporaryDirectory(prefix="bench-metrics-") as metrics_dir:
        routes = write_routes(routes_text)
        env = service_env(redis_url, routes, simulator, metrics_dir)
        try:
            yield redis_url, simulator, env, client_from_url(redis_url)
        finally:
            os.unlink(routes)


def children(pid):
    """The pids whose parent is `pid` (read from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


def cpu_seconds(pid):
    """User + system CPU seconds of a process so far (from /proc)."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def redis_cpu_seconds(redis_client):
    info = redis_client.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def self_cpu_seconds():
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class CpuMeter:
    """CPU seconds spent by groups of processes between start() and stop()."""

    def __init__(self, groups, redis_client):
        self.groups = groups  # name -> callable returning pids
        self.redis = redis_client

    def _read(self):
        figures = {name: sum(cpu_seconds(pid) for pid in pids()) for name, pids in self.groups.items()}
        figures["redis"] = redis_cpu_seconds(self.redis)
        figures["bench + simulator"] = self_cpu_seconds()
        return figures

    def start(self):
        self.started = self._read()

    def stop(self):
        ended = self._read()
        return {name: ended[name] - self.started[name] for name in ended}


def status_mib(pid, field):
    """A memory line of /proc/<pid>/status (VmRSS, VmHWM...) in MiB."""
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def rss_mib(pid):
    """VmRSS: resident memory now, in MiB."""
    return status_mib(pid, "VmRSS")


def peak_rss_mib(pid):
    """VmHWM: the most resident memory the process has had, in MiB."""
    return status_mib(pid, "VmHWM")


def procfile_worker_pool():
    """(pool, concurrency) of the Procfile's worker line: the benches measure what it runs."""
    import shlex

    with open(os.path.join(ROOT, "Procfile")) as handle:
        line = next(text.split(":", 1)[1] for text in handle if text.startswith("worker:"))
    words = shlex.split(line)
    pool = words[words.index("--pool") + 1] if "--pool" in words else "prefork"
    concurrency = int(words[words.index("--concurrency") + 1]) if "--concurrency" in words else os.cpu_count()
    return pool, concurrency


def connected_clients(redis_client):
    return int(redis_client.info("clients")["connected_clients"])


def unix_sockets(pid):
    """How many Unix-domain sockets process `pid` has open (the benches' Redis is on one)."""
    with open("/proc/net/unix") as handle:
        inodes = {line.split()[6] for line in handle.readlines()[1:] if len(line.split()) > 6}
    count = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:[") and target[8:-1] in inodes:
            count += 1
    return count


class ClientsPeak:
    """Samples Redis's connected_clients in a thread; .peak is the most seen, and with
    `pid`, .pid_peak the most Unix sockets (Redis connections) that process had."""

    def __init__(self, redis_client, interval=0.1, pid=None):
        import threading

        self.redis, self.interval, self.peak, self.pid, self.pid_peak = redis_client, interval, 0, pid, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, connected_clients(self.redis))
            if self.pid:
                self.pid_peak = max(self.pid_peak, unix_sockets(self.pid))
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(5)
