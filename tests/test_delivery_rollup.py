"""An event's status rolls up from its deliveries."""
import pytest

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
