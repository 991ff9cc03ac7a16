"""The console in a real browser: Debian's Chromium driven by Playwright, against the
Procfile's `web` (gunicorn) and a Celery worker on a real Redis, with FoxOMS events posted
through the real hook path to a loopback receiver.

Chromium missing (or Playwright not installed): the tests skip with the reason, except
with CI=true, where they fail. `make test` installs Chromium with apt when it can.
Set CONSOLE_SCREENSHOTS=docs/console to save a screenshot of each main page.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from handlers.redis_client import client_from_url
from tests.console_helpers import ADMIN_TOKEN
from tests.drill_helpers import REPO, Processes
from tests.helpers import wait_for
from tests.test_procfile import free_port, procfile, web_ready

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
HOOK_TOKEN = "browser-hook-token"
SCRIPT_PAYLOAD = "<script>window.__pwned = 1; alert('pwned')</script>"


def browser_missing():
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -r requirements-test.txt)"
    if not (os.access(CHROMIUM, os.X_OK) or shutil.which("chromium")):
        return f"Chromium is not installed at {CHROMIUM} (Debian/Ubuntu: apt-get install chromium)"
    return None


@pytest.fixture(scope="module")
def chromium():
    reason = browser_missing()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests cannot run with CI=true: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM if os.access(CHROMIUM, os.X_OK)
                                             else shutil.which("chromium"), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Receiver:
    """A loopback endpoint: 400 (permanent: the delivery dies) while `failing`, else 200."""

    def __init__(self):
        self.failing = False
        self.bodies = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                receiver.bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                body = b'{"error": "rejected by the receiver"}' if receiver.failing else b'{"ok": true}'
                self.send_response(400 if receiver.failing else 200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/in"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def service(chromium, redis_url, tmp_path_factory):
    """The web process (gunicorn, as the Procfile starts it) and a worker; yields the base URL."""
    client_from_url(redis_url).flushdb()
    tmp = tmp_path_factory.mktemp("console-browser")
    receiver = Receiver()
    routes = tmp / "routes.yaml"
    routes.write_text(f"""
sources:
  foxoms: {{type: foxoms, tokens: ["{HOOK_TOKEN}"], events: [bookingCreated]}}
routes:
  - id: to-receiver
    source: foxoms
    events: [bookingCreated]
    actions:
      - id: post
        call: http.post
        args: {{url: "{receiver.url}", json: "{{{{ payload }}}}"}}
