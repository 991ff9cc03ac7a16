"""Filters decided inside Redis (handlers/admin/event_filter.py) agree with the records."""
from handlers.admin.event_filter import matches
from handlers.admin.queries import list_events
from handlers.store.events import EVENTS_INDEX, event_key
from tests.admin_helpers import make_event


def test_every_field_must_match_and_a_missing_hash_never_does(redis_client):
    both = make_event(redis_client, source="foxoms", status="failed")
    wrong_status = make_event(redis_client, source="foxoms", status="completed")
    redis_client.zadd(EVENTS_INDEX, {"evt_gone": 1.0})
    keys = [event_key(i) for i in (both, wrong_status, "evt_gone")]
    assert matches(redis_client, keys, {"source": "foxoms", "status": "failed"}) == [True, False, False]


def test_a_filtered_page_carries_full_summaries(redis_client):
    wanted = make_event(redis_client, name="bookingUpdated", status="failed", payload={"id": 2})
    make_event(redis_client, name="bookingUpdated", status="completed")
    redis_client.zadd(EVENTS_INDEX, {"evt_gone": 9e9})
    answer = list_events(redis_client, 10, status="failed", event="bookingUpdated")
    assert [e["id"] for e in answer["events"]] == [wanted]
    summary = answer["events"][0]
    assert summary["name"] == "bookingUpdated" and summary["source"] == "foxoms" and summary["received_at"]
    assert summary["deliveries"]["total"] == 0
