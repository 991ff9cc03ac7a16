"""The console (/console) with Flask's test client, a real Redis and, where work must run,
a real Celery worker and a loopback HTTP endpoint."""
import re
import time

import pytest

from handlers.delivery.ratelimit import cooldown_key, window_key
from handlers.store.deliveries import get_delivery, update_delivery
from handlers.store.events import get_event
from handlers.store.keys import DEAD_LETTERS, RETRIES
from handlers.task_names import DELIVER
from tests.admin_helpers import make_delivery, make_event, queued_messages
from tests.console_helpers import ADMIN_TOKEN, csrf, csrf_from, login
from tests.helpers import HOOK_ROUTES, MINIMAL_ROUTES

PAGES = ["/console/", "/console/events", "/console/events/evt_x", "/console/dead-letters",
         "/console/dead-letters/replay", "/console/routes", "/console/vendors", "/console/nowhere"]
POSTS = ["/console/events/evt_x/replay", "/console/dead-letters/evt_x:r:a/replay",
         "/console/dead-letters/replay", "/console/routes/explain", "/console/logout"]
SECRET_KEY = "console-test-secret-key"


@pytest.fixture
def app(make_app):
    return make_app(SECRET_KEY=SECRET_KEY)


@pytest.fixture
def logged_in(client):
    assert login(client).status_code == 302
    return client


def html(response):
    assert response.mimetype == "text/html", response.data[:200]
    return response.get_data(as_text=True)


# --- login, session, nothing before login ---------------------------------------------

@pytest.mark.parametrize("path", PAGES)
def test_no_page_shows_anything_before_login(client, redis_client, path):
    make_event(redis_client, event_id="evt_x", payload={"id": 1, "name": "private booking"})
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/console/login")
    assert b"private booking" not in response.data and b"bookingCreated" not in response.data


@pytest.mark.parametrize("path", POSTS)
def test_no_post_does_anything_before_login(client, redis_client, path):
    event_id = make_event(redis_client, event_id="evt_x", status="failed")
    dead = make_delivery(redis_client, event_id, route_id="r", action_id="a", status="dead")
    response = client.post(path, data={"confirm": "yes", "source": "foxoms", "event": "x", "payload": "{}"})
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]
    assert get_delivery(redis_client, dead)["status"] == "dead"
    assert queued_messages(redis_client) == []


def test_wrong_token_is_refused(client):
    response = login(client, "not-the-token")
    assert response.status_code == 401
    assert "That is not the admin token." in html(response)
    assert client.get("/console/").status_code == 302


def test_right_token_logs_in_and_returns_to_the_page_asked_for(client):
    first = client.get("/console/events?status=failed")
    target = first.headers["Location"]
    page = client.get(target)
    response = client.post("/console/login", data={"token": ADMIN_TOKEN, "csrf_token": csrf_from(page.data),
                                                   "next": "/console/events?status=failed"})
    assert response.status_code == 302 and response.headers["Location"] == "/console/events?status=failed"
    assert client.get("/console/events").status_code == 200


def test_login_never_redirects_off_the_console(client):
    page = client.get("/console/login")
    response = client.post("/console/login", data={"token": ADMIN_TOKEN, "csrf_token": csrf_from(page.data),
                                                   "next": "https://evil.example/"})
    assert response.headers["Location"] == "/console/"


def test_login_without_csrf_token_is_refused(client):
    client.get("/console/login")
    response = client.post("/console/login", data={"token": ADMIN_TOKEN})
    assert response.status_code == 400 and "CSRF" in html(response)
    assert client.get("/console/").status_code == 302


def test_session_cookie_is_httponly_strict_and_scoped(client):
    response = login(client)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # PUBLIC_BASE_URL is http://hooks.test
    assert ADMIN_TOKEN not in cookie


def test_session_cookie_is_secure_behind_https(make_app):
    client = make_app(SECRET_KEY=SECRET_KEY, PUBLIC_BASE_URL="https://hooks.example").test_client()
    assert "Secure" in login(client).headers["Set-Cookie"]


def test_rotating_the_admin_token_logs_everyone_out(app, logged_in):
    app.config["ADMIN_TOKEN"] = "a-new-token"
    assert logged_in.get("/console/").status_code == 302


def test_a_session_expires_after_its_lifetime(logged_in):
    with logged_in.session_transaction() as session:
        session["since"] = time.time() - 13 * 3600
    assert logged_in.get("/console/").status_code == 302


def test_logout_needs_the_csrf_token_and_ends_the_session(logged_in):
    assert logged_in.post("/console/logout").status_code == 400
    assert logged_in.get("/console/").status_code == 200
    response = logged_in.post("/console/logout", data={"csrf_token": csrf(logged_in)})
    assert response.status_code == 302
    assert logged_in.get("/console/").status_code == 302


