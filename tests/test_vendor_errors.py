"""Every vendor, one failure mode per test: the documented error class, over a real socket."""
import pytest

from handlers.actions import load_all
from handlers.sandbox.accutics import AccuticsSimulator
from handlers.sandbox.fiwit import FiwitSimulator
from handlers.sandbox.foxoms import FoxOMSSimulator
from handlers.sandbox.foxtag import FoxtagSimulator
from handlers.sandbox.itglue import ITGlueSimulator
from handlers.vendors.errors import (
    VendorAuthError,
    VendorContractError,
    VendorRateLimited,
    VendorTimeout,
    VendorUnavailable,
)
from tests.simulators.support import SHORT_TIMEOUT_SECONDS, context

ACTIONS = load_all()

# vendor -> (simulator class, base URL key, credential key, credential attribute, a read call, a write call)
VENDORS = {
    "foxoms": (FoxOMSSimulator, "FOXOMS_BASE_URL", "FOXOMS_API_TOKEN", "token",
               ("foxoms.request", {"path": "/booking"}),
               ("foxoms.create", {"module": "booking", "fields": {"name": "x"}})),
    "itglue": (ITGlueSimulator, "ITGLUE_BASE_URL", "ITGLUE_API_KEY", "api_key",
               ("itglue.request", {"path": "/organizations"}),
               ("itglue.create", {"type": "organizations", "attributes": {"name": "x"}})),
    "fiwit": (FiwitSimulator, "FIWIT_BASE_URL", "FIWIT_API_KEY", "api_key",
              ("fiwit.request", {"path": "/tickets"}),
              ("fiwit.create_ticket", {"fields": {"priority": "medium"}})),
    "foxtag": (FoxtagSimulator, "FOXTAG_BASE_URL", "FOXTAG_API_KEY", "api_key",
               ("foxtag.request", {"path": "/customers"}),
               ("foxtag.upsert", {"resource": "customers", "records": [{"name": "x"}]})),
    "accutics": (AccuticsSimulator, "ACCUTICS_BASE_URL", "ACCUTICS_TOKEN", "token",
                 ("accutics.request", {"path": "/campaigns"}),
                 ("accutics.request", {"method": "POST", "path": "/campaigns", "json": {"name": "x"}})),
}


@pytest.fixture(params=sorted(VENDORS))
def vendor(request):
    sim_class, url_key, credential_key, attribute, read, write = VENDORS[request.param]
    with sim_class(rate_limit=None) as sim:
        config = {url_key: sim.url, credential_key: getattr(sim, attribute), "VENDOR_TIMEOUT_SECONDS": SHORT_TIMEOUT_SECONDS}
        yield sim, config, credential_key, read, write


def call(config, name_and_args):
    name, args = name_and_args
    return ACTIONS[name].run(args, context(config))


def test_read_and_write_succeed(vendor):
    sim, config, _, read, write = vendor
    assert call(config, write).status in (200, 201)
    assert call(config, read).status == 200
    assert len(sim.requests) == 2 and all(200 <= r.answered < 300 for r in sim.requests)


def test_wrong_credential(vendor):
    sim, config, credential_key, read, write = vendor
    with pytest.raises(VendorAuthError) as caught:
        call({**config, credential_key: "wrong-credential"}, write)
    assert caught.value.status == 401 and not caught.value.retryable
    assert "wrong-credential" not in str(caught.value) + caught.value.body


def test_missing_credential_is_refused_before_sending(vendor):
    sim, config, credential_key, read, write = vendor
    with pytest.raises(VendorAuthError):
        call({**config, credential_key: None}, write)
    assert sim.requests == []


def test_429_with_retry_after(vendor):
    sim, config, _, read, write = vendor
    sim.rate_limit_next(retry_after=30)
    with pytest.raises(VendorRateLimited) as caught:
        call(config, write)
    assert caught.value.retryable and caught.value.retry_after == 30


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx(vendor, status):
    sim, config, _, read, write = vendor
    sim.fail_next(status=status)
    with pytest.raises(VendorUnavailable) as caught:
        call(config, write)
    assert caught.value.retryable and caught.value.status == status


def test_timeout(vendor):
    sim, config, _, read, write = vendor
    sim.slow(2)
    with pytest.raises(VendorTimeout):
        call(config, read)


@pytest.mark.parametrize("kind", ["html", "empty", "truncated", "not_json"])
def test_malformed_answer(vendor, kind):
    sim, config, _, read, write = vendor
    sim.malformed_next(kind)
    with pytest.raises(VendorContractError) as caught:
        call(config, read)
    assert caught.value.retryable  # a GET may be sent again safely


def test_malformed_answer_to_a_post_is_not_retried(vendor):
    sim, config, _, read, write = vendor
    sim.malformed_next("html")
    with pytest.raises(VendorContractError) as caught:
        call(config, write)
    assert not caught.value.retryable


@pytest.mark.parametrize("value, expected", [
    ("120", 120.0), ("0", 0.0), (None, None), ("soon", None),
    ("Wed, 21 Oct 2015 07:28:00 GMT", 60.0), ("Wed, 21 Oct 2015 07:26:00 GMT", 0.0),
])
def test_retry_after_seconds_or_http_date(value, expected):
    from datetime import datetime, timezone

    from handlers.vendors.client import parse_retry_after

    now = datetime(2015, 10, 21, 7, 27, tzinfo=timezone.utc).timestamp()
    assert parse_retry_after(value, now=now) == expected


def test_excerpt_is_at_most_2kb_without_the_credential():
    from handlers.redact import excerpt

    text = "secret-token-value " + "é" * 5000
    cut = excerpt(text, secrets=("secret-token-value",))
    assert len(cut.encode("utf-8")) <= 2048 and "secret-token-value" not in cut
