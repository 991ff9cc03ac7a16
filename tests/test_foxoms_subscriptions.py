"""`flask foxoms subscriptions list|sync|delete` against the FoxOMS simulator on loopback
(Bearer token checked, lists paged, 429 above its rate limit). The default tier runs the
simulator at 1 request per 50 ms and the CLI at FOXOMS_RATE_LIMIT=10/second; the real
1 request/second pair is the slow test at the end. Waiting is tested through an injected
sleep, so no test here sleeps for a Retry-After."""
import pytest

from handlers.inbound import foxoms_subscriptions as subs
from handlers.inbound.foxoms_subscriptions import MAX_429_RETRIES, Pacing, plan_sync, target_url
from handlers.vendors.errors import VendorRateLimited
from handlers.vendors.foxoms import FoxOMSClient

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
SIMULATOR_RATE = (1, 0.05)   # the simulator answers 429 to a second request within 50 ms
CLI_RATE_LIMIT = "10/second"  # the CLI spaces its requests 100 ms apart


@pytest.fixture
def sim(foxoms_sim):
    foxoms_sim.set_rate_limit(SIMULATOR_RATE)
    return foxoms_sim


def hook(sim, hook_id, event, url):
    return sim.add("resthook", id=hook_id, event_name=event, target_url=url)


def hooks(sim):
    return sim.records["resthook"]


def statuses(sim):
    return [request.answered for request in sim.requests]


def writes(sim):
    return [request for request in sim.requests if request.method != "GET"]


@pytest.fixture
def cli(make_app, sim):
    def invoke(*args, token=None, **config):
        config = {"FOXOMS_BASE_URL": sim.url, "FOXOMS_API_TOKEN": token or sim.token,
                  "FOXOMS_RATE_LIMIT": CLI_RATE_LIMIT, **config}
        app = make_app(ROUTES, **config)
        return app.test_cli_runner().invoke(args=["foxoms", "subscriptions", *args])

    return invoke


def test_sync_creates_missing_deletes_stale_ours_and_leaves_others(sim, cli):
    foreign = hook(sim, 1, "bookingCreated", "https://hooks.zapier.example/abc")
    hook(sim, 2, "bookingCreated", OURS_NEW)
    hook(sim, 3, "bookingCreated", OURS_NEW)  # a second copy
    hook(sim, 4, "bookingCreated", f"{BASE}/hooks/foxoms/bookingCreated?token=fox-token-old")  # old token
    hook(sim, 5, "projectCreated", f"{BASE}/hooks/foxoms/projectCreated?token=fox-token-new")  # not in events
    result = cli("sync")
    assert result.exit_code == 0, result.output
    by_url = {(h["event_name"], h["target_url"]) for h in hooks(sim).values()}
    assert by_url == {
        ("bookingCreated", foreign["target_url"]),
        ("bookingCreated", OURS_NEW),
        ("contactCreated", f"{BASE}/hooks/foxoms/contactCreated?token=fox-token-new"),
    }
    assert 1 in hooks(sim) and 2 in hooks(sim)
    assert "fox-token" not in result.output
    assert 429 not in statuses(sim)  # paced by FOXOMS_RATE_LIMIT
    assert all(r.header("Authorization") == f"Bearer {sim.token}" for r in sim.requests)


def test_sync_twice_changes_nothing_the_second_time(sim, cli):
    hook(sim, 1, "bookingCreated", "https://elsewhere.example/x")
    assert cli("sync").exit_code == 0
    before, written = {k: dict(v) for k, v in hooks(sim).items()}, len(writes(sim))
    second = cli("sync")
    assert second.exit_code == 0 and "up to date" in second.output
    assert hooks(sim) == before and len(writes(sim)) == written


