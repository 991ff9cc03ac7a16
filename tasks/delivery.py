"""The delivery task: one attempt of one delivery (handlers/delivery/deliver.py does the work)."""
from celery import shared_task
from flask import current_app

from handlers.delivery.deliver import deliver
from handlers.delivery.wiring import runtime_for
from handlers.task_names import DELIVER


@shared_task(name=DELIVER, bind=True)
def deliver_task(self, delivery_id, lease_token=None):
    """`lease_token` is set on messages the engine sends itself (retries, re-queues)."""
    return deliver(runtime_for(current_app), delivery_id, lease_token)
