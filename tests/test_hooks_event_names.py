"""FoxOMS event names in the path are letters, digits, `_ . -`, 1-100 characters; any other
name is 404 and nothing is stored (docs/inbound.md "Endpoints"). Incoming hook names
are only those declared as incoming sources: anything else, odd bytes included, is 404."""
import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from handlers.store.events import EVENTS_INDEX, get_event
from tests.hooks_helpers import FOX, PLAIN

CONTRACT = re.compile(r"[A-Za-z0-9_.-]{1,100}")  # the rule as docs/inbound.md words it
INCOMING_SOURCES = {"plain": PLAIN, "new-customer": None, "retired": None}


@pytest.mark.parametrize("name", ["bookingCreated", "x", "a" * 100, "booking.created-v2_x", "0"])
def test_a_name_of_the_contract_is_accepted(hooks, redis_client, name):
    response = hooks.post(f"/hooks/foxoms/{name}", json={"id": 1}, headers=FOX)
    assert response.status_code == 202, response.get_data(as_text=True)
    assert get_event(redis_client, response.get_json()["event_id"])["name"] == name


@pytest.mark.parametrize("raw_name", [
    "booking%00Created", "a" * 101, "a" * 4000, "booking%20Created", "booking%0A", "%ff", "booking%C3%A9",
    "booking:created", "booking%2Fcreated", "booking~", "booking%2B", "%E2%80%AE", "booking$Created",
    "/bookingCreated", "%2FbookingCreated",  # `//`: 404 too, not a redirect to the merged path
])
def test_any_other_name_is_404_and_nothing_is_stored(hooks, redis_client, raw_name):
    response = hooks.post(f"/hooks/foxoms/{raw_name}", json={"id": 1}, headers=FOX)
    assert response.status_code == 404, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == "not_found"
    assert redis_client.keys("*") == []


@pytest.mark.parametrize("raw_name", [
    "%00", "%ff", "plain%00", "plain%0A", "plain%20", "PLAIN", "pl%C3%A4in", "foxoms", "a" * 4000, "%E2%80%AE", "/plain",
])
def test_an_undeclared_incoming_hook_is_404(hooks, redis_client, raw_name):
    response = hooks.post(f"/hooks/incoming/{raw_name}", json={"id": 1}, headers=PLAIN)
    assert response.status_code == 404, response.get_data(as_text=True)
    assert response.is_json and "error" in response.get_json()
    assert redis_client.keys("*") == []


names = st.one_of(
    st.text(max_size=120),
    st.from_regex(CONTRACT, fullmatch=True),
    st.text("abcXYZ019_.-:%/ \x00é", max_size=110),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=names)
def test_foxoms_names_are_stored_only_when_they_follow_the_contract(hooks, redis_client, name):
    redis_client.flushdb()
    response = hooks.post("/hooks/foxoms/" + quote(name, safe=""), json={"id": 1}, headers=FOX)
    event(f"status {response.status_code}")
    assert response.status_code < 500 and response.is_json
    if CONTRACT.fullmatch(name):
        assert response.status_code == 202, response.get_data(as_text=True)
        assert redis_client.zrange(EVENTS_INDEX, 0, -1) == [response.get_json()["event_id"]]
    else:
        assert response.status_code in (404, 405)
        assert redis_client.keys("*") == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.one_of(st.text(max_size=60), st.sampled_from(sorted(INCOMING_SOURCES) + ["foxoms"])))
def test_incoming_hooks_answer_only_for_declared_names(hooks, redis_client, name):
    redis_client.flushdb()
    response = hooks.post("/hooks/incoming/" + quote(name, safe=""), json={"id": 1}, headers=PLAIN)
    assert response.status_code < 500 and response.is_json
    if name == "plain":
        assert response.status_code == 202
    elif name not in INCOMING_SOURCES:
        assert response.status_code in (404, 405)
        assert redis_client.keys("*") == []
