"""Foxtag through the engine: per-record failures are kept, accepted batches are never resent."""

from handlers.store.deliveries import get_attempts, get_delivery
from handlers.store.events import get_event
from tests.helpers import wait_for
from tests.worker_helpers import deliver_in_worker


def records(count, invalid=()):
    return [{"name": f"Customer {n}", **({"invalid": True} if n in invalid else {})} for n in range(count)]


def run_delivery(app, redis_client, args, on_start=lambda: None):
    delivery_id = deliver_in_worker(app, redis_client, "foxtag.upsert", args, "succeeded", 20, on_start)
    return get_delivery(redis_client, delivery_id)


def test_record_failures_are_stored_and_not_retried(make_app, redis_client, foxtag_sim):
    app = make_app(FOXTAG_BASE_URL=foxtag_sim.url, FOXTAG_API_KEY=foxtag_sim.api_key)
    delivery = run_delivery(app, redis_client, {"resource": "customers", "records": records(150, invalid={4, 120})})
    assert [failure["index"] for failure in delivery["record_failures"]] == [4, 120]
    assert delivery["attempts"] == 1 and len(foxtag_sim.requests) == 2
    assert get_event(redis_client, delivery["event_id"])["status"] == "completed"


def test_a_retry_sends_only_the_batches_not_yet_accepted(make_app, redis_client, foxtag_sim):
    """The vendor limits the second batch (429): the retry starts at record 100."""
    app = make_app(FOXTAG_BASE_URL=foxtag_sim.url, FOXTAG_API_KEY=foxtag_sim.api_key, RETRY_SCHEDULE="0.2")
    foxtag_sim.set_rate_limit((1, 60.0))

    def lift_the_limit_after_the_429():
        wait_for(lambda: any(r.answered == 429 for r in foxtag_sim.requests), message="the 429")
        foxtag_sim.set_rate_limit(None)

    delivery = run_delivery(app, redis_client, {"resource": "customers", "records": records(250, invalid={3})},
                            on_start=lift_the_limit_after_the_429)
    accepted = [r for r in foxtag_sim.requests if r.answered == 200]
    assert [len(r.json) for r in accepted] == [100, 100, 50]
    assert accepted[1].json[0]["name"] == "Customer 100"
    assert [failure["index"] for failure in delivery["record_failures"]] == [3]
    assert [a["outcome"] for a in get_attempts(redis_client, delivery["id"])] == ["retrying", "succeeded"]
