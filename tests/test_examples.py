"""examples/: one sample per shipped route; each is accepted by its source and matches its route."""
import json

import pytest

from handlers.cli.send import request_for
from handlers.routing.explain import explain, stored_payload
from tests.shipped_helpers import ROOT

EXAMPLES = sorted((ROOT / "examples").glob("*__*.json"))


def source_and_event(path):
    source, event = path.stem.split("__")
    return source, event


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
def test_example_is_accepted_by_its_source(shipped_app, path):
    source, event = source_and_event(path)
    rules = shipped_app.extensions["rules"]
    body = path.read_bytes()
    url, headers = request_for(source, rules.sources[source], event, body)
    answer = shipped_app.test_client().post(url, data=body, headers=headers)
    assert answer.status_code == 202, answer.get_json()


def test_every_shipped_route_has_exactly_one_example(shipped_app):
    rules = shipped_app.extensions["rules"]
    matched = []
    for path in EXAMPLES:
        source, event = source_and_event(path)
        payload = stored_payload(rules, source, json.loads(path.read_text()))
        answer = explain(rules, source, event, payload, shipped_app.config)
        assert all("error" not in action for match in answer["matches"] for action in match["actions"]), answer
        matched += [match["route"] for match in answer["matches"]]
    assert sorted(matched) == sorted(route["id"] for route in rules.routes)


def test_the_banner_sends_an_example_that_exists():
    from handlers.banner import SAMPLE, banner

    text = banner({}, {"ADMIN_TOKEN": "admin-token-not-printed"})
    source, event, path = SAMPLE
    assert f"./hooks send {source} {event} {path}\n" in text and (ROOT / path).is_file()
    assert "the token is in .env" in text and "admin-token-not-printed" not in text


def test_the_banner_names_the_port_when_it_is_not_public_base_url():
    from handlers.banner import banner

    assert "--url http://localhost:5871" in banner({"PORT": "5871"}, {})
    assert "--url" not in banner({"PORT": "5871", "PUBLIC_BASE_URL": "http://localhost:5871"}, {})
