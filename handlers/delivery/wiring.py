"""How the delivery engine reaches Celery and the app: the task senders, the runtime."""
import os
import time

from handlers.actions import load_all
from handlers.delivery import leases
from handlers.delivery.deliver import Runtime
from handlers.delivery.dispatch import Dispatcher
from handlers.delivery.ratelimit import VendorLimits
from handlers.redact import rules_secrets
from handlers.task_names import DELIVER, ROUTE_EVENT
from handlers.vendors.session import vendor_session


def deliver_sender(celery_app):
    """send(delivery_id, token, countdown_seconds): queue "delivery.deliver" [id, token]."""

    def send(delivery_id, token, countdown=0):
        celery_app.send_task(DELIVER, args=[delivery_id, token], countdown=countdown or None)

    return send


def route_sender(celery_app):
    return lambda event_id: celery_app.send_task(ROUTE_EVENT, args=[event_id])


def runtime_for(app):
    """The Runtime of this process (one HTTP session per worker process, made after fork)."""
    cached = app.extensions.get("delivery_runtime")
    if cached is not None and cached[0] == os.getpid():
        return cached[1]
    load_all()
    redis_client = app.extensions["redis"]
    runtime = Runtime(
        redis=redis_client,
        config=app.config,
        session=vendor_session(),
        limits=VendorLimits(redis_client, app.config, app.config["RATE_LIMIT_MAX_WAIT_SECONDS"]),
        send=deliver_sender(app.extensions["celery"]),
        secrets=tuple(rules_secrets(app.extensions.get("rules"))),
        rules=app.extensions.get("rules"),
    )
    app.extensions["delivery_runtime"] = (os.getpid(), runtime)
    return runtime


def dispatcher_for(app):
    """The release loop of parked deliveries for this worker process (see tasks.dispatcher)."""
    return Dispatcher(app.extensions["redis"], runtime_for(app).limits, deliver_sender(app.extensions["celery"]),
                      app.config["DELIVERY_LEASE_SECONDS"])


def lease_for_message(app, delivery_id, token, now=time.time):
    """Lease the delivery to a message carrying `token`, if no one else holds it (free, or
    leased to `token` already: routing the same event again); True when leased."""
    redis_client, moment = app.extensions["redis"], now()
    lease_end = moment + app.config["DELIVERY_LEASE_SECONDS"]
    return bool(leases.take_lease(redis_client, delivery_id, None, moment, lease_end, token)
                or leases.take_lease(redis_client, delivery_id, token, moment, lease_end, token))


def send_leased(app, delivery_ids, token):
    """Queue "delivery.deliver" for deliveries leased with lease_for_message."""
    send = deliver_sender(app.extensions["celery"])
    for delivery_id in delivery_ids:
        send(delivery_id, token)
