"""One test per row of the status table of docs/inbound.md (and nothing stored unless 202)."""
import json

import pytest
from werkzeug.test import EnvironBuilder, TestResponse, run_wsgi_app

from handlers.inbound.enqueue import decode_task_message
from handlers.store.events import EVENTS_INDEX, event_key, get_event
from handlers.task_names import ROUTE_EVENT
from tests.hooks_helpers import FIXTURES, FOX, PLAIN, ROUTES, signed_headers


def fixture_bytes(name):
    return (FIXTURES / name).read_bytes()


def queued(redis_client):
    return [decode_task_message(text) for text in redis_client.lrange("celery", 0, -1)]


def assert_error(response, status, code=None):
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["message"]
    if code:
        assert error["code"] == code
    return error


def assert_nothing_stored(redis_client):
    assert redis_client.keys("*") == []


def test_202_stores_the_event_and_queues_its_routing(hooks, redis_client):
    body = fixture_bytes("foxoms/bookingCreated__list_response.json")
    response = hooks.post("/hooks/foxoms/bookingCreated", data=body, headers=FOX)
    assert response.status_code == 202
    answer = response.get_json()
    assert answer["duplicate"] is False
    event = get_event(redis_client, answer["event_id"])
    assert event["source"] == "foxoms" and event["name"] == "bookingCreated"
    assert event["status"] == "received"
    assert event["payload"] == json.loads(body)["data"][0]
    assert event["received_at"].endswith("Z")
    assert redis_client.zscore(EVENTS_INDEX, answer["event_id"]) is not None
    assert queued(redis_client) == [(ROUTE_EVENT, [answer["event_id"]], {})]


def test_202_duplicate_answers_the_first_id_and_queues_nothing(hooks, redis_client):
    body = fixture_bytes("foxoms/bookingCreated__bare_record.json")
    first = hooks.post("/hooks/foxoms/bookingCreated", data=body, headers=FOX).get_json()
    again = hooks.post("/hooks/foxoms/bookingCreated", data=body, headers=FOX)
    assert again.status_code == 202
    assert again.get_json() == {"event_id": first["event_id"], "duplicate": True}
    assert len(queued(redis_client)) == 1
    assert redis_client.zcard(EVENTS_INDEX) == 1


def test_the_same_body_as_another_event_is_not_a_duplicate(hooks, redis_client):
    body = fixture_bytes("foxoms/bookingCreated__bare_record.json")
    first = hooks.post("/hooks/foxoms/bookingCreated", data=body, headers=FOX).get_json()
    other = hooks.post("/hooks/foxoms/bookingUpdated", data=body, headers=FOX).get_json()
    assert other["duplicate"] is False and other["event_id"] != first["event_id"]


@pytest.mark.parametrize("header", ["webhook-id", "Idempotency-Key"])
def test_a_repeated_message_id_header_is_a_duplicate_even_with_another_body(hooks, redis_client, header):
    first = hooks.post("/hooks/incoming/plain", json={"n": 1}, headers={**PLAIN, header: "abc-1"}).get_json()
    again = hooks.post("/hooks/incoming/plain", json={"n": 2}, headers={**PLAIN, header: "abc-1"}).get_json()
    assert again == {"event_id": first["event_id"], "duplicate": True}
    assert len(queued(redis_client)) == 1


def test_dedupe_key_expires_after_24_hours(hooks, redis_client):
    hooks.post("/hooks/incoming/plain", json={"n": 1}, headers=PLAIN)
    (dedupe,) = redis_client.keys("hooks:dedupe:plain:*")
    assert 24 * 3600 - 60 < redis_client.ttl(dedupe) <= 24 * 3600


@pytest.mark.parametrize("body", [b"{not json", b"", b"\xff\xfe"], ids=["broken", "empty", "not-utf8"])
def test_400_body_is_not_json(hooks, redis_client, body):
    assert_error(hooks.post("/hooks/incoming/plain", data=body, headers=PLAIN), 400, "invalid_json")
    assert_nothing_stored(redis_client)


@pytest.mark.parametrize("body", [b"[]", b"[{\"id\": 1}]", b"42", b"\"text\"", b"null"])
def test_400_body_is_not_an_object(hooks, redis_client, body):
    assert_error(hooks.post("/hooks/foxoms/bookingCreated", data=body, headers=FOX), 400, "invalid_json")
    assert_nothing_stored(redis_client)


def test_401_without_a_token(hooks, redis_client):
    response = hooks.post("/hooks/foxoms/bookingCreated", json={"id": 1})
    assert "missing token" in assert_error(response, 401, "unauthorized")["message"]
    assert_nothing_stored(redis_client)


def test_401_bad_signature(hooks, redis_client):
    body = b'{"name": "Acme"}'
    headers = signed_headers(body, key=b"someone-else")
    assert_error(hooks.post("/hooks/incoming/new-customer", data=body, headers=headers), 401)
    assert_nothing_stored(redis_client)


def test_404_no_such_incoming_hook(hooks, redis_client):
    assert_error(hooks.post("/hooks/incoming/nope", json={}, headers=PLAIN), 404, "unknown_source")
    assert_nothing_stored(redis_client)


def test_404_a_foxoms_name_under_incoming(hooks):
    assert_error(hooks.post("/hooks/incoming/foxoms", json={"id": 1}, headers=FOX), 404)


