"""The vendor session reads proxy and CA settings once (handlers/vendors/session.py)."""
from handlers.vendors.session import vendor_session


def test_no_proxy_variables_turn_per_request_environment_reads_off():
    session = vendor_session({"PATH": "/usr/bin"})
    assert session.trust_env is False
    assert session.verify is True


def test_a_ca_bundle_variable_still_applies():
    session = vendor_session({"REQUESTS_CA_BUNDLE": "/etc/ssl/bundle.pem"})
    assert session.trust_env is False
    assert session.verify == "/etc/ssl/bundle.pem"


def test_a_proxy_variable_keeps_requests_reading_the_environment():
    for name in ("HTTPS_PROXY", "https_proxy", "NO_PROXY", "all_proxy"):
        assert vendor_session({name: "http://proxy.internal:3128"}).trust_env is True


def test_calls_through_the_session_reach_a_loopback_vendor(httpserver):
    httpserver.expect_request("/ping").respond_with_json({"ok": True})
    assert vendor_session({}).get(httpserver.url_for("/ping"), timeout=5).json() == {"ok": True}
