"""Replaying a delivery: reset, re-queued with its history and state, refused while it runs."""
import json
import time

import pytest

from handlers.delivery import leases
from handlers.delivery.replay import ReplayRefused, replay_delivery
from handlers.store.deliveries import append_attempt, create_delivery, delivery_record, get_attempts, get_delivery
from handlers.store.deliveries import update_delivery
from handlers.store.events import event_record, get_event, save_event, set_event_status
from handlers.task_names import DELIVER


def dead_delivery(redis_client):
    save_event(redis_client, event_record("evt_p", "foxoms", "bookingCreated", {"id": 1}, {}, time.time()))
    set_event_status(redis_client, "evt_p", "failed")
    record = delivery_record("evt_p", "route", "a", "foxtag.upsert", {"resource": "customers", "records": []})
    create_delivery(redis_client, record)
    update_delivery(redis_client, record["id"], status="dead", state={"foxtag_sent": [0, 1]})
    append_attempt(redis_client, record["id"], {"outcome": "dead", "status": 422})
    redis_client.zadd(leases.DEAD, {record["id"]: time.time()})
    return record["id"]


def test_replay_resets_and_queues_keeping_history_and_state(app, redis_client):
    delivery_id = dead_delivery(redis_client)
    replay_delivery(redis_client, app.extensions["celery"], delivery_id, app.config["DELIVERY_LEASE_SECONDS"])
    delivery = get_delivery(redis_client, delivery_id)
    assert delivery["status"] == "pending" and delivery["state"] == {"foxtag_sent": [0, 1]}
    assert len(get_attempts(redis_client, delivery_id)) == 1
    assert redis_client.zscore(leases.DEAD, delivery_id) is None
    assert get_event(redis_client, "evt_p")["status"] == "routed"
    message = json.loads(redis_client.lindex("celery", 0))
    assert message["headers"]["task"] == DELIVER
    assert message["headers"]["argsrepr"] == repr([delivery_id, redis_client.get(leases.token_key(delivery_id))])


def test_replay_is_refused_while_the_delivery_runs(app, redis_client):
    delivery_id = dead_delivery(redis_client)
    leases.take_lease(redis_client, delivery_id, None, time.time(), time.time() + 60)
    with pytest.raises(ReplayRefused):
        replay_delivery(redis_client, app.extensions["celery"], delivery_id, app.config["DELIVERY_LEASE_SECONDS"])
    assert redis_client.llen("celery") == 0


def test_replay_of_a_missing_delivery_is_refused(app, redis_client):
    with pytest.raises(ReplayRefused):
        replay_delivery(redis_client, app.extensions["celery"], "evt_x:route:a", app.config["DELIVERY_LEASE_SECONDS"])
