"""http.post cannot be steered to an internal service: parser differentials, user info, DNS
rebinding, IPv6 ranges carrying a private IPv4, redirects; TLS still checks the name.

The "internal service" is a receiver on loopback that must never get a request. Every TCP
connection urllib3 opens is recorded (`connections`); one to a public address is refused
on the spot, so nothing leaves the machine. Names are answered by a stand-in for
`socket.getaddrinfo` (the resolver requests and urllib3 use), which can change its answer
between two lookups the way a rebinding DNS server does.
"""
import ipaddress
import socket
import ssl
import threading
import time

import pytest
import requests
import trustme
import urllib3.util.connection
from celery.contrib.testing.worker import start_worker
from pytest_httpserver import HTTPServer

from handlers.actions import ActionContext, load_all
from handlers.sandbox.receiver import ReceiverSimulator
from handlers.store.deliveries import create_delivery, delivery_record, get_attempts, get_delivery
from handlers.store.events import event_record, new_event_id, save_event, set_event_status
from handlers.task_names import DELIVER
from handlers.vendors.address_guard import refused_address
from handlers.vendors.errors import VendorConnectionError, VendorRejected, VendorUnavailable
from handlers.vendors.http_post import WebhookClient
from handlers.vendors.request import PreparedRequest
from tests.helpers import wait_for
from tests.simulators.support import SHORT_TIMEOUT_SECONDS, context

ACTIONS = load_all()
PUBLIC = "93.184.215.14"
INTERNAL_ANSWER = {"internal": "metadata-token-never-to-be-seen"}
GUARDED = {"HTTP_ALLOW_PRIVATE": False, "VENDOR_TIMEOUT_SECONDS": SHORT_TIMEOUT_SECONDS}
ALLOWED = {"HTTP_ALLOW_PRIVATE": True, "VENDOR_TIMEOUT_SECONDS": SHORT_TIMEOUT_SECONDS}


@pytest.fixture
def internal():
    """The internal service on 127.0.0.1, answering something worth stealing."""
    with ReceiverSimulator() as sim:
        sim.answer(200, INTERNAL_ANSWER)
        yield sim


@pytest.fixture
def internal6():
    with ReceiverSimulator(host="::1") as sim:
        sim.answer(200, INTERNAL_ANSWER)
        yield sim


@pytest.fixture
def connections(monkeypatch):
    """(host, port) of every connection urllib3 opens; public IP literals are refused unopened."""
    opened, real = [], urllib3.util.connection.create_connection

    def create_connection(address, *args, **kwargs):
        opened.append(tuple(address[:2]))
        try:
            public = not ipaddress.ip_address(address[0].strip("[]")).is_loopback
        except ValueError:
            public = False  # a name: the stand-in resolver below answers it
        if public:
            raise ConnectionRefusedError(111, "test: no connection leaves the machine")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", create_connection)
    return opened


@pytest.fixture
def dns(monkeypatch):
    """dns.answer(name, *answers): the k-th lookup of `name` gets answers[k] (the last one after);
    an answer is an address or a tuple of addresses."""

    class Resolver:
        def __init__(self):
            self.answers, self.lookups, self.real = {}, [], socket.getaddrinfo

        def answer(self, name, *addresses):
            self.answers[name] = list(addresses)

        def getaddrinfo(self, host, port, *args, **kwargs):
            if host not in self.answers:
                return self.real(host, port, *args, **kwargs)
            self.lookups.append(host)
            answers = self.answers[host]
            answer = answers[min(self.lookups.count(host), len(answers)) - 1]
            return [self.info(address, int(port or 0)) for address in ((answer,) if isinstance(answer, str) else answer)]

        @staticmethod
        def info(address, port):
            if ":" in address:
                return (socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port, 0, 0))
            return (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))

    resolver = Resolver()
    monkeypatch.setattr(socket, "getaddrinfo", resolver.getaddrinfo)
    return resolver


