"""The admin API's edges (issue 11): malformed cursors are 422 `invalid_cursor`, ids that
are not ours are 404 before any Redis call, a repeated parameter is 422 naming it, wrong
tokens are throttled per client (429 + Retry-After) while the right one always passes,
and no generated request (cursor, id, query string) is ever answered 5xx."""
import base64
import string
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from handlers.admin.cursor import encode_cursor
from handlers.admin.ids import is_delivery_id, is_event_id
from handlers.store.codec import now
from handlers.store.deliveries import delivery_id, get_delivery, lease_key
from handlers.store.events import EVENTS_INDEX, new_event_id
from handlers.store.keys import DEAD_LETTERS
from tests.admin_helpers import ADMIN, make_delivery, make_event, queued_messages

WRONG = {"Authorization": "Bearer wrong-token"}
MAX_FAILURES_PER_WINDOW, FAILURE_WINDOW_SECONDS = 20, 60  # docs/admin-api.md: 20 a minute


def b64(text):
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.fixture
def stored(redis_client):
    """One failed event with a dead delivery (so its `:deliveries` set and the delivery's
    `:attempts` list exist in Redis beside the hashes)."""
    event_id = make_event(redis_client, status="failed")
    dead = make_delivery(redis_client, event_id, status="dead",
                         attempts=[{"at": "2026-01-01T00:00:00.000Z", "status": 400}])
    return event_id, dead


# --- ids -----------------------------------------------------------------------------

def test_ids_we_make_have_the_checked_shape():
    for timestamp in (0, 1_700_000_000.5, now(), 253_402_300_799):  # up to year 9999
        event_id = new_event_id(timestamp)
        assert is_event_id(event_id)
        assert is_delivery_id(delivery_id(event_id, "route-a.v2", "post_1"))
    assert not is_event_id(new_event_id() + "\n")
    assert not is_delivery_id(delivery_id(new_event_id(), "route", "act") + ":attempts")


def bad_event_ids(event_id, dead):
    return [f"{event_id}:deliveries", f"{dead}:attempts", dead, "evt_x", event_id + "0", event_id.upper(),
            event_id + "\n", "\x00", "é", "x" * 4000]


@pytest.mark.parametrize("case", range(10))
def test_show_an_id_that_is_not_ours_is_404(client, redis_client, stored, case):
    bad = bad_event_ids(*stored)[case]
    response = client.get(f"/api/events/{quote(bad, safe='')}", headers=ADMIN)
    assert response.status_code == 404, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("case", range(10))
def test_replay_an_id_that_is_not_ours_is_404_and_queues_nothing(client, redis_client, stored, case):
    event_id, dead = stored
    bad = bad_event_ids(event_id, dead)[case]
    response = client.post(f"/api/events/{quote(bad, safe='')}/replay", headers=ADMIN)
    assert response.status_code == 404, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == "not_found"
    assert queued_messages(redis_client) == []
    assert get_delivery(redis_client, dead)["status"] == "dead"


@pytest.mark.parametrize("method, path", [
    ("get", "/api/events/%2F{event_id}"), ("post", "/api/events/%2F{event_id}/replay"), ("get", "/api//events"),
    ("post", "/api//dead-letters/replay"),
])
def test_a_double_slash_is_404_not_a_redirect_to_another_path(client, redis_client, stored, method, path):
    response = getattr(client, method)(path.format(event_id=stored[0]), headers=ADMIN)
    assert response.status_code == 404 and response.is_json
    assert queued_messages(redis_client) == []


@pytest.mark.parametrize("suffix", [":attempts", ":lease", "x", "\n", "%"])
def test_replay_a_delivery_that_is_not_ours_is_404(client, redis_client, stored, suffix):
    event_id, dead = stored
    response = client.post(f"/api/events/{event_id}/replay", query_string={"delivery": dead + suffix}, headers=ADMIN)
    assert response.status_code == 404
    assert queued_messages(redis_client) == []


def test_replay_a_delivery_of_another_event_is_404(client, redis_client, stored):
    event_id, _ = stored
    other = make_delivery(redis_client, make_event(redis_client), status="dead")
    response = client.post(f"/api/events/{event_id}/replay", query_string={"delivery": other}, headers=ADMIN)
    assert response.status_code == 404
    assert queued_messages(redis_client) == []


