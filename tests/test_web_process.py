"""The Procfile's web process (gunicorn with gunicorn.conf.py), run for real on loopback:
slow clients do not stop it, its logs carry no forged lines and no query tokens, it
leaves no control socket in $HOME, and it opens Redis connections per worker, not per
HTTP connection."""
import socket

import requests

from handlers.store.events import EVENTS_INDEX, event_key
from tests.helpers import MINIMAL_ROUTES
from tests.web_process import SlowClients, trickled_body, trickled_headers, web_process

TOKEN = "foxoms-test-token"  # MINIMAL_ROUTES's FoxOMS token
# Generous: an answer normally takes milliseconds. With sync workers the slow clients
# held both workers until gunicorn's 30 s timeout killed them.
ANSWER_TIMEOUT_SECONDS = 5


def raw_request(port, data):
    """Send `data` as it is and read the answer until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def post_hook(url, number, session=requests):
    return session.post(f"{url}/hooks/foxoms/bookingCreated", json={"data": {"id": number, "name": f"Web {number}"}},
                        headers={"X-Hook-Token": TOKEN}, timeout=ANSWER_TIMEOUT_SECONDS)


def test_slow_clients_do_not_stop_the_web_process(redis_client, redis_url, routes_file, tmp_path):
    """Two connections trickling headers and two trickling bodies (no token: the body is read
    first) on two worker processes: /healthz and a hook are still answered."""
    with web_process(tmp_path, redis_url, routes_file(MINIMAL_ROUTES), WEB_CONCURRENCY=2) as web:
        with SlowClients(web.port, 4, kinds=(trickled_headers, trickled_body)):
            assert requests.get(f"{web.url}/healthz", timeout=ANSWER_TIMEOUT_SECONDS).status_code == 200
            answer = post_hook(web.url, 1)
            assert answer.status_code == 202, answer.text
            assert redis_client.exists(event_key(answer.json()["event_id"]))


def test_invalid_request_line_never_logs_the_query_token(redis_url, routes_file, tmp_path):
    """gunicorn's "Invalid request" warning prints the request line as sent."""
    with web_process(tmp_path, redis_url, routes_file(MINIMAL_ROUTES)) as web:
        answer = raw_request(web.port, b"GET /hooks/foxoms/bookingCreated?token=secret-in-query\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 400 ")
        answer = raw_request(web.port, b"GET /hooks/foxoms/bookingCreated?token=secret-in-query x HTTP/1.1\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 400 ")
        assert requests.get(f"{web.url}/healthz", timeout=10).status_code == 200
    output = web.output()
    assert "Invalid request from ip=127.0.0.1" in output
    assert "GET /hooks/foxoms/bookingCreated?[redacted]" in output
    assert "secret-in-query" not in output


def test_control_characters_in_the_path_cannot_forge_an_access_log_line(redis_url, routes_file, tmp_path):
    forged = b'127.0.0.1 [01/Jan/2026:00:00:00 +0000] "POST /admin/replay HTTP/1.1" 202'
    path = b"/healthz%0A" + forged.replace(b" ", b"%20").replace(b'"', b"%22") + b"%1B[31m%00%0D"
    with web_process(tmp_path, redis_url, routes_file(MINIMAL_ROUTES)) as web:
        answer = raw_request(web.port, b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 404 ")
    lines = web.output().splitlines()
    assert not [line for line in lines if line.startswith("127.0.0.1 [01/Jan/2026")]
    assert not [line for line in lines if "\x1b" in line or "\x00" in line or "\r" in line]
    logged = [line for line in lines if line.startswith("127.0.0.1 ") and "/healthz\\x0a" in line]
    assert len(logged) == 1
    assert '\\x1b[31m\\x00\\x0d HTTP/1.1" 404 ' in logged[0]
    assert '\\"POST /admin/replay HTTP/1.1\\" 202' in logged[0]


def test_no_control_socket_in_home(redis_url, routes_file, tmp_path):
    """gunicorn 27 would make $HOME/.gunicorn/gunicorn.ctl (or one in $XDG_RUNTIME_DIR),
    one path shared by every checkout on the machine."""
    home, runtime = tmp_path / "home", tmp_path / "runtime"
    home.mkdir()
    runtime.mkdir()
    with web_process(tmp_path, redis_url, routes_file(MINIMAL_ROUTES), HOME=home) as web:
        assert requests.get(f"{web.url}/healthz", timeout=10).status_code == 200
        assert list(home.rglob("*")) == []
    with web_process(tmp_path, redis_url, routes_file(MINIMAL_ROUTES), HOME=home, XDG_RUNTIME_DIR=runtime) as web:
        assert requests.get(f"{web.url}/healthz", timeout=10).status_code == 200
        assert list(runtime.rglob("*")) == []
    assert list(home.rglob("*")) == []


def test_redis_connections_per_worker_not_per_http_connection(redis_client, redis_url, routes_file, tmp_path):
    """Each hook on a new HTTP connection (a greenlet of its own in the gevent worker) reuses
    the worker's idle Redis connection for the store script."""
    hooks = 40
    with web_process(tmp_path, redis_url, routes_file(MINIMAL_ROUTES), WEB_CONCURRENCY=2) as web:
        before = redis_client.info("stats")["total_connections_received"]
        for number in range(hooks):
            answer = post_hook(web.url, number)
            assert answer.status_code == 202, answer.text
        opened = redis_client.info("stats")["total_connections_received"] - before
    assert redis_client.zcard(EVENTS_INDEX) == hooks
    assert opened <= 4, f"{opened} Redis connections for {hooks} hooks"
