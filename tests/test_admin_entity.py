"""Record-id search and time bounds: the entity index written when an event is routed,
GET /api/events?entity=&since=&until=, and retention taking events out of the index."""
import pytest

from handlers.admin.retention import enforce_retention
from handlers.routing.entity import entity_of, normalise_entity
from handlers.routing.route import route_event
from handlers.store.codec import now
from handlers.store.entities import entity_key
from tests.admin_helpers import ADMIN, make_event

INCOMING_ROUTES = """
sources:
  foxoms: {type: foxoms, tokens: ["foxoms-test-token"], events: [bookingCreated]}
  asset-expiring:
    type: incoming
    tokens: ["t"]
    fields: {id: {type: integer}}
routes: []
"""


@pytest.mark.parametrize("source_type, source, name, payload, expected", [
    ("foxoms", "foxoms", "bookingCreated", {"id": 933894}, "booking:933894"),
    ("foxoms", "foxoms", "contactUpdated", {"id": "12"}, "contact:12"),
    ("incoming", "asset-expiring", "received", {"id": 7}, "asset-expiring:7"),
    ("foxoms", "foxoms", "bookingCreated", {"name": "no id"}, None),
    ("foxoms", "foxoms", "bookingCreated", {"id": True}, None),
    ("foxoms", "foxoms", "bookingCreated", {"id": {"nested": 1}}, None),
    ("foxoms", "foxoms", "BookingCreated", {"id": 1}, "booking:1"),  # the family as the schemas read it
    ("foxoms", "foxoms", "workOrderUpdated", {"id": 5}, "workorder:5"),
    ("foxoms", "foxoms", "personCreated", {"id": 6}, "people:6"),
    ("foxoms", "foxoms", "gadgetCreated", {"id": 8}, "gadget:8"),  # no schema: the leading word
    ("incoming", "s", "received", {"id": ""}, None),
])
def test_entity_of(source_type, source, name, payload, expected):
    assert entity_of(source_type, source, name, payload) == expected


@pytest.mark.parametrize("typed, expected", [
    ("booking 933894", "booking:933894"), (" booking:933894 ", "booking:933894"), ("booking:  1", "booking:1"),
])
def test_what_an_operator_types_is_an_entity(typed, expected):
    assert normalise_entity(typed) == expected


def route(app, redis_client, event_id):
    return route_event(redis_client, app.extensions["rules"], event_id, enqueue=lambda _: None)


@pytest.fixture
def app(make_app):
    return make_app(INCOMING_ROUTES)


def test_routing_indexes_the_record_id_and_the_api_finds_it(app, client, redis_client):
    wanted = make_event(redis_client, payload={"id": 933894})
    make_event(redis_client, payload={"id": 933895})
    other_source = make_event(redis_client, source="asset-expiring", name="received", payload={"id": 933894})
    for event_id in redis_client.zrange("hooks:events", 0, -1):
        route(app, redis_client, event_id)
    answer = client.get("/api/events?entity=booking:933894", headers=ADMIN).get_json()
    assert [e["id"] for e in answer["events"]] == [wanted]
    answer = client.get("/api/events?entity=asset-expiring:933894", headers=ADMIN).get_json()
    assert [e["id"] for e in answer["events"]] == [other_source]
    assert client.get("/api/events?entity=booking:1", headers=ADMIN).get_json()["events"] == []


def test_routing_twice_indexes_once(app, redis_client):
    event_id = make_event(redis_client, payload={"id": 5})
    route(app, redis_client, event_id)
    route(app, redis_client, event_id)
    assert redis_client.zrange(entity_key("booking:5"), 0, -1) == [event_id]


def test_entity_pages_follow_the_cursor(app, client, redis_client):
    start = now() - 100
    ids = [make_event(redis_client, payload={"id": 9}, received_ts=start + n) for n in range(5)]
    for event_id in ids:
        route(app, redis_client, event_id)
    first = client.get("/api/events?entity=booking:9&limit=3", headers=ADMIN).get_json()
    second = client.get(f"/api/events?entity=booking:9&limit=3&cursor={first['next_cursor']}", headers=ADMIN).get_json()
    assert [e["id"] for e in first["events"] + second["events"]] == ids[::-1]
    assert second["next_cursor"] is None


def test_since_and_until_bound_the_walk(client, redis_client):
    ids = [make_event(redis_client, received_ts=1_800_000_000 + 60 * n) for n in range(5)]
    answer = client.get("/api/events?since=2027-01-15T08:01:00Z&until=1800000180", headers=ADMIN).get_json()
    assert [e["id"] for e in answer["events"]] == [ids[3], ids[2], ids[1]]
    first = client.get("/api/events?since=1800000060&until=1800000180&limit=2", headers=ADMIN).get_json()
    rest = client.get(f"/api/events?since=1800000060&until=1800000180&limit=2&cursor={first['next_cursor']}",
                      headers=ADMIN).get_json()
    assert [e["id"] for e in first["events"] + rest["events"]] == [ids[3], ids[2], ids[1]]


@pytest.mark.parametrize("query", ["since=tuesday", "until=inf", "since=nan", "entity=" + "x" * 300])
def test_bad_bounds_are_422(client, query):
    response = client.get(f"/api/events?{query}", headers=ADMIN)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid_query"


def test_retention_takes_the_event_out_of_its_record_index(app, redis_client):
    old = make_event(redis_client, payload={"id": 3}, received_ts=now() - 30 * 86_400)
    new = make_event(redis_client, payload={"id": 3})
    route(app, redis_client, old)
    route(app, redis_client, new)
    assert enforce_retention(redis_client, 14) == 1
    assert redis_client.zrange(entity_key("booking:3"), 0, -1) == [new]