""")
    port = free_port()
    env = dict(REDIS_URL=redis_url, ROUTES_FILE=str(routes), ADMIN_TOKEN=ADMIN_TOKEN, SECRET_KEY="browser-secret",
               HTTP_ALLOW_PRIVATE="true", PORT=str(port), PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
               PROMETHEUS_MULTIPROC_DIR=str(tmp / "prometheus"), WEB_CONCURRENCY="2")
    os.makedirs(env["PROMETHEUS_MULTIPROC_DIR"])
    processes = Processes(tmp, **env)
    web_log = tmp / "web.log"
    web_env = dict(processes.env, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    with open(web_log, "wb") as log:
        web = subprocess.Popen(procfile()["web"].strip(), shell=True, cwd=REPO, env=web_env, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        processes.worker()
        wait_for(lambda: web.poll() is not None or web_ready(port), timeout=60, interval=0.2, message="gunicorn")
        assert web.poll() is None, web_log.read_text()[-2000:]
        yield {"url": f"http://127.0.0.1:{port}", "receiver": receiver, "redis": client_from_url(redis_url),
               "logs": lambda: processes.logs() + "\n--- web.log\n" + web_log.read_text()[-1500:]}
    finally:
        if web.poll() is None:
            os.killpg(web.pid, signal.SIGTERM)
            try:
                web.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(web.pid, signal.SIGKILL)
                web.wait()
        processes.kill_all()
        receiver.close()


@pytest.fixture
def page(chromium, service):
    context = chromium.new_context(base_url=service["url"])  # a fresh profile: no cookies
    tab = context.new_page()
    tab.dialogs = []
    tab.on("dialog", lambda dialog: (tab.dialogs.append(dialog.message), dialog.dismiss()))
    tab.outside_requests = []
    tab.on("request", lambda request: request.url.startswith(service["url"])
           or tab.outside_requests.append(request.url))
    yield tab
    context.close()
    assert tab.outside_requests == [], "the console asked for something outside the service"


def log_in(page, token=ADMIN_TOKEN):
    page.goto("/console/login")
    page.fill("input[name=token]", token)
    page.click("button[type=submit]")


def post_booking(service, record):
    answer = requests.post(f"{service['url']}/hooks/foxoms/bookingCreated", json={"data": record},
                           headers={"X-Hook-Token": HOOK_TOKEN}, timeout=10)
    assert answer.status_code == 202, answer.text
    return answer.json()["event_id"]


def wait_for_status(service, event_id, status):
    wait_for(lambda: service["redis"].hget(f"hooks:event:{event_id}", "status") == status, timeout=30,
             interval=0.1, message=f"{event_id} to be {status}\n{service['logs']()}")


def screenshot(page, name):
    folder = os.environ.get("CONSOLE_SCREENSHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def test_nothing_is_visible_before_login(page):
    for path in ("/console/", "/console/events", "/console/dead-letters", "/console/routes", "/console/vendors"):
        page.goto(path)
        assert page.url.split("?")[0].endswith("/console/login")
        assert page.locator("nav").count() == 0 and page.locator("table").count() == 0


def test_a_wrong_token_is_refused_and_the_right_one_logs_in(page):
    log_in(page, "wrong-token")
    assert page.locator("[role=alert]").inner_text() == "That is not the admin token."
    log_in(page)
    assert page.locator("h1").inner_text() == "Overview"
    page.click("text=Log out")
    assert page.url.endswith("/console/login")
    page.goto("/console/events")
    assert page.url.split("?")[0].endswith("/console/login")


def test_an_event_is_found_by_record_id_and_opened_with_its_attempts(page, service):
    service["receiver"].failing = False
    event_id = post_booking(service, {"id": 933894, "name": "Fiwit gala"})
    post_booking(service, {"id": 933895, "name": "Another"})
    wait_for_status(service, event_id, "completed")
    log_in(page)
    screenshot(page, "overview")
    page.click("nav >> text=Events")
    page.fill("input[name=entity]", "booking 933894")
    page.click("button:has-text(\"Search\")")
    rows = page.locator("tbody tr")
    assert rows.count() == 1 and event_id in rows.inner_text()
    screenshot(page, "events")
    page.click(f"text={event_id}")
    assert page.locator("h1").inner_text() == f"Event {event_id}"
    assert "Fiwit gala" in page.locator("pre.payload").inner_text()
    attempt = page.locator(".timeline li").first.inner_text()
    assert "#1" in attempt and "HTTP 200" in attempt and "succeeded" in attempt
    screenshot(page, "event")


def test_a_dead_letter_is_replayed_from_the_ui_and_a_forged_post_is_refused(page, service):
    service["receiver"].failing = True
    event_id = post_booking(service, {"id": 4711, "name": "Will fail first"})
    wait_for_status(service, event_id, "failed")
    delivery_id = f"{event_id}:to-receiver:post"
    log_in(page)
    forged = page.request.post(f"/console/dead-letters/{delivery_id}/replay", form={"route": ""})
    assert forged.status == 400 and "CSRF" in forged.text()
    assert service["redis"].hget(f"hooks:delivery:{delivery_id}", "status") == "dead"
    page.goto("/console/dead-letters")
    row = page.locator("tbody tr", has_text=event_id)
    assert "HTTP 400" in row.inner_text()
    screenshot(page, "dead-letters")
    service["receiver"].failing = False
    row.locator("button", has_text="Replay").click()
    assert f"Replayed {delivery_id}" in page.locator("[role=status]").inner_text()
    wait_for_status(service, event_id, "completed")
    page.goto(f"/console/events/{event_id}")
    timeline = page.locator(".timeline li")
    assert timeline.count() == 2 and "HTTP 200" in timeline.nth(1).inner_text()


def test_explain_from_the_form(page):
    log_in(page)
    page.click("nav >> text=Routes")
    page.select_option("select[name=source]", "foxoms")
    page.fill("input[name=event]", "bookingCreated")
    page.fill("textarea[name=payload]", '{"data": {"id": 1, "name": "Explained"}}')
    page.click("button:has-text(\"Explain\")")
    result = page.locator("#explain-result").inner_text()
    assert "Matched (1)" in result and "to-receiver" in result and "Explained" in result
    screenshot(page, "routes")
    page.click("nav >> text=Vendors")
    assert "foxoms" in page.locator("table").inner_text()
    screenshot(page, "vendors")


def test_a_script_in_a_payload_does_not_run(page, service):
    event_id = post_booking(service, {"id": 666, "name": SCRIPT_PAYLOAD})
    wait_for_status(service, event_id, "completed")
    log_in(page)
    page.goto(f"/console/events/{event_id}")
    assert SCRIPT_PAYLOAD in page.locator("pre.payload").inner_text()
    page.goto("/console/events?entity=booking:666")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.dialogs == []
