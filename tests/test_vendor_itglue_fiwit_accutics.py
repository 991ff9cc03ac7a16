"""IT Glue, Fiwit and Accutics actions against their simulators, over a real socket."""
import pytest
import requests

from handlers.actions import load_all
from handlers.sandbox.itglue import ITGlueSimulator
from handlers.vendors.accutics import AccuticsClient
from handlers.vendors.errors import PermanentVendorError, VendorAuthError, VendorRateLimited, VendorRejected
from handlers.vendors.itglue import ITGlueClient
from tests.simulators.support import SHORT_TIMEOUT_SECONDS, context

ACTIONS = load_all()


def run(name, args, config):
    return ACTIONS[name].run(args, context(config))


# IT Glue ---------------------------------------------------------------------
@pytest.fixture
def itglue_config(itglue_sim):
    return {"ITGLUE_BASE_URL": itglue_sim.url, "ITGLUE_API_KEY": itglue_sim.api_key, "VENDOR_TIMEOUT_SECONDS": SHORT_TIMEOUT_SECONDS}


def test_itglue_create_sends_json_api(itglue_sim, itglue_config):
    result = run("itglue.create", {"type": "organizations", "attributes": {"name": "Happy Frog"}}, itglue_config)
    sent = itglue_sim.last
    assert (sent.method, sent.path) == ("POST", "/organizations")
    assert sent.json == {"data": {"type": "organizations", "attributes": {"name": "Happy Frog"}}}
    assert sent.header("x-api-key") == itglue_sim.api_key
    assert sent.header("Content-Type") == "application/vnd.api+json"
    assert result.status == 201 and result.details["id"] == str(max(itglue_sim.records["organizations"]))


def test_itglue_create_nested_under_organization(itglue_sim, itglue_config):
    args = {"type": "configurations", "organization_id": "2", "attributes": {"name": "HF-DET-SW01", "configuration-type-id": 22}}
    run("itglue.create", args, itglue_config)
    assert itglue_sim.last.path == "/organizations/2/relationships/configurations"
    assert itglue_sim.last.json["data"]["type"] == "configurations"


def test_itglue_flat_configuration_without_organization_is_422(itglue_sim, itglue_config):
    with pytest.raises(VendorRejected) as caught:
        run("itglue.create", {"type": "configurations", "attributes": {"name": "x"}}, itglue_config)
    assert caught.value.status == 422 and "organization-id is required" in str(caught.value)


def test_itglue_update_patches_kebab_type(itglue_sim, itglue_config):
    asset = itglue_sim.add("flexible_assets", traits={"a": 1})
    result = run("itglue.update", {"type": "flexible_assets", "id": asset["id"], "attributes": {"traits": {"a": 2}}}, itglue_config)
    sent = itglue_sim.last
    assert (sent.method, sent.path) == ("PATCH", f"/flexible_assets/{asset['id']}")
    assert sent.json == {"data": {"type": "flexible-assets", "attributes": {"traits": {"a": 2}}}}
    assert result.details["id"] == str(asset["id"])


def test_itglue_update_nested(itglue_sim, itglue_config):
    contact = itglue_sim.add("contacts", **{"first-name": "J"})
    run("itglue.update", {"type": "contacts", "id": contact["id"], "organization_id": 2, "attributes": {"title": "AE"}}, itglue_config)
    assert itglue_sim.last.path == f"/organizations/2/relationships/contacts/{contact['id']}"


def test_itglue_simulator_checks_content_type(itglue_sim):
    answer = requests.post(itglue_sim.url + "/organizations", json={"data": {"type": "organizations", "attributes": {}}},
                           headers={"x-api-key": itglue_sim.api_key}, timeout=5)
    assert answer.status_code == 415


def test_itglue_errors_become_the_message(itglue_sim, itglue_config):
    with pytest.raises(VendorAuthError, match="Unauthorized: Bad credentials"):
        run("itglue.request", {"path": "/organizations"}, {**itglue_config, "ITGLUE_API_KEY": "ITG.wrong"})


def test_itglue_window_limit(itglue_config):
    with ITGlueSimulator(rate_limit=(3, 300.0)) as sim:
        config = {**itglue_config, "ITGLUE_BASE_URL": sim.url}
        for _ in range(3):
            run("itglue.request", {"path": "/organizations"}, config)
        with pytest.raises(VendorRateLimited):
            run("itglue.request", {"path": "/organizations"}, config)


def test_itglue_pagination_at_most_1000(itglue_sim, itglue_config):
    for n in range(5):
        itglue_sim.add("organizations", name=f"o{n}")
    client = ITGlueClient.from_config(itglue_config)
    assert len(list(client.iter_records("organizations", page_size=2))) == 5
    assert [r.query["page[number]"] for r in itglue_sim.requests] == ["1", "2", "3"]
    list(client.iter_records("organizations", page_size=5000))
    assert itglue_sim.last.query["page[size]"] == "1000"


@pytest.mark.parametrize("bad", ["../users", "Organizations", "a/b", 5])
def test_itglue_bad_type_is_refused(itglue_sim, itglue_config, bad):
    with pytest.raises(VendorRejected):
        run("itglue.create", {"type": bad, "attributes": {}}, itglue_config)
    assert itglue_sim.requests == []


