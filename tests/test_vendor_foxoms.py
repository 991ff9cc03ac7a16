"""FoxOMS client and actions against the FoxOMS simulator, over a real socket."""
import pytest

from handlers.actions import load_all
from handlers.vendors.errors import (
    VendorAuthError,
    VendorContractError,
    VendorRateLimited,
    VendorRejected,
    VendorTimeout,
    VendorUnavailable,
)
from handlers.vendors.foxoms import FoxOMSClient
from tests.simulators.support import SHORT_TIMEOUT_SECONDS, context

ACTIONS = load_all()


@pytest.fixture
def sim(foxoms_sim):
    foxoms_sim.set_rate_limit(None)  # the 1/second limit has its own test
    return foxoms_sim


@pytest.fixture
def config(sim):
    return {"FOXOMS_BASE_URL": sim.url, "FOXOMS_API_TOKEN": sim.token, "VENDOR_TIMEOUT_SECONDS": SHORT_TIMEOUT_SECONDS}


def run(name, args, config, **kwargs):
    return ACTIONS[name].run(args, context(config, **kwargs))


def test_create_sends_one_record_with_bearer_token(sim, config):
    calls = []
    result = run("foxoms.create", {"module": "booking", "fields": {"name": "Gig", "status_id": 2}}, config, calls=calls)
    sent = sim.last
    assert (sent.method, sent.path, sent.json) == ("POST", "/v1/booking", {"name": "Gig", "status_id": 2})
    assert sent.header("Authorization") == f"Bearer {sim.token}"
    assert sent.header("Content-Type") == "application/json"
    assert result.status == 200 and result.details["id"] == sent_id(sim, "booking")
    assert calls == ["foxoms"]
    assert sim.token not in result.response_excerpt


def sent_id(sim, module):
    return str(max(sim.records[module]))


def test_update_puts_with_id_in_query(sim, config):
    record = sim.add("project", name="Old")
    result = run("foxoms.update", {"module": "project", "id": record["id"], "fields": {"name": "New"}}, config)
    assert (sim.last.method, sim.last.path, sim.last.query) == ("PUT", "/v1/project", {"id": str(record["id"])})
    assert sim.records["project"][record["id"]]["name"] == "New"
    assert result.details["id"] == str(record["id"])


@pytest.mark.parametrize("module, returned", [("booking", "int"), ("invoice", None)])
def test_delete_accepts_int_or_missing_id(sim, config, module, returned):
    record = sim.add(module, name="x")
    result = run("foxoms.delete", {"module": module, "id": str(record["id"])}, config)
    assert sim.last.method == "DELETE" and sim.last.query == {"id": str(record["id"])}
    assert record["id"] not in sim.records[module]
    assert result.details["id"] == (str(record["id"]) if returned else None)


def test_request_action_lists(sim, config):
    sim.add("booking", name="One")
    result = run("foxoms.request", {"method": "GET", "path": "/booking", "query": {"name": "One"}}, config)
    assert result.status == 200 and '"One"' in result.response_excerpt
    assert sim.last.query == {"name": "One"}


def test_plan_is_what_run_sends(sim, config):
    args = {"module": "booking", "id": "7", "fields": {"name": "B"}}
    sim.add("booking", id=7, name="A")
    planned = ACTIONS["foxoms.update"].plan(args, config)
    run("foxoms.update", args, config)
    assert [(p.method, p.url, p.params, p.json) for p in planned] == [("PUT", sim.url + "/booking", {"id": "7"}, {"name": "B"})]
    assert planned[0].redacted()["headers"]["Authorization"] == "[redacted]"


def test_iter_records_follows_pagination(sim, config):
    for n in range(7):
        sim.add("resthook", event_name="bookingCreated", target_url=f"https://x/{n}")
    client = FoxOMSClient.from_config(config)
    records = list(client.iter_records("resthook", limit=3))
    assert len(records) == 7
    assert [r.query["page"] for r in sim.requests] == ["1", "2", "3"]


def test_resthook_operations(sim, config):
    client = FoxOMSClient.from_config(config)
    hook_id = client.create_resthook("bookingCreated", "https://hooks.test/hooks/foxoms/bookingCreated")
    assert [h["target_url"] for h in client.list_resthooks()] == ["https://hooks.test/hooks/foxoms/bookingCreated"]
    client.delete_resthook(hook_id)
    assert client.list_resthooks() == []


def test_list_of_records_is_refused_before_sending(sim, config):
    with pytest.raises(VendorRejected):
        run("foxoms.create", {"module": "booking", "fields": [{"name": "a"}, {"name": "b"}]}, config)
    assert sim.requests == []


def test_wrong_token_is_an_auth_error(sim, config):
    with pytest.raises(VendorAuthError) as caught:
        run("foxoms.create", {"module": "booking", "fields": {"name": "x"}}, {**config, "FOXOMS_API_TOKEN": "wrong-token"})
    assert not caught.value.retryable and caught.value.status == 401
    assert "Unauthorized" in str(caught.value) and "wrong-token" not in str(caught.value)


def test_second_request_in_a_second_is_rate_limited(foxoms_sim, config):
    foxoms_sim.set_rate_limit((1, 1.0))  # as documented: 1 request per second
    run("foxoms.request", {"path": "/booking"}, config)
    with pytest.raises(VendorRateLimited) as caught:
        run("foxoms.request", {"path": "/booking"}, config)
    assert caught.value.retryable and caught.value.status == 429


def test_429_with_retry_after(sim, config):
    sim.rate_limit_next(retry_after=7)
    with pytest.raises(VendorRateLimited) as caught:
        run("foxoms.create", {"module": "booking", "fields": {"name": "x"}}, config)
    assert caught.value.retry_after == 7


def test_5xx_is_retryable(sim, config):
    sim.fail_next(status=503)
    with pytest.raises(VendorUnavailable) as caught:
        run("foxoms.create", {"module": "booking", "fields": {"name": "x"}}, config)
    assert caught.value.retryable and caught.value.status == 503


def test_timeout_is_retryable(sim, config):
    sim.slow(2)
    with pytest.raises(VendorTimeout) as caught:
        run("foxoms.request", {"path": "/booking"}, config)
    assert caught.value.retryable


@pytest.mark.parametrize("kind", ["html", "empty", "truncated"])
def test_malformed_answer_is_a_contract_error(sim, config, kind):
    sim.malformed_next(kind)
    with pytest.raises(VendorContractError) as caught:
        run("foxoms.update", {"module": "booking", "id": 1, "fields": {"name": "x"}}, config)
    assert caught.value.retryable  # PUT: resending cannot duplicate


def test_malformed_answer_to_a_create_is_not_retried(sim, config):
    sim.malformed_next("html")
    with pytest.raises(VendorContractError) as caught:
        run("foxoms.create", {"module": "booking", "fields": {"name": "x"}}, config)
    assert not caught.value.retryable


def test_404_is_permanent(sim, config):
    with pytest.raises(VendorRejected) as caught:
        run("foxoms.update", {"module": "booking", "id": 999, "fields": {"name": "x"}}, config)
    assert caught.value.status == 404 and not caught.value.retryable


@pytest.mark.parametrize("bad", ["abc", "1;2", None, True])
def test_bad_id_is_refused(sim, config, bad):
    with pytest.raises(VendorRejected):
        run("foxoms.delete", {"module": "booking", "id": bad}, config)


def test_unknown_module_is_refused(sim, config):
    with pytest.raises(VendorRejected):
        run("foxoms.create", {"module": "../admin", "fields": {}}, config)
    assert sim.requests == []