def test_cli_replay_of_an_id_that_is_not_ours_fails_cleanly(runner, redis_client, stored):
    event_id, dead = stored
    for args in (["events", "replay", f"{event_id}:deliveries"],
                 ["events", "replay", event_id, "--delivery", f"{dead}:attempts"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 1 and not isinstance(result.exception, Exception), result.exception
        assert "no " in result.output
    assert queued_messages(redis_client) == []


# --- cursors -------------------------------------------------------------------------

def bad_cursors(event_id, dead):
    return [
        b64("nan:" + event_id), b64("inf:" + event_id), b64("-inf:" + event_id), b64("1e999:" + event_id),
        b64("1" * 400 + ":" + event_id), b64("-5.0:" + event_id), b64("1.0:é"), b64("1.0:x"), b64("1.0:"),
        b64(" 1.0:" + event_id), b64("1_0.0:" + event_id), b64("1:" + event_id), b64("1.0:" + event_id) + "==",
        "é", "%00", "!!!!", "not-ours", "A" * 5000, b64("1.0:" + event_id + "\n"),
        b64("1.0:" + dead), b64("1.0:" + event_id),  # a delivery id in the events index and vice versa
    ]


@pytest.mark.parametrize("case", range(19))
@pytest.mark.parametrize("path", ["/api/events", "/api/dead-letters"])
def test_a_malformed_cursor_is_422_invalid_cursor(client, redis_client, stored, path, case):
    cursor = bad_cursors(*stored)[case]
    response = client.get(path, query_string={"cursor": cursor}, headers=ADMIN)
    assert response.status_code == 422, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == "invalid_cursor" and "cursor" in error["fields"]


@pytest.mark.parametrize("path, case", [("/api/events", 19), ("/api/dead-letters", 20)])
def test_a_cursor_over_the_other_index_is_422(client, redis_client, stored, path, case):
    response = client.get(path, query_string={"cursor": bad_cursors(*stored)[case]}, headers=ADMIN)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid_cursor"


def test_cursors_the_api_returns_still_page(client, redis_client):
    start = now() - 100
    events = [make_event(redis_client, received_ts=start + i, status="failed") for i in range(3)]
    for event_id in events:
        make_delivery(redis_client, event_id, status="dead", died_at=start + 50)
    for path, key in (("/api/events", "events"), ("/api/dead-letters", "dead_letters")):
        first = client.get(path, query_string={"limit": 2}, headers=ADMIN).get_json()
        rest = client.get(path, query_string={"limit": 2, "cursor": first["next_cursor"]}, headers=ADMIN)
        assert rest.status_code == 200 and len(first[key]) + len(rest.get_json()[key]) == 3


@pytest.mark.parametrize("command", ["events", "dead-letters"])
def test_cli_refuses_a_malformed_cursor(runner, redis_client, stored, command):
    for cursor in (b64("nan:" + stored[0]), b64("1.0:x")):
        result = runner.invoke(args=[command, "list", "--cursor", cursor])
        assert result.exit_code == 2 and "--cursor" in result.output, result.output


# --- repeated parameters ---------------------------------------------------------------

@pytest.mark.parametrize("method, path, query, name", [
    ("get", "/api/events", "status=failed&status=received", "status"),
    ("get", "/api/events", "limit=1&limit=2", "limit"),
    ("get", "/api/events", "source=a&source=", "source"),
    ("get", "/api/dead-letters", "route=route-a&route=other", "route"),
    ("get", "/api/dead-letters", "vendor=fiwit&vendor=fiwit", "vendor"),
    ("post", "/api/events/{event_id}/replay", "delivery={dead}&delivery={dead}", "delivery"),
    ("post", "/api/dead-letters/replay", "route=route-a&route=other", "route"),
])
def test_a_repeated_parameter_is_422_naming_it(client, redis_client, stored, method, path, query, name):
    event_id, dead = stored
    url = path.format(event_id=event_id) + "?" + query.format(dead=quote(dead))
    response = getattr(client, method)(url, headers=ADMIN)
    assert response.status_code == 422, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == "invalid_query" and list(error["fields"]) == [name]
    assert queued_messages(redis_client) == []


def test_a_filter_in_the_query_and_the_body_is_422(client, redis_client, stored):
    response = client.post("/api/dead-letters/replay?route=other", json={"route": "route-a"}, headers=ADMIN)
    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]) == ["route"]
    assert redis_client.zscore(DEAD_LETTERS, stored[1]) is not None


def test_a_body_nested_too_deep_is_400(client, redis_client, stored):
    response = client.post("/api/dead-letters/replay", data="[" * 100_000, headers=ADMIN)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_json"
    assert queued_messages(redis_client) == []


# --- wrong tokens ----------------------------------------------------------------------

def from_client(address):
    return {"REMOTE_ADDR": address}


def test_past_20_wrong_tokens_a_minute_the_answer_is_429(client, redis_client):
    for _ in range(MAX_FAILURES_PER_WINDOW):
        assert client.get("/api/events", headers=WRONG, environ_base=from_client("10.0.0.1")).status_code == 401
    for headers in (WRONG, {}, {"Authorization": "Basic admin-test-token"}):
        response = client.get("/api/events", headers=headers, environ_base=from_client("10.0.0.1"))
        assert response.status_code == 429
        assert response.get_json()["error"]["code"] == "too_many_requests"
        assert 1 <= int(response.headers["Retry-After"]) <= FAILURE_WINDOW_SECONDS


