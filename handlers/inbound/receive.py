"""One inbound request, checked in order and stored: the whole contract, without Flask.

Order: 404 unknown source -> 410 disabled -> 413 size as sent -> Content-Encoding
(415 unsupported, 400 corrupt, 413 size once decoded) -> 401 token, then signature on
the decoded bytes -> 415 content type (the source's `formats`) -> 400 strict JSON or
form -> 422 schema (each element of a batch; lenient types converted) -> 503 / 202 store
(a batch: every element, all or none).
"""
from dataclasses import dataclass, field

from handlers.inbound import payload as payloads
from handlers.inbound.decoding import decode_body
from handlers.inbound.errors import InvalidPayload, PayloadTooLarge
from handlers.inbound.headers import dedupe_key, safe_headers
from handlers.inbound.sources import FOXOMS, check_enabled, find_source
from handlers.inbound.verify import check_token, presented_tokens, verify_signature
from handlers.store.events import new_event_id
from schemas.foxoms import schema_for_event
from schemas.incoming import list_fields


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


def decode(inbound, raw_body, max_bytes):
    """Steps 415 / 400 / 413 of the Content-Encoding: the body as the sender meant it."""
    return decode_body(raw_body, inbound.headers.get("Content-Encoding", ""), max_bytes)


def parse_and_validate(source, inbound, body_bytes):
    """Steps 415, 400, 422: ([(event name, payload to store, dedupe bytes)], batch).

    The dedupe bytes (hashed when the sender gives no message id) are the body for its one
    event, a canonical spelling of the element for each element of a batch.
    """
    body_format = payloads.body_format(inbound.content_type, source.get("formats", [payloads.JSON]))
    specs = source.get("fields_")
    body = payloads.parse_body(body_bytes, body_format, list_fields(specs))
    if inbound.kind == FOXOMS:
        record, where = payloads.foxoms_record(payloads.require_object(body))
        payloads.validate(schema_for_event(inbound.name), record, where)
        return [(inbound.name, record, body_bytes)], False
    lenient = body_format == payloads.FORM or source.get("lenient_types", False)
    schema = source["payload_schemas"]["lenient" if lenient else "strict"]
    batch = bool(source.get("batch")) and isinstance(body, list)
    if not batch:
        return [incoming_event(source, schema, payloads.require_object(body, source.get("batch")), body_bytes)], False
    events, failures = [], {}
    for index, element in enumerate(payloads.batch_elements(body)):
        try:
            events.append(incoming_event(source, schema, element, payloads.canonical_bytes(element)))
        except InvalidPayload as exc:
            failures.update((f"{index}.{name}", why) for name, why in exc.fields.items())
    if failures:
        raise InvalidPayload(f"batch elements fail their schema: {payloads.shown_names(failures)}", failures)
    return events, True


def incoming_event(source, schema, body, dedupe_bytes):
    """(event name, payload as stored, dedupe bytes) of one incoming object."""
    payload = payloads.load_incoming(schema, body)
    return payloads.incoming_event_name(payload, source.get("event_field")), payload, dedupe_bytes


def receive(rules, rules_error, inbound, store, max_bytes):
    """Check, store (in `store`, an InboundStore) and queue one request: (source name,
    [(event id, duplicate)], batch).

    One pair per event: one for a body, one per element of a batch, in order."""
    source_name, source = identify(rules, rules_error, inbound)
    body_bytes = decode(inbound, read_limited(inbound, max_bytes), max_bytes)
    authenticate(source, inbound, body_bytes)
    events, batch = parse_and_validate(source, inbound, body_bytes)
    headers = safe_headers(inbound.headers)
    items = []
    for index, (event_name, payload, dedupe_bytes) in enumerate(events):
        event = dict(
            event_id=new_event_id(inbound.received_ts),
            source=source_name,
            name=event_name,
            payload=payload,
            headers=headers,
            received_ts=inbound.received_ts,
        )
        key = dedupe_key(source_name, event_name, dedupe_bytes, inbound.headers, index if batch else None)
        items.append((event, key, None))
    return source_name, store.store_events(items), batch
