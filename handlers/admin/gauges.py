"""What /metrics shows: the process counters (handlers/metrics.py) and gauges read from
Redis at scrape time.

With PROMETHEUS_MULTIPROC_DIR set (gunicorn workers, Celery prefork children, see
gunicorn.conf.py and the README) the counters of every process are merged by a
MultiProcessCollector in a fresh registry; otherwise the default registry is used.
"""
import os

import redis
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily

import handlers.metrics  # noqa: F401  (registers the counters in the default registry)
from handlers.delivery import breaker, pause
from handlers.store.events import EVENTS_INDEX
from handlers.store.keys import DEAD_LETTERS, INFLIGHT, RETRIES

CELERY_QUEUE = "celery"
ZSET_GAUGES = (
    ("hooks_retries_scheduled", "Deliveries waiting for a scheduled retry", RETRIES),
    ("hooks_dead_letters", "Dead-lettered deliveries", DEAD_LETTERS),
    ("hooks_deliveries_inflight", "Deliveries a worker holds a lease on", INFLIGHT),
    ("hooks_events_stored", "Events kept (within the retention)", EVENTS_INDEX),
)


class RedisGauges:
    """A collector that reads queue depth and delivery backlogs from Redis when scraped."""

    def __init__(self, redis_client, queue=CELERY_QUEUE):
        self.redis_client = redis_client
        self.queue = queue

    def collect(self):
        up = GaugeMetricFamily("hooks_redis_up", "1 if Redis answered this scrape")
        try:
            pipe = self.redis_client.pipeline(transaction=False)
            pipe.llen(self.queue)
            for _name, _help, zset in ZSET_GAUGES:
                pipe.zcard(zset)
            depth, *sizes = pipe.execute()
        except (redis.RedisError, OSError):
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        queue = GaugeMetricFamily("hooks_queue_depth", "Celery messages waiting in the queue", labels=["queue"])
        queue.add_metric([self.queue], depth)
        yield queue
        for (name, help_text, _zset), size in zip(ZSET_GAUGES, sizes):
            yield GaugeMetricFamily(name, help_text, value=size)
        yield from steering_gauges(self.redis_client)


BREAKER_STATES = {"closed": 0, "open": 1, "probing": 2}


def steering_gauges(redis_client):
    """hooks_paused{kind,name} (1 per pause) and hooks_breaker_state{vendor} (0 closed, 1 open,
    2 probing; `vendor` is the vendor, or http:<host>)."""
    paused = GaugeMetricFamily("hooks_paused", "1 while a vendor or route is paused", labels=["kind", "name"])
    for row in pause.pauses(redis_client):
        paused.add_metric([row["kind"], row["name"]], 1)
    yield paused
    states = GaugeMetricFamily("hooks_breaker_state", "Circuit breaker: 0 closed, 1 open, 2 probing", labels=["vendor"])
    for name in breaker.names(redis_client):
        states.add_metric([name], BREAKER_STATES[breaker.state(redis_client, name)["state"]])
    yield states


class _Forward:
    """The default registry's metrics, inside another registry."""

    def __init__(self, registry):
        self.registry = registry

    def collect(self):
        return self.registry.collect()


def build_registry(redis_client, environ=os.environ):
    registry = CollectorRegistry(auto_describe=False)
    if environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry, path=environ["PROMETHEUS_MULTIPROC_DIR"])
    else:
        registry.register(_Forward(REGISTRY))
    registry.register(RedisGauges(redis_client))
    return registry


def render_metrics(redis_client):
    """The Prometheus text exposition (bytes)."""
    return generate_latest(build_registry(redis_client))
