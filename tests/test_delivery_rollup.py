"""An event's status rolls up from its deliveries."""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers.delivery.rollup import event_status_for, rollup_event
from handlers.store.deliveries import create_delivery, delivery_record, update_delivery
from handlers.store.events import event_record, get_event, save_event, set_event_status


@pytest.mark.parametrize("statuses, expected", [
    ([], None),
    (["succeeded"], "completed"),
    (["succeeded", "succeeded"], "completed"),
    (["dead"], "failed"),
    (["dead", "dead"], "failed"),
    (["succeeded", "dead"], "partially_failed"),
    (["succeeded", "pending"], "routed"),
    (["dead", "retrying"], "routed"),
    (["succeeded", "dead", "retrying"], "routed"),
])
def test_event_status_for(statuses, expected):
    assert event_status_for(statuses) == expected


def store_event(redis_client, statuses, event_status="routed"):
    save_event(redis_client, event_record("evt_r", "foxoms", "bookingCreated", {"id": 1}, {}, 1_800_000_000.0))
    set_event_status(redis_client, "evt_r", event_status)
    for number, status in enumerate(statuses):
        create_delivery(redis_client, delivery_record("evt_r", "route", f"a{number}", "http.post", {}))
        update_delivery(redis_client, f"evt_r:route:a{number}", status=status)


@pytest.mark.parametrize("statuses, expected", [
    (["succeeded", "succeeded"], "completed"),
    (["dead", "dead"], "failed"),
    (["succeeded", "dead"], "partially_failed"),
    (["succeeded", "retrying"], "routed"),
])
def test_rollup_event_stores_the_status(redis_client, statuses, expected):
    store_event(redis_client, statuses)
    assert rollup_event(redis_client, "evt_r") == expected
    assert get_event(redis_client, "evt_r")["status"] == expected


def test_a_replayed_delivery_reopens_a_failed_event(redis_client):
    store_event(redis_client, ["dead", "pending"], event_status="failed")
    assert rollup_event(redis_client, "evt_r") == "routed"


def test_an_event_still_being_routed_is_left_alone(redis_client):
    store_event(redis_client, ["succeeded"], event_status="received")
    assert rollup_event(redis_client, "evt_r") == "received"
    assert get_event(redis_client, "evt_r")["status"] == "received"


STATUSES = ["pending", "retrying", "succeeded", "dead"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(statuses=st.lists(st.sampled_from(STATUSES), max_size=5),
       current=st.sampled_from(["received", "routed", "completed", "partially_failed", "failed", "ignored"]))
def test_the_lua_rollup_follows_event_status_for(redis_client, statuses, current):
    """rollup_event (one Lua call) stores what event_status_for says, for any mix."""
    redis_client.flushdb()
    store_event(redis_client, statuses, event_status=current)
    expected = current
    if current in ("routed", "completed", "partially_failed", "failed"):
        expected = event_status_for(statuses) or current
    assert rollup_event(redis_client, "evt_r") == expected
    assert get_event(redis_client, "evt_r")["status"] == expected


def test_rollup_of_a_missing_event_is_none(redis_client):
    assert rollup_event(redis_client, "evt_missing") is None
