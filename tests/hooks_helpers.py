"""The hook sources most inbound tests post to, and the one `hooks` fixture (a pytest plugin,
see tests/conftest.py): a test client of an app built on the `hook_routes` fixture, these
sources unless a test module overrides `hook_routes` with routes of its own.

Sources: foxoms (tokens fox-token-new and fox-token-old), new-customer (incoming, signed with
SECRET, schema'd fields), plain (incoming, plain-token) and retired (disabled).
"""
import base64
import pathlib
import time

import pytest

from handlers.signing import signature as sign

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
SECRET_BYTES = b"new-customer-signing-key-32bytes"
SECRET = "whsec_" + base64.b64encode(SECRET_BYTES).decode()
OLD_SECRET_BYTES = b"the-previous-signing-key-32bytes"

ROUTES = f"""
sources:
  foxoms:
    type: foxoms
    tokens: ["fox-token-new", "fox-token-old"]
    events: [bookingCreated, bookingUpdated, contactCreated]
  new-customer:
    type: incoming
    tokens: ["nc-token"]
    signing_secret: "{SECRET}"
    event_field: type
    fields:
      name: {{type: string, required: true}}
      email: {{type: email}}
      seats: {{type: integer, min: 1}}
      tags: {{type: list, of: string}}
  plain:
    type: incoming
    tokens: ["plain-token"]
  retired:
    type: incoming
    tokens: ["retired-token"]
    disabled: true
routes: []
"""

FOX = {"Authorization": "Bearer fox-token-new", "Content-Type": "application/json"}
PLAIN = {"X-Hook-Token": "plain-token", "Content-Type": "application/json"}


def signed_headers(body, key=SECRET_BYTES, msg_id="msg_1", timestamp=None, token="nc-token"):
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": sign(key, msg_id, timestamp, body),
    }


@pytest.fixture
def hook_routes():
    """The routes text `hooks` is built on; a test module may override it."""
    return ROUTES


@pytest.fixture
def hooks(make_app, hook_routes):
    """A test client of an app on `hook_routes`, for posting to /hooks/..."""
    return make_app(hook_routes).test_client()
