"""The shipped routes.yaml: it passes `routes check`, and explain on a fixture for each flow
shows the exact call it would make.

Fixtures: tests/fixtures/foxoms/* are the inbound samples (shaped after the FoxOMS documentation's examples, docs/vendors.md "FoxOMS"); the ones under
tests/fixtures/routing/ are invented (FoxOMS documents no organizationCreated payload, and
the incoming hooks are ours), shaped like the records they stand for.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from handlers.rules import load_rules
from schemas.incoming import build_schema
from tests.shipped_helpers import CREDENTIALS, FIXTURES, ROOT, SHIPPED, VARIABLES

JSON = "application/json"


def explain(app, source, event, fixture):
    result = app.test_cli_runner().invoke(
        args=["routes", "explain", "--source", source, "--event", event, str(FIXTURES / fixture)])
    assert result.exit_code == 0, result.output
    for secret in (*VARIABLES.values(), *CREDENTIALS.values()):
        assert secret not in result.output
    return json.loads(result.output)


def calls(answer):
    """{(route, action): [(method, url, headers, body)]} of the matching routes."""
    return {
        (match["route"], action["id"]): [(r["method"], r["url"], r["headers"], r.get("body")) for r in action["requests"]]
        for match in answer["matches"] for action in match["actions"]
    }


def test_shipped_file_passes_check(shipped_app):
    result = shipped_app.test_cli_runner().invoke(args=["routes", "check"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"OK {SHIPPED}: 3 sources, 4 routes, 6 actions")


def test_shipped_app_is_ready(shipped_app):
    assert shipped_app.test_client().get("/readyz").status_code == 200


def test_every_vendor_is_called():
    rules = load_rules(SHIPPED, VARIABLES)
    vendors = {action["call"].split(".")[0] for route in rules.routes for action in route["actions"]}
    assert vendors == {"foxoms", "itglue", "fiwit", "foxtag", "accutics"}


@pytest.mark.parametrize("source, fixture", [
    ("asset-expiring", "routing/asset-expiring__warranty.json"),
    ("asset-expiring", "routing/asset-expiring__retired.json"),
    ("campaign-created", "routing/campaign-created__paid_search.json"),
])
def test_incoming_fixtures_meet_their_contract(source, fixture):
    spec = load_rules(SHIPPED, VARIABLES).source(source)["fields_"]
    build_schema(spec).load(json.loads((FIXTURES / fixture).read_text()))


def test_confirmed_booking_opens_a_fiwit_ticket(shipped_app):
    answer = explain(shipped_app, "foxoms", "bookingCreated", "foxoms/bookingCreated__bare_record.json")
    name = "Booking Test Booking confirmed (15/01/2019 08:25)"
    assert calls(answer) == {("confirmed-booking-to-fiwit", "ticket"): [(
        "POST", "https://www.fiwit.io/tickets/",
        {"Accept": JSON, "Authorization": "[redacted]", "Content-Type": JSON},
        {"name": name, "priority": "medium"},
    )]}


def test_booking_update_matches_nothing(shipped_app):
    answer = explain(shipped_app, "foxoms", "bookingUpdated", "foxoms/bookingUpdated__event_envelope.json")
    assert answer["matches"] == []
    assert {"route": "confirmed-booking-to-fiwit", "reason": "event"} in answer["not_matched"]


@pytest.mark.parametrize("event, fixture, name, city, email, foxoms_id", [
    ("contactCreated", "foxoms/contactCreated__organization.json", "ABC Australia", "", "[email\u00a0protected]", 1),
    ("organizationCreated", "routing/organizationCreated__client.json", "Springfield Nuclear Plant", "Springfield",
     "accounts@springfield-nuclear.example", 12),
])
def test_foxoms_client_goes_to_itglue_and_foxtag(shipped_app, event, fixture, name, city, email, foxoms_id):
    answer = explain(shipped_app, "foxoms", event, fixture)
    route = "foxoms-client-to-itglue-and-foxtag"
    found = calls(answer)
    [(method, url, headers, body)] = found[(route, "itglue-organization")]
    assert (method, url) == ("POST", "https://api.itglue.com/organizations")
    assert headers == {"x-api-key": "[redacted]", "Content-Type": "application/vnd.api+json"}
    assert body["data"]["type"] == "organizations"
    assert body["data"]["attributes"]["name"] == name
    assert body["data"]["attributes"]["description"] == f"From FoxOMS {event} (FoxOMS id {foxoms_id})"
    assert found[(route, "foxtag-customer")] == [(
        "POST", "https://api.foxtag.io/api/v1/public/customers",
        {"Accept": JSON, "Authorization": "[redacted]", "Content-Type": JSON},
        [{"name": name, "email": email, "city": city, "external_id": f"foxoms-{foxoms_id}"}],
    )]


def test_person_contact_is_not_an_organization(shipped_app, tmp_path):
    person = {"id": 3, "name": "Jane Someone", "type": "person", "client": True}
    path = tmp_path / "person.json"
    path.write_text(json.dumps(person))
    answer = explain(shipped_app, "foxoms", "contactCreated", path)
    assert answer["matches"] == []
    assert {"route": "foxoms-client-to-itglue-and-foxtag", "reason": "filter", "key": "any"} in answer["not_matched"]


def test_expiring_asset_opens_an_urgent_fiwit_ticket(shipped_app):
    answer = explain(shipped_app, "asset-expiring", "received", "routing/asset-expiring__warranty.json")
    assert calls(answer) == {("asset-expiring-to-fiwit", "ticket"): [(
        "POST", "https://www.fiwit.io/tickets/",
        {"Accept": JSON, "Authorization": "[redacted]", "Content-Type": JSON},
        {"name": "Asset Edit Suite 2 workstation expires 2026-12-01T00:00:00Z", "priority": "high"},
    )]}


def test_retired_asset_is_left_alone(shipped_app):
    answer = explain(shipped_app, "asset-expiring", "received", "routing/asset-expiring__retired.json")
    assert answer["matches"] == []
    assert {"route": "asset-expiring-to-fiwit", "reason": "filter", "key": "not"} in answer["not_matched"]


def test_paid_campaign_goes_to_accutics_and_foxoms(shipped_app):
    answer = explain(shipped_app, "campaign-created", "campaign.created", "routing/campaign-created__paid_search.json")
    route = "campaign-to-accutics-and-foxoms"
    assert calls(answer) == {
        (route, "accutics-campaign"): [(
            "POST", "https://accutics.test/api/campaigns",
            {"Accept": JSON, "Authorization": "[redacted]", "Content-Type": JSON},
            {"name": "Spring sale 2027", "channel": "search", "budget": 2500, "landing_url": "https://shop.example/spring"},
        )],
        (route, "foxoms-project"): [(
            "POST", "https://api.foxoms.com/v1/project",
            {"Accept": JSON, "Authorization": "[redacted]", "Content-Type": JSON},
            {"name": "Campaign: Spring sale 2027", "description": "search campaign, budget 2500, from campaign-created"},
        )],
    }


def test_real_flask_command_line(redis_url):
    env = {**os.environ, **VARIABLES, "REDIS_URL": redis_url, "ROUTES_FILE": SHIPPED}
    flask = str(Path(sys.executable).with_name("flask"))
    result = subprocess.run([flask, "--app", "app", "routes", "check"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "OK " in result.stdout, result.stderr
