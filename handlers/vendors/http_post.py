"""`http.post`: POST JSON to any http(s) URL, optionally signed the Standard Webhooks way.

Where it may connect is handlers/vendors/address_guard.py: the URL read by the parser that
sends it, refused with a `\\` or user info; (unless HTTP_ALLOW_PRIVATE) hosts that resolve to
loopback, link-local, private, reserved or otherwise non-global addresses refused, every
resolved address checked; the connection made to the address checked. Redirects are never
followed (a redirect could lead to a refused address).
"""
import time
import uuid

from handlers.signing import SecretError, secret_key, signature
from handlers.vendors.address_guard import check_url, pinned_session
from handlers.vendors.client import REQUEST_TIMEOUT_SECONDS, VendorClient, encode_json
from handlers.vendors.errors import VendorRejected
from handlers.vendors.request import PreparedRequest

FORBIDDEN_HEADERS = {"host", "content-length", "transfer-encoding", "connection"}


def signing_key(secret):
    """The HMAC key of a `sign:` secret (handlers.signing reads it as the reference libraries do)."""
    try:
        return secret_key(secret)
    except SecretError as exc:
        raise VendorRejected(f"http.post: sign is {exc}") from None


def sign_body(secret, webhook_id, timestamp, body):
    """Standard Webhooks signature header value: v1,<base64 HMAC-SHA256 of id.timestamp.body>."""
    return signature(signing_key(secret), webhook_id, timestamp, body)


class WebhookClient(VendorClient):
    vendor = "http"
    needs_credential = False

    def __init__(self, session=None, before_request=None, timeout=REQUEST_TIMEOUT_SECONDS, allow_private=False):
        super().__init__("", None, session, before_request, timeout)
        self.session = pinned_session(self.session, allow_private)
        self.signing_secret = None

    @classmethod
    def from_config(cls, config, session=None, before_request=None):
        return cls(session, before_request, config.get("VENDOR_TIMEOUT_SECONDS") or REQUEST_TIMEOUT_SECONDS,
                   bool(config.get("HTTP_ALLOW_PRIVATE")))

    def auth_headers(self):
        return {}

    def secrets(self):
        return (self.signing_secret,) if self.signing_secret else ()

    def contract_problem(self, prepared, answer):
        return None  # any 2xx from an arbitrary endpoint is a success

    def send(self, prepared):
        try:
            return super().send(prepared)
        finally:
            self.session.close()  # this client's own session (pinned_session): one attempt

    def post(self, url, json, headers=None, sign=None, webhook_id=None, timestamp=None):
        """POST <url>: the JSON body, the caller's headers, and Standard Webhooks headers when signing."""
        check_url(url)
        if headers is not None and not isinstance(headers, dict):
            raise VendorRejected("http.post: headers must be an object")
        all_headers = {"Content-Type": "application/json"}
        for name, value in (headers or {}).items():
            if str(name).lower() in FORBIDDEN_HEADERS:
                raise VendorRejected(f"http.post: header {name!r} cannot be set")
            all_headers[str(name)] = str(value)
        if sign:
            self.signing_secret = str(sign)
            webhook_id = webhook_id or f"msg_{uuid.uuid4().hex}"
            timestamp = str(int(timestamp if timestamp is not None else time.time()))
            all_headers.update({
                "webhook-id": webhook_id,
                "webhook-timestamp": timestamp,
                "webhook-signature": sign_body(sign, webhook_id, timestamp, encode_json(json)),
            })
        return self.call(PreparedRequest("POST", str(url), all_headers, None, json))
