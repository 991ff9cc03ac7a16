"""The hourly retention sweep (scheduled by Celery beat, see tasks.celery_settings)."""
from celery import shared_task
from flask import current_app

from handlers.admin.retention import enforce_retention
from handlers.task_names import ENFORCE_RETENTION


@shared_task(name=ENFORCE_RETENTION)
def enforce_retention_task(now_ts=None):
    """Delete events older than EVENT_RETENTION_DAYS; `now_ts` (epoch seconds) overrides the clock."""
    deleted = enforce_retention(
        current_app.extensions["redis"], int(current_app.config["EVENT_RETENTION_DAYS"]), now_ts
    )
    if deleted:
        current_app.logger.info("retention: deleted %d events", deleted)
    return deleted
