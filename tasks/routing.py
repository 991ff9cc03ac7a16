"""The routing task: route one stored event (handlers/routing/route.py does the work),
then make the first delivery's first attempt in the same task.

Routing an event queues its deliveries. The first one runs here, in this task, after the
others are queued: one Celery message fewer per event (an event with one route and one
action costs one task, not two), and the first attempt starts without waiting in the
queue. The attempt is the delivery engine's own (`handlers.delivery.deliver`, with its
lease), so a crash here is recovered as any crashed attempt is: the routing message is
redelivered (acks late), routing again creates nothing twice, and a delivery whose lease
is held waits for the sweeper.
"""
from celery import shared_task
from flask import current_app
from redis.exceptions import RedisError

from handlers.delivery.deliver import deliver
from handlers.delivery.wiring import runtime_for
from handlers.errors import RulesUnavailable
from handlers.routing.route import route_event
from handlers.task_names import DELIVER, ROUTE_EVENT

RULES_RETRY_SECONDS = 30


@shared_task(
    name=ROUTE_EVENT,
    bind=True,
    autoretry_for=(RedisError, RulesUnavailable),
    retry_backoff=True,
    retry_backoff_max=RULES_RETRY_SECONDS,
    max_retries=None,
)
def route_event_task(self, event_id):
    rules = current_app.extensions.get("rules")
    if rules is None:
        raise RulesUnavailable(str(current_app.extensions.get("rules_error") or "rules not loaded"))
    celery_app = current_app.extensions["celery"]
    to_deliver = []
    outcome = route_event(current_app.extensions["redis"], rules, event_id, enqueue=to_deliver.append,
                                 max_bytes=current_app.config["MAX_BODY_BYTES"])
    for delivery_id in to_deliver[1:]:
        celery_app.send_task(DELIVER, args=[delivery_id])
    if to_deliver:
        deliver(runtime_for(current_app), to_deliver[0])
    return None if outcome is None else outcome.status