def test_the_right_token_always_passes(client, redis_client):
    for _ in range(MAX_FAILURES_PER_WINDOW + 5):
        client.get("/api/events", headers=WRONG, environ_base=from_client("10.0.0.2"))
    response = client.get("/api/events", headers=ADMIN, environ_base=from_client("10.0.0.2"))
    assert response.status_code == 200
    assert client.get("/api/events", headers=WRONG, environ_base=from_client("10.0.0.2")).status_code == 429


def test_the_throttle_is_per_client(client, redis_client):
    for _ in range(MAX_FAILURES_PER_WINDOW + 1):
        client.get("/api/events", headers=WRONG, environ_base=from_client("10.0.0.3"))
    assert client.get("/api/events", headers=WRONG, environ_base=from_client("10.0.0.3")).status_code == 429
    assert client.get("/api/events", headers=WRONG, environ_base=from_client("10.0.0.4")).status_code == 401


def test_the_count_is_shared_by_every_web_worker(make_app, redis_client):
    workers = [make_app().test_client() for _ in range(2)]  # two apps: two processes' worth of state
    statuses = [workers[n % 2].get("/api/dead-letters", headers=WRONG, environ_base=from_client("10.0.0.5")).status_code
                for n in range(MAX_FAILURES_PER_WINDOW + 2)]
    assert statuses == [401] * MAX_FAILURES_PER_WINDOW + [429, 429]


def test_wrong_tokens_without_redis_are_still_401(make_app):
    client = make_app(REDIS_URL="redis://127.0.0.1:1/0").test_client()
    for _ in range(3):
        response = client.get("/api/events", headers=WRONG)
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "unauthorized"


# --- property: nothing generated is ever a 5xx ---------------------------------------

ENDPOINTS = [("get", "/api/events"), ("get", "/api/events/{id}"), ("post", "/api/events/{id}/replay"),
             ("get", "/api/dead-letters"), ("post", "/api/dead-letters/replay")]
PARAMETER_NAMES = ["status", "limit", "cursor", "source", "event", "route", "vendor", "delivery"]
ID_SUFFIXES = ["", ":deliveries", ":attempts", ":lease", ":route-a:act", "\n", "0", "%00"]
SEED_EVENT = "evt_0000000000010000000000aa"
SEED_DELIVERY = delivery_id(SEED_EVENT, "route-a", "act")
HEX = "0123456789abcdef"

texts = st.text(max_size=30)
ids = st.one_of(
    texts,
    texts.map(lambda text: "/" + text),
    st.tuples(st.sampled_from([SEED_EVENT, SEED_DELIVERY, "evt_x"]), st.sampled_from(ID_SUFFIXES)).map("".join),
    st.text(HEX, min_size=24, max_size=24).map(lambda h: "evt_" + h),
)
scores = st.one_of(st.floats(), st.integers(min_value=-10**400, max_value=10**400),
                   st.sampled_from(["nan", "inf", "-inf", "1e999", " 1", "1_0", ""]))
cursors = st.one_of(
    texts,
    st.tuples(scores, ids).map(lambda pair: encode_cursor(pair[0], pair[1]) if isinstance(pair[0], float)
                               else b64(f"{pair[0]}:{pair[1]}")),
    st.text(string.ascii_letters + string.digits + "-_=", max_size=80),
)
values = st.one_of(texts, cursors, st.integers().map(str), st.sampled_from(["failed", "fiwit", "route-a", SEED_DELIVERY]))
queries = st.lists(st.tuples(st.one_of(st.sampled_from(PARAMETER_NAMES), texts), values), max_size=5)
bodies = st.one_of(st.none(), st.binary(max_size=40),
                   st.dictionaries(st.sampled_from(["route", "vendor", "x"]), st.one_of(st.none(), st.integers(), texts)))


def seed(redis_client):
    if redis_client.exists(EVENTS_INDEX):
        return
    make_event(redis_client, event_id=SEED_EVENT, received_ts=65.536, status="failed")
    make_delivery(redis_client, SEED_EVENT, status="dead", attempts=[{"status": 500}])
    redis_client.set(lease_key(SEED_DELIVERY), "token")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(endpoint=st.sampled_from(ENDPOINTS), path_id=ids, query=queries, body=bodies, right_token=st.booleans())
def test_no_generated_admin_request_is_a_5xx(client, redis_client, endpoint, path_id, query, body, right_token):
    seed(redis_client)
    method, path = endpoint
    url = path.format(id=quote(path_id, safe=""))
    kwargs = {"json": body} if isinstance(body, dict) else {"data": body}
    headers = ADMIN if right_token else WRONG
    response = getattr(client, method)(url, query_string=query, headers=headers, **kwargs)
    event(f"status {response.status_code}")
    assert response.status_code < 500, response.get_data(as_text=True)
    assert response.is_json
    if response.status_code >= 400:
        assert set(response.get_json()["error"]) <= {"code", "message", "fields"}
