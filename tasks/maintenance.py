"""Scheduler tasks (Celery beat, see tasks.celery_settings): due retries and sweeps."""
import time

from celery import shared_task
from flask import current_app

from handlers.delivery.dispatch import release_due
from handlers.delivery.requeue import requeue_due, sweep_inflight, sweep_received
from handlers.delivery.wiring import deliver_sender, route_sender, runtime_for
from handlers.task_names import REQUEUE_DUE, SWEEP


def _clock(now_ts):
    return time.time if now_ts is None else (lambda: float(now_ts))


@shared_task(name=REQUEUE_DUE)
def requeue_due_task(now_ts=None):
    """Queue the retries in hooks:retries that are due, and release parked deliveries whose
    slot came (the workers' dispatchers do that too; this is the backstop); `now_ts`
    (epoch s) overrides the clock of the retries."""
    app = current_app
    send, lease_seconds = deliver_sender(app.extensions["celery"]), app.config["DELIVERY_LEASE_SECONDS"]
    queued = requeue_due(app.extensions["redis"], send, lease_seconds, now=_clock(now_ts))
    released = release_due(app.extensions["redis"], runtime_for(app).limits, send, lease_seconds)
    return len(queued) + len(released)


@shared_task(name=SWEEP)
def sweep_task(now_ts=None):
    """Re-send deliveries whose lease ran out, and route events stored but never routed."""
    app = current_app
    redis_client, celery_app = app.extensions["redis"], app.extensions["celery"]
    resent = sweep_inflight(redis_client, deliver_sender(celery_app),
                            app.config["DELIVERY_LEASE_SECONDS"], now=_clock(now_ts))
    rerouted = sweep_received(redis_client, route_sender(celery_app),
                              app.config["ROUTING_GRACE_SECONDS"], now=_clock(now_ts))
    if resent or rerouted:
        app.logger.warning("sweep: re-sent %d deliveries, re-routed %d events", len(resent), len(rerouted))
    return {"deliveries": len(resent), "events": len(rerouted)}