def test_list_marks_ours_and_hides_our_token(sim, cli):
    hook(sim, 7, "bookingCreated", "https://hooks.foxoms.com/fake-subscription-url")
    hook(sim, 8, "bookingCreated", OURS_NEW)
    result = cli("list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("  7\tbookingCreated\thttps://hooks.foxoms.com/fake-subscription-url")
    assert lines[1] == f"* 8\tbookingCreated\t{BASE}/hooks/foxoms/bookingCreated?token=[redacted]"


def test_list_reads_every_page(sim, cli):
    for i in range(1, 103):  # more than one page of 100
        hook(sim, i, "bookingCreated", f"https://x.example/{i}")
    result = cli("list")
    assert [line.split("\t")[0].strip() for line in result.output.splitlines()] == [str(i) for i in range(1, 103)]
    assert [r.query["page"] for r in sim.requests] == ["1", "2"]


def test_wrong_api_token_fails_without_printing_it(sim, cli):
    result = cli("list", token="not-the-api-token")
    assert result.exit_code != 0
    assert "401" in result.output and "not-the-api-token" not in result.output


def test_missing_api_token_is_an_error(sim, cli):
    result = cli("list", FOXOMS_API_TOKEN=None)
    assert result.exit_code != 0 and "FOXOMS_API_TOKEN" in result.output
    assert sim.requests == []


def test_429_is_waited_out_and_retried(sim, cli):
    hook(sim, 1, "bookingCreated", "https://x.example/1")
    sim.rate_limit_next(retry_after=None)  # someone else just used this second
    result = cli("list")
    assert result.exit_code == 0, result.output
    assert statuses(sim) == [429, 200]
    assert "x.example/1" in result.output


def test_429_waits_its_retry_after_once_through_the_injected_sleep(sim):
    sim.set_rate_limit(None)
    hook(sim, 1, "bookingCreated", "https://x.example/1")
    sim.rate_limit_next(retry_after=30)
    waits = []
    pacing = Pacing(0.5, sleep=waits.append)
    client = FoxOMSClient.from_config({"FOXOMS_BASE_URL": sim.url, "FOXOMS_API_TOKEN": sim.token},
                                      before_request=pacing.before_request)
    assert [h["id"] for h in subs.list_hooks(client, pacing)] == [1]
    assert statuses(sim) == [429, 200]
    assert waits[0] == 30.0  # the Retry-After; then at most the pacing's own wait
    assert all(wait <= 0.5 for wait in waits[1:])


def test_429_gives_up_after_max_retries(sim, cli):
    sim.rate_limit_next(retry_after=0, times=MAX_429_RETRIES + 1)
    result = cli("list")
    assert result.exit_code != 0 and "429" in result.output
    assert statuses(sim) == [429] * (MAX_429_RETRIES + 1)


def test_pacing_spaces_requests_by_its_interval():
    now, waits = [100.0], []

    def sleep(seconds):
        waits.append(seconds)
        now[0] += seconds

    pacing = Pacing(1.0, sleep=sleep, clock=lambda: now[0])
    pacing.before_request("foxoms")
    now[0] += 0.25
    pacing.before_request("foxoms")
    now[0] += 3.0
    pacing.before_request("foxoms")
    assert waits == [0.75]


def test_429_from_a_create_is_retried_and_a_refusal_is_not(sim):
    sim.set_rate_limit(None)
    waits = []
    pacing = Pacing(0.0, sleep=waits.append)
    client = FoxOMSClient.from_config({"FOXOMS_BASE_URL": sim.url, "FOXOMS_API_TOKEN": sim.token})
    sim.rate_limit_next(retry_after=2)
    hook_id = subs.subscribe(client, pacing, "bookingCreated", OURS_NEW)
    assert hooks(sim)[int(hook_id)]["target_url"] == OURS_NEW and waits == [2.0]
    sim.fail_next(status=400)
    with pytest.raises(Exception) as caught:
        subs.subscribe(client, pacing, "bookingCreated", OURS_NEW)
    assert not isinstance(caught.value, VendorRateLimited) and caught.value.status == 400
    assert waits == [2.0]


def test_delete_by_id_and_all_ours(sim, cli):
    hook(sim, 1, "bookingCreated", "https://x.example/1")
    hook(sim, 2, "bookingCreated", OURS_NEW)
    hook(sim, 3, "contactCreated", f"{BASE}/hooks/foxoms/contactCreated?token=t")
    assert cli("delete", "2").exit_code == 0
    assert sorted(hooks(sim)) == [1, 3]
    assert cli("delete", "--all-ours").exit_code == 0
    assert sorted(hooks(sim)) == [1]


def test_delete_needs_ids_or_all_ours(sim, cli):
    assert cli("delete").exit_code != 0


def test_delete_refuses_an_id_that_is_not_a_number_before_sending(sim, cli):
    result = cli("delete", "1&id=2")
    assert result.exit_code != 0 and "not a number" in result.output
    assert sim.requests == []


def test_plan_sync_is_a_plain_function():
    token = "tok"
    want = target_url(BASE, "bookingCreated", token)
    assert want == f"{BASE}/hooks/foxoms/bookingCreated?token=tok"
    missing, stale = plan_sync([{"id": 1, "event_name": "bookingCreated", "target_url": want}],
                               ["bookingCreated", "contactCreated"], BASE, token)
    assert missing == ["contactCreated"] and stale == []


@pytest.mark.slow
def test_sync_at_foxoms_real_one_request_per_second_gets_no_429(foxoms_sim, make_app):
    """The shipped FOXOMS_RATE_LIMIT (1/second) against the simulator's 1 request/second."""
    hook(foxoms_sim, 1, "bookingCreated", OURS_NEW)
    hook(foxoms_sim, 2, "bookingCreated", OURS_NEW)
    app = make_app(ROUTES, FOXOMS_BASE_URL=foxoms_sim.url, FOXOMS_API_TOKEN=foxoms_sim.token)
    assert app.config["FOXOMS_RATE_LIMIT"] == "1/second"
    result = app.test_cli_runner().invoke(args=["foxoms", "subscriptions", "sync"])
    assert result.exit_code == 0, result.output
    assert statuses(foxoms_sim) == [200, 200, 200]  # list, create contactCreated, delete the copy
