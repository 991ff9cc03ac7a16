"""Standard Webhooks signing, both ways: the inbound verifier and `http.post` use this module.

A secret is read as the reference `standardwebhooks` and `svix` libraries read a string
secret: an optional `whsec_` prefix, then base64 (standard alphabet, padding optional),
decoded to the HMAC key. Anything else is refused with SecretError, whose message never
holds the value: those libraries would silently skip the stray characters and derive
another key, so a sender and we would disagree.

A signature is `v1,<base64 HMAC-SHA256 of "id.timestamp." + raw body>`; a header may carry
several, separated by spaces.
"""
import base64
import binascii
import hashlib
import hmac
import re

SECRET_PREFIX = "whsec_"
SIGNATURE_VERSION = "v1"
BASE64_TEXT = re.compile(r"[A-Za-z0-9+/]+")


class SecretError(ValueError):
    """A signing secret that is not `whsec_<base64>` or base64 (the message names no value)."""


def secret_key(secret):
    """The HMAC key of one secret string."""
    text = str(secret)
    if text.startswith(SECRET_PREFIX):
        text = text[len(SECRET_PREFIX):]
    unpadded = text.rstrip("=")
    if not BASE64_TEXT.fullmatch(unpadded) or len(text) - len(unpadded) > 2:
        raise SecretError("not a signing secret: expected whsec_<base64> or base64 (A-Z a-z 0-9 + /)")
    try:
        return base64.b64decode(unpadded + "=" * (-len(unpadded) % 4), validate=True)
    except binascii.Error:  # a length no base64 text has (4n + 1 characters)
        raise SecretError("not a signing secret: its base64 has a length no base64 text has") from None


def secret_keys(signing_secret):
    """The HMAC keys of a `signing_secret`: several secrets separated by spaces (rotation)."""
    keys = [secret_key(secret) for secret in str(signing_secret).split()]
    if not keys:
        raise SecretError("empty: expected whsec_<base64> or base64")
    return keys


def signature(key, msg_id, timestamp, body):
    """The `v1,<base64>` signature of one message (body: the raw bytes) with one key."""
    content = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, content, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION}," + base64.b64encode(digest).decode()


def signs_with_any(keys, msg_id, timestamp, body, signatures_header):
    """True when one `v1,` signature of the space-separated header matches one key (constant time)."""
    prefix = f"{SIGNATURE_VERSION},"
    offered = [part[len(prefix):] for part in str(signatures_header).split() if part.startswith(prefix)]
    matched = False
    for key in keys:
        expected = signature(key, msg_id, timestamp, body)[len(prefix):].encode()
        for candidate in offered:
            matched |= hmac.compare_digest(expected, candidate.encode())
    return matched
