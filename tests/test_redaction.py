"""Every ${VAR} value is a secret (docs/routes.md "Templates"): it is sent, and shown nowhere else.

A route puts ${HOOK_KEY} in an http.post URL (`?key=`) and an `X-Api-Key` header. One
action reaches a loopback server that echoes the request (so the value is in the response
excerpt), one reaches a server that fails echoing it (so it is in last_error), one quotes it
in a template error. Routed and delivered by a real worker: the admin API, the dead-letter
list (API and CLI), explain, the rules listing and the worker's log hold no secret value.
"""
import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from celery.contrib.testing.worker import start_worker

from handlers.redact import MIN_SECRET_CHARS, REDACTED, known_secrets, scrub, scrub_text
from handlers.store.deliveries import get_delivery
from handlers.store.events import event_record, new_event_id, save_event
from handlers.task_names import ROUTE_EVENT
from tests.admin_helpers import ADMIN
from tests.helpers import answer_json, wait_for

HOOK_KEY = "hook-key-value-7f3a9c"
ROUTES = """
sources:
  foxoms: {{type: foxoms, tokens: ["redaction-test-token"], events: [bookingCreated]}}
routes:
  - id: hook
    source: foxoms
    actions:
      - id: ok
        call: http.post
        args:
          url: "{origin}/ok?key=${{HOOK_KEY}}"
          headers: {{X-Api-Key: "${{HOOK_KEY}}"}}
          json: {{id: "{{{{ payload.id }}}}"}}
      - id: fails
        call: http.post
        args:
          url: "{origin}/fail?key=${{HOOK_KEY}}"
          headers: {{X-Api-Key: "${{HOOK_KEY}}"}}
          json: {{id: "{{{{ payload.id }}}}"}}
      - id: quoted
        call: http.post
        args: {{url: "{origin}/ok", json: {{v: "{{{{ payload['${{HOOK_KEY}}'] }}}}"}}}}
"""


