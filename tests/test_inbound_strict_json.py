"""JSON is strict (docs/inbound.md "Strict JSON"): what Python's json module would take but a JSON store must
not is 400 invalid_json, never a 500, and nothing is stored. Through the test client on
every body path (incoming, FoxOMS, a batch), and against the Procfile's gunicorn."""
import json

import pytest

from handlers.inbound.strict_json import MAX_DEPTH, MAX_INTEGER_DIGITS, check_depth
from handlers.store.events import get_event
from tests.admin_helpers import ADMIN
from tests.web_process import WebProcess

ROUTES = """
sources:
  foxoms: {type: foxoms, tokens: ["fox-token"]}
  plain: {type: incoming, tokens: ["plain-token"]}
  batcher: {type: incoming, tokens: ["plain-token"], batch: true}
routes: []
"""
HEADERS = {"X-Hook-Token": "plain-token", "Content-Type": "application/json"}
FOX = {"X-Hook-Token": "fox-token", "Content-Type": "application/json"}


def nested(depth, opener="[", closer="]", inner="1"):
    return (opener * depth + inner + closer * depth).encode()


def nested_objects(depth):
    return ('{"a":' * depth + "1" + "}" * depth).encode()


# value -> a JSON text holding it where a record field goes; every one must be refused
REFUSED = {
    "NaN": b'{"id": 1, "v": NaN}',
    "Infinity": b'{"id": 1, "v": Infinity}',
    "-Infinity": b'{"id": 1, "v": -Infinity}',
    "1e400": b'{"id": 1, "v": 1e400}',
    "-1e400": b'{"id": 1, "v": -1e400}',
    "huge-mantissa": b'{"id": 1, "v": ' + b"9" * 400 + b'.0}',
    "1001-digit-int": b'{"id": 1, "v": ' + b"7" * (MAX_INTEGER_DIGITS + 1) + b"}",
    "negative-1001-digit-int": b'{"id": 1, "v": -' + b"7" * (MAX_INTEGER_DIGITS + 1) + b"}",
    "5000-digit-int": b'{"id": 1, "v": ' + b"7" * 5000 + b"}",  # over CPython's own 4300-digit limit
    "lone-high-surrogate": b'{"id": 1, "v": "\\ud800"}',
    "lone-low-surrogate": b'{"id": 1, "v": "x\\udc00y"}',
    "surrogate-in-a-key": b'{"id": 1, "\\ud83d": 1}',
    "reversed-pair": b'{"id": 1, "v": "\\ude00\\ud83d"}',
    "surrogate-in-a-list": b'{"id": 1, "v": [["\\udbff"]]}',
    "65-arrays": b'{"id": 1, "v": ' + nested(MAX_DEPTH) + b"}",
    "65-objects": nested_objects(MAX_DEPTH + 1).replace(b'{"a":', b'{"id": 1, "a":', 1),
    "100000-arrays": b'{"id": 1, "v": ' + nested(100_000) + b"}",
    "100000-open-brackets": b'{"id": 1, "v": ' + b"[" * 100_000,
}
ACCEPTED = {
    "depth-64": (b'{"id": 1, "v": ' + nested(MAX_DEPTH - 1) + b"}", None),
    "brackets-inside-strings": (b'{"id": 1, "v": "' + b"[{" * 5000 + b'"}', "[{" * 5000),
    "escaped-quote-then-brackets": (b'{"id": 1, "v": "\\"[[["}', '"[[['),
    "1000-digit-int": (b'{"id": 1, "v": ' + b"7" * MAX_INTEGER_DIGITS + b"}", int("7" * MAX_INTEGER_DIGITS)),
    "surrogate-pair": (b'{"id": 1, "v": "\\ud83d\\ude00"}', "\U0001F600"),
    "escaped-backslash-before-u": (b'{"id": 1, "v": "\\\\ud800"}', "\\ud800"),
    "long-digit-run-in-a-string": (b'{"id": 1, "v": "' + b"1" * 5000 + b'"}', "1" * 5000),
    "many-brackets-not-deep": (b'{"id": 1, "v": [' + b",".join([b"[1]"] * 500) + b"]}", [[1]] * 500),
    "largest-float": (b'{"id": 1, "v": 1.7976931348623157e308}', 1.7976931348623157e308),
    "tiny-float": (b'{"id": 1, "v": 1e-400}', 0.0),
}


@pytest.fixture
def hook_routes():
    return ROUTES


def assert_invalid_json(response, redis_client):
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.get_json()["error"]["code"] == "invalid_json"
    assert redis_client.keys("*") == []


@pytest.mark.parametrize("body", REFUSED.values(), ids=REFUSED.keys())
def test_incoming_refuses(hooks, redis_client, body):
    assert_invalid_json(hooks.post("/hooks/incoming/plain", data=body, headers=HEADERS), redis_client)


@pytest.mark.parametrize("body", REFUSED.values(), ids=REFUSED.keys())
def test_foxoms_refuses(hooks, redis_client, body):
    assert_invalid_json(hooks.post("/hooks/foxoms/bookingCreated", data=body, headers=FOX), redis_client)


@pytest.mark.parametrize("body", REFUSED.values(), ids=REFUSED.keys())
def test_batch_element_refuses(hooks, redis_client, body):
    batch = b'[{"id": 0}, ' + body + b"]"
    assert_invalid_json(hooks.post("/hooks/incoming/batcher", data=batch, headers=HEADERS), redis_client)


@pytest.mark.parametrize("body, value", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_accepted_edges_are_stored_and_served_as_valid_json(hooks, redis_client, body, value):
    response = hooks.post("/hooks/incoming/plain", data=body, headers=HEADERS)
    assert response.status_code == 202, response.get_data(as_text=True)[:300]
    event_id = response.get_json()["event_id"]
    if value is not None:
        assert get_event(redis_client, event_id)["payload"]["v"] == value
    served = hooks.get(f"/api/events/{event_id}", headers=ADMIN)
    assert served.status_code == 200
    text = served.get_data(as_text=True)
    json.loads(text, parse_constant=lambda name: pytest.fail(f"served {name}"))
    text.encode("utf-8")  # no lone surrogate in what we serve


def test_depth_is_measured_without_recursion():
    check_depth(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH)
    with pytest.raises(Exception) as caught:
        check_depth(b"[" * 1_000_000)
    assert caught.value.code == "invalid_json"


# -- against the Procfile's gunicorn web process --------------------------------------------

@pytest.fixture(scope="module")
def web(tmp_path_factory, redis_url):
    process = WebProcess(tmp_path_factory.mktemp("web-strict-json"), ROUTES, redis_url).start()
    yield process
    process.stop()


@pytest.mark.parametrize("name", ["NaN", "1e400", "5000-digit-int", "lone-high-surrogate", "100000-arrays"])
def test_web_refuses(web, redis_client, name):
    response = web.post("/hooks/incoming/plain", data=REFUSED[name], headers=HEADERS)
    assert response.status_code == 400, response.text[:300]
    assert response.json()["error"]["code"] == "invalid_json"
    assert redis_client.keys("*") == []
