"""The call table (handlers/actions.py ACTIONS): each row a vendor client and how it is called."""
import inspect

import pytest

from handlers.actions import ACTIONS, Call

ROWS = sorted(name for name, action in ACTIONS.items() if isinstance(action, Call))


def test_every_call_of_design_is_a_row():
    assert set(ROWS) == {
        "foxoms.create", "foxoms.update", "foxoms.delete", "foxoms.request",
        "itglue.create", "itglue.update", "itglue.request",
        "fiwit.create_ticket", "fiwit.update_ticket", "fiwit.create_asset", "fiwit.update_asset", "fiwit.request",
        "foxtag.upsert", "foxtag.request", "accutics.request", "http.post",
    }


@pytest.mark.parametrize("name", ROWS)
def test_a_row_names_its_vendor_and_a_client_method_taking_its_args(name):
    call = ACTIONS[name]
    assert name.split(".")[0] == call.vendor == call.client_class.vendor
    if call.custom_send is not None:
        return
    parameters = inspect.signature(getattr(call.client_class, call.method)).parameters
    assert set(call.required) | set(call.optional) <= set(parameters)  # each arg passed by its name


def test_planning_records_and_sends_nothing():
    planned = ACTIONS["foxoms.create"].plan({"module": "booking", "fields": {"name": "x"}},
                                             {"FOXOMS_BASE_URL": "http://127.0.0.1:9/v1", "FOXOMS_API_TOKEN": "t0ken"})
    assert [(p.method, p.url, p.json) for p in planned] == [("POST", "http://127.0.0.1:9/v1/booking", {"name": "x"})]
