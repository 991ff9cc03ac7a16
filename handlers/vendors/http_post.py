"""`http.post`: POST JSON to any http(s) URL, optionally signed the Standard Webhooks way.

Refuses non-http(s) URLs, and (unless HTTP_ALLOW_PRIVATE) hosts that resolve to loopback,
link-local, private, reserved or otherwise non-global addresses: every resolved address is
checked. Redirects are never followed (a redirect could lead to a refused address).
"""
import hashlib
import ipaddress
import socket
import time
import uuid
from urllib.parse import urlsplit

from handlers.actions import ClientAction, register, result_from
from handlers.signing import SecretError, secret_key, signature
from handlers.vendors.base import VendorConnectionError, VendorRejected
from handlers.vendors.client import REQUEST_TIMEOUT_SECONDS, VendorClient, encode_json

FORBIDDEN_HEADERS = {"host", "content-length", "transfer-encoding", "connection"}


def signing_key(secret):
    """The HMAC key of a `sign:` secret (handlers.signing reads it as the reference libraries do)."""
    try:
        return secret_key(secret)
    except SecretError as exc:
        raise VendorRejected(f"http.post: sign is {exc}") from None


def webhook_id_for(delivery_id):
    """The Standard Webhooks `webhook-id` of a delivery: the same for every attempt and re-send."""
    return "msg_" + hashlib.sha256(str(delivery_id).encode()).hexdigest()[:32]


def sign_body(secret, webhook_id, timestamp, body):
    """Standard Webhooks signature header value: v1,<base64 HMAC-SHA256 of id.timestamp.body>."""
    return signature(signing_key(secret), webhook_id, timestamp, body)


def refused_address(address):
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (ip.is_loopback or ip.is_link_local or ip.is_private or ip.is_reserved
            or ip.is_multicast or ip.is_unspecified or not ip.is_global)


def check_url(url):
    parts = urlsplit(str(url))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise VendorRejected(f"http.post: {parts.scheme or 'no'} scheme; only http and https URLs are allowed")
    return parts


def check_destination(url):
    """Raise VendorRejected when any address the host resolves to is not a public one."""
    parts = check_url(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise VendorConnectionError(f"http.post: cannot resolve {parts.hostname} ({exc.strerror})", method="POST", url=url) from None
    for info in infos:
        if refused_address(info[4][0]):
            raise VendorRejected(
                f"http.post: {parts.hostname} resolves to a non-public address {info[4][0]} "
                "(set HTTP_ALLOW_PRIVATE=true to allow)", method="POST", url=url)


class WebhookClient(VendorClient):
    vendor = "http"
    needs_credential = False

    def __init__(self, session=None, before_request=None, timeout=REQUEST_TIMEOUT_SECONDS, allow_private=False):
        super().__init__("", None, session, before_request, timeout)
        self.allow_private = allow_private
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
        if not self.allow_private:
            check_destination(prepared.url)
        return super().send(prepared)

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
        from handlers.vendors.base import PreparedRequest

        return self.call(PreparedRequest("POST", str(url), all_headers, None, json))


@register
class HTTPPost(ClientAction):
    name = "http.post"
    vendor = "http"
    required = ("url", "json")
    optional = ("headers", "sign")
    client_class = WebhookClient

    def check_args(self, args):
        """A literal `sign:` (not a template, not an unset ${VAR}) must be a signing secret at load."""
        problems = super().check_args(args)
        sign = args.get("sign")
        if isinstance(sign, str) and not any(mark in sign for mark in ("{{", "{%", "${")):
            try:
                secret_key(sign)
            except SecretError as exc:
                problems.append(f"args.sign: {exc}")
        return problems

    def run(self, args, ctx):
        # Derived from the delivery id rather than drawn at random: an attempt cut short by a
        # crash (kill -9) never stores its state, and the re-sent attempt must carry the same id.
        if args.get("sign") and ctx.delivery_id:
            ctx.state.setdefault("webhook_id", webhook_id_for(ctx.delivery_id))
        return super().run(args, ctx)

    def perform(self, client, args, state):
        # One webhook-id for every attempt of this delivery, so receivers can deduplicate.
        webhook_id = state.setdefault("webhook_id", f"msg_{uuid.uuid4().hex}") if args.get("sign") else None
        answer = client.post(args["url"], args["json"], args.get("headers"), args.get("sign"), webhook_id=webhook_id)
        return result_from(client, answer)