# Fiwit -----------------------------------------------------------------------
@pytest.fixture
def fiwit_config(fiwit_sim):
    return {"FIWIT_BASE_URL": fiwit_sim.url, "FIWIT_API_KEY": fiwit_sim.api_key, "VENDOR_TIMEOUT_SECONDS": SHORT_TIMEOUT_SECONDS}


@pytest.mark.parametrize("create, update, resource", [
    ("fiwit.create_ticket", "fiwit.update_ticket", "tickets"), ("fiwit.create_asset", "fiwit.update_asset", "assets")])
def test_fiwit_create_then_update(fiwit_sim, fiwit_config, create, update, resource):
    created = run(create, {"fields": {"name": "Laptop", "priority": "medium"}}, fiwit_config)
    post = fiwit_sim.last
    assert (post.method, post.path, post.json) == ("POST", f"/{resource}/", {"name": "Laptop", "priority": "medium"})
    assert post.header("Authorization") == fiwit_sim.api_key  # no scheme
    assert post.header("Accept") == "application/json" and post.header("Content-Type") == "application/json"
    record_id = created.details["id"]
    run(update, {"id": record_id, "fields": {"priority": "low"}}, fiwit_config)
    patch = fiwit_sim.last
    assert (patch.method, patch.path, patch.json) == ("PATCH", f"/{resource}/{record_id}", {"priority": "low"})
    assert fiwit_sim.records[resource][int(record_id)]["priority"] == "low"


def test_fiwit_request_lists(fiwit_sim, fiwit_config):
    run("fiwit.create_ticket", {"fields": {"priority": "medium"}}, fiwit_config)
    result = run("fiwit.request", {"path": "/tickets"}, fiwit_config)
    assert result.status == 200 and '"priority": "medium"' in result.response_excerpt


def test_fiwit_simulator_needs_accept(fiwit_sim):
    answer = requests.get(fiwit_sim.url + "/tickets", headers={"Authorization": fiwit_sim.api_key, "Accept": "*/*"}, timeout=5)
    assert answer.status_code == 406


# Accutics --------------------------------------------------------------------
@pytest.fixture
def accutics_config(accutics_sim):
    return {"ACCUTICS_BASE_URL": accutics_sim.url, "ACCUTICS_TOKEN": accutics_sim.token, "VENDOR_TIMEOUT_SECONDS": SHORT_TIMEOUT_SECONDS}


def test_accutics_request_create_and_show(accutics_sim, accutics_config):
    result = run("accutics.request", {"method": "POST", "path": "/campaigns", "json": {"name": "Spring"}}, accutics_config)
    assert accutics_sim.last.header("Authorization") == f"Bearer {accutics_sim.token}"
    assert result.status == 201
    shown = run("accutics.request", {"path": "/campaigns/1", "query": {"include": "x"}}, accutics_config)
    assert '"Spring"' in shown.response_excerpt and accutics_sim.last.query == {"include": "x"}


@pytest.mark.parametrize("setup, args, error, status, code", [
    (None, {"path": "/nope"}, VendorRejected, 400, "invalid_route"),
    (None, {"method": "DELETE", "path": "/campaigns"}, VendorRejected, 400, "invalid_route"),
    ("forbid", {"path": "/campaigns"}, VendorAuthError, 403, "authorization"),
    (None, {"method": "POST", "path": "/campaigns", "json": {}}, VendorRejected, 422, "validation_failed"),
])
def test_accutics_error_envelope(accutics_sim, accutics_config, setup, args, error, status, code):
    if setup == "forbid":
        accutics_sim.forbid("/campaigns")
    with pytest.raises(error) as caught:
        run("accutics.request", args, accutics_config)
    assert caught.value.status == status and caught.value.code == code and code in str(caught.value)


def test_accutics_missing_header_code(accutics_sim, accutics_config):
    answer = requests.get(accutics_sim.url + "/campaigns", timeout=5)
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "authorization_header_missing"


def test_accutics_pagination_follows_next(accutics_sim, accutics_config):
    for n in range(5):
        accutics_sim.add(name=f"c{n}")
    client = AccuticsClient.from_config(accutics_config)
    assert [c["name"] for c in client.iter_records("/campaigns", page_size=2)] == ["c0", "c1", "c2", "c3", "c4"]
    assert [r.query["page"] for r in accutics_sim.requests] == ["1", "2", "3"]


def test_accutics_next_link_to_another_host_is_refused(accutics_sim, accutics_config):
    for n in range(3):
        accutics_sim.add(name=f"c{n}")
    client = AccuticsClient.from_config({**accutics_config, "ACCUTICS_BASE_URL": accutics_sim.url.replace("127.0.0.1", "localhost")})
    with pytest.raises(VendorRejected, match="leaves the configured host"):
        list(client.iter_records("/campaigns", page_size=2))


def test_accutics_without_base_url_is_refused():
    with pytest.raises(PermanentVendorError, match="ACCUTICS_BASE_URL is not configured"):
        ACTIONS["accutics.request"].plan({"path": "/campaigns"}, {"ACCUTICS_TOKEN": "t"})


@pytest.mark.parametrize("path", ["http://evil.test/x", "//evil.test/x", "/a/../../etc", "/campaigns/../x", "campaigns?page=2"])
def test_request_path_must_stay_below_base_url(accutics_sim, accutics_config, path):
    with pytest.raises(VendorRejected):
        run("accutics.request", {"path": path}, accutics_config)
    assert accutics_sim.requests == []
