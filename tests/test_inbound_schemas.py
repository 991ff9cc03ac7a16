"""FoxOMS record families, the four body shapes, and incoming `fields:` contracts."""
import json

import pytest

from handlers.store.events import get_event
from schemas.foxoms import FAMILIES, family_of, schema_for_event
from schemas.incoming import build_schema
from tests.hooks_helpers import FIXTURES, FOX, PLAIN, signed_headers

GOOD_FIXTURES = sorted(
    p.name for p in (FIXTURES / "foxoms").glob("*.json") if "wrong" not in p.name and "missing" not in p.name
)


@pytest.mark.parametrize("name", GOOD_FIXTURES)
def test_every_good_fixture_is_accepted_with_its_record(hooks, redis_client, name):
    event_name = name.split("__")[0]
    body = (FIXTURES / "foxoms" / name).read_bytes()
    response = hooks.post(f"/hooks/foxoms/{event_name}", data=body, headers=FOX)
    assert response.status_code == 202, response.get_data(as_text=True)
    stored = get_event(redis_client, response.get_json()["event_id"])
    assert stored["name"] == event_name
    assert "id" in stored["payload"] and "data" not in stored["payload"]


@pytest.mark.parametrize(
    "shape",
    [
        lambda r: r,
        lambda r: {"data": r},
        lambda r: {"data": [r]},
        lambda r: {"event_name": "ignored-the-path-names-it", "data": r},
    ],
    ids=["bare", "data-object", "data-list", "envelope"],
)
def test_four_body_shapes_store_the_same_record(hooks, redis_client, shape):
    record = {"id": 6, "name": "Test Booking", "start": 1547501100, "custom": {"kept": True}}
    response = hooks.post("/hooks/foxoms/bookingCreated", json=shape(record), headers=FOX)
    stored = get_event(redis_client, response.get_json()["event_id"])
    assert stored["payload"] == record and stored["name"] == "bookingCreated"


def test_data_list_of_several_records_is_422(hooks):
    response = hooks.post("/hooks/foxoms/bookingCreated", json={"data": [{"id": 1}, {"id": 2}]}, headers=FOX)
    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]) == ["data"]


def test_errors_inside_data_are_named_with_their_path(hooks):
    response = hooks.post("/hooks/foxoms/bookingCreated", json={"data": [{"id": 1, "end": "later"}]}, headers=FOX)
    assert response.get_json()["error"]["fields"] == {"data.0.end": ["Not an integer."]}


def test_unknown_family_needs_only_an_id(hooks):
    assert hooks.post("/hooks/foxoms/somethingNew", json={"id": "7", "x": [1]}, headers=FOX).status_code == 202
    assert hooks.post("/hooks/foxoms/somethingNew", json={"x": 1}, headers=FOX).status_code == 422


@pytest.mark.parametrize(
    "event,family",
    [
        ("bookingCreated", "booking"), ("projectUpdated", "project"), ("invoiceCreated", "invoice"),
        ("quoteDeleted", "quote"), ("workOrderCreated", "workorder"), ("billableItemUpdated", "billableitem"),
        ("invoiceTemplateCreated", "invoicetemplate"), ("resourceCreated", "resource"),
        ("scheduleUpdated", "schedule"), ("contactCreated", "contact"), ("peopleCreated", "people"),
        ("personUpdated", "people"), ("groupCreated", "group"), ("organizationCreated", "organization"),
        ("statusCreated", "status"), ("customFieldCreated", "customfield"), ("rateSchemeCreated", "ratescheme"),
        ("unheardOfThing", None),
    ],
)
def test_family_of_event(event, family):
    assert family_of(event) == family


@pytest.mark.parametrize(
    "family,field,bad,good",
    [
        ("booking", "start", "tomorrow", 1547501100),
        ("booking", "all_day", "yes", False),
        ("booking", "resources", [1, 2], [{"id": 1}]),
        ("project", "name", 5, "Episode 459"),
        ("invoice", "total", "lots", "630.00"),
        ("quote", "currency", 36, "AUD"),
        ("workorder", "booking_id", "six", 6),
        ("billableitem", "cost", {"x": 1}, "10.00"),
        ("resource", "deleted", "no", 0),
        ("schedule", "working_week", "mon-fri", 0),
        ("contact", "client", "maybe", True),
        ("people", "primary_email", ["a"], "a@example.com"),
        ("group", "acl_admin", 7, "RW"),
        ("organization", "name", False, "ABC Australia"),
        ("status", "notification", "often", "1"),
        ("ratescheme", "default_unit", "daily", 1),
    ],
)
def test_documented_types_are_checked(family, field, bad, good):
    schema = schema_for_event(family + "Created")
    assert type(schema).__name__.lower() == family + "schema"
    assert field in schema.validate({"id": 1, field: bad})
    assert schema.validate({"id": 1, field: good, "unknown": {"kept": 1}}) == {}


