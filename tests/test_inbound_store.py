"""The one-round-trip store: Lua writes event + dedupe key + index + Celery message.

The message format is proven by the real worker: a message built by task_message and
pushed by the Lua script runs the existing task "probe.write".
"""
import json
import uuid

import pytest

from handlers.inbound.enqueue import decode_task_message, queue_name, task_message
from handlers.inbound.store import StoreUnavailable, store_event
from handlers.store.events import EVENTS_INDEX, get_event
from handlers.store.keys import key
from tests.helpers import wait_for


def event(event_id="evt_test", payload=None):
    return dict(
        event_id=event_id,
        source="plain",
        name="received",
        payload=payload or {"a": 1},
        headers={"User-Agent": "test"},
        received_ts=1_700_000_000.5,
    )


def test_worker_runs_a_message_pushed_by_the_lua_script(app, redis_client, celery_worker):
    token = uuid.uuid4().hex
    celery_app = app.extensions["celery"]
    event_id, duplicate = store_event(
        redis_client, celery_app, queue_name(celery_app), event(), key("dedupe", "plain", token),
        task=("probe.write", [token, "written-by-worker"]),
    )
    assert (event_id, duplicate) == ("evt_test", False)
    value = wait_for(lambda: redis_client.get(key("probe", token)), timeout=20, message="probe.write to run")
    assert value == "written-by-worker"


def test_message_matches_what_send_task_queues(app, redis_client):
    celery_app = app.extensions["celery"]
    celery_app.send_task("probe.write", args=["a", "b"])
    (sent,) = redis_client.lrange("celery", 0, -1)
    _, built = task_message(celery_app, "probe.write", ["a", "b"])
    sent, built = json.loads(sent), json.loads(built)
    assert set(built) == set(sent)
    assert set(built["headers"]) == set(sent["headers"])
    for name in ("content-type", "content-encoding", "body"):
        assert built[name] == sent[name]
    assert {k: built["properties"][k] for k in ("delivery_info", "priority", "body_encoding", "delivery_mode")} == {
        k: sent["properties"][k] for k in ("delivery_info", "priority", "body_encoding", "delivery_mode")
    }
    assert decode_task_message(json.dumps(built)) == ("probe.write", ["a", "b"], {})


def test_store_writes_everything_in_one_call(app, redis_client):
    celery_app = app.extensions["celery"]
    dedupe = key("dedupe", "plain", "abc")
    store_event(redis_client, celery_app, "celery", event(), dedupe)
    stored = get_event(redis_client, "evt_test")
    assert stored["payload"] == {"a": 1} and stored["status"] == "received"
    assert stored["dedupe_key"] == dedupe
    assert redis_client.get(dedupe) == "evt_test"
    assert redis_client.zscore(EVENTS_INDEX, "evt_test") == pytest.approx(1_700_000_000.5)
    assert [decode_task_message(m) for m in redis_client.lrange("celery", 0, -1)] == [
        ("routing.route_event", ["evt_test"], {})
    ]


def test_duplicate_writes_nothing_new(app, redis_client):
    celery_app = app.extensions["celery"]
    dedupe = key("dedupe", "plain", "abc")
    store_event(redis_client, celery_app, "celery", event("evt_first"), dedupe)
    assert store_event(redis_client, celery_app, "celery", event("evt_second"), dedupe) == ("evt_first", True)
    assert redis_client.exists(key("event", "evt_second")) == 0
    assert redis_client.llen("celery") == 1


def test_unreachable_redis_raises_store_unavailable(app):
    from handlers.redis_client import client_from_url

    dead = client_from_url("redis://127.0.0.1:1/0")
    celery_app = app.extensions["celery"]
    with pytest.raises(StoreUnavailable) as caught:
        store_event(dead, celery_app, "celery", event(), key("dedupe", "plain", "x"))
    assert caught.value.status == 503
