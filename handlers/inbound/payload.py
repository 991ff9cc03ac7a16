"""From raw bytes to a validated payload: content type, JSON, record, schema."""
import json

from marshmallow import ValidationError

from handlers.inbound.errors import InvalidJSON, InvalidPayload, UnsupportedMediaType

DEFAULT_EVENT_NAME = "received"


def check_content_type(content_type):
    """application/json or any application/*+json (e.g. JSON:API), charset allowed."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type == "application/json":
        return
    if media_type.startswith("application/") and media_type.endswith("+json"):
        return
    shown = media_type or "none"
    raise UnsupportedMediaType(f"content type must be application/json, not {shown}")


def parse_object(raw_body):
    """The body as a JSON object, or InvalidJSON."""
    try:
        body = json.loads(raw_body.decode("utf-8"))
    except UnicodeDecodeError:
        raise InvalidJSON("body is not UTF-8") from None
    except ValueError as exc:
        raise InvalidJSON(f"body is not valid JSON: {exc.msg} at position {exc.pos}") from None
    if not isinstance(body, dict):
        raise InvalidJSON(f"body must be a JSON object, not {type(body).__name__}")
    return body


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
    """Raise InvalidPayload naming every failing field (dotted paths) and why."""
    try:
        schema.load(record)
    except ValidationError as exc:
        fields = flatten_messages(exc.messages, where.rstrip("."))
        names = ", ".join(sorted(fields))
        raise InvalidPayload(f"the payload fails its schema: {names}", fields) from None


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
