"""Replaying a delivery that died rendering its templates renders it again first."""
from handlers.routing.route import route_event
from handlers.store.deliveries import get_delivery
from handlers.store.events import get_event
from tests.admin_helpers import ADMIN, make_event

ROUTES = """
sources:
  foxoms: {type: foxoms, tokens: ["t"]}
routes:
  - id: to-fiwit
    source: foxoms
    events: ["booking*"]
    actions:
      - id: ticket
        call: fiwit.create_ticket
        args:
          fields:
            name: "{{ %s }}"
"""
BROKEN = ROUTES % "payload.missing.name"
FIXED = ROUTES % "payload.name"
DELIVERY = "{event}:to-fiwit:ticket"


def _dead_at_rendering(make_app, redis_client):
    app = make_app(BROKEN)
    event_id = make_event(redis_client, payload={"id": 6, "name": "Test Booking"})
    route_event(redis_client, app.extensions["rules"], event_id, enqueue=lambda _id: None)
    delivery = get_delivery(redis_client, DELIVERY.format(event=event_id))
    assert delivery["status"] == "dead" and delivery["error_class"] == "TemplateRenderError"
    return event_id, delivery["id"]


def test_replay_with_fixed_rules_renders_and_queues(make_app, redis_client):
    event_id, delivery_id = _dead_at_rendering(make_app, redis_client)
    fixed = make_app(FIXED).test_client()
    response = fixed.post(f"/api/events/{event_id}/replay", headers=ADMIN)
    assert response.status_code == 202, response.get_json()
    delivery = get_delivery(redis_client, delivery_id)
    assert delivery["status"] == "pending"
    assert delivery["args"] == {"fields": {"name": "Test Booking"}}
    assert delivery["error_class"] == ""
    assert redis_client.llen("celery") == 1
    assert get_event(redis_client, event_id)["status"] == "routed"


def test_replay_with_still_broken_rules_sends_nothing(make_app, redis_client):
    event_id, delivery_id = _dead_at_rendering(make_app, redis_client)
    client = make_app(BROKEN).test_client()
    response = client.post(f"/api/events/{event_id}/replay?delivery={delivery_id}", headers=ADMIN)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "not_renderable"
    assert get_delivery(redis_client, delivery_id)["status"] == "dead"
    assert redis_client.llen("celery") == 0
    bulk = client.post("/api/dead-letters/replay", headers=ADMIN, json={})
    assert bulk.status_code == 202 and bulk.get_json()["replayed"] == 0
    assert redis_client.llen("celery") == 0


def test_replay_renders_within_the_configured_max_body_bytes(make_app, redis_client):
    """The re-render took the default MAX_BODY_BYTES (1 MiB), not the configured one."""
    event_id, delivery_id = _dead_at_rendering(make_app, redis_client)
    client = make_app(FIXED, MAX_BODY_BYTES=8).test_client()
    response = client.post(f"/api/events/{event_id}/replay?delivery={delivery_id}", headers=ADMIN)
    assert response.status_code == 409, response.get_json()
    assert "MAX_BODY_BYTES (8)" in response.get_json()["error"]["message"]
    assert get_delivery(redis_client, delivery_id)["status"] == "dead"
    assert redis_client.llen("celery") == 0