def post(url, config, session=None):
    ctx = context(config) if session is None else ActionContext(config=config, session=session)
    return ACTIONS["http.post"].run({"url": url, "json": {"probe": 1}}, ctx)


# --- the parser differential: urllib.parse saw 1.1.1.1, requests connected to the part before `\`

BYPASSES = [
    ("loopback", "http://127.0.0.1:{port}\\@1.1.1.1/x"),
    ("localhost", "http://localhost:{port}\\@1.1.1.1/x"),
    ("ipv6 loopback", "http://[::1]:{port6}\\@1.1.1.1/x"),
    ("metadata", "http://169.254.169.254\\@1.1.1.1/latest/meta-data/"),
]


@pytest.mark.parametrize("name, template", BYPASSES, ids=[name for name, _ in BYPASSES])
def test_backslash_bypass_is_refused_before_any_connection(internal, internal6, connections, name, template):
    url = template.format(port=internal.port, port6=internal6.port)
    with pytest.raises(VendorRejected, match="backslash") as caught:
        post(url, GUARDED)
    assert caught.value.retryable is False
    assert internal.requests == [] and internal6.requests == [] and connections == []


@pytest.mark.parametrize("name, template", BYPASSES[:3], ids=[name for name, _ in BYPASSES[:3]])
def test_the_transport_checks_the_host_it_connects_to(internal, internal6, connections, name, template):
    """Even a URL no one checked first: the adapter judges the host requests will connect to."""
    client = WebhookClient(requests.Session(), timeout=SHORT_TIMEOUT_SECONDS)
    url = template.format(port=internal.port, port6=internal6.port)
    with pytest.raises(VendorRejected, match="non-public"):
        client.send(PreparedRequest("POST", url, {"Content-Type": "application/json"}, None, {}))
    assert internal.requests == [] and internal6.requests == [] and connections == []


@pytest.mark.parametrize("userinfo", ["user:pass@", "@", "127.0.0.1%2f@", "a@b@"])
def test_user_info_is_refused(internal, connections, userinfo):
    with pytest.raises(VendorRejected, match="user info") as caught:
        post(f"http://{userinfo}127.0.0.1:{internal.port}/x", ALLOWED)
    assert caught.value.retryable is False
    assert internal.requests == [] and connections == []


@pytest.mark.parametrize("host", ["0x7f000001", "2130706433", "127.1", "0177.0.0.1", "0", "[::ffff:127.0.0.1]",
                                  "localhost.", "LOCALHOST"])
def test_other_spellings_of_loopback_are_refused(internal, connections, host):
    """Numeric forms the resolver accepts: judged by the address they resolve to."""
    with pytest.raises(VendorRejected, match="non-public"):
        post(f"http://{host}:{internal.port}/x", GUARDED)
    assert internal.requests == [] and connections == []


def test_a_refused_delivery_is_dead_at_once_and_stores_nothing_of_the_internal_answer(make_app, redis_client, internal):
    app = make_app(HTTP_ALLOW_PRIVATE=False, RETRY_SCHEDULE="0.2,0.2")
    event_id = new_event_id()
    save_event(redis_client, event_record(event_id, "foxoms", "bookingCreated", {"id": 1}, {}, time.time()))
    set_event_status(redis_client, event_id, "routed")
    record = delivery_record(event_id, "route", "post", "http.post",
                             {"url": f"http://127.0.0.1:{internal.port}\\@1.1.1.1/x", "json": {"a": 1}})
    create_delivery(redis_client, record)
    with start_worker(app.extensions["celery"], pool="solo", perform_ping_check=False, shutdown_timeout=30):
        app.extensions["celery"].send_task(DELIVER, args=[record["id"]])
        wait_for(lambda: get_delivery(redis_client, record["id"])["status"] in ("dead", "succeeded"), timeout=15,
                 message="the delivery ends")
    delivery = get_delivery(redis_client, record["id"])
    [attempt] = get_attempts(redis_client, record["id"])
    assert delivery["status"] == "dead" and "backslash" in delivery["last_error"]
    assert INTERNAL_ANSWER["internal"] not in attempt["response_excerpt"]
    assert INTERNAL_ANSWER["internal"] not in "".join(redis_client.lrange(f"hooks:delivery:{record['id']}:attempts", 0, -1))
    assert internal.requests == []


