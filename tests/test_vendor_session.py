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


def test_a_netrc_login_never_replaces_the_clients_authorization(httpserver, tmp_path, monkeypatch):
    """With a proxy variable set (requests reads the environment), a ~/.netrc entry for the
    vendor's host would turn into Basic auth over the header the client set."""
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password from-netrc\nmachine localhost login someone password from-netrc\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    httpserver.expect_request("/who").respond_with_data("ok")
    session = vendor_session()
    assert session.trust_env is True
    session.get(httpserver.url_for("/who"), headers={"Authorization": "Bearer vendor-token"}, timeout=5)
    session.get(httpserver.url_for("/who"), timeout=5)
    (with_header, request), (without_header, _) = httpserver.log[0], httpserver.log[1]
    assert with_header.headers.get("Authorization") == "Bearer vendor-token"
    assert without_header.headers.get("Authorization") is None
