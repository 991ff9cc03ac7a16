"""`flask foxoms subscriptions list|sync|delete` against a FoxOMS-like /resthook server on
loopback that checks the Bearer token, pages its lists and answers 429 to a second
request within one second. The real 1 request/second spacing is kept, so these tests
take a few seconds each."""
import json
import threading
import time

import pytest
from werkzeug.wrappers import Response

from handlers.inbound.foxoms_subscriptions import plan_sync, target_url

API_TOKEN = "fox-api-token"
BASE = "http://hooks.test"
OURS_NEW = f"{BASE}/hooks/foxoms/bookingCreated?token=fox-token-new"
ROUTES = """
sources:
  foxoms:
    type: foxoms
    tokens: ["fox-token-new", "fox-token-old"]
    events: [bookingCreated, contactCreated]
routes: []
"""
RATE_WINDOW_SECONDS = 0.95  # "1 request per second", with room for loopback jitter


class FakeFoxoms:
    """The /resthook API of docs/vendors.md "FoxOMS", in memory, with FoxOMS's answers."""

    per_page = 2

    def __init__(self, hooks=()):
        self.hooks = {int(h["id"]): dict(h) for h in hooks}
        self.next_id = 100
        self.log = []  # (method, status)
        self.last_served = None
        self.lock = threading.Lock()

    def __call__(self, request):
        with self.lock:
            response = self.answer(request)
            self.log.append((request.method, response.status_code))
            return response

    def answer(self, request):
        if request.headers.get("Authorization") != f"Bearer {API_TOKEN}":
            return self.json({"error": "Unauthorized"}, 401)
        now = time.monotonic()
        if self.last_served is not None and now - self.last_served < RATE_WINDOW_SECONDS:
            return self.json({"error": "We allow a maximum of 1 request per second"}, 429)
        self.last_served = now
        if request.method == "GET":
            return self.list(int(request.args.get("page", 1)), int(request.args.get("limit", 10)))
        if request.method == "POST":
            body = request.get_json()
            if not body.get("event_name") or not body.get("target_url"):
                return self.json({"error": "event_name and target_url are required"}, 400)
            self.next_id += 1
            self.hooks[self.next_id] = {"id": self.next_id, "triggered_count": 0, "last_triggered": 0, **body}
            return self.json({"status": {"success": True, "id": str(self.next_id)}})
        if request.method == "DELETE":
            if self.hooks.pop(int(request.args["id"]), None) is None:
                return self.json({"error": "Not Found"}, 404)
            return self.json({"status": {"success": True}})
        return self.json({"error": "method"}, 405)

    def list(self, page, limit):
        per_page = min(limit, self.per_page)
        rows = [self.hooks[k] for k in sorted(self.hooks)]
        pages = max(1, -(-len(rows) // per_page))
        chunk = rows[(page - 1) * per_page: page * per_page]
        links = {"next": page + 1} if page < pages else []
        pagination = {"total": len(rows), "count": len(chunk), "per_page": per_page,
                      "current_page": page, "total_pages": pages, "links": links}
        return self.json({"data": chunk, "meta": {"pagination": pagination}})

    @staticmethod
    def json(body, status=200):
        return Response(json.dumps(body), status=status, content_type="application/json")

    def writes(self):
        return [(m, s) for m, s in self.log if m != "GET"]


def hook(hook_id, event, url):
    return {"id": hook_id, "event_name": event, "target_url": url, "triggered_count": 0, "last_triggered": 0}


@pytest.fixture
def foxoms(httpserver):
    def start(hooks=()):
        fake = FakeFoxoms(hooks)
        httpserver.expect_request("/v1/resthook").respond_with_handler(fake)
        return fake

    return start


@pytest.fixture
def cli(make_app, httpserver):
    def invoke(*args, token=API_TOKEN):
        app = make_app(ROUTES, FOXOMS_BASE_URL=httpserver.url_for("/v1"), FOXOMS_API_TOKEN=token)
        return app.test_cli_runner().invoke(args=["foxoms", "subscriptions", *args])

    return invoke


def test_sync_creates_missing_deletes_stale_ours_and_leaves_others(foxoms, cli):
    foreign = hook(1, "bookingCreated", "https://hooks.zapier.example/abc")
    fake = foxoms([
        foreign,
        hook(2, "bookingCreated", OURS_NEW),
        hook(3, "bookingCreated", OURS_NEW),  # a second copy
        hook(4, "bookingCreated", f"{BASE}/hooks/foxoms/bookingCreated?token=fox-token-old"),  # old token
        hook(5, "projectCreated", f"{BASE}/hooks/foxoms/projectCreated?token=fox-token-new"),  # not in events
    ])
    result = cli("sync")
    assert result.exit_code == 0, result.output
    by_url = {(h["event_name"], h["target_url"]) for h in fake.hooks.values()}
    assert by_url == {
        ("bookingCreated", foreign["target_url"]),
        ("bookingCreated", OURS_NEW),
        ("contactCreated", f"{BASE}/hooks/foxoms/contactCreated?token=fox-token-new"),
    }
    assert 1 in fake.hooks and 2 in fake.hooks
    assert "fox-token" not in result.output
    assert not [entry for entry in fake.log if entry[1] == 429]


def test_sync_twice_changes_nothing_the_second_time(foxoms, cli):
    fake = foxoms([hook(1, "bookingCreated", "https://elsewhere.example/x")])
    assert cli("sync").exit_code == 0
    before, writes = dict(fake.hooks), len(fake.writes())
    second = cli("sync")
    assert second.exit_code == 0 and "up to date" in second.output
    assert fake.hooks == before and len(fake.writes()) == writes


def test_list_marks_ours_and_hides_our_token(foxoms, cli):
    foxoms([hook(7, "bookingCreated", "https://hooks.foxoms.com/fake-subscription-url"), hook(8, "bookingCreated", OURS_NEW)])
    result = cli("list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("  7\tbookingCreated\thttps://hooks.foxoms.com/fake-subscription-url")
    assert lines[1] == f"* 8\tbookingCreated\t{BASE}/hooks/foxoms/bookingCreated?token=***"


def test_list_reads_every_page(foxoms, cli):
    foxoms([hook(i, "bookingCreated", f"https://x.example/{i}") for i in range(1, 6)])
    result = cli("list")
    assert [line.split("\t")[0].strip() for line in result.output.splitlines()] == ["1", "2", "3", "4", "5"]


def test_wrong_api_token_fails_without_printing_it(foxoms, cli):
    foxoms([])
    result = cli("list", token="not-the-api-token")
    assert result.exit_code != 0
    assert "401" in result.output and "not-the-api-token" not in result.output


def test_missing_api_token_is_an_error(foxoms, cli):
    result = cli("list", token=None)
    assert result.exit_code != 0 and "FOXOMS_API_TOKEN" in result.output


def test_429_is_waited_out_and_retried(foxoms, cli):
    fake = foxoms([hook(1, "bookingCreated", "https://x.example/1")])
    fake.last_served = time.monotonic()  # someone else just used this second
    result = cli("list")
    assert result.exit_code == 0, result.output
    assert [status for _, status in fake.log] == [429, 200]
    assert "x.example/1" in result.output


def test_delete_by_id_and_all_ours(foxoms, cli):
    fake = foxoms([hook(1, "bookingCreated", "https://x.example/1"), hook(2, "bookingCreated", OURS_NEW),
                   hook(3, "contactCreated", f"{BASE}/hooks/foxoms/contactCreated?token=t")])
    assert cli("delete", "2").exit_code == 0
    assert sorted(fake.hooks) == [1, 3]
    assert cli("delete", "--all-ours").exit_code == 0
    assert sorted(fake.hooks) == [1]


def test_delete_needs_ids_or_all_ours(foxoms, cli):
    foxoms([])
    assert cli("delete").exit_code != 0


def test_plan_sync_is_a_plain_function():
    token = "tok"
    want = target_url(BASE, "bookingCreated", token)
    assert want == f"{BASE}/hooks/foxoms/bookingCreated?token=tok"
    missing, stale = plan_sync([hook(1, "bookingCreated", want)], ["bookingCreated", "contactCreated"], BASE, token)
    assert missing == ["contactCreated"] and stale == []
