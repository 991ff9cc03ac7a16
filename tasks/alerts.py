"""The alerts tick (Celery beat, see tasks.celery_settings): raise backlog, send closed windows."""
import time

from celery import shared_task
from flask import current_app

from handlers.alerts.send import flush_due
from handlers.alerts.signals import check_backlog
from handlers.delivery.wiring import deliver_sender
from handlers.task_names import ALERTS_TICK


@shared_task(name=ALERTS_TICK)
def alerts_tick(now_ts=None):
    """Check the backlog and send every alert whose throttle window closed; `now_ts` (epoch s)
    overrides the clock."""
    app = current_app
    rules = app.extensions.get("rules")
    if rules is None or not rules.alerts:
        return {"backlog": 0, "sent": 0}
    redis_client, moment = app.extensions["redis"], time.time() if now_ts is None else float(now_ts)
    raised = check_backlog(redis_client, rules, moment)
    sent = flush_due(redis_client, rules, deliver_sender(app.extensions["celery"]),
                     app.config["DELIVERY_LEASE_SECONDS"], app.config["PUBLIC_BASE_URL"],
                     moment, app.config["MAX_BODY_BYTES"])
    return {"backlog": len(raised), "sent": len(sent)}