# --- DNS rebinding: the address checked is the address connected to

def test_rebinding_name_is_connected_at_its_checked_address_never_at_loopback(internal, connections, dns):
    dns.answer("rebind.example", PUBLIC, "127.0.0.1")
    with pytest.raises(VendorConnectionError):
        post(f"http://rebind.example:{internal.port}/hook", GUARDED)
    assert dns.lookups == ["rebind.example"]
    assert connections == [(PUBLIC, internal.port)]
    assert internal.requests == []


def test_with_private_addresses_allowed_the_connection_is_still_pinned(http_sim, dns, connections):
    with ReceiverSimulator(host="127.0.0.2", port=http_sim.port) as elsewhere:
        dns.answer("pinned.example", "127.0.0.1", "127.0.0.2")
        result = post(f"http://pinned.example:{http_sim.port}/hook", ALLOWED)
        assert result.status == 200 and elsewhere.requests == []
    assert dns.lookups == ["pinned.example"] and connections == [("127.0.0.1", http_sim.port)]
    assert http_sim.last.header("Host") == f"pinned.example:{http_sim.port}"


def test_any_non_public_address_of_a_name_refuses_it(internal, connections, dns):
    dns.answer("mixed.example", (PUBLIC, "127.0.0.1"))
    with pytest.raises(VendorRejected, match="non-public address 127.0.0.1"):
        post(f"http://mixed.example:{internal.port}/", GUARDED)
    assert connections == [] and internal.requests == []


# --- IPv6 ranges that carry an IPv4 address

@pytest.mark.parametrize("address, refused", [
    ("2002:7f00:1::1", True),            # 6to4 of 127.0.0.1
    ("2002:a00:1::", True),              # 6to4 of 10.0.0.1
    ("2002:a9fe:a9fe::", True),          # 6to4 of 169.254.169.254
    ("2002:808:808::1", False),          # 6to4 of 8.8.8.8
    ("::ffff:10.0.0.1", True),           # IPv4-mapped
    ("::ffff:169.254.169.254", True),
    ("::ffff:8.8.8.8", False),
    ("64:ff9b::7f00:1", True),           # NAT64 of 127.0.0.1
    ("64:ff9b::a9fe:a9fe", True),        # NAT64 of 169.254.169.254
    ("64:ff9b::808:808", False),         # NAT64 of 8.8.8.8 (what DNS64 answers for a public host)
    ("64:ff9b:1::808:808", True),        # NAT64 local use: refused whole
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", True),  # Teredo: refused whole
    ("::7f00:1", True), ("::808:808", True),          # IPv4-compatible: refused whole
    ("fec0::1", True),                   # site-local
    ("2606:4700:4700::1111", False),
])
def test_ipv6_ranges_carrying_ipv4(address, refused):
    assert refused_address(address) is refused


@pytest.mark.parametrize("address", ["2002:7f00:1::1", "64:ff9b::7f00:1", "::ffff:127.0.0.1"])
def test_a_name_on_a_translated_private_address_is_refused(connections, dns, address):
    dns.answer("translated.example", address)
    with pytest.raises(VendorRejected, match="non-public"):
        post("http://translated.example/", GUARDED)
    assert connections == []


# --- redirects are answers, never followed

@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirect_to_the_internal_service_is_not_followed(http_sim, internal, status):
    http_sim.fail_next(status=status, headers={"Location": internal.origin + "/x"})
    with pytest.raises(VendorRejected, match="redirect"):
        post(http_sim.url, ALLOWED)
    assert len(http_sim.requests) == 1 and internal.requests == []


