"""bench/memory_gauge: what the hooks' memory gauge (handlers/redis_health.MemoryGauge) costs.

    .venv/bin/python -m bench.memory_gauge [--calls 3000] [--rounds 7]

The store's memory check and script call (InboundStore: `check_memory`, then
STORE_AND_ENQUEUE) with the gauge, against the same store whose gauge never samples, interleaved in the same run; prints the
medians of the CPU time this process spent per call (the gauge is CPU work; the
round trip to Redis is the same in both and only adds noise), the ratio (target <= 1.05)
and what one INFO memory sample costs (taken at most once a second per process).
"""
import argparse
import statistics
import time
import uuid

from bench.common import bench_celery, ratio_line, redis_for_bench
from handlers.inbound.store import InboundStore
from handlers.redis_client import client_from_url
from handlers.redis_health import MemoryGauge, memory_state


class NoSample:
    """A gauge that never reads INFO: the baseline."""

    def current(self, read, *args):
        return None


def cpu_per_call_us(store, calls, gauge):
    """The store's memory check and script call, without building events."""
    store.memory = gauge
    started = time.process_time()
    for _ in range(calls):
        unique = uuid.uuid4().hex
        store.check_memory()
        store.script(keys=["bench:index", f"bench:dedupe:{unique}", f"bench:event:{unique}", "bench:queue"],
                     args=[60, unique, 1, "message", '["field","value"]'])
    return (time.process_time() - started) / calls * 1e6


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=7)
    options = parser.parse_args()
    with redis_for_bench() as redis_url:
        client = client_from_url(redis_url)
        store = InboundStore(client, bench_celery(redis_url))
        gauges = {True: MemoryGauge(), False: NoSample()}
        cpu_per_call_us(store, 1, gauges[True])  # loads the script, takes the first sample
        times = {False: [], True: []}
        for _ in range(options.rounds):
            for guarded in (False, True):
                times[guarded].append(cpu_per_call_us(store, options.calls, gauges[guarded]))
        started = time.process_time()
        for _ in range(options.calls):
            memory_state(client)
        sample_us = (time.process_time() - started) / options.calls * 1e6
        for name in client.scan_iter("bench:*", count=1000):
            client.delete(name)
    with_gauge, without = statistics.median(times[True]), statistics.median(times[False])
    print(f"store call, CPU of this process: {with_gauge:.1f} us with the gauge, {without:.1f} us without (medians of {options.rounds} rounds)")
    print(ratio_line("store call CPU with gauge (us)", with_gauge, without, 1.05, higher_is_better=False))
    print(f"one INFO memory sample: {sample_us:.1f} us, at most once a second per web process")


if __name__ == "__main__":
    main()
