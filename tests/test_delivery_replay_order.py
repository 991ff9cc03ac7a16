"""A replayed delivery's event is re-opened before the message is queued.

Found by the console's browser test: a worker that finished the replayed delivery before
replay_delivery re-opened the event had its roll-up (`completed`) overwritten by `routed`,
and the event stayed `routed` for good. Here the worker's part runs inside Celery's own
before_task_publish signal, i.e. as early as any worker ever could.
"""
import time

from celery.signals import before_task_publish

from handlers.delivery import leases
from handlers.delivery.replay import replay_delivery
from handlers.delivery.rollup import rollup_event
from handlers.store.deliveries import create_delivery, delivery_record, update_delivery
from handlers.store.events import event_record, get_event, save_event, set_event_status


def test_a_replay_finished_at_once_leaves_its_event_completed(app, redis_client):
    save_event(redis_client, event_record("evt_fast", "foxoms", "bookingCreated", {"id": 1}, {}, time.time()))
    set_event_status(redis_client, "evt_fast", "failed")
    record = delivery_record("evt_fast", "route", "a", "http.post", {"url": "http://x", "json": {}})
    create_delivery(redis_client, record)
    update_delivery(redis_client, record["id"], status="dead")
    redis_client.zadd(leases.DEAD, {record["id"]: time.time()})
    seen = []

    def instant_worker(sender=None, **kwargs):
        seen.append(get_event(redis_client, "evt_fast")["status"])
        update_delivery(redis_client, record["id"], status="succeeded")
        rollup_event(redis_client, "evt_fast")

    before_task_publish.connect(instant_worker, weak=False)
    try:
        replay_delivery(redis_client, app.extensions["celery"], record["id"], app.config["DELIVERY_LEASE_SECONDS"])
    finally:
        before_task_publish.disconnect(instant_worker)
    assert seen == ["routed"]
    assert get_event(redis_client, "evt_fast")["status"] == "completed"
