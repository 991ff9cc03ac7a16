"""Retention: events older than EVENT_RETENTION_DAYS go with everything attached."""
import pytest

from handlers.admin.retention import SECONDS_PER_DAY, enforce_retention
from handlers.store.codec import now
from handlers.store.deliveries import attempts_key, delivery_key, lease_key
from handlers.store.events import EVENTS_INDEX, deliveries_key, event_key
from handlers.store.keys import DEAD_LETTERS, INFLIGHT, RETRIES
from handlers.task_names import ENFORCE_RETENTION
from tests.admin_helpers import make_delivery, make_event
from tests.helpers import wait_for

NOW = 1_800_000_000.0
ATTEMPT = {"at": "2026-01-01T00:00:00.000Z", "status": 503, "duration_ms": 5}


def event_with_everything(redis_client, received_ts):
    """An event with a dead, a retrying and an in-flight delivery, each with an attempt."""
    event_id = make_event(redis_client, received_ts=received_ts, status="routed")
    dead = make_delivery(redis_client, event_id, action_id="dead", status="dead", attempts=[ATTEMPT])
    retrying = make_delivery(redis_client, event_id, action_id="retry", status="retrying", attempts=[ATTEMPT])
    inflight = make_delivery(redis_client, event_id, action_id="run", attempts=[ATTEMPT])
    redis_client.zadd(RETRIES, {retrying: received_ts + 60})
    redis_client.zadd(INFLIGHT, {inflight: received_ts + 300})
    redis_client.set(lease_key(inflight), "token")
    return event_id, [dead, retrying, inflight]


def keys_of(event_id, delivery_ids):
    keys = [event_key(event_id), deliveries_key(event_id)]
    for delivery_id in delivery_ids:
        keys += [delivery_key(delivery_id), attempts_key(delivery_id)]
    return keys


def test_old_events_go_with_everything_attached_new_ones_stay(redis_client):
    old_id, old_deliveries = event_with_everything(redis_client, NOW - 15 * SECONDS_PER_DAY)
    new_id, new_deliveries = event_with_everything(redis_client, NOW - 13 * SECONDS_PER_DAY)
    assert enforce_retention(redis_client, 14, now_ts=NOW) == 1
    assert redis_client.exists(*keys_of(old_id, old_deliveries)) == 0
    assert redis_client.exists(lease_key(old_deliveries[2])) == 0
    assert redis_client.zscore(EVENTS_INDEX, old_id) is None
    for index in (DEAD_LETTERS, RETRIES, INFLIGHT):
        assert not set(redis_client.zrange(index, 0, -1)) & set(old_deliveries)
    assert redis_client.exists(*keys_of(new_id, new_deliveries)) == 2 + 2 * 3
    assert redis_client.zrange(EVENTS_INDEX, 0, -1) == [new_id]
    assert redis_client.zrange(DEAD_LETTERS, 0, -1) == [new_deliveries[0]]
    assert redis_client.zrange(RETRIES, 0, -1) == [new_deliveries[1]]
    assert redis_client.zrange(INFLIGHT, 0, -1) == [new_deliveries[2]]


def test_the_cutoff_is_exact(redis_client):
    at_cutoff = make_event(redis_client, received_ts=NOW - 14 * SECONDS_PER_DAY)
    just_before = make_event(redis_client, received_ts=NOW - 14 * SECONDS_PER_DAY - 0.001)
    assert enforce_retention(redis_client, 14, now_ts=NOW) == 1
    assert redis_client.exists(event_key(at_cutoff)) and not redis_client.exists(event_key(just_before))


def test_many_events_are_deleted_in_batches(redis_client):
    old = [make_event(redis_client, received_ts=NOW - 30 * SECONDS_PER_DAY + i) for i in range(25)]
    for event_id in old[:5]:
        make_delivery(redis_client, event_id, status="dead")
    kept = make_event(redis_client, received_ts=NOW)
    assert enforce_retention(redis_client, 14, now_ts=NOW, batch_size=4) == 25
    assert redis_client.zrange(EVENTS_INDEX, 0, -1) == [kept]
    assert redis_client.zcard(DEAD_LETTERS) == 0
    assert sorted(redis_client.keys("hooks:*")) == sorted([EVENTS_INDEX, event_key(kept)])


@pytest.mark.parametrize("days", [0, -1])
def test_zero_days_keeps_everything(redis_client, days):
    make_event(redis_client, received_ts=NOW - 400 * SECONDS_PER_DAY)
    assert enforce_retention(redis_client, days, now_ts=NOW) == 0
    assert redis_client.zcard(EVENTS_INDEX) == 1


def test_the_scheduled_task_runs_on_a_worker(app, celery_worker, redis_client):
    old_id, old_deliveries = event_with_everything(redis_client, now() - 15 * SECONDS_PER_DAY)
    new_id = make_event(redis_client, received_ts=now() - 13 * SECONDS_PER_DAY)
    app.extensions["celery"].send_task(ENFORCE_RETENTION)
    wait_for(lambda: not redis_client.exists(event_key(old_id)), message="retention to run")
    assert redis_client.exists(*keys_of(old_id, old_deliveries)) == 0
    assert redis_client.zrange(EVENTS_INDEX, 0, -1) == [new_id]


def test_the_task_takes_an_injected_clock(app, celery_worker, redis_client):
    event_id = make_event(redis_client, received_ts=now())
    app.extensions["celery"].send_task(ENFORCE_RETENTION, kwargs={"now_ts": now() + 15 * SECONDS_PER_DAY})
    wait_for(lambda: not redis_client.exists(event_key(event_id)), message="retention to run")
    assert redis_client.zcard(EVENTS_INDEX) == 0


def test_beat_runs_retention_every_hour(app):
    schedule = app.extensions["celery"].conf.beat_schedule
    entries = [entry for entry in schedule.values() if entry["task"] == ENFORCE_RETENTION]
    assert [entry["schedule"] for entry in entries] == [3600]
