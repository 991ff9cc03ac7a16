"""bench/memory_gauge: what the hooks' memory gauge (handlers/redis_health.MemoryGauge) costs.

    .venv/bin/python -m bench.memory_gauge [--calls 3000] [--rounds 7]

The store call (ScriptCaller: STORE_AND_ENQUEUE on the held connection) with the gauge,
against the same caller whose gauge never samples, interleaved in the same run; prints the
medians of the CPU time this process spent per call (the gauge is CPU work; the
round trip to Redis is the same in both and only adds noise), the ratio (target <= 1.05)
and what one INFO memory sample costs (taken at most once a second per process).
"""
import argparse
import statistics
import time
import uuid

from bench.common import ratio_line, redis_for_bench
from handlers.inbound.accept import ScriptCaller
from handlers.redis_client import client_from_url
from handlers.redis_health import MemoryState, info_fields


class NoSample:
    """A gauge that never reads INFO: the baseline."""

    def current(self, read, *args):
        return None


def cpu_per_call_us(caller, calls, gauge):
    caller.memory = gauge
    started = time.process_time()
    for _ in range(calls):
        unique = uuid.uuid4().hex
        caller(["bench:index", f"bench:dedupe:{unique}", f"bench:event:{unique}", "bench:queue"],
               [60, unique, 1, "message", '["field","value"]'])
    return (time.process_time() - started) / calls * 1e6


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=7)
    options = parser.parse_args()
    with redis_for_bench() as redis_url:
        client = client_from_url(redis_url)
        caller = ScriptCaller(client)
        gauges = {True: caller.memory, False: NoSample()}
        cpu_per_call_us(caller, 1, gauges[True])  # loads the script, takes the first sample
        times = {False: [], True: []}
        for _ in range(options.rounds):
            for guarded in (False, True):
                times[guarded].append(cpu_per_call_us(caller, options.calls, gauges[guarded]))
        connection = caller.connection()
        started = time.process_time()
        for _ in range(options.calls):
            MemoryState.from_info(info_fields(caller._run(connection, "INFO", "memory")))
        sample_us = (time.process_time() - started) / options.calls * 1e6
        for name in client.scan_iter("bench:*", count=1000):
            client.delete(name)
    with_gauge, without = statistics.median(times[True]), statistics.median(times[False])
    print(f"store call, CPU of this process: {with_gauge:.1f} us with the gauge, {without:.1f} us without (medians of {options.rounds} rounds)")
    print(ratio_line("store call CPU with gauge (us)", with_gauge, without, 1.05, higher_is_better=False))
    print(f"one INFO memory sample: {sample_us:.1f} us, at most once a second per web process")


if __name__ == "__main__":
    main()