# --- TLS to a pinned address still verifies the name

@pytest.fixture(scope="module")
def tls_ca():
    return trustme.CA()


@pytest.fixture
def tls_server(tls_ca):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls_ca.issue_cert("hooks.example.test").configure_cert(context)
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.start()
    server.expect_request("/hook", method="POST").respond_with_json({"ok": True})
    yield server
    server.clear()
    if server.is_running():
        server.stop()


@pytest.fixture
def trusting_session(tls_ca, tmp_path):
    bundle = tmp_path / "ca.pem"
    tls_ca.cert_pem.write_to_path(str(bundle))
    session = requests.Session()
    session.trust_env = False  # as vendor_session() makes it: REQUESTS_CA_BUNDLE would win over verify
    session.verify = str(bundle)
    return session


def test_tls_to_the_pinned_address_verifies_the_name(tls_server, trusting_session, dns, connections):
    dns.answer("hooks.example.test", "127.0.0.1")
    result = post(f"https://hooks.example.test:{tls_server.port}/hook", ALLOWED, trusting_session)
    assert result.status == 200
    assert connections == [("127.0.0.1", tls_server.port)]
    [(request, _)] = tls_server.log
    assert request.headers["Host"] == f"hooks.example.test:{tls_server.port}"


def test_tls_fails_when_the_certificate_is_for_another_name(tls_server, trusting_session, dns, connections):
    dns.answer("other.example.test", "127.0.0.1")
    with pytest.raises(VendorConnectionError, match="SSLError"):
        post(f"https://other.example.test:{tls_server.port}/hook", ALLOWED, trusting_session)
    assert connections == [("127.0.0.1", tls_server.port)] and tls_server.log == []


def test_tls_fails_without_the_ca(tls_server, dns):
    dns.answer("hooks.example.test", "127.0.0.1")
    with pytest.raises(VendorConnectionError, match="SSLError"):
        post(f"https://hooks.example.test:{tls_server.port}/hook", ALLOWED)
    assert tls_server.log == []


# --- through a proxy, the proxy is asked for the pinned address

@pytest.fixture
def proxy():
    """A loopback "proxy" that records the head of each request it gets and answers 502."""
    heads, listener = [], socket.create_server(("127.0.0.1", 0))

    def serve():
        while True:
            try:
                peer, _ = listener.accept()
            except OSError:
                return
            with peer:
                heads.append(peer.recv(65536).split(b"\r\n\r\n")[0].decode())
                peer.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    threading.Thread(target=serve, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}", heads
    listener.close()


@pytest.mark.parametrize("url, keys, first_line", [
    ("http://hooks.example.test:8080/hook", ("http", "https"), f"POST http://{PUBLIC}:8080/hook HTTP/1.1"),
    ("https://hooks.example.test/hook", ("http", "https"), f"CONNECT {PUBLIC}:443 HTTP/1.0"),
    ("http://hooks.example.test:8080/hook", ("http://hooks.example.test",), f"POST http://{PUBLIC}:8080/hook HTTP/1.1"),
])
def test_a_proxy_is_asked_for_the_pinned_address(proxy, dns, connections, url, keys, first_line):
    """The proxy is chosen by the name (a per-host proxy key still applies), asked for the address."""
    address, heads = proxy
    dns.answer("hooks.example.test", PUBLIC, "127.0.0.1")
    session = requests.Session()
    session.trust_env, session.proxies = False, dict.fromkeys(keys, address)
    with pytest.raises((VendorConnectionError, VendorUnavailable)):  # the proxy answers 502
        post(url, GUARDED, session)
    [head] = heads
    assert head.splitlines()[0] == first_line and dns.lookups == ["hooks.example.test"]
    assert [host for host, _ in connections] == ["127.0.0.1"]  # the proxy, and nothing else
    if url.startswith("http:"):
        assert "Host: hooks.example.test:8080" in head.splitlines()
