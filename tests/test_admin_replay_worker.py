"""Replay end to end: a real worker runs what the admin API queued, against a real
HTTP endpoint on loopback (http.post with HTTP_ALLOW_PRIVATE)."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from handlers.store.deliveries import get_attempts, get_delivery
from handlers.store.events import get_event
from handlers.store.keys import DEAD_LETTERS
from tests.admin_helpers import ADMIN, make_delivery, make_event
from tests.helpers import HOOK_ROUTES, wait_for

ROUTES = HOOK_ROUTES


@pytest.fixture
def endpoint():
    """A loopback HTTP server that answers 200 and keeps every JSON body it receives."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()
    server.server_close()


@pytest.fixture
def app(make_app, endpoint):
    return make_app(ROUTES.format(url=endpoint[0]), HTTP_ALLOW_PRIVATE=True)


def test_a_replayed_dead_letter_is_delivered(client, celery_worker, redis_client, endpoint):
    url, received = endpoint
    event_id = make_event(redis_client, status="failed")
    attempt = {"at": "2026-01-01T00:00:00.000Z", "status": 503, "error": "HTTP 503"}
    dead = make_delivery(redis_client, event_id, route_id="to-hook", action_id="post", call="http.post",
                         status="dead", attempts=[attempt], args={"url": url, "json": {"n": 1}})
    response = client.post("/api/dead-letters/replay", json={"vendor": "http"}, headers=ADMIN)
    assert response.get_json() == {"replayed": 1, "delivery_ids": [dead]}
    wait_for(lambda: get_delivery(redis_client, dead)["status"] == "succeeded", message="the replay to succeed")
    assert received == [{"n": 1}]
    attempts = get_attempts(redis_client, dead)
    assert len(attempts) == 2 and attempts[0] == attempt
    assert redis_client.zcard(DEAD_LETTERS) == 0
    wait_for(lambda: get_event(redis_client, event_id)["status"] == "completed", message="the event roll-up")


def test_an_ignored_event_is_routed_again(client, celery_worker, redis_client, endpoint):
    _url, received = endpoint
    event_id = make_event(redis_client, status="ignored", payload={"id": 5, "name": "B-5"})
    response = client.post(f"/api/events/{event_id}/replay", headers=ADMIN)
    assert response.get_json()["queued"]["routing"] is True
    wait_for(lambda: get_event(redis_client, event_id)["status"] == "completed", message="route and deliver")
    assert received == [{"id": 5, "name": "B-5"}]
    detail = client.get(f"/api/events/{event_id}", headers=ADMIN).get_json()
    assert [(d["id"], d["status"]) for d in detail["deliveries"]] == [(f"{event_id}:to-hook:post", "succeeded")]
