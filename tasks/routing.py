"""The routing task: route one stored event (handlers/routing/route.py does the work)."""
from celery import shared_task
from flask import current_app
from redis.exceptions import RedisError

from handlers.routing.route import route_event as route_stored_event

DELIVER_TASK = "delivery.deliver"
RULES_RETRY_SECONDS = 30


class RulesUnavailable(Exception):
    """The worker's routes file is broken; the event waits (status `received`) until it is fixed."""


@shared_task(
    name="routing.route_event",
    bind=True,
    autoretry_for=(RedisError, RulesUnavailable),
    retry_backoff=True,
    retry_backoff_max=RULES_RETRY_SECONDS,
    max_retries=None,
)
def route_event(self, event_id):
    rules = current_app.extensions.get("rules")
    if rules is None:
        raise RulesUnavailable(str(current_app.extensions.get("rules_error") or "rules not loaded"))
    celery_app = current_app.extensions["celery"]
    outcome = route_stored_event(
        current_app.extensions["redis"],
        rules,
        event_id,
        enqueue=lambda delivery_id: celery_app.send_task(DELIVER_TASK, args=[delivery_id]),
    )
    return None if outcome is None else outcome.status