def test_404_foxoms_hook_without_a_foxoms_source(make_app):
    routes = "sources:\n  plain: {type: incoming, tokens: [t]}\nroutes: []\n"
    client = make_app(routes).test_client()
    assert_error(client.post("/hooks/foxoms/bookingCreated", json={"id": 1}, headers=FOX), 404)


def test_410_disabled_source(hooks, redis_client):
    response = hooks.post("/hooks/incoming/retired", json={"a": 1}, headers={"X-Hook-Token": "retired-token"})
    assert_error(response, 410, "source_disabled")
    assert_nothing_stored(redis_client)


def test_413_content_length_over_the_limit(make_app, redis_client):
    client = make_app(ROUTES, MAX_BODY_BYTES=64).test_client()
    body = json.dumps({"padding": "x" * 100}).encode()
    assert_error(client.post("/hooks/incoming/plain", data=body, headers=PLAIN), 413, "payload_too_large")
    assert_nothing_stored(redis_client)


def test_413_chunked_body_over_the_limit_is_read_no_further(make_app, redis_client):
    app = make_app(ROUTES, MAX_BODY_BYTES=64)
    read = []

    class EndlessBody:
        def read(self, size=-1):
            read.append(size)
            return b" " * (size if size and size > 0 else 1024)

    builder = EnvironBuilder(path="/hooks/incoming/plain", method="POST", headers={**PLAIN, "Transfer-Encoding": "chunked"})
    environ = builder.get_environ()
    environ.pop("CONTENT_LENGTH", None)
    environ.update({"wsgi.input": EndlessBody(), "wsgi.input_terminated": True})
    response = TestResponse(*run_wsgi_app(app, environ, buffered=True), request=None)
    assert_error(response, 413)
    assert sum(read) <= 65
    assert_nothing_stored(redis_client)


def test_body_at_the_limit_is_accepted(make_app, redis_client):
    client = make_app(ROUTES, MAX_BODY_BYTES=64).test_client()
    body = b'{"p": "' + b"x" * (64 - 9) + b'"}'
    assert len(body) == 64
    assert client.post("/hooks/incoming/plain", data=body, headers=PLAIN).status_code == 202


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded", "application/xml"])
def test_415_not_json(hooks, redis_client, content_type):
    headers = {"X-Hook-Token": "plain-token"}
    if content_type:
        headers["Content-Type"] = content_type
    response = hooks.post("/hooks/incoming/plain", data=b'{"a": 1}', headers=headers)
    assert_error(response, 415, "unsupported_media_type")
    assert_nothing_stored(redis_client)


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "application/vnd.api+json"])
def test_json_media_types_are_accepted(hooks, content_type):
    headers = {"X-Hook-Token": "plain-token", "Content-Type": content_type}
    assert hooks.post("/hooks/incoming/plain", data=b'{"a": 1}', headers=headers).status_code == 202


def test_422_foxoms_record_names_each_failing_field(hooks, redis_client):
    body = fixture_bytes("foxoms/bookingCreated__wrong_types.json")
    error = assert_error(hooks.post("/hooks/foxoms/bookingCreated", data=body, headers=FOX), 422, "invalid_payload")
    assert set(error["fields"]) == {"start", "all_day", "status"}
    assert error["fields"]["start"] == ["Not an integer."]
    assert_nothing_stored(redis_client)


def test_422_foxoms_record_without_id(hooks, redis_client):
    body = fixture_bytes("foxoms/bookingCreated__missing_id.json")
    error = assert_error(hooks.post("/hooks/foxoms/bookingCreated", data=body, headers=FOX), 422)
    assert error["fields"] == {"id": ["Missing data for required field."]}
    assert_nothing_stored(redis_client)


def test_422_incoming_contract_names_each_failing_field(hooks, redis_client):
    body = json.dumps({"email": "not-an-address", "seats": 0, "tags": ["ok", 3]}).encode()
    response = hooks.post("/hooks/incoming/new-customer", data=body, headers=signed_headers(body))
    error = assert_error(response, 422)
    assert set(error["fields"]) == {"name", "email", "seats", "tags.1"}
    assert_nothing_stored(redis_client)


def test_503_when_redis_is_unreachable(make_app):
    client = make_app(ROUTES, REDIS_URL="redis://127.0.0.1:1/0").test_client()
    response = client.post("/hooks/incoming/plain", json={"a": 1}, headers=PLAIN)
    assert_error(response, 503, "store_unavailable")


def test_503_when_the_routes_file_is_broken(make_app, redis_client):
    client = make_app("sources: {broken: {type: nope}}\n").test_client()
    error = assert_error(client.post("/hooks/incoming/plain", json={"a": 1}, headers=PLAIN), 503, "rules_unavailable")
    assert "sources.broken" not in error["message"]  # the rules' problems are for the admin API only
    assert_nothing_stored(redis_client)


@pytest.mark.parametrize(
    "path,config,status",
    [
        ("/hooks/incoming/nope", {}, 404),
        ("/hooks/incoming/retired", {}, 410),
        ("/hooks/incoming/plain", {"MAX_BODY_BYTES": 4}, 413),
    ],
    ids=["404-before-401", "410-before-401", "413-before-401"],
)
def test_checks_run_in_the_documented_order(make_app, path, config, status):
    client = make_app(ROUTES, **config).test_client()
    response = client.post(path, data=b"not json", headers={"Content-Type": "text/plain"})
    assert response.status_code == status
