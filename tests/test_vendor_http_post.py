"""http.post against a real receiver on loopback: body, headers, signing, refusals, errors."""
import base64
import hashlib
import hmac
import json
import time

import pytest

from handlers.actions import load_all
from handlers.vendors.address_guard import refused_address
from handlers.vendors.errors import (
    VendorConnectionError,
    VendorRateLimited,
    VendorRejected,
    VendorTimeout,
    VendorUnavailable,
)
from tests.simulators.support import SHORT_TIMEOUT_SECONDS, context

ACTIONS = load_all()
SECRET = "whsec_" + base64.b64encode(b"receiver-signing-key-32-bytes!!!").decode()


@pytest.fixture
def config():
    return {"HTTP_ALLOW_PRIVATE": True, "VENDOR_TIMEOUT_SECONDS": SHORT_TIMEOUT_SECONDS}


def post(args, config, state=None):
    return ACTIONS["http.post"].run(args, context(config, state=state))


def verify(secret, headers, body):
    """An independent Standard Webhooks verifier (spec: HMAC-SHA256 over id.timestamp.body)."""
    key = base64.b64decode(secret.removeprefix("whsec_"))  # whsec_<base64> or plain base64
    content = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
    return any(sig.split(",", 1)[1] == expected for sig in headers["webhook-signature"].split(" "))


def test_posts_json_and_headers(http_sim, config):
    result = post({"url": http_sim.url + "/in", "json": {"a": 1, "é": "ü"}, "headers": {"X-Team": "blue"}}, config)
    sent = http_sim.last
    assert (sent.method, sent.path, sent.json) == ("POST", "/in", {"a": 1, "é": "ü"})
    assert sent.header("X-Team") == "blue" and sent.header("Content-Type") == "application/json"
    assert sent.header("webhook-signature") is None
    assert result.status == 200 and json.loads(result.response_excerpt) == {"ok": True}


@pytest.mark.parametrize("secret", [SECRET, base64.b64encode(b"a-raw-shared-secret").decode()])
def test_signed_post_verifies(http_sim, config, secret):
    post({"url": http_sim.url, "json": {"n": 1}, "sign": secret}, config)
    sent = http_sim.last
    assert sent.header("webhook-id").startswith("msg_")
    assert abs(int(sent.header("webhook-timestamp")) - time.time()) < 300
    assert verify(secret, sent.headers, sent.body)
    assert not verify(secret, sent.headers, sent.body + b" ")


def test_retry_keeps_the_webhook_id(http_sim, config):
    state = {}
    http_sim.fail_next(status=502)
    with pytest.raises(VendorUnavailable):
        post({"url": http_sim.url, "json": {}, "sign": SECRET}, config, state)
    post({"url": http_sim.url, "json": {}, "sign": SECRET}, config, state)
    first, second = http_sim.requests
    assert first.header("webhook-id") == second.header("webhook-id")


def test_plan_hides_secret_headers(config):
    planned = ACTIONS["http.post"].plan({"url": "https://example.com/x", "json": {"a": 1}, "sign": SECRET,
                                         "headers": {"Authorization": "Bearer t0ken", "X-Api-Token": "t1"}}, config)
    view = planned[0].redacted()
    assert view["url"] == "https://example.com/x" and view["body"] == {"a": 1}
    assert "t0ken" not in json.dumps(view) and "t1" not in json.dumps(view) and SECRET not in json.dumps(view)
    assert view["headers"]["webhook-signature"] == "[redacted]"


def test_loopback_is_refused_unless_allowed(http_sim):
    with pytest.raises(VendorRejected, match="non-public"):
        post({"url": http_sim.url, "json": {}}, {"HTTP_ALLOW_PRIVATE": False})
    assert http_sim.requests == []


@pytest.mark.parametrize("address, refused", [
    ("127.0.0.1", True), ("10.1.2.3", True), ("172.16.0.1", True), ("192.168.1.1", True),
    ("169.254.169.254", True), ("100.64.0.1", True), ("0.0.0.0", True), ("::1", True),
    ("fe80::1", True), ("fc00::1", True), ("::ffff:127.0.0.1", True), ("240.0.0.1", True),
    ("8.8.8.8", False), ("2606:4700:4700::1111", False),
])
def test_address_classes(address, refused):
    assert refused_address(address) is refused


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "example.com/x", "http://"])
def test_non_http_urls_are_refused(url, config):
    with pytest.raises(VendorRejected):
        post({"url": url, "json": {}}, config)


def test_redirect_is_not_followed(http_sim, config):
    http_sim.fail_next(status=302, headers={"Location": "http://169.254.169.254/"})
    with pytest.raises(VendorRejected, match="redirect"):
        post({"url": http_sim.url, "json": {}}, config)
    assert len(http_sim.requests) == 1


def test_429_carries_retry_after(http_sim, config):
    http_sim.rate_limit_next(retry_after=12)
    with pytest.raises(VendorRateLimited) as caught:
        post({"url": http_sim.url, "json": {}}, config)
    assert caught.value.retry_after == 12


@pytest.mark.parametrize("status, retryable", [(500, True), (503, True), (408, True), (425, True), (400, False), (404, False), (410, False), (422, False)])
def test_status_mapping(http_sim, config, status, retryable):
    http_sim.fail_next(status=status)
    with pytest.raises(Exception) as caught:
        post({"url": http_sim.url, "json": {}}, config)
    assert caught.value.retryable is retryable and caught.value.status == status


def test_timeout(http_sim, config):
    http_sim.slow(2)
    with pytest.raises(VendorTimeout):
        post({"url": http_sim.url, "json": {}}, config)


def test_connection_refused(config):
    with pytest.raises(VendorConnectionError) as caught:
        post({"url": "http://127.0.0.1:9/", "json": {}}, config)
    assert caught.value.retryable


def test_any_2xx_body_is_success(http_sim, config):
    http_sim.malformed_next("html")
    assert post({"url": http_sim.url, "json": {}}, config).status == 200