def test_every_family_requires_an_id():
    for family in FAMILIES:
        assert "id" in schema_for_event(family + "Created").validate({"name": "x"}), family


INCOMING_CASES = [
    ({"type": "string"}, "x", 5),
    ({"type": "integer"}, 3, 3.5),
    ({"type": "integer"}, 3, True),
    ({"type": "number"}, 2.5, "2.5"),
    ({"type": "boolean"}, False, "false"),
    ({"type": "email"}, "a@example.com", "nobody"),
    ({"type": "url"}, "https://example.com/x", "not a url"),
    ({"type": "datetime"}, "2026-11-23T09:30:00Z", "23/11/2026"),
    ({"type": "list"}, [1, "a"], {"a": 1}),
    ({"type": "list", "of": "integer"}, [1, 2], [1, "2"]),
    ({"type": "object"}, {"a": 1}, [1]),
    ({"type": "integer", "min": 1, "max": 10}, 10, 11),
    ({"type": "number", "min": 0.5}, 0.5, 0.4),
    ({"type": "string", "min": 2, "max": 3}, "abc", "abcd"),
    ({"type": "list", "max": 1}, [1], [1, 2]),
    ({"type": "string", "choices": ["gold", "silver"]}, "gold", "bronze"),
    ({"type": "string", "pattern": "^[A-Z]{3}$"}, "AUD", "aud"),
]


@pytest.mark.parametrize("spec,good,bad", INCOMING_CASES)
def test_incoming_field_types_and_options(spec, good, bad):
    schema = build_schema({"value": spec})
    assert schema.validate({"value": good, "other": 1}) == {}
    assert "value" in schema.validate({"value": bad})


def test_incoming_required_and_optional():
    schema = build_schema({"name": {"type": "string", "required": True}, "note": {"type": "string"}})
    assert "name" in schema.validate({})
    assert "name" in schema.validate({"name": None})
    assert schema.validate({"name": "x", "note": None}) == {}


def test_incoming_hook_without_fields_takes_any_object(hooks, redis_client):
    response = hooks.post("/hooks/incoming/plain", json={"anything": [1, {"x": None}]}, headers=PLAIN)
    assert response.status_code == 202
    assert get_event(redis_client, response.get_json()["event_id"])["name"] == "received"


def test_incoming_event_name_comes_from_event_field(hooks, redis_client):
    body = (FIXTURES / "incoming" / "new-customer__signup.json").read_bytes()
    response = hooks.post("/hooks/incoming/new-customer", data=body, headers=signed_headers(body))
    assert response.status_code == 202, response.get_data(as_text=True)
    stored = get_event(redis_client, response.get_json()["event_id"])
    assert stored["name"] == "customer.created"
    assert stored["payload"] == json.loads(body)


def test_incoming_event_field_missing_means_received(hooks, redis_client):
    body = b'{"name": "Acme"}'
    response = hooks.post("/hooks/incoming/new-customer", data=body, headers=signed_headers(body))
    assert get_event(redis_client, response.get_json()["event_id"])["name"] == "received"


def test_incoming_event_field_not_a_string_is_422(hooks):
    body = b'{"name": "Acme", "type": {"nested": 1}}'
    response = hooks.post("/hooks/incoming/new-customer", data=body, headers=signed_headers(body))
    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]) == ["type"]


def test_stored_headers_hold_no_tokens_or_signatures(hooks, redis_client):
    body = b'{"name": "Acme"}'
    headers = {**signed_headers(body), "X-Hook-Token": "nc-token", "Cookie": "s=1", "X-Api-Secret": "s3", "User-Agent": "ua"}
    response = hooks.post("/hooks/incoming/new-customer?token=nc-token", data=body, headers=headers)
    stored = get_event(redis_client, response.get_json()["event_id"])
    names = {name.lower() for name in stored["headers"]}
    assert {"user-agent", "webhook-id", "webhook-timestamp"} <= names
    assert not names & {"authorization", "x-hook-token", "webhook-signature", "cookie", "x-api-secret"}
    raw = json.dumps(redis_client.hgetall(f"hooks:event:{stored['id']}"))
    assert "nc-token" not in raw and headers["webhook-signature"].split(",", 1)[1] not in raw
