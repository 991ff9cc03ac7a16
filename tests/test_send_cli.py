"""`flask send SOURCE EVENT FILE`: a fixture through the real HTTP path."""
import json

import pytest

from handlers.inbound.enqueue import decode_task_message
from handlers.store.events import get_event
from tests.test_hooks_status import FIXTURES, ROUTES


@pytest.fixture
def send(make_app):
    app = make_app(ROUTES)

    def invoke(*args):
        return app.test_cli_runner().invoke(args=["send", *args])

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
    assert [decode_task_message(m)[0] for m in redis_client.lrange("celery", 0, -1)] == ["routing.route_event"]
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