def test_without_secret_key_the_console_says_to_set_it(make_app):
    client = make_app(SECRET_KEY=None).test_client()
    response = client.get("/console/")
    assert response.status_code == 503 and "set SECRET_KEY" in html(response)


def test_without_admin_token_the_console_is_off(make_app):
    response = make_app(SECRET_KEY=SECRET_KEY, ADMIN_TOKEN=None).test_client().get("/console/login")
    assert response.status_code == 503 and "set ADMIN_TOKEN" in html(response)


def test_pages_forbid_scripts_and_framing(logged_in):
    response = logged_in.get("/console/")
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


# --- CSRF: refused and nothing changed -------------------------------------------------

@pytest.mark.parametrize("path, form", [
    ("/console/events/{event}/replay", {}),
    ("/console/events/{event}/replay", {"delivery": "{dead}"}),
    ("/console/dead-letters/{dead}/replay", {}),
    ("/console/dead-letters/replay", {"confirm": "yes"}),
])
def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(logged_in, redis_client, path, form):
    event_id = make_event(redis_client, status="failed")
    dead = make_delivery(redis_client, event_id, status="dead")
    names = {"event": event_id, "dead": dead}
    data = {name: value.format(**names) for name, value in form.items()}
    for token in (None, "forged-token"):
        if token:
            data["csrf_token"] = token
        response = logged_in.post(path.format(**names), data=data)
        assert response.status_code == 400 and "CSRF" in html(response)
    assert get_delivery(redis_client, dead)["status"] == "dead"
    assert redis_client.zscore(DEAD_LETTERS, dead) is not None
    assert get_event(redis_client, event_id)["status"] == "failed"
    assert queued_messages(redis_client) == []


def test_a_csrf_token_of_another_session_is_refused(app, logged_in, redis_client):
    event_id = make_event(redis_client, status="failed")
    dead = make_delivery(redis_client, event_id, status="dead")
    other = app.test_client()
    login(other)
    response = logged_in.post(f"/console/dead-letters/{dead}/replay", data={"csrf_token": csrf(other)})
    assert response.status_code == 400
    assert get_delivery(redis_client, dead)["status"] == "dead"


# --- friendly error pages ---------------------------------------------------------------

@pytest.mark.parametrize("path, status, text", [
    ("/console/events/evt_unknown", 404, "no event"),
    ("/console/events?cursor=not-a-cursor", 422, "not a cursor"),
    ("/console/events?status=bogus", 422, "status"),
    ("/console/events?since=yesterday-ish", 422, "not a time"),
    ("/console/events?until=nan", 422, "not a time"),
    ("/console/events?limit=0", 422, "limit"),
    ("/console/events?stauts=failed", 422, "stauts"),
    ("/console/dead-letters?cursor=%%%", 422, "not a cursor"),
    ("/console/no/such/page", 404, "no such console page"),
])
def test_bad_input_gets_a_friendly_page(logged_in, path, status, text):
    response = logged_in.get(path)
    page = html(response)
    assert response.status_code == status
    assert text.lower() in page.lower()
    assert "Traceback" not in page and "<nav>" in page


def test_replaying_an_unknown_event_is_a_friendly_404(logged_in):
    response = logged_in.post("/console/events/evt_nope/replay", data={"csrf_token": csrf(logged_in)})
    assert response.status_code == 404 and "no event" in html(response)


def test_an_invalid_explain_form_says_what_is_wrong(logged_in):
    response = logged_in.post("/console/routes/explain", data={"csrf_token": csrf(logged_in), "source": "foxoms",
                                                               "event": "bookingCreated", "payload": "{not json"})
    assert response.status_code == 422 and "not valid JSON" in html(response)


# --- escaping and secrets ---------------------------------------------------------------

def test_a_script_in_a_payload_is_shown_as_text(logged_in, redis_client):
    script = "<script>window.__pwned=1</script>"
    event_id = make_event(redis_client, name=f"booking{script}", payload={"id": 1, "name": script},
                          headers={"X-Note": script})
    dead = make_delivery(redis_client, event_id, status="dead", args={"fields": {"name": script}},
                         attempts=[{"number": 1, "status": 400, "outcome": "dead", "error": script,
                                    "response_excerpt": script, "duration_ms": 3, "started_at": "t"}])
    update_delivery(redis_client, dead, last_error=script)
    for path in (f"/console/events/{event_id}", "/console/events", "/console/dead-letters"):
        page = html(logged_in.get(path))
        assert "<script" not in page, path
        assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page, path


