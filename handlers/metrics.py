"""Prometheus metrics. Counters are incremented where things happen; gauges that mirror
Redis (queue depth, dead letters) are read at scrape time by the /metrics view.

Under gunicorn and Celery prefork these are multiprocess-safe when
PROMETHEUS_MULTIPROC_DIR is set before the process starts (see handlers/web/metrics.py).
"""
from prometheus_client import Counter, Histogram

HOOKS_RECEIVED = Counter("hooks_received_total", "Inbound webhook requests", ["source"])
HOOKS_ACCEPTED = Counter("hooks_accepted_total", "Inbound events stored and queued", ["source"])
HOOKS_DUPLICATES = Counter("hooks_duplicates_total", "Inbound events recognised as duplicates", ["source"])
HOOKS_REJECTED = Counter("hooks_rejected_total", "Inbound requests refused", ["status"])
DELIVERIES = Counter("deliveries_total", "Delivery outcomes", ["vendor", "outcome"])
ATTEMPT_SECONDS = Histogram(
    "delivery_attempt_seconds",
    "Duration of one delivery attempt",
    ["vendor"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
