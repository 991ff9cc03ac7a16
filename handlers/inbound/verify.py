"""Who may post: per-source tokens (rotation) and Standard Webhooks signatures.

Both compare in constant time and raise WebhookVerificationError with a message that
names what was wrong, never the value that was sent.
"""
import base64
import hashlib
import hmac

from handlers.inbound.errors import WebhookVerificationError

TIMESTAMP_TOLERANCE_SECONDS = 5 * 60
SECRET_PREFIX = "whsec_"


def presented_tokens(query_token, headers):
    """Every token the request offers: ?token=, Authorization: Bearer, X-Hook-Token."""
    found = []
    if query_token:
        found.append(query_token)
    authorization = headers.get("Authorization") or ""
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        found.append(value.strip())
    if headers.get("X-Hook-Token"):
        found.append(headers.get("X-Hook-Token").strip())
    return found


def check_token(valid_tokens, presented):
    """Raise unless one presented token equals one valid token (constant time)."""
    if not presented:
        raise WebhookVerificationError("missing token: use ?token=, Authorization: Bearer or X-Hook-Token")
    matched = False
    for candidate in presented:
        for token in valid_tokens:
            matched |= hmac.compare_digest(candidate.encode(), token.encode())
    if not matched:
        raise WebhookVerificationError("wrong token")


def secret_keys(signing_secret):
    """The HMAC keys of a `signing_secret`: whitespace-separated for rotation;
    `whsec_<base64>` is decoded as Standard Webhooks does, anything else is used as text."""
    keys = []
    for secret in signing_secret.split():
        if not secret.startswith(SECRET_PREFIX):
            keys.append(secret.encode())
            continue
        try:
            keys.append(base64.b64decode(secret[len(SECRET_PREFIX):], validate=True))
        except ValueError:  # not whsec_<base64>: the text itself is the key
            keys.append(secret.encode())
    return keys


def sign(key, msg_id, timestamp, body):
    """The `v1,<base64>` signature of one message with one key."""
    content = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify_signature(signing_secret, headers, body, now):
    """Standard Webhooks: HMAC-SHA256 over `id.timestamp.raw_body`, 5 minutes either way."""
    msg_id = headers.get("webhook-id")
    timestamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    for name, value in (("webhook-id", msg_id), ("webhook-timestamp", timestamp), ("webhook-signature", signatures)):
        if not value:
            raise WebhookVerificationError(f"missing {name} header")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise WebhookVerificationError("webhook-timestamp is not a UNIX time in seconds") from None
    if sent_at < now - TIMESTAMP_TOLERANCE_SECONDS:
        raise WebhookVerificationError("webhook-timestamp is too old")
    if sent_at > now + TIMESTAMP_TOLERANCE_SECONDS:
        raise WebhookVerificationError("webhook-timestamp is too new")
    offered = [part.split(",", 1)[1] for part in signatures.split() if part.startswith("v1,")]
    matched = False
    for key in secret_keys(signing_secret):
        expected = sign(key, msg_id, timestamp, body).split(",", 1)[1]
        for candidate in offered:
            matched |= hmac.compare_digest(expected.encode(), candidate.encode())
    if not matched:
        raise WebhookVerificationError("no webhook-signature matches")