def test_secrets_are_not_shown(make_app, redis_client, monkeypatch):
    monkeypatch.setenv("FOXOMS_HOOK_SECRET_TOKEN", "hook-token-value-123")
    routes = MINIMAL_ROUTES.replace('tokens: ["foxoms-test-token"]', 'tokens: ["${FOXOMS_HOOK_SECRET_TOKEN}"]')
    app = make_app(routes, SECRET_KEY=SECRET_KEY, FIWIT_API_KEY="fiwit-key-value-456")
    client = app.test_client()
    login(client)
    event_id = make_event(redis_client, status="failed", headers={"Authorization": "Bearer inbound-789"})
    make_delivery(redis_client, event_id, status="dead", args={"fields": {"name": "x"}, "api_key": "arg-key-000"},
                  attempts=[{"number": 1, "status": 401, "outcome": "dead", "error": "denied",
                             "request_headers": {"Authorization": "Bearer attempt-111"}}])
    pages = [client.get(path).get_data(as_text=True) for path in
             ("/console/", f"/console/events/{event_id}", "/console/routes", "/console/vendors", "/console/dead-letters")]
    pages.append(client.post("/console/routes/explain", data={
        "csrf_token": csrf(client), "source": "foxoms", "event": "bookingCreated", "payload": "{}"}).get_data(as_text=True))
    for secret in ("hook-token-value-123", "fiwit-key-value-456", "inbound-789", "arg-key-000", "attempt-111",
                   SECRET_KEY, ADMIN_TOKEN):
        assert all(secret not in page for page in pages), secret


# --- pages show what is stored ----------------------------------------------------------

def test_events_are_listed_newest_first_with_filters_and_pages(logged_in, redis_client):
    base = time.time() - 600
    ids = [make_event(redis_client, received_ts=base + n, status="failed" if n % 2 else "completed")
           for n in range(5)]
    page = html(logged_in.get("/console/events"))
    positions = [page.index(event_id) for event_id in reversed(ids)]
    assert positions == sorted(positions)
    failed = html(logged_in.get("/console/events?status=failed"))
    assert ids[1] in failed and ids[3] in failed and ids[0] not in failed
    first = html(logged_in.get("/console/events?limit=2"))
    assert ids[4] in first and ids[3] in first and ids[2] not in first
    cursor = first.split("cursor=", 1)[1].split("&", 1)[0].split('"', 1)[0]
    second = html(logged_in.get(f"/console/events?limit=2&cursor={cursor}"))
    assert ids[2] in second and ids[1] in second and ids[4] not in second


def test_events_filter_by_time_range(logged_in, redis_client):
    old = make_event(redis_client, received_ts=1_700_000_000)
    new = make_event(redis_client, received_ts=1_800_000_000)
    page = html(logged_in.get("/console/events?since=2025-01-01T00:00&until=2027-12-31T00:00:00Z"))
    assert new in page and old not in page


def test_auto_refresh_can_be_paused(logged_in):
    assert 'http-equiv="refresh"' in html(logged_in.get("/console/events"))
    paused = html(logged_in.get("/console/events?refresh=off&status=failed"))
    assert 'http-equiv="refresh"' not in paused and "Resume auto-refresh" in paused


def test_the_event_page_shows_the_attempt_timeline(logged_in, redis_client):
    event_id = make_event(redis_client, payload={"id": 933894, "name": "Gala"})
    make_delivery(redis_client, event_id, status="dead", attempts=[
        {"number": 1, "started_at": "2026-12-01T08:00:00.000Z", "duration_ms": 412, "status": 503,
         "outcome": "retrying", "error_class": "VendorUnavailable", "error": "HTTP 503 from fiwit",
         "response_excerpt": "upstream down", "next_attempt_at": "2026-12-01T08:00:05.000Z"}])
    page = html(logged_in.get(f"/console/events/{event_id}"))
    for text in ("933894", "412 ms", "HTTP 503", "VendorUnavailable: HTTP 503 from fiwit", "upstream down",
                 "next attempt 2026-12-01T08:00:05.000Z", "Replay this delivery"):
        assert text in page, text


def test_dead_letters_replay_all_asks_first_with_the_count(logged_in, redis_client):
    event_id = make_event(redis_client, status="failed")
    first = make_delivery(redis_client, event_id, route_id="route-a", status="dead")
    other = make_delivery(redis_client, event_id, route_id="route-b", status="dead")
    confirm = html(logged_in.get("/console/dead-letters/replay?route=route-a"))
    assert "<b>1</b> dead letter match" in confirm
    token = csrf_from(confirm)
    unconfirmed = logged_in.post("/console/dead-letters/replay", data={"csrf_token": token, "route": "route-a"})
    assert unconfirmed.status_code == 302 and get_delivery(redis_client, first)["status"] == "dead"
    done = logged_in.post("/console/dead-letters/replay", data={"csrf_token": token, "route": "route-a",
                                                                "confirm": "yes"}, follow_redirects=True)
    assert "Replayed 1 dead letter." in html(done)
    assert get_delivery(redis_client, first)["status"] == "pending"
    assert get_delivery(redis_client, other)["status"] == "dead"
    assert queued_messages(redis_client) == [(DELIVER, first)]


