"""The scheduler's jobs against real Redis: due retries, expired leases, unrouted events."""
import json
import time

from handlers.delivery import leases
from handlers.delivery.requeue import requeue_due, sweep_inflight, sweep_received
from handlers.delivery.wiring import deliver_sender
from handlers.store.deliveries import create_delivery, delivery_record, update_delivery
from handlers.store.events import event_record, save_event, set_event_status
from handlers.task_names import DELIVER

LEASE = 60.0


class Sent(list):
    def __call__(self, *args):
        self.append(args)


def make_delivery(redis_client, action="a", status="retrying"):
    record = delivery_record("evt_s", "route", action, "http.post", {"url": "https://example.org"})
    create_delivery(redis_client, record)
    update_delivery(redis_client, record["id"], status=status)
    return record["id"]


def test_a_retry_is_queued_only_when_due(redis_client):
    delivery_id = make_delivery(redis_client)
    now = time.time()
    redis_client.zadd(leases.RETRIES, {delivery_id: now + 3600})
    sent = Sent()
    assert requeue_due(redis_client, sent, LEASE, now=lambda: now + 3599) == []
    assert requeue_due(redis_client, sent, LEASE, now=lambda: now + 3601) == [delivery_id]
    assert sent == [(delivery_id, redis_client.get(leases.token_key(delivery_id)), 0)]
    assert redis_client.zscore(leases.RETRIES, delivery_id) is None
    assert redis_client.zscore(leases.INFLIGHT, delivery_id) == now + 3601 + LEASE


def test_two_schedulers_never_queue_a_retry_twice(redis_client):
    ids = [make_delivery(redis_client, f"a{n}") for n in range(20)]
    redis_client.zadd(leases.RETRIES, {delivery_id: 1.0 for delivery_id in ids})
    first, second = Sent(), Sent()
    requeue_due(redis_client, first, LEASE)
    requeue_due(redis_client, second, LEASE)
    assert sorted(args[0] for args in first) == sorted(ids) and second == []


def test_requeue_goes_through_the_broker_queue(app, redis_client):
    delivery_id = make_delivery(redis_client)
    redis_client.zadd(leases.RETRIES, {delivery_id: 1.0})
    requeue_due(redis_client, deliver_sender(app.extensions["celery"]), LEASE)
    message = json.loads(redis_client.lindex("celery", 0))
    assert message["headers"]["task"] == DELIVER
    assert message["headers"]["argsrepr"].startswith(repr([delivery_id])[:-1])


def test_an_expired_lease_is_sent_again_once_per_lease(redis_client):
    delivery_id = make_delivery(redis_client)
    now = time.time()
    leases.take_lease(redis_client, delivery_id, None, now, now + LEASE)
    sent = Sent()
    assert sweep_inflight(redis_client, sent, LEASE, now=lambda: now + LEASE - 1) == []
    assert sweep_inflight(redis_client, sent, LEASE, now=lambda: now + LEASE) == [delivery_id]
    assert sweep_inflight(redis_client, sent, LEASE, now=lambda: now + LEASE + 1) == []
    assert sent[0][1] == redis_client.get(leases.token_key(delivery_id))


def test_a_finished_delivery_is_not_sent_again(redis_client):
    delivery_id = make_delivery(redis_client, status="succeeded")
    redis_client.zadd(leases.INFLIGHT, {delivery_id: 1.0})
    sent = Sent()
    assert sweep_inflight(redis_client, sent, LEASE) == []
    assert redis_client.zscore(leases.INFLIGHT, delivery_id) is None


def store_event(redis_client, event_id, received_ts, status):
    save_event(redis_client, event_record(event_id, "foxoms", "bookingCreated", {"id": 1}, {}, received_ts))
    set_event_status(redis_client, event_id, status)


def test_an_event_never_routed_is_routed_again_after_the_grace(redis_client):
    now = time.time()
    store_event(redis_client, "evt_old", now - 120, "received")
    store_event(redis_client, "evt_new", now - 5, "received")
    store_event(redis_client, "evt_done", now - 120, "routed")
    sent = Sent()
    assert sweep_received(redis_client, sent, 60, now=lambda: now) == ["evt_old"]
    assert sent == [("evt_old",)]


def test_an_event_is_routed_again_at_most_once_per_grace(redis_client):
    now = time.time()
    store_event(redis_client, "evt_old", now - 120, "received")
    sent = Sent()
    sweep_received(redis_client, sent, 60, now=lambda: now)
    sweep_received(redis_client, sent, 60, now=lambda: now + 1)
    assert sent == [("evt_old",)]
