"""What an attempt's result means: one classification, the vendor client's (DESIGN.md
"Delivery rules": timeouts, connection errors, 408, 425, 429, 500, 502, 503, 504 retry;
other 4xx and 5xx, and 410, are permanent)."""
import pytest

from handlers.actions import ActionResult, load_all
from handlers.delivery.verdict import judge
from handlers.sandbox.foxoms import FoxOMSSimulator
from tests.simulators.support import SHORT_TIMEOUT_SECONDS, context

ACTIONS = load_all()
DESIGN_RETRIED = {408, 425, 429, 500, 502, 503, 504}
STATUSES = [400, 401, 403, 404, 408, 409, 410, 422, 425, 429, 500, 501, 502, 503, 504, 505, 507, 511]


@pytest.fixture(scope="module")
def foxoms():
    with FoxOMSSimulator(rate_limit=None) as sim:
        yield sim


def vendor_error(sim, status):
    """The error the FoxOMS client raises when the vendor answers `status`."""
    sim.fail_next(status=status)
    config = {"FOXOMS_BASE_URL": sim.url, "FOXOMS_API_TOKEN": sim.token, "VENDOR_TIMEOUT_SECONDS": SHORT_TIMEOUT_SECONDS}
    with pytest.raises(Exception) as caught:
        ACTIONS["foxoms.create"].run({"module": "booking", "fields": {"name": "x"}}, context(config))
    return caught.value


@pytest.mark.parametrize("status", STATUSES)
def test_a_status_is_retried_as_design_says_whether_raised_by_the_client_or_returned(foxoms, status):
    raised = judge(None, vendor_error(foxoms, status), ())
    returned = judge(ActionResult(status=status), None, ())
    assert (raised.status, returned.status) == (status, status)
    assert raised.retryable == returned.retryable == (status in DESIGN_RETRIED)


def test_2xx_result_succeeds():
    verdict = judge(ActionResult(status=201, response_excerpt="ok"), None, ())
    assert verdict.succeeded and not verdict.retryable


def test_a_failure_that_is_not_a_vendor_error_is_retried():
    verdict = judge(None, RuntimeError("bug"), ())
    assert not verdict.succeeded and verdict.retryable and verdict.error_class == "RuntimeError"