def test_routes_page_and_explain(make_app):
    client = make_app(HOOK_ROUTES.format(url="https://example.test/in"), SECRET_KEY=SECRET_KEY).test_client()
    login(client)
    page = html(client.get("/console/routes"))
    assert "to-hook" in page and "http.post" in page
    answer = html(client.post("/console/routes/explain", data={
        "csrf_token": csrf(client), "source": "foxoms", "event": "bookingCreated", "payload": '{"id": 5}'}))
    assert "Matched (1)" in answer and "https://example.test/in" in answer
    other = html(client.post("/console/routes/explain", data={
        "csrf_token": csrf(client), "source": "foxoms", "event": "contactCreated", "payload": "{}"}))
    assert "Matched (0)" in other and "to-hook</b>: the event name matches none" in other


def test_vendors_page_shows_limit_use_and_cooldown(logged_in, redis_client):
    now_ms = int(time.time() * 1000)
    redis_client.zadd(window_key("foxoms"), {"a": now_ms - 100})
    redis_client.set(cooldown_key("fiwit"), now_ms + 30_000, px=30_000)
    page = html(logged_in.get("/console/vendors"))
    foxoms_row = page.split("<td>foxoms</td>", 1)[1].split("</tr>", 1)[0]
    assert "1 per 1.0 s" in foxoms_row and "1 / 1" in foxoms_row
    fiwit_row = page.split("<td>fiwit</td>", 1)[1].split("</tr>", 1)[0]
    assert "s left" in fiwit_row and "FIWIT_API_KEY</code> not set" in fiwit_row


def test_overview_charts_read_the_counters(logged_in, redis_client):
    for status in ("completed", "completed", "failed"):
        make_event(redis_client, status=status)
    page = html(logged_in.get("/console/"))
    legend = page.split('<ul class="legend">', 1)[1].split("</ul>", 1)[0]
    assert "received <b>3</b>" in legend and "completed <b>2</b>" in legend and "failed <b>1</b>" in legend
    assert "<svg" in page and "polyline" in page
    assert "FIWIT_API_KEY" in page  # a vendor without credentials is listed, labelled


def test_overview_shows_the_live_numbers(logged_in, redis_client):
    event_id = make_event(redis_client, status="routed")
    late = make_delivery(redis_client, event_id, action_id="late", status="retrying")
    soon = make_delivery(redis_client, event_id, action_id="soon", status="retrying")
    redis_client.zadd(RETRIES, {late: time.time() - 90, soon: time.time() + 600})
    make_delivery(redis_client, event_id, action_id="gone", status="dead")
    redis_client.rpush("celery", "m1", "m2", "m3")
    page = html(logged_in.get("/console/"))
    numbers = {label: value for label, value in re.findall(r"<dt>([^<]+)</dt><dd>(?:<a[^>]*>)?([^<]+)", page)}
    assert numbers["Queue depth"] == "3" and numbers["Retries scheduled"] == "2" and numbers["Dead letters"] == "1"
    assert numbers["Oldest waiting delivery"] == late
    assert f'href="/console/events/{event_id}"' in page and "overdue by" in page


@pytest.mark.parametrize("path", ["/console/", "/console/events", "/console/dead-letters", "/console/routes",
                                  "/console/vendors"])
def test_every_page_announces_the_sandboxed_vendors(make_app, path):
    app = make_app(HOOK_ROUTES.format(url="https://example.com/hook"), SECRET_KEY="console-test-key",
                   VENDOR_SANDBOX="true", SANDBOX_VENDORS="fiwit,foxtag", FIWIT_API_KEY="generated")
    client = app.test_client()
    login(client)
    page = html(client.get(path))
    assert "Sandbox: fiwit, foxtag are served by the built-in sandbox" in page


def test_no_sandbox_banner_without_the_sandbox(logged_in):
    assert "built-in sandbox" not in html(logged_in.get("/console/events"))


def test_wrong_tokens_at_the_login_are_throttled_like_the_admin_api(client):
    """Past 20 wrong tokens a minute from one client the login answers 429; the right one still passes."""
    answers = [login(client, token="wrong-token").status_code for _ in range(21)]
    assert answers[:20] == [401] * 20
    assert answers[20] == 429
    assert login(client).status_code == 302
