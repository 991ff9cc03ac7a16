"""Small helpers shared by tests (and bench/)."""
import socket
import time

# The smallest routes file: one FoxOMS source, no routes (make_app's default).
MINIMAL_ROUTES = """
sources:
  foxoms:
    type: foxoms
    tokens: ["foxoms-test-token"]
    events: [bookingCreated]
routes: []
"""

# One route posting every booking event to an HTTP endpoint: `.format(url=...)`.
HOOK_ROUTES = MINIMAL_ROUTES.replace("routes: []", """
routes:
  - id: to-hook
    source: foxoms
    events: ["booking*"]
    actions:
      - id: post
        call: http.post
        args:
          url: "{url}"
          json: "{{{{ payload }}}}"
""")


def wait_for(predicate, timeout=10.0, interval=0.02, message="condition"):
    """Poll `predicate` until it returns a truthy value; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


def answer_json(handler, status, body):
    """From a BaseHTTPRequestHandler: answer `status` with the JSON `body` (bytes)."""
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def free_port():
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
