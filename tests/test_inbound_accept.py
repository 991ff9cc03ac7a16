"""The one-round-trip store: Lua writes event + dedupe key + index + Celery message.

The message format is proven by the real worker: a message built by the store's message
templates and pushed by the Lua script runs the existing task "probe.write"; it is compared
value by value with send_task's in tests/test_inbound_enqueue.py.
"""
import uuid

import pytest

from handlers.inbound.enqueue import decode_task_message
from handlers.inbound.accept import InboundStore, StoreUnavailable
from handlers.store.events import EVENTS_INDEX, get_event
from handlers.store.keys import key
from handlers.task_names import PROBE_WRITE, ROUTE_EVENT
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
    event_id, duplicate = app.extensions["inbound_store"].store_event(
        event(), key("dedupe", "plain", token), task=(PROBE_WRITE, [token, "written-by-worker"]),
    )
    assert (event_id, duplicate) == ("evt_test", False)
    value = wait_for(lambda: redis_client.get(key("probe", token)), timeout=20, message="probe.write to run")
    assert value == "written-by-worker"


def test_store_writes_everything_in_one_call(app, redis_client):
    dedupe = key("dedupe", "plain", "abc")
    app.extensions["inbound_store"].store_event(event(), dedupe)
    stored = get_event(redis_client, "evt_test")
    assert stored["payload"] == {"a": 1} and stored["status"] == "received"
    assert stored["dedupe_key"] == dedupe
    assert redis_client.get(dedupe) == "evt_test"
    assert redis_client.zscore(EVENTS_INDEX, "evt_test") == pytest.approx(1_700_000_000.5)
    assert [decode_task_message(m) for m in redis_client.lrange("celery", 0, -1)] == [
        (ROUTE_EVENT, ["evt_test"], {})
    ]


def test_duplicate_writes_nothing_new(app, redis_client):
    store = app.extensions["inbound_store"]
    dedupe = key("dedupe", "plain", "abc")
    store.store_event(event("evt_first"), dedupe)
    assert store.store_event(event("evt_second"), dedupe) == ("evt_first", True)
    assert redis_client.exists(key("event", "evt_second")) == 0
    assert redis_client.llen("celery") == 1


def test_unreachable_redis_raises_store_unavailable(app):
    from handlers.redis_client import client_from_url

    dead = InboundStore(client_from_url("redis://127.0.0.1:1/0"), app.extensions["celery"])
    with pytest.raises(StoreUnavailable) as caught:
        dead.store_event(event(), key("dedupe", "plain", "x"))
    assert caught.value.status == 503


def test_store_survives_a_script_flush(app, redis_client):
    """EVALSHA answers NOSCRIPT after a restart or SCRIPT FLUSH: the call falls back to EVAL."""
    store = app.extensions["inbound_store"]
    store.store_event(event("evt_before"), key("dedupe", "plain", "before"))
    redis_client.script_flush()
    assert store.store_event(event("evt_after"), key("dedupe", "plain", "after")) == ("evt_after", False)
    assert get_event(redis_client, "evt_after")["status"] == "received"


def test_store_reconnects_after_its_connection_is_killed(app, redis_client):
    """A dropped connection gives one StoreUnavailable at most, then the next call reconnects."""
    store = app.extensions["inbound_store"]
    store.store_event(event("evt_one"), key("dedupe", "plain", "one"))
    held = store.script.idle[-1]  # the connection the call above put back
    held.send_command("CLIENT", "ID")
    assert redis_client.client_kill_filter(_id=held.read_response()) == 1
    outcomes = []
    for number in range(2):
        try:
            outcomes.append(store.store_event(event(f"evt_re{number}"), key("dedupe", "plain", f"re{number}")))
        except StoreUnavailable:
            outcomes.append("unavailable")
    assert outcomes[-1] == ("evt_re1", False)
    assert get_event(redis_client, "evt_re1") is not None