@pytest.fixture
def echo_server():
    """Answers every POST with the request line and headers as JSON: 200 on /ok, 500 on /fail."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            received.append(self.path)
            body = json.dumps({"path": self.path, "headers": dict(self.headers)}).encode()
            answer_json(self, 500 if self.path.startswith("/fail") else 200, body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", received
    server.shutdown()
    server.server_close()


@pytest.fixture
def app(make_app, echo_server, monkeypatch):
    monkeypatch.setenv("HOOK_KEY", HOOK_KEY)
    return make_app(ROUTES.format(origin=echo_server[0]), HTTP_ALLOW_PRIVATE=True, RETRY_SCHEDULE="")


class Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture
def worker_log():
    """Every line logged at INFO (the Procfile's level) or above, formatted as the worker prints it."""
    return Collect()


@pytest.fixture
def delivered(app, redis_client, echo_server, worker_log):
    """The event, routed and delivered by a real worker, which logs into `worker_log`."""
    event_id = new_event_id()
    save_event(redis_client, event_record(event_id, "foxoms", "bookingCreated", {"id": 6}, {}, time.time()))
    root = logging.getLogger()
    with start_worker(app.extensions["celery"], pool="solo", perform_ping_check=False, shutdown_timeout=30):
        level = root.level
        root.addHandler(worker_log)  # after the worker set its logging up (it replaces root handlers)
        root.setLevel(logging.INFO)
        try:
            app.extensions["celery"].send_task(ROUTE_EVENT, args=[event_id])
            wait_for(lambda: all((get_delivery(redis_client, f"{event_id}:hook:{a}") or {}).get("status")
                                 in ("succeeded", "dead") for a in ("ok", "fails", "quoted")),
                     timeout=20, message="every delivery settled")
        finally:
            root.removeHandler(worker_log)
            root.setLevel(level)
    assert sorted(echo_server[1]) == [f"/fail?key={HOOK_KEY}", f"/ok?key={HOOK_KEY}"]  # it was sent
    return event_id


def test_the_event_detail_shows_no_secret(client, delivered):
    response = client.get(f"/api/events/{delivered}", headers=ADMIN)
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and HOOK_KEY not in text
    deliveries = {d["action_id"]: d for d in response.get_json()["deliveries"]}
    ok, fails, quoted = deliveries["ok"], deliveries["fails"], deliveries["quoted"]
    assert ok["status"] == "succeeded" and fails["status"] == "dead" and quoted["status"] == "dead"
    assert ok["args"]["url"].endswith(f"/ok?key={REDACTED}")
    assert ok["args"]["headers"] == {"X-Api-Key": REDACTED}
    assert f"key={REDACTED}" in ok["attempts"][0]["response_excerpt"]
    assert "500" in fails["last_error"] and f"key={REDACTED}" in fails["last_error"]
    assert quoted["error_class"] == "TemplateRenderError" and REDACTED in quoted["last_error"]


def test_the_dead_letters_show_no_secret(app, client, delivered):
    response = client.get("/api/dead-letters", headers=ADMIN)
    letters = response.get_json()["dead_letters"]
    assert {letter["action"] for letter in letters} == {"fails", "quoted"}
    assert HOOK_KEY not in response.get_data(as_text=True)
    result = app.test_cli_runner().invoke(args=["dead-letters", "list"])
    assert result.exit_code == 0 and "hook:fails" in result.output and HOOK_KEY not in result.output


def test_nothing_stored_for_the_admin_holds_the_secret(redis_client, delivered):
    for action in ("ok", "fails", "quoted"):
        delivery_id = f"{delivered}:hook:{action}"
        assert HOOK_KEY not in get_delivery(redis_client, delivery_id)["last_error"]
        assert HOOK_KEY not in "".join(redis_client.lrange(f"hooks:delivery:{delivery_id}:attempts", 0, -1))


def test_the_worker_log_shows_no_secret(delivered, worker_log):
    text = "\n".join(worker_log.lines)
    assert "hook:quoted is dead" in text and "hook:fails attempt 1: dead" in text  # the log did record them...
    assert HOOK_KEY not in text  # ...without the value


def test_http_library_debug_lines_show_no_query(app, echo_server, caplog):
    caplog.set_level(logging.DEBUG, logger="urllib3")
    requests.post(f"{echo_server[0]}/ok?key={HOOK_KEY}", json={}, timeout=5)
    assert f'"POST /ok?{REDACTED} HTTP/1.1" 200' in caplog.text  # the line is logged...
    assert HOOK_KEY not in caplog.text  # ...without the query


def test_explain_and_the_rules_listing_show_no_secret(client):
    explained = client.post("/api/routes/explain", headers=ADMIN,
                            json={"source": "foxoms", "event": "bookingCreated", "payload": {"id": 6}})
    assert explained.status_code == 422  # `quoted` cannot render
    assert HOOK_KEY not in explained.get_data(as_text=True)
    assert REDACTED in explained.get_json()["error"]["fields"]["hook.quoted"][0]
    listing = client.get("/api/routes", headers=ADMIN)
    assert listing.status_code == 200 and HOOK_KEY not in listing.get_data(as_text=True)


def test_known_secrets_are_the_rules_variables_and_credentials(app):
    secrets = known_secrets({"FOXOMS_API_TOKEN": "fox-token-123", "REDIS_URL": "redis://:pw-redis-9@h/0"},
                            app.extensions["rules"])
    assert {HOOK_KEY, "redaction-test-token", "fox-token-123", "pw-redis-9"} <= set(secrets)


def test_one_minimum_length():
    short = "x" * (MIN_SECRET_CHARS - 1)
    enough = "y" * MIN_SECRET_CHARS
    assert scrub_text(f"{short} {enough}", [short, enough]) == f"{short} {REDACTED}"
    assert scrub({"url": f"/a?k={enough}", "token_count": 2, "api_key": "k"}, [enough]) == {
        "url": f"/a?k={REDACTED}", "token_count": 2, "api_key": REDACTED}


def test_a_deeply_nested_payload_is_shown(client, redis_client):
    payload = node = {}
    for _ in range(900):
        node["a"] = node = {}
    node[HOOK_KEY] = HOOK_KEY
    event_id = new_event_id()
    save_event(redis_client, event_record(event_id, "foxoms", "bookingCreated", payload, {}, time.time()))
    response = client.get(f"/api/events/{event_id}", headers=ADMIN)
    assert response.status_code == 200 and HOOK_KEY not in response.get_data(as_text=True)
