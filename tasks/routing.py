"""The routing task: route one stored event (handlers/routing/route.py does the work),
then make the first delivery's first attempt in the same task.

Routing an event leases its pending deliveries to the event's routing token before the
event leaves `received` (a worker killed before that leaves the event to the sweeper's
re-routing; killed after, the leases run out and the sweeper re-sends), then queues them.
The first one runs here, in this task, after the
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
from handlers.delivery.wiring import lease_for_message, runtime_for, send_leased
from handlers.errors import RulesUnavailable
from handlers.routing.route import route_event
from handlers.task_names import ROUTE_EVENT

RULES_RETRY_SECONDS = 30


def routing_token(event_id):
    """The lease token of the messages routing queues: the same for every routing of one
    event, so that a redelivered routing message can run a delivery whose message was lost."""
    return f"route:{event_id}"


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
    token, leased = routing_token(event_id), []

    def enqueue(delivery_id):
        if lease_for_message(current_app, delivery_id, token):
            leased.append(delivery_id)

    outcome = route_event(current_app.extensions["redis"], rules, event_id, enqueue=enqueue,
                         max_bytes=current_app.config["MAX_BODY_BYTES"])
    send_leased(current_app, leased[1:], token)
    if leased:
        deliver(runtime_for(current_app), leased[0], token)
    return None if outcome is None else outcome.status
