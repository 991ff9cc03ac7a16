"""The memory baseline's Celery worker: the service's Celery settings and one no-op task.

    celery -A bench.bare_celery worker
"""
import os

from celery import Celery

from handlers.task_names import PROBE_NOOP
from tasks import celery_settings

app = Celery("bare")
app.config_from_object(celery_settings(os.environ["REDIS_URL"]))


@app.task(name=PROBE_NOOP)
def noop():
    """Does nothing."""
