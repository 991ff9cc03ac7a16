"""One inbound request, checked in order and stored: the whole contract, without Flask.

Order: 404 unknown source -> 410 disabled -> 413 size -> 401 token, then signature on
the raw bytes -> 415 content type -> 400 JSON -> 422 schema -> 503 / 202 store.
"""
from dataclasses import dataclass, field

from handlers.inbound import payload as payloads
from handlers.inbound.errors import PayloadTooLarge
from handlers.inbound.headers import dedupe_key, safe_headers
from handlers.inbound.sources import FOXOMS, check_enabled, find_source
from handlers.inbound.store import store_event
from handlers.inbound.verify import check_token, presented_tokens, verify_signature
from handlers.store.events import new_event_id
from schemas.foxoms import schema_for_event
from schemas.incoming import build_schema


@dataclass
class Inbound:
    """What the view read from the request. `read_body(limit)` returns at most limit bytes."""

    kind: str  # "foxoms" or "incoming"
    name: str  # the FoxOMS event name, or the incoming hook's name
    headers: object  # case-insensitive mapping
    query_token: str
    content_type: str
    content_length: int
    read_body: object
    received_ts: float
    extra: dict = field(default_factory=dict)


def identify(rules, rules_error, inbound):
    """Steps 404 and 410: the source name and config."""
    source_name, source = find_source(rules, rules_error, inbound.kind, inbound.name)
    check_enabled(source)
    return source_name, source


def read_limited(inbound, max_bytes):
    """Step 413: refuse by Content-Length first, then read at most max_bytes + 1."""
    if inbound.content_length is not None and inbound.content_length > max_bytes:
        raise PayloadTooLarge(f"body is over {max_bytes} bytes")
    raw = inbound.read_body(max_bytes + 1)
    if len(raw) > max_bytes:
        raise PayloadTooLarge(f"body is over {max_bytes} bytes")
    return raw


def authenticate(source, inbound, raw_body):
    """Step 401: a valid token, and a valid signature when the source is signed."""
    check_token(source["tokens"], presented_tokens(inbound.query_token, inbound.headers))
    if source.get("signing_secret"):
        verify_signature(source["signing_secret"], inbound.headers, raw_body, int(inbound.received_ts))


def parse_and_validate(source, inbound, raw_body):
    """Steps 415, 400, 422: (event name, payload to store)."""
    payloads.check_content_type(inbound.content_type)
    body = payloads.parse_object(raw_body)
    if inbound.kind == FOXOMS:
        record, where = payloads.foxoms_record(body)
        payloads.validate(schema_for_event(inbound.name), record, where)
        return inbound.name, record
    payloads.validate(build_schema(source.get("fields_")), body)
    return payloads.incoming_event_name(body, source.get("event_field")), body


def receive(rules, rules_error, inbound, redis_client, celery_app, queue, max_bytes):
    """Check, store and queue one request: (source name, event id, duplicate)."""
    source_name, source = identify(rules, rules_error, inbound)
    raw_body = read_limited(inbound, max_bytes)
    authenticate(source, inbound, raw_body)
    event_name, payload = parse_and_validate(source, inbound, raw_body)
    event = dict(
        event_id=new_event_id(inbound.received_ts),
        source=source_name,
        name=event_name,
        payload=payload,
        headers=safe_headers(inbound.headers),
        received_ts=inbound.received_ts,
    )
    key = dedupe_key(source_name, event_name, raw_body, inbound.headers)
    event_id, duplicate = store_event(redis_client, celery_app, queue, event, key)
    return source_name, event_id, duplicate
