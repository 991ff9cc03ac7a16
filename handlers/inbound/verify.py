"""Who may post: per-source tokens (rotation) and Standard Webhooks signatures.

Both compare in constant time and raise WebhookVerificationError with a message that
names what was wrong, never the value that was sent. Secrets and signatures are read and
computed by handlers.signing, the module `http.post` signs with.
"""
import hmac

from werkzeug.datastructures import Authorization

from handlers.bearer import bearer_token
from handlers.inbound.errors import WebhookVerificationError
from handlers.signing import secret_keys, signs_with_any

TIMESTAMP_TOLERANCE_SECONDS = 5 * 60
# The Standard Webhooks headers, then the same three as senders built on Svix name them.
# One set is read whole, never mixed: webhook-* when any of it is sent, else svix-*.
SIGNATURE_HEADER_SETS = (
    ("webhook-id", "webhook-timestamp", "webhook-signature"),
    ("svix-id", "svix-timestamp", "svix-signature"),
)


def presented_tokens(query_token, headers):
    """Every token the request offers: ?token=, X-Hook-Token, and in Authorization a Bearer
    token or the user name and the password of Basic (Zapier-like tools put it in either)."""
    found = []
    if query_token:
        found.append(query_token)
    authorization = headers.get("Authorization")
    bearer = bearer_token(authorization)
    if bearer:
        found.append(bearer)
    elif authorization:
        parsed = Authorization.from_header(authorization)
        if parsed is None and authorization.strip().lower().startswith("basic"):
            raise WebhookVerificationError("Authorization: Basic is not base64 of user:password")
        if parsed is not None and parsed.type == "basic":
            found += [part for part in (parsed.username, parsed.password) if part]
    if headers.get("X-Hook-Token"):
        found.append(headers.get("X-Hook-Token").strip())
    return found


def check_token(valid_tokens, presented):
    """Raise unless one presented token equals one valid token (constant time)."""
    if not presented:
        raise WebhookVerificationError(
            "missing token: use ?token=, Authorization: Bearer or Basic, or X-Hook-Token")
    matched = False
    for candidate in presented:
        for token in valid_tokens:
            matched |= hmac.compare_digest(candidate.encode(), token.encode())
    if not matched:
        raise WebhookVerificationError("wrong token")



def signature_headers(headers):
    """(id, timestamp, signatures, their header names) from one header set, read whole."""
    names = SIGNATURE_HEADER_SETS[0]
    if not any(headers.get(name) for name in names):
        names = SIGNATURE_HEADER_SETS[1]
        if not any(headers.get(name) for name in names):
            raise WebhookVerificationError("missing webhook-id header (or svix-id)")
    values = [headers.get(name) for name in names]
    for name, value in zip(names, values):
        if not value:
            raise WebhookVerificationError(f"missing {name} header")
    return (*values, names)


def verify_signature(signing_secret, headers, body, now):
    """Standard Webhooks: HMAC-SHA256 over `id.timestamp.raw_body`, 5 minutes either way."""
    msg_id, timestamp, signatures, names = signature_headers(headers)
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise WebhookVerificationError(f"{names[1]} is not a UNIX time in seconds") from None
    if sent_at < now - TIMESTAMP_TOLERANCE_SECONDS:
        raise WebhookVerificationError(f"{names[1]} is too old")
    if sent_at > now + TIMESTAMP_TOLERANCE_SECONDS:
        raise WebhookVerificationError(f"{names[1]} is too new")
    if not signs_with_any(secret_keys(signing_secret), msg_id, timestamp, body, signatures):
        raise WebhookVerificationError(f"no {names[2]} matches")
