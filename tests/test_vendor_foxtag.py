"""Foxtag upsert against the Foxtag simulator: batches, with_errors, resume after a failure."""
import pytest
import requests

from handlers.actions import load_all
from handlers.vendors.errors import VendorRejected, VendorUnavailable
from handlers.vendors.foxtag import FoxtagClient
from tests.simulators.support import SHORT_TIMEOUT_SECONDS, context

ACTIONS = load_all()


@pytest.fixture
def config(foxtag_sim):
    return {"FOXTAG_BASE_URL": foxtag_sim.url, "FOXTAG_API_KEY": foxtag_sim.api_key, "VENDOR_TIMEOUT_SECONDS": SHORT_TIMEOUT_SECONDS}


def records(count, invalid=()):
    return [{"name": f"Customer {n}", **({"invalid": f"Customer no. {n} is taken"} if n in invalid else {})} for n in range(count)]


def test_250_records_make_3_requests_and_report_the_invalid_ones(foxtag_sim, config):
    result = ACTIONS["foxtag.upsert"].run({"resource": "customers", "records": records(250, invalid={5, 180})}, context(config))
    posts = foxtag_sim.requests_to("POST", "/api/v1/public/customers")
    assert [len(p.json) for p in posts] == [100, 100, 50]
    assert posts[0].header("Authorization") == f"Bearer {foxtag_sim.api_key}"
    assert posts[0].header("Accept") == "application/json" and posts[0].header("Content-Type") == "application/json"
    assert [(f["index"], f["id"], f["message"]) for f in result.record_failures] == [
        (5, None, "Customer no. 5 is taken"), (180, None, "Customer no. 180 is taken")]
    assert result.status == 200 and result.details == {"records": 250, "batches_sent": 3, "failed": 2}
    assert len(foxtag_sim.records["customers"]) == 248


def test_update_by_uuid_and_failed_update_keeps_its_id(foxtag_sim, config):
    client = FoxtagClient.from_config(config)
    created = client.upsert("customers", [{"name": "A"}]).data["results"][0]["id"]
    result = ACTIONS["foxtag.upsert"].run(
        {"resource": "customers", "records": [{"id": created, "name": "B"}, {"id": created, "invalid": True}]}, context(config))
    assert foxtag_sim.records["customers"][created]["name"] == "B"
    assert result.record_failures == [{"index": 1, "id": created, "message": "Customer no. is taken"}]


def test_retry_does_not_resend_accepted_batches(foxtag_sim, config):
    state = {}
    args = {"resource": "customers", "records": records(250, invalid={3})}
    with pytest.raises(VendorUnavailable):
        ACTIONS["foxtag.upsert"].run(args, context(config, state=state, calls=_FailAfter(foxtag_sim, 1)))
    assert state["foxtag_sent"] == list(range(100))
    assert [f["index"] for f in state["record_failures"]] == [3]
    result = ACTIONS["foxtag.upsert"].run(args, context(config, state=state))
    posts = [r for r in foxtag_sim.requests if r.answered == 200]
    assert [len(p.json) for p in posts] == [100, 100, 50]
    assert posts[1].json[0]["name"] == "Customer 100"
    assert len(foxtag_sim.records["customers"]) == 249
    assert [f["index"] for f in result.record_failures] == [3]
    assert result.details["batches_sent"] == 2


class _FailAfter(list):
    """A before_request hook (via `calls`) that arms a 503 once `n` requests have gone out."""

    def __init__(self, sim, n):
        super().__init__()
        self.sim, self.n = sim, n

    def append(self, vendor):
        super().append(vendor)
        if len(self) == self.n + 1:
            self.sim.fail_next(status=503)


def test_plan_has_one_request_per_batch(config):
    planned = ACTIONS["foxtag.upsert"].plan({"resource": "customers", "records": records(201)}, config)
    assert [len(p.json) for p in planned] == [100, 100, 1]
    assert all(p.method == "POST" and p.url.endswith("/customers") for p in planned)


def test_simulator_refuses_more_than_100(foxtag_sim):
    answer = requests.post(foxtag_sim.url + "/customers", json=records(101), timeout=5,
                           headers={"Authorization": f"Bearer {foxtag_sim.api_key}", "Accept": "application/json"})
    assert answer.status_code == 422 and "Too many elements in a single request." in answer.text


def test_client_refuses_more_than_100_before_sending(foxtag_sim, config):
    with pytest.raises(VendorRejected):
        FoxtagClient.from_config(config).upsert("customers", records(101))
    assert foxtag_sim.requests == []


@pytest.mark.parametrize("accept, path, status", [
    ("text/html", "/customers", 406), ("application/json", "/customers", 200),
    ("*/*", "/customers", 200), ("text/html", "/customers.json", 200)])
def test_simulator_accept_rules(foxtag_sim, accept, path, status):
    answer = requests.get(foxtag_sim.url + path, timeout=5,
                          headers={"Authorization": f"Bearer {foxtag_sim.api_key}", "Accept": accept})
    assert answer.status_code == status


def test_iter_records_follows_total_pages(config):
    from handlers.sandbox.foxtag import FoxtagSimulator

    with FoxtagSimulator(page_size=2) as sim:
        client = FoxtagClient.from_config({**config, "FOXTAG_BASE_URL": sim.url})
        client.upsert("customers", records(5))
        assert len(list(client.iter_records("customers"))) == 5
        assert [r.query.get("page") for r in sim.requests if r.method == "GET"] == ["1", "2", "3"]


def test_request_action_deletes(foxtag_sim, config):
    client = FoxtagClient.from_config(config)
    created = client.upsert("customers", [{"name": "A"}]).data["results"][0]["id"]
    result = ACTIONS["foxtag.request"].run({"method": "DELETE", "path": f"/customers/{created}"}, context(config))
    assert result.status == 204 and created not in foxtag_sim.records["customers"]
