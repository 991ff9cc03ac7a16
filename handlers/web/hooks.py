"""POST /hooks/foxoms/<event_name> and POST /hooks/incoming/<hook_name>: thin views
over handlers.inbound.receive (verify, validate, store + enqueue, answer 202)."""
import re

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import NotFound

from handlers.errors import ServiceError
from handlers.inbound.receive import Inbound, receive
from handlers.inbound.sources import FOXOMS, INCOMING
from handlers.metrics import HOOKS_ACCEPTED, HOOKS_DUPLICATES, HOOKS_RECEIVED, HOOKS_REJECTED
from handlers.store.codec import now

blueprint = Blueprint("hooks", __name__)
READ_CHUNK_BYTES = 65536
FOXOMS_EVENT_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")  # docs/inbound.md "Endpoints"


@blueprint.post("/hooks/foxoms/<event_name>")
def foxoms_hook(event_name):
    if FOXOMS_EVENT_NAME.fullmatch(event_name) is None:
        raise NotFound("no FoxOMS event by that name: letters, digits, _ . - and at most 100 characters")
    return _receive(FOXOMS, event_name)


@blueprint.post("/hooks/incoming/<hook_name>")
def incoming_hook(hook_name):
    return _receive(INCOMING, hook_name)


def read_stream(stream, limit):
    """At most `limit` bytes from a WSGI input stream, chunked bodies included."""
    parts, size = [], 0
    while size < limit:
        chunk = stream.read(min(READ_CHUNK_BYTES, limit - size))
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
    return b"".join(parts)


def _receive(kind, name):
    headers = request.headers
    inbound = Inbound(
        kind=kind,
        name=name,
        headers=headers,
        query_token=request.args.get("token", ""),
        content_type=headers.get("Content-Type", ""),
        content_length=request.content_length,
        read_body=lambda limit: read_stream(request.stream, limit),
        received_ts=now(),
    )
    extensions = current_app.extensions
    try:
        source, accepted, batch = receive(
            extensions.get("rules"),
            extensions.get("rules_error"),
            inbound,
            extensions["inbound_store"],
            int(current_app.config["MAX_BODY_BYTES"]),
        )
    except ServiceError as exc:
        HOOKS_RECEIVED.labels(_source_label(kind, name)).inc()
        HOOKS_REJECTED.labels(str(exc.status)).inc()
        raise
    HOOKS_RECEIVED.labels(source).inc()
    for _, duplicate in accepted:
        (HOOKS_DUPLICATES if duplicate else HOOKS_ACCEPTED).labels(source).inc()
    return answer(accepted, batch), 202


def answer(accepted, batch):
    """{"event_id", "duplicate"} for one event; {"events": [...]} for a batch."""
    events = [{"event_id": event_id, "duplicate": duplicate} for event_id, duplicate in accepted]
    return jsonify(events=events) if batch else jsonify(events[0])


def _source_label(kind, name):
    """A bounded label: a configured source's name, else "unknown"."""
    rules = current_app.extensions.get("rules")
    if kind == FOXOMS:
        return FOXOMS
    return name if rules is not None and name in rules.sources else "unknown"


def init_app(app):
    app.register_blueprint(blueprint)
