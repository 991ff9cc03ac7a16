"""`flask send SOURCE EVENT FILE`: a fixture posted over HTTP to a served app."""
import json
import time

import pytest

from handlers.inbound.enqueue import decode_task_message
from handlers.inbound.verify import verify_signature
from handlers.store.events import get_event
from handlers.task_names import ROUTE_EVENT
from tests.drill_helpers import ServedApp
from tests.hooks_helpers import FIXTURES, ROUTES


@pytest.fixture
def served(make_app):
    with ServedApp(make_app(ROUTES)) as served:
        yield served


@pytest.fixture
def send(make_app, served):
    """`flask send` from a CLI app of its own, posting to the served app over HTTP."""
    cli_app = make_app(ROUTES, PUBLIC_BASE_URL=served.url)

    def invoke(*args):
        return cli_app.test_cli_runner().invoke(args=["send", *args])

    return invoke


def answer(result):
    status, _, body = result.output.partition("\n")
    return int(status), json.loads(body)


def test_send_foxoms_fixture(send, redis_client):
    result = send("foxoms", "bookingCreated", str(FIXTURES / "foxoms/bookingCreated__list_response.json"))
    assert result.exit_code == 0, result.output
    status, body = answer(result)
    assert status == 202 and body["duplicate"] is False
    event = get_event(redis_client, body["event_id"])
    assert event["name"] == "bookingCreated" and event["payload"]["name"] == "Test Booking"
    assert [decode_task_message(m)[0] for m in redis_client.lrange("celery", 0, -1)] == [ROUTE_EVENT]
    assert "fox-token" not in result.output


def test_send_signs_for_a_signed_source(send, redis_client):
    result = send("new-customer", "ignored", str(FIXTURES / "incoming/new-customer__signup.json"))
    assert result.exit_code == 0, result.output
    status, body = answer(result)
    assert status == 202
    assert get_event(redis_client, body["event_id"])["name"] == "customer.created"


def test_send_twice_reports_the_duplicate(send):
    path = str(FIXTURES / "foxoms/peopleCreated__person.json")
    first = answer(send("foxoms", "peopleCreated", path))[1]
    assert answer(send("foxoms", "peopleCreated", path))[1] == {"event_id": first["event_id"], "duplicate": True}


def test_send_exits_non_zero_on_a_rejection(send, redis_client):
    result = send("foxoms", "bookingCreated", str(FIXTURES / "foxoms/bookingCreated__wrong_types.json"))
    assert result.exit_code == 1
    status, body = answer(result)
    assert status == 422 and "start" in body["error"]["fields"]
    assert redis_client.keys("*") == []


def test_send_to_a_disabled_source_shows_410(send):
    path = str(FIXTURES / "incoming/new-customer__signup.json")
    result = send("retired", "x", path)
    assert result.exit_code == 1 and answer(result)[0] == 410


def test_send_unknown_source(send):
    result = send("nope", "x", str(FIXTURES / "incoming/new-customer__signup.json"))
    assert result.exit_code != 0 and "no source named 'nope'" in result.output


def test_send_posts_over_http_with_token_and_signature(make_app, httpserver):
    """The request leaves the process: a real HTTP server sees the path, the source's token
    and a Standard Webhooks signature that verifies with the source's secret."""
    httpserver.expect_request("/hooks/incoming/new-customer", method="POST").respond_with_json(
        {"event_id": "x", "duplicate": False}, status=202)
    app = make_app(ROUTES, PUBLIC_BASE_URL=httpserver.url_for("/"))
    path = FIXTURES / "incoming/new-customer__signup.json"
    result = app.test_cli_runner().invoke(args=["send", "new-customer", "ignored", str(path)])
    assert result.exit_code == 0, result.output
    (request, _), = httpserver.log
    source = app.extensions["rules"].sources["new-customer"]
    assert request.headers["Authorization"] == f"Bearer {source['tokens'][0]}"
    verify_signature(source["signing_secret"], request.headers, request.get_data(), time.time())
    assert request.get_data() == path.read_bytes()


def test_send_says_when_the_web_process_is_down(make_app):
    app = make_app(ROUTES, PUBLIC_BASE_URL="http://127.0.0.1:9")
    result = app.test_cli_runner().invoke(args=["send", "foxoms", "bookingCreated",
                                                str(FIXTURES / "foxoms/bookingCreated__bare_record.json")])
    assert result.exit_code == 1 and "is `make run` up?" in result.output
