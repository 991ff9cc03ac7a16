"""From decoded bytes to validated payloads: content type, JSON or form, record, schema."""
import json

from marshmallow import ValidationError

from handlers.inbound import strict_json
from handlers.errors import InvalidJSON
from handlers.inbound.errors import InvalidPayload, PayloadTooLarge, UnsupportedMediaType
from handlers.inbound.form import parse_form

DEFAULT_EVENT_NAME = "received"
JSON, FORM = "json", "form"
MEDIA_TYPES = {JSON: "application/json (or application/*+json)", FORM: "application/x-www-form-urlencoded"}
MAX_BATCH_EVENTS = 1000
SHOWN_FIELD_NAMES = 10


def body_format(content_type, formats=(JSON,)):
    """Which of the source's formats the Content-Type names ("json" or "form"), else 415.
    `json` is application/json or any application/*+json (e.g. JSON:API); charset allowed."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json")):
        found = JSON
    elif media_type == "application/x-www-form-urlencoded":
        found = FORM
    else:
        found = None
    if found in formats:
        return found
    shown = media_type[:80] or "none"
    wanted = " or ".join(MEDIA_TYPES[name] for name in formats)
    raise UnsupportedMediaType(f"content type must be {wanted}, not {shown}")


def parse_body(body_bytes, body_format_name, list_fields=()):
    """A form as a dict, or the (strict) JSON value: any JSON type, checked by the caller."""
    if body_format_name == FORM:
        return parse_form(body_bytes, list_fields)
    return strict_json.loads(body_bytes)


def require_object(body, batch=False):
    """The body if it is a JSON object, else InvalidJSON."""
    if not isinstance(body, dict):
        wanted = "a JSON object or an array of objects" if batch else "a JSON object"
        raise InvalidJSON(f"body must be {wanted}, not {type(body).__name__}")
    return body


def batch_elements(body):
    """The elements of a batch (a JSON array of objects): 400 empty, 413 too many, 422
    naming the index of each element that is not an object."""
    if not body:
        raise InvalidJSON("body is an empty array: a batch holds at least one event")
    if len(body) > MAX_BATCH_EVENTS:
        raise PayloadTooLarge(f"a batch holds at most {MAX_BATCH_EVENTS} events, not {len(body)}")
    not_objects = {str(index): ["Not an object."] for index, item in enumerate(body) if not isinstance(item, dict)}
    if not_objects:
        raise InvalidPayload(f"every element of a batch must be a JSON object: {shown_names(not_objects)}", not_objects)
    return body


def canonical_bytes(value):
    """One spelling of a JSON value (sorted keys, no spaces): a batch element's dedupe bytes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def shown_names(fields):
    names = list(fields)
    more = f" and {len(names) - SHOWN_FIELD_NAMES} more" if len(names) > SHOWN_FIELD_NAMES else ""
    return ", ".join(names[:SHOWN_FIELD_NAMES]) + more


def foxoms_record(body):
    """The record in a FoxOMS delivery: (record, where), `where` prefixing error paths.

    Accepted: a bare record, {"data": {...}}, {"data": [{...}]}, and an envelope with
    `event_name` around either form (the path names the event, not the envelope).
    """
    data = body.get("data")
    if isinstance(data, dict):
        return data, "data."
    if isinstance(data, list):
        if len(data) != 1:
            raise InvalidPayload(
                "a delivery carries exactly one record",
                {"data": [f"expected a list holding one record, got {len(data)} items"]},
            )
        if not isinstance(data[0], dict):
            raise InvalidPayload("the record must be a JSON object", {"data.0": ["Not an object."]})
        return data[0], "data.0."
    return body, ""


def validate(schema, record, where=""):
    """The record as loaded (Lenient fields converted); InvalidPayload naming every
    failing field (dotted paths) and why."""
    try:
        return schema.load(record)
    except ValidationError as exc:
        fields = flatten_messages(exc.messages, where.rstrip("."))
        raise InvalidPayload(f"the payload fails its schema: {shown_names(sorted(fields))}", fields) from None


def load_incoming(schema, body):
    """An incoming object as stored: declared fields as the schema loads them (converted
    when lenient), every other field and the key order as sent."""
    return {**body, **validate(schema, body)}


def flatten_messages(messages, where=""):
    """marshmallow's nested messages as {"a.b.0": ["why", ...]}."""
    flat = {}
    if isinstance(messages, dict):
        for name, inner in messages.items():
            path = f"{where}.{name}" if where else str(name)
            flat.update(flatten_messages(inner, path))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        flat[where or "_schema"] = list(messages)
    elif isinstance(messages, list):
        for inner in messages:
            flat.update(flatten_messages(inner, where))
    else:
        flat[where or "_schema"] = [str(messages)]
    return flat


def value_at(payload, path):
    """The value at a dotted path (`a.b.0.c`), or None."""
    node = payload
    for part in path.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def incoming_event_name(payload, event_field):
    """The event name at `event_field` (default "received" when unset or missing)."""
    if not event_field:
        return DEFAULT_EVENT_NAME
    value = value_at(payload, event_field)
    if value is None:
        return DEFAULT_EVENT_NAME
    if isinstance(value, bool) or not isinstance(value, (str, int, float)) or value == "":
        raise InvalidPayload(
            "the event name field is not a string",
            {event_field: ["The event name must be a non-empty string or a number."]},
        )
    return str(value)
