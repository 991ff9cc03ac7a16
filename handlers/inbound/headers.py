"""Which request headers are kept with an event, and which identify a duplicate."""
import hashlib

from handlers.redact import is_secret_name
from handlers.store.keys import key

IDEMPOTENCY_HEADERS = ("webhook-id", "svix-id", "Idempotency-Key")  # svix-id: senders built on Svix


def safe_headers(headers):
    """The headers worth keeping: no tokens, secrets, signatures or cookies."""
    return {name: value for name, value in headers.items() if not is_secret_name(name)}


def dedupe_key(source, event_name, raw_body, headers, index=None):
    """hooks:dedupe:<source>:<sha256>: of the sender's message id when it gives one
    (webhook-id, else svix-id, else Idempotency-Key; with `index`, the element's place in a
    batch), else of the event name and the raw body (for a batch element: its canonical bytes)."""
    for header in IDEMPOTENCY_HEADERS:
        value = headers.get(header)
        if value:
            place = "" if index is None else f"\0{index}"
            digest = hashlib.sha256(f"{header.lower()}\0{value}{place}".encode()).hexdigest()
            return key("dedupe", source, digest)
    content = source.encode() + b"\0" + event_name.encode() + b"\0" + raw_body
    return key("dedupe", source, hashlib.sha256(content).hexdigest())
