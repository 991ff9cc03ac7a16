"""GET /api/routes and POST /api/routes/explain: admin only, secrets hidden, nothing sent or stored."""
import json

import pytest
from tests.admin_helpers import ADMIN


HOOK_TOKEN = "api-hook-token-0123456789"
SIGNING_SECRET = "whsec_c2lnbmluZy1zZWNyZXQtMDEyMzQ1"
HEADER_SECRET = "header-secret-from-env-9876"
CONFIG_TOKEN = "config-echo-token-5555"

ROUTES = """
sources:
  foxoms: {type: foxoms, tokens: ["${API_HOOK_TOKEN}", "second-literal-token"], events: [bookingCreated]}
  campaign-created:
    type: incoming
    tokens: ["${API_HOOK_TOKEN}"]
    signing_secret: "${API_SIGNING_SECRET}"
    event_field: type
routes:
  - id: confirmed
    source: foxoms
    events: ["booking*"]
    filter:
      status.name: Confirmed
      start: {gt: 0}
    actions:
      - id: echo
        call: test.echo
        args:
          url: "https://echo.test/bookings/{{ payload.id }}"
          headers: {X-Custom-Auth: "${API_HEADER_SECRET}", X-Event: "{{ event.name }}"}
          json: {id: "{{ payload.id }}", name: "Booking {{ payload.name }}"}
      - id: needs-notes
        call: test.echo
        args: {url: "https://echo.test/notes", json: {notes: "{{ payload.notes }}"}}
  - id: campaigns
    source: campaign-created
    actions:
      - {id: echo, call: test.echo, args: {url: "https://echo.test/c"}}
  - id: updates
    source: foxoms
    events: [bookingUpdated]
    actions:
      - {id: echo, call: test.echo, args: {url: "https://echo.test/u"}}
"""
BOOKING = {"id": 6, "name": "Test Booking", "start": 1547501100, "status": [{"id": 2, "name": "Confirmed"}]}


@pytest.fixture
def app(make_app, echo_action, monkeypatch):
    monkeypatch.setenv("API_HOOK_TOKEN", HOOK_TOKEN)
    monkeypatch.setenv("API_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("API_HEADER_SECRET", HEADER_SECRET)
    return make_app(ROUTES, TEST_ECHO_TOKEN=CONFIG_TOKEN)


def explain(client, payload=BOOKING, source="foxoms", event="bookingCreated", headers=ADMIN):
    return client.post("/api/routes/explain", headers=headers, json={"source": source, "event": event, "payload": payload})


def assert_no_secrets(text):
    for secret in (HOOK_TOKEN, SIGNING_SECRET, HEADER_SECRET, CONFIG_TOKEN, "second-literal-token"):
        assert secret not in text


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}])
def test_admin_token_required(client, headers):
    assert explain(client, headers=headers).status_code == 401
    assert client.get("/api/routes", headers=headers).status_code == 401


def test_explain_shows_the_exact_calls(client):
    response = explain(client, {**BOOKING, "notes": "n"})
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    echo, needs_notes = answer["matches"][0]["actions"]
    assert answer["matches"][0]["route"] == "confirmed"
    assert echo["requests"] == [{
        "method": "POST",
        "url": "https://echo.test/bookings/6",
        "headers": {"Authorization": "[redacted]", "X-Custom-Auth": "[redacted]", "X-Event": "bookingCreated"},
        "body": {"id": 6, "name": "Booking Test Booking"},
    }]
    assert needs_notes["args"]["json"] == {"notes": "n"}
    assert answer["not_matched"] == [{"route": "campaigns", "reason": "source"}, {"route": "updates", "reason": "event"}]
    assert_no_secrets(response.get_data(as_text=True))


def test_an_action_that_does_not_render_is_a_422_naming_it(client):
    response = explain(client)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "template_error"
    assert error["fields"]["confirmed.needs-notes"][0].startswith("args.json.notes: UndefinedError")
    assert list(error["fields"]) == ["confirmed.needs-notes"]


def test_explain_names_the_first_failing_filter_key(client):
    answer = explain(client, {**BOOKING, "start": -1}).get_json()
    assert answer["matches"] == []
    assert answer["not_matched"][0] == {"route": "confirmed", "reason": "filter", "key": "start"}


def test_explain_unwraps_a_foxoms_body(client):
    answer = explain(client, {"data": [{**BOOKING, "notes": "n"}]}).get_json()
    assert [m["route"] for m in answer["matches"]] == ["confirmed"]


def test_explain_sends_and_stores_nothing(app, client, redis_client):
    redis_client.flushdb()
    assert explain(client, {**BOOKING, "notes": "n"}).status_code == 200
    assert redis_client.dbsize() == 0


@pytest.mark.parametrize(
    "body, field",
    [
        ({"event": "bookingCreated", "payload": {}}, "source"),
        ({"source": "foxoms", "payload": {}}, "event"),
        ({"source": "foxoms", "event": "bookingCreated", "payload": [1]}, "payload"),
        ({"source": "foxoms", "event": "", "payload": {}}, "event"),
    ],
)
def test_explain_request_is_validated(client, body, field):
    response = client.post("/api/routes/explain", headers=ADMIN, json=body)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_explain_request_must_be_json(client):
    response = client.post("/api/routes/explain", headers=ADMIN, data="nope", content_type="text/plain")
    assert response.status_code == 422


def test_list_routes_hides_secrets(client):
    response = client.get("/api/routes", headers=ADMIN)
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["sources"]["foxoms"] == {"type": "foxoms", "events": ["bookingCreated"], "token_count": 2, "signed": False}
    assert answer["sources"]["campaign-created"]["signed"] is True
    assert "tokens" not in answer["sources"]["campaign-created"]
    assert "signing_secret" not in answer["sources"]["campaign-created"]
    assert [r["id"] for r in answer["routes"]] == ["confirmed", "campaigns", "updates"]
    args = answer["routes"][0]["actions"][0]["args"]
    assert args["headers"]["X-Event"] == "{{ event.name }}"
    assert args["headers"]["X-Custom-Auth"] == "[redacted]"  # a credential-named key is hidden, even as a ${VAR} reference
    assert_no_secrets(json.dumps(answer))


def test_explain_hides_an_http_post_signing_secret(make_app, redis_client):
    signing = "whsec_aHR0cC1wb3N0LXNpZ25pbmctc2VjcmV0"
    routes = f"""
sources:
  foxoms: {{type: foxoms, tokens: ["tok-0123456789"]}}
routes:
  - id: forward
    source: foxoms
    actions:
      - id: post
        call: http.post
        args: {{url: "https://hooks.example/in", json: {{id: "{{{{ payload.id }}}}"}}, sign: "{signing}"}}
"""
    app = make_app(routes)
    assert app.extensions["rules_error"] is None, app.extensions["rules_error"]
    response = explain(app.test_client(), {"id": 6})
    text = response.get_data(as_text=True)
    assert response.status_code == 200, text
    action = response.get_json()["matches"][0]["actions"][0]
    assert action["args"]["sign"] == "[redacted]"
    assert action["requests"][0]["body"] == {"id": 6}
    assert signing not in text
