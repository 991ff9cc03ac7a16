"""The console in a real browser: Debian's Chromium driven by Playwright, against the
Procfile's `web` (gunicorn) and a Celery worker on a real Redis, with FoxOMS events posted
through the real hook path to a loopback receiver.

Chromium missing (or Playwright not installed): the tests skip with the reason, except
with CI=true, where they fail. `make test` installs Chromium with apt when it can.
Set CONSOLE_SCREENSHOTS=docs/console to save a screenshot of each main page.
"""
import json
import os
import re
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
from tests.helpers import answer_json, free_port, wait_for
from tests.web_process import procfile, web_ready

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
                answer_json(self, 400 if receiver.failing else 200, body)

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


def expect(target):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


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
    expect(page.locator("[role=alert]")).to_have_text("That is not the admin token.")
    log_in(page)
    expect(page.locator("h1")).to_have_text("Overview")
    page.click("text=Log out")
    expect(page).to_have_url(re.compile(r"/console/login$"))
    page.goto("/console/events")
    assert page.url.split("?")[0].endswith("/console/login")


def test_an_event_is_found_by_record_id_and_opened_with_its_attempts(page, service):
    service["receiver"].failing = False
    event_id = post_booking(service, {"id": 933894, "name": "Fiwit gala"})
    post_booking(service, {"id": 933895, "name": "Another"})
    wait_for_status(service, event_id, "completed")
    log_in(page)
    expect(page.locator("h1")).to_have_text("Overview")
    screenshot(page, "overview")
    page.click("nav >> text=Events")
    expect(page.locator("h1")).to_have_text("Events")
    page.fill("input[name=entity]", "booking 933894")
    page.click("button:has-text(\"Search\")")
    expect(page).to_have_url(re.compile(r"entity=booking\+933894"))
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(event_id)
    screenshot(page, "events")
    page.click(f"text={event_id}")
    expect(page.locator("h1")).to_have_text(f"Event {event_id}")
    expect(page.locator("pre.payload")).to_contain_text("Fiwit gala")
    attempt = page.locator(".timeline li").first
    for text in ("#1", "HTTP 200", "succeeded"):
        expect(attempt).to_contain_text(text)
    screenshot(page, "event")


def test_a_dead_letter_is_replayed_from_the_ui_and_a_forged_post_is_refused(page, service):
    service["receiver"].failing = True
    event_id = post_booking(service, {"id": 4711, "name": "Will fail first"})
    wait_for_status(service, event_id, "failed")
    delivery_id = f"{event_id}:to-receiver:post"
    log_in(page)
    expect(page.locator("h1")).to_have_text("Overview")
    forged = page.request.post(f"/console/dead-letters/{delivery_id}/replay", form={"route": ""})
    assert forged.status == 400 and "CSRF" in forged.text()
    assert service["redis"].hget(f"hooks:delivery:{delivery_id}", "status") == "dead"
    page.goto("/console/dead-letters")
    row = page.locator("tbody tr", has_text=event_id)
    expect(row).to_contain_text("HTTP 400")
    screenshot(page, "dead-letters")
    service["receiver"].failing = False
    row.locator("button", has_text="Replay").click()
    expect(page.locator("[role=status]")).to_contain_text(f"Replayed {delivery_id}")
    wait_for_status(service, event_id, "completed")
    page.goto(f"/console/events/{event_id}")
    timeline = page.locator(".timeline li")
    expect(timeline).to_have_count(2)
    expect(timeline.nth(1)).to_contain_text("HTTP 200")


def test_explain_from_the_form(page):
    log_in(page)
    page.click("nav >> text=Routes")
    expect(page.locator("h1")).to_have_text("Routes")
    page.select_option("select[name=source]", "foxoms")
    page.fill("input[name=event]", "bookingCreated")
    page.fill("textarea[name=payload]", '{"data": {"id": 1, "name": "Explained"}}')
    page.click("button:has-text(\"Explain\")")
    result = page.locator("#explain-result")
    for text in ("Matched (1)", "to-receiver", "Explained"):
        expect(result).to_contain_text(text)
    screenshot(page, "routes")
    page.click("nav >> text=Vendors")
    expect(page.locator("table")).to_contain_text("foxoms")
    screenshot(page, "vendors")


def test_a_script_in_a_payload_does_not_run(page, service):
    event_id = post_booking(service, {"id": 666, "name": SCRIPT_PAYLOAD})
    wait_for_status(service, event_id, "completed")
    log_in(page)
    expect(page.locator("h1")).to_have_text("Overview")
    page.goto(f"/console/events/{event_id}")
    expect(page.locator("pre.payload")).to_contain_text(SCRIPT_PAYLOAD)
    page.goto("/console/events?entity=booking:666")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.dialogs == []
