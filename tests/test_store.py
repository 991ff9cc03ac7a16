"""Event and delivery records in Redis."""
import pytest

from handlers.store import deliveries, events


def test_event_round_trip(redis_client):
    event_id = events.new_event_id(1_700_000_000.5)
    record = events.event_record(event_id, "foxoms", "bookingCreated", {"id": 6, "name": "x"}, {"user-agent": "t"}, 1_700_000_000.5)
    events.save_event(redis_client, record)
    stored = events.get_event(redis_client, event_id)
    assert stored["payload"] == {"id": 6, "name": "x"}
    assert stored["received_at"] == "2023-11-14T22:13:20.500Z"
    assert stored["status"] == "received"
    assert redis_client.zscore(events.EVENTS_INDEX, event_id) == 1_700_000_000.5
    events.set_event_status(redis_client, event_id, "routed")
    assert events.get_event(redis_client, event_id)["status"] == "routed"
    with pytest.raises(ValueError):
        events.set_event_status(redis_client, event_id, "bogus")


def test_event_ids_sort_by_time():
    assert events.new_event_id(1000.0) < events.new_event_id(1000.002) < events.new_event_id(2000.0)


def test_delivery_created_once(redis_client):
    record = deliveries.delivery_record("evt_1", "route-a", "ticket", "fiwit.create_ticket", {"fields": {"name": "n"}})
    assert deliveries.create_delivery(redis_client, record) is True
    deliveries.update_delivery(redis_client, record["id"], status="succeeded")
    assert deliveries.create_delivery(redis_client, record) is False
    stored = deliveries.get_delivery(redis_client, "evt_1:route-a:ticket")
    assert stored["status"] == "succeeded"
    assert stored["vendor"] == "fiwit"
    assert stored["args"] == {"fields": {"name": "n"}}
    assert deliveries.event_delivery_ids(redis_client, "evt_1") == ["evt_1:route-a:ticket"]


def test_attempts_are_counted(redis_client):
    record = deliveries.delivery_record("evt_2", "r", "a", "http.post", {})
    deliveries.create_delivery(redis_client, record)
    deliveries.append_attempt(redis_client, record["id"], {"status": 503})
    deliveries.append_attempt(redis_client, record["id"], {"status": 200})
    assert deliveries.get_delivery(redis_client, record["id"])["attempts"] == 2
    assert [a["status"] for a in deliveries.get_attempts(redis_client, record["id"])] == [503, 200]
