"""A task that proves the broker round trip: it writes a value to Redis."""
from celery import shared_task
from flask import current_app

from handlers.store.keys import key
from handlers.task_names import PROBE_NOOP, PROBE_WRITE


@shared_task(name=PROBE_WRITE)
def write_probe(token, value):
    """Store `value` under the probe key `token` for 5 minutes (readiness drills, tests)."""
    current_app.extensions["redis"].set(key("probe", token), value, ex=300)
    return value


@shared_task(name=PROBE_NOOP)
def noop():
    """Does nothing: the baseline of bench/pipeline (what a task costs the worker by itself)."""
